from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from conftest import make_user
from flipside.accounts.backends import PasswordBackend, SessionStore

pytestmark = pytest.mark.django_db


def test_a_requests_person_is_the_one_the_orm_reads_while_they_can_sign_in() -> None:
    person = make_user()
    read = PasswordBackend().get_user(person.pk)
    assert read is not None
    for field in person._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(person, field.attname)

    person.is_active = False
    person.save()
    assert PasswordBackend().get_user(person.pk) is None
    assert PasswordBackend().get_user(person.pk + 1000) is None
    assert PasswordBackend().get_user("not a number") is None


def test_a_session_is_served_until_it_expires() -> None:
    person = make_user()
    store = SessionStore()
    store[SESSION_KEY] = str(person.pk)
    store.create()
    key = store.session_key

    assert SessionStore(key).load()[SESSION_KEY] == str(person.pk)

    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new session is started, never the old key reused
    assert SessionStore("no-such-session-key").load() == {}


def test_a_signed_in_page_reads_the_session_and_the_person_in_plain_sql(client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    person = make_user()
    client.force_login(person)
    client.get(reverse("accounts:profile"))  # the first page after sign-in renews the session
    with CaptureQueriesContext(connection) as asked:
        assert client.get(reverse("accounts:profile")).status_code == 200
    first, second = (q["sql"] for q in asked.captured_queries[:2])
    assert "FROM django_session s" in first
    assert "FROM accounts_user u WHERE u.id" in second
