"""Personas and builders shared by every test."""

from __future__ import annotations

import datetime
import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from hypothesis import settings as hypothesis_settings

from flipside.accounts.models import User
from flipside.schemes.models import (
    Cohort,
    Membership,
    Organisation,
    OrganisationCoordinator,
    Role,
    Scheme,
    SchemeCoordinator,
    Site,
    Stage,
)

_counter = itertools.count(1)


# Property tests assert behaviour, never speed: Hypothesis's per-example deadline (200 ms) fails
# a correct test whenever this shared machine stalls, so no property test has one. Timings
# belong in bench/.
hypothesis_settings.register_profile("flipside", deadline=None)
hypothesis_settings.load_profile("flipside")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 is deliberately slow; tests that check hashing itself set it back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``client.force_login(person)`` signs in as if with password and a code: the person gets
    a confirmed authenticator app and the session is marked as having passed the second step,
    so pages tested elsewhere are not all behind the code page. Tests of the second factor
    itself are marked ``real_second_factor`` and get Django's plain ``force_login``."""
    if request.node.get_closest_marker("real_second_factor"):
        return
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    plain = ClientMixin.force_login

    def force_login(self: Any, user: Any, backend: str | None = None) -> None:
        plain(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


def response_text(response: Any) -> str:
    """A page's or a download's text, whether Django streamed it or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def make_user(name: str | None = None, **fields: Any) -> User:
    n = next(_counter)
    email = fields.pop("email", f"person{n}@example.ac.uk")
    password = fields.pop("password", "correct horse battery staple")
    return User.objects.create_user(email, password, display_name=name or f"Person {n}", **fields)


def make_organisation(name: str | None = None) -> Organisation:
    organisation = Organisation.objects.create(name=name or f"Faculty {next(_counter)}")
    Site.objects.create(organisation=organisation, name="Medical School")
    return organisation


def make_scheme(organisation: Organisation | None = None, **fields: Any) -> Scheme:
    values = {"name": f"Scheme {next(_counter)}", "centres": "LGBTQ+ students", **fields}
    return Scheme.objects.create(organisation=organisation or make_organisation(), **values)


def make_cohort(scheme: Scheme | None = None, **fields: Any) -> Cohort:
    values = {
        "label": f"20{next(_counter) % 90 + 10}/xx",
        "starts_on": datetime.date(2026, 9, 1),
        "ends_on": datetime.date(2027, 7, 31),
        "stage": Stage.RUNNING,
        **fields,
    }
    return Cohort.objects.create(scheme=scheme or make_scheme(), **values)


def join(cohort: Cohort, role: str, user: User | None = None) -> User:
    user = user or make_user()
    Membership.objects.create(cohort=cohort, user=user, role=role, sort_name=user.display_name)
    return user


class World:
    """One organisation with a scheme and cohort, a person in each role, and an outsider."""

    def __init__(self) -> None:
        self.organisation = make_organisation("Faculty of Medicine, Test University")
        self.scheme = make_scheme(self.organisation, name="Pride Reverse Mentoring")
        self.cohort = make_cohort(self.scheme, label="2026/27")
        self.coordinator = make_user("Cora Coordinator", email="coordinator@example.ac.uk")
        SchemeCoordinator.objects.create(scheme=self.scheme, user=self.coordinator)
        self.org_coordinator = make_user("Olu Lead", email="lead@example.ac.uk")
        OrganisationCoordinator.objects.create(
            organisation=self.organisation, user=self.org_coordinator
        )
        self.mentor = join(
            self.cohort, Role.MENTOR, make_user("Mo Mentor", email="mentor@example.ac.uk")
        )
        self.mentee = join(
            self.cohort, Role.MENTEE, make_user("Prof Mena Mentee", email="mentee@example.ac.uk")
        )
        self.observer = join(
            self.cohort, Role.OBSERVER, make_user("Obi Observer", email="observer@example.ac.uk")
        )
        self.cohort_coordinator = join(
            self.cohort,
            Role.COORDINATOR,
            make_user("Cy Cohort", email="cohort-coord@example.ac.uk"),
        )
        other_org = make_organisation("Other University")
        self.other_scheme = make_scheme(other_org, name="Elsewhere Scheme")
        self.other_cohort = make_cohort(self.other_scheme, label="2026/27")
        self.outsider = make_user("Otto Outsider", email="outsider@example.ac.uk")
        SchemeCoordinator.objects.create(scheme=self.other_scheme, user=self.outsider)
        self.nobody = make_user("Nadia Nobody", email="nobody@example.ac.uk")


@pytest.fixture
def world(db: Any) -> World:
    return World()


def sent_mail() -> list[Any]:
    """Deliver everything in the outbox, as the worker would, and return what was sent
    (Django's test mailbox)."""
    from django.core import mail

    from flipside.notifications.outbox import process_batch

    while process_batch("test-worker"):
        pass
    return list(getattr(mail, "outbox", []))


def clear_sent_mail() -> None:
    """Deliver and forget everything sent so far."""
    from django.core import mail

    sent_mail()
    mail.outbox.clear()


def bulk_members(cohort: Cohort, role: str, n: int, *, name: str = "Member") -> list[User]:
    """``n`` people in ``role``, made in three queries: for tests of long lists. They cannot
    sign in (no password)."""
    tag, unusable = next(_counter), make_password(None)
    User.objects.bulk_create(
        User(email=f"bulk{tag}-{i:04}@example.ac.uk", display_name=f"{name} {i:04}",
             password=unusable)
        for i in range(n)
    )  # fmt: skip
    # Read back, so every user has its primary key whichever database bulk_create ran on.
    users = list(User.objects.filter(email__startswith=f"bulk{tag}-").order_by("email"))
    Membership.objects.bulk_create(
        Membership(cohort=cohort, user=u, role=role, sort_name=u.display_name) for u in users
    )
    # Made in bulk, without the signals that tell readiness and the pairs page their kept
    # counts no longer hold.
    from flipside.matching import kept
    from flipside.training.readiness import changed

    changed("cohort", cohort.pk)
    kept.changed("cohort", cohort.pk)
    return users


def change_sequences(changes: list[Any], *, max_size: int) -> Any:
    """For the property tests of figures kept between changes: lists of one to ``max_size``
    changes, each with a number it uses to pick whom or what it changes."""
    from hypothesis import strategies as st

    return st.lists(
        st.tuples(st.sampled_from(changes), st.integers(min_value=0, max_value=50)),
        min_size=1,
        max_size=max_size,
    )


def race(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run each action in its own thread, all released at the same moment, each closing its
    own database connection; what each returned or raised, in order (races on PostgreSQL)."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            outcomes[n] = actions[n]()
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcomes[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
