"""Inviting people to a cohort, and accepting, replacing, revoking and renewing invitations."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from conftest import World, clear_sent_mail, make_cohort, make_user, sent_mail
from flipside.accounts import services
from flipside.accounts.models import Invitation, User, hash_token
from flipside.privacy.audit import verify_chain
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Membership, Role

pytestmark = pytest.mark.django_db

NEW_EMAIL = "new.person@example.ac.uk"
PASSWORD = "lantern orchard pebble"
START = datetime.datetime(2026, 10, 5, 9, 0, tzinfo=datetime.UTC)


def token_in(message: mail.EmailMessage) -> str:
    match = re.search(r"/accounts/invitations/([^/\s]+)/", message.body)
    assert match, message.body
    return match.group(1)


def invitation_path(token: str) -> str:
    return reverse("accounts:invitation", args=[token])


def post_invite(client: Client, world: World, email: str = NEW_EMAIL, role: str = "mentor") -> Any:
    return client.post(
        reverse("accounts:invite", args=[world.cohort.pk]), {"email": email, "role": role}
    )


@pytest.fixture
def as_coordinator(client: Client, world: World) -> Client:
    client.force_login(world.coordinator)
    return client


@pytest.fixture
def send(world: World, django_capture_on_commit_callbacks: Any) -> Any:
    """Invite through the service, deliver the email, and return the link's token."""

    def invite(email: str = NEW_EMAIL, role: str = Role.MENTOR, cohort: Any = None) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            services.invite_person(
                cohort or world.cohort, email=email, role=role, by=world.coordinator
            )
        return token_in(sent_mail()[-1])

    return invite


def accept(client: Client, token: str, **overrides: str) -> Any:
    data = {
        "display_name": "Nova Newcomer",
        "pronouns": "they/them",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(invitation_path(token), data)


# --- Sending ------------------------------------------------------------------------------


def test_a_coordinator_invites_someone_and_they_get_one_email_with_a_link(
    as_coordinator: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(as_coordinator, world, "New.Person@Example.AC.uk")

    assert response.status_code == 302
    assert response.url == reverse("schemes:cohort_people", args=[world.cohort.pk])
    invitation = Invitation.objects.pending().get()
    assert (invitation.cohort, invitation.email, invitation.role) == (
        world.cohort,
        NEW_EMAIL,
        "mentor",
    )
    assert invitation.invited_by == world.coordinator
    assert len(sent_mail()) == 1
    message = sent_mail()[0]
    assert message.to == [NEW_EMAIL]
    token = token_in(message)
    assert token in message.alternatives[0][0]
    assert as_coordinator.get(invitation_path(token)).status_code == 200


@pytest.mark.parametrize("who", ["org_coordinator", "cohort_coordinator"])
def test_every_kind_of_coordinator_can_invite(
    client: Client, world: World, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(getattr(world, who))

    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(client, world)

    assert response.status_code == 302
    assert Invitation.objects.pending().filter(email=NEW_EMAIL).count() == 1


def test_the_link_token_is_stored_only_as_a_hash(send: Any) -> None:
    token = send()

    invitation = Invitation.objects.get()
    assert invitation.token_hash == hash_token(token)
    stored = " ".join(str(value) for value in Invitation.objects.values().get().values())
    assert token not in stored


def test_the_invitation_email_is_queued_with_the_invitation_and_then_delivered(
    world: World,
) -> None:
    from flipside.notifications.models import OutboxMessage

    services.invite_person(world.cohort, email=NEW_EMAIL, role=Role.MENTOR, by=world.coordinator)

    queued = OutboxMessage.objects.get()
    assert (queued.kind, queued.to, queued.status) == ("invitation", NEW_EMAIL, "pending")
    assert queued.scheme == world.scheme
    assert len(sent_mail()) == 1
    queued.refresh_from_db()
    assert queued.status == "sent"


def test_a_rolled_back_invitation_emails_nobody(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.invite_person(
                world.cohort, email=NEW_EMAIL, role=Role.MENTOR, by=world.coordinator
            )
            raise RuntimeError("something later in the request failed")

    assert sent_mail() == []
    assert not Invitation.objects.exists()


def test_inviting_the_same_email_twice_leaves_one_pending_invitation_and_only_the_newest_link_works(
    as_coordinator: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post_invite(as_coordinator, world)
        post_invite(as_coordinator, world)

    assert Invitation.objects.pending().filter(cohort=world.cohort, email=NEW_EMAIL).count() == 1
    old_token, new_token = token_in(sent_mail()[0]), token_in(sent_mail()[1])
    assert old_token != new_token
    assert AuditEntry.objects.filter(action="accounts.invitation.replaced").count() == 1

    visitor = Client()
    old = visitor.get(invitation_path(old_token))
    assert old.status_code == 410
    assert "This invitation has been replaced" in old.content.decode()
    assert accept(visitor, old_token).status_code == 410
    assert not User.objects.filter(email=NEW_EMAIL).exists()

    assert accept(visitor, new_token).status_code == 302
    assert User.objects.filter(email=NEW_EMAIL).exists()


def test_inviting_someone_already_in_the_cohort_is_refused_and_keeps_the_typed_email(
    as_coordinator: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(as_coordinator, world, "Mentor@Example.ac.uk", "mentee")

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "is already in this cohort" in content
    assert 'value="Mentor@Example.ac.uk"' in content
    assert not Invitation.objects.exists()
    assert sent_mail() == []


@pytest.mark.parametrize(
    ("email", "role"),
    [
        pytest.param("not-an-email", "mentor", id="invalid email"),
        pytest.param("new.person@example.ac.uk\nBcc: all@example.ac.uk", "mentor", id="line break"),
        pytest.param("new.person@example.ac.uk\r\nBcc: all@example.ac.uk", "mentor", id="CRLF"),
        pytest.param("", "mentor", id="no email"),
        pytest.param(NEW_EMAIL, "superuser", id="unknown role"),
        pytest.param(NEW_EMAIL, "", id="no role"),
    ],
)
def test_bad_invitations_are_refused(
    as_coordinator: Client,
    world: World,
    email: str,
    role: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(as_coordinator, world, email, role)

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Invitation.objects.exists()
    assert sent_mail() == []


@pytest.mark.parametrize("who", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_people_who_do_not_coordinate_the_cohort_cannot_invite(
    client: Client, world: World, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(getattr(world, who))

    with django_capture_on_commit_callbacks(execute=True):
        response = post_invite(client, world)

    assert response.status_code == 404
    assert client.get(reverse("accounts:invite", args=[world.cohort.pk])).status_code == 404
    assert not Invitation.objects.exists()
    assert sent_mail() == []


def test_signed_out_visitors_cannot_invite(client: Client, world: World) -> None:
    response = post_invite(client, world)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Invitation.objects.exists()


def test_a_coordinator_cannot_invite_to_a_cohort_of_another_scheme(
    as_coordinator: Client, world: World
) -> None:
    response = as_coordinator.post(
        reverse("accounts:invite", args=[world.other_cohort.pk]),
        {"email": NEW_EMAIL, "role": "mentor"},
    )

    assert response.status_code == 404
    assert not Invitation.objects.exists()


# --- Accepting as a new person ------------------------------------------------------------


def test_the_invitation_link_shows_the_account_form(client: Client, send: Any) -> None:
    response = client.get(invitation_path(send()))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Create my account" in content
    assert NEW_EMAIL in content


def test_different_passwords_are_refused_and_the_name_and_pronouns_are_kept(
    client: Client, send: Any
) -> None:
    token = send()

    response = accept(client, token, password2=PASSWORD + " typo")

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "The two passwords are different" in content
    assert 'value="Nova Newcomer"' in content
    assert 'value="they/them"' in content
    assert PASSWORD not in content
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_an_empty_name_is_refused_when_accepting(client: Client, send: Any) -> None:
    response = accept(client, send(), display_name="   ")

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_accepting_creates_the_account_joins_the_cohort_and_signs_in(
    client: Client, world: World, send: Any
) -> None:
    token = send()

    response = accept(client, token)

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email=NEW_EMAIL)
    assert (user.display_name, user.pronouns) == ("Nova Newcomer", "they/them")
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser
    membership = Membership.objects.get(user=user)
    assert (membership.cohort, membership.role) == (world.cohort, Role.MENTOR)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == user
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None


def test_the_invited_role_is_the_one_given(client: Client, world: World, send: Any) -> None:
    token = send(role=Role.OBSERVER)

    accept(client, token)

    assert Membership.objects.get(user__email=NEW_EMAIL).role == Role.OBSERVER


def test_extra_fields_when_accepting_change_nothing(
    client: Client, world: World, send: Any
) -> None:
    token = send()

    accept(
        client,
        token,
        email="attacker@example.com",
        role="coordinator",
        is_staff="on",
        is_superuser="on",
    )

    user = User.objects.get(email=NEW_EMAIL)
    assert not user.is_staff and not user.is_superuser
    assert not User.objects.filter(email="attacker@example.com").exists()
    assert Membership.objects.get(user=user).role == Role.MENTOR


def test_an_invitation_link_works_only_once(client: Client, send: Any) -> None:
    token = send()
    accept(client, token)

    again = Client()
    response = again.get(invitation_path(token))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()

    second = accept(again, token, display_name="Second Person")
    assert second.status_code == 410
    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    assert Membership.objects.filter(user__email=NEW_EMAIL).count() == 1


def test_an_unknown_invitation_link_is_not_found(client: Client, world: World) -> None:
    response = client.get(invitation_path("made-up-token"))

    assert response.status_code == 404
    assert "We could not find this invitation" in response.content.decode()


def test_an_expired_invitation_cannot_be_accepted_and_offers_a_new_one(
    client: Client, world: World, send: Any, settings: Any
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        token = send()
        clock.shift(datetime.timedelta(days=settings.INVITATION_VALID_DAYS, seconds=1))

        page = client.get(invitation_path(token))
        posted = accept(client, token)

    assert page.status_code == 410
    content = page.content.decode()
    assert "This invitation has expired" in content
    assert "Ask for a new invitation" in content
    assert reverse("accounts:invitation_request_new", args=[token]) in content
    assert posted.status_code == 410
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_an_invitation_still_works_on_its_last_day(
    client: Client, send: Any, settings: Any
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        token = send()
        clock.shift(
            datetime.timedelta(days=settings.INVITATION_VALID_DAYS) - datetime.timedelta(minutes=1)
        )

        response = accept(client, token)

    assert response.status_code == 302


def test_asking_for_a_new_invitation_emails_the_coordinators_once_a_day(
    client: Client, world: World, send: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    coordinators = {"coordinator@example.ac.uk", "lead@example.ac.uk", "cohort-coord@example.ac.uk"}
    url = ""
    with time_machine.travel(START, tick=False) as clock:
        token = send()
        url = reverse("accounts:invitation_request_new", args=[token])
        clock.shift(datetime.timedelta(days=settings.INVITATION_VALID_DAYS + 1))
        clear_sent_mail()

        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(url)
        assert first.status_code == 200
        assert "We have told your coordinator" in first.content.decode()
        assert sorted(m.to[0] for m in sent_mail()) == sorted(coordinators)
        assert all(NEW_EMAIL in m.subject for m in sent_mail())

        clock.shift(datetime.timedelta(hours=23))
        with django_capture_on_commit_callbacks(execute=True):
            second = client.post(url)
        assert second.status_code == 200
        assert len(sent_mail()) == 3

        clock.shift(datetime.timedelta(hours=2))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)
        assert len(sent_mail()) == 6


def test_asking_for_a_new_invitation_needs_post_and_a_real_link(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("accounts:invitation_request_new", args=["made-up-token"])

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 404

    assert sent_mail() == []


def test_asking_again_for_a_used_invitation_emails_nobody(
    client: Client, send: Any, django_capture_on_commit_callbacks: Any
) -> None:
    token = send()
    accept(Client(), token)
    clear_sent_mail()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:invitation_request_new", args=[token]))

    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert sent_mail() == []


# --- Accepting with an existing account ---------------------------------------------------


@pytest.fixture
def nobody_token(world: World, send: Any) -> str:
    return send(email="nobody@example.ac.uk", role=Role.MENTEE)


def test_an_existing_account_holder_is_asked_to_sign_in(
    client: Client, world: World, nobody_token: str
) -> None:
    response = client.get(invitation_path(nobody_token))

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is already a Flipside account" in content
    assert f"?next={invitation_path(nobody_token)}" in content


def test_a_signed_out_post_cannot_take_over_an_existing_account(
    client: Client, world: World, nobody_token: str
) -> None:
    response = accept(client, nobody_token, password1=PASSWORD, password2=PASSWORD)

    assert response.status_code == 200
    assert not Membership.objects.filter(user=world.nobody).exists()
    world.nobody.refresh_from_db()
    assert not world.nobody.check_password(PASSWORD)
    assert Invitation.objects.pending().count() == 1


def test_the_invited_person_signed_in_joins_the_cohort(
    client: Client, world: World, nobody_token: str
) -> None:
    client.force_login(world.nobody)
    page = client.get(invitation_path(nobody_token))
    assert page.status_code == 200
    assert "Accept invitation" in page.content.decode()
    assert not Membership.objects.filter(user=world.nobody).exists()

    response = client.post(invitation_path(nobody_token))

    assert response.status_code == 302
    assert response.url == reverse("home")
    membership = Membership.objects.get(user=world.nobody)
    assert (membership.cohort, membership.role) == (world.cohort, Role.MENTEE)


def test_someone_else_signed_in_cannot_accept_the_invitation(
    client: Client, world: World, nobody_token: str
) -> None:
    client.force_login(world.outsider)

    response = client.post(invitation_path(nobody_token))

    assert response.status_code == 200
    assert "sent to a different email address" in response.content.decode()
    assert not Membership.objects.filter(
        cohort=world.cohort, user__in=[world.nobody, world.outsider]
    ).exists()
    assert Invitation.objects.pending().count() == 1


def test_someone_signed_in_cannot_accept_an_invitation_for_a_new_account(
    client: Client, world: World, send: Any
) -> None:
    token = send()
    client.force_login(world.outsider)

    response = accept(client, token)

    assert response.status_code == 200
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert not Membership.objects.filter(cohort=world.cohort, user=world.outsider).exists()


# --- Races --------------------------------------------------------------------------------


def test_accepting_the_same_link_twice_creates_one_account_and_one_membership(send: Any) -> None:
    token = send()

    services.accept_invitation_new_account(
        token, display_name="First", pronouns="", password=PASSWORD
    )
    with pytest.raises(services.AccountsError):
        services.accept_invitation_new_account(
            token, display_name="Second", pronouns="", password=PASSWORD
        )

    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    assert User.objects.get(email=NEW_EMAIL).display_name == "First"
    assert Membership.objects.filter(user__email=NEW_EMAIL).count() == 1


def test_an_invitation_is_claimed_once_by_a_signed_in_person(world: World, send: Any) -> None:
    token = send(email="nobody@example.ac.uk")
    services.accept_invitation_as(token, user=world.nobody)

    with pytest.raises(services.AccountsError):
        services.accept_invitation_as(token, user=world.nobody)

    assert Membership.objects.filter(user=world.nobody).count() == 1


# --- Revoking -----------------------------------------------------------------------------


def revoke_url(world: World, invitation: Invitation) -> str:
    return reverse("accounts:invitation_revoke", args=[world.cohort.pk, invitation.pk])


def test_a_revoked_invitation_link_no_longer_works(
    as_coordinator: Client, world: World, send: Any
) -> None:
    token = send()
    invitation = Invitation.objects.get()

    response = as_coordinator.post(revoke_url(world, invitation))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    visitor = Client()
    assert visitor.get(invitation_path(token)).status_code == 410
    assert accept(visitor, token).status_code == 410
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert AuditEntry.objects.filter(
        action="accounts.invitation.revoked", object_id=str(invitation.pk)
    ).exists()


def test_revoking_needs_post(as_coordinator: Client, world: World, send: Any) -> None:
    send()
    invitation = Invitation.objects.get()

    assert as_coordinator.get(revoke_url(world, invitation)).status_code == 405
    assert Invitation.objects.pending().count() == 1


@pytest.mark.parametrize("who", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_people_who_do_not_coordinate_the_cohort_cannot_revoke(
    client: Client, world: World, send: Any, who: str
) -> None:
    token = send()
    client.force_login(getattr(world, who))

    response = client.post(revoke_url(world, Invitation.objects.get()))

    assert response.status_code == 404
    assert Invitation.objects.pending().count() == 1
    assert Client().get(invitation_path(token)).status_code == 200


def test_an_invitation_cannot_be_revoked_through_another_cohort(
    client: Client, world: World, send: Any
) -> None:
    other = make_cohort(world.other_scheme)
    send(cohort=other)
    client.force_login(world.coordinator)

    response = client.post(
        reverse("accounts:invitation_revoke", args=[world.cohort.pk, Invitation.objects.get().pk])
    )

    assert response.status_code == 404
    assert Invitation.objects.pending().count() == 1


# --- The emails ---------------------------------------------------------------------------


def test_the_invitation_email_escapes_the_inviter_name_in_html(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    inviter = make_user("<script>alert(1)</script>")
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(world.cohort, email=NEW_EMAIL, role=Role.MENTOR, by=inviter)

    html = sent_mail()[0].alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script> has invited you" in sent_mail()[0].body


def test_the_invitation_subject_shows_the_scheme_name_as_written(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.scheme.name = "Pride & Allies"
    world.scheme.save()
    cohort = type(world.cohort).objects.get(pk=world.cohort.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(cohort, email=NEW_EMAIL, role=Role.MENTOR, by=world.coordinator)

    assert sent_mail()[0].subject == "You are invited to join Pride & Allies 2026/27 on Flipside"


def test_the_new_invitation_request_subject_shows_the_address_as_written(
    world: World, send: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        token = send(email="o'brien@example.ac.uk")
        clock.shift(datetime.timedelta(days=settings.INVITATION_VALID_DAYS + 1))
        clear_sent_mail()
        with django_capture_on_commit_callbacks(execute=True):
            services.request_new_invitation(token)

    assert sent_mail()[0].subject == "o'brien@example.ac.uk needs a new Flipside invitation"


# --- Audit --------------------------------------------------------------------------------


def test_sending_and_accepting_an_invitation_are_audited(
    client: Client, world: World, send: Any
) -> None:
    token = send()
    invitation = Invitation.objects.get()
    accept(client, token)

    entries = AuditEntry.objects.filter(
        object_type="accounts.invitation", object_id=str(invitation.pk)
    )
    sent = entries.get(action="accounts.invitation.sent")
    accepted = entries.get(action="accounts.invitation.accepted")
    assert sent.actor == world.coordinator
    assert sent.details == {"email": NEW_EMAIL, "role": "mentor"}
    assert accepted.actor == User.objects.get(email=NEW_EMAIL)
    assert verify_chain() == []
