"""Coordinators' email pages: the outbox, one message, retrying, and a scheme's wording."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from conftest import World, join, make_cohort, make_organisation, make_scheme, make_user
from flipside.notifications import rendering
from flipside.notifications.models import DeliveryAttempt, OutboxMessage, TemplateOverride
from flipside.notifications.outbox import enqueue
from flipside.notifications.permissions import mail_schemes, schemes_with_mail_access
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import OrganisationCoordinator, Role, Scheme

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status
_ids = itertools.count(1)
SENTINEL_LINK = "https://flipside.example.ac.uk/accounts/invitations/SECRET-SENTINEL-TOKEN/"


def make_message(scheme: Scheme | None, **fields: Any) -> OutboxMessage:
    n = next(_ids)
    values = {
        "kind": "stage_changed",
        "to": f"person{n}@example.ac.uk",
        "subject": f"Update {n}",
        "body_text": f"Hello number {n}",
        "message_id": f"<test.{n}@flipside.test>",
        **fields,
    }
    return OutboxMessage.objects.create(scheme=scheme, **values)


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


# --- Outbox ------------------------------------------------------------------------------


def test_outbox_lists_the_emails_of_schemes_the_coordinator_runs(
    world: World, client: Client
) -> None:
    ours = make_message(world.scheme, subject="About our cohort")
    make_message(world.other_scheme, subject="About their cohort")
    make_message(None, kind="password_reset", subject="Reset your Flipside password")

    response = signed_in(client, world.coordinator).get(reverse("notifications:outbox"))

    html = response.content.decode()
    assert response.status_code == 200
    assert ours.subject in html and ours.to in strip_tags(html)
    assert "Cohort moves to its next stage" in html  # the kind's label, not its key
    assert "About their cohort" not in html
    assert "Reset your Flipside password" not in html


@pytest.mark.parametrize("persona", ["mentor", "mentee", "observer", "nobody"])
def test_people_who_coordinate_nothing_may_not_see_the_outbox(
    world: World, client: Client, persona: str
) -> None:
    make_message(world.scheme)
    response = signed_in(client, getattr(world, persona)).get(reverse("notifications:outbox"))
    assert response.status_code == 403


def test_a_cohort_coordinator_sees_their_schemes_emails(world: World, client: Client) -> None:
    ours = make_message(world.scheme)
    response = signed_in(client, world.cohort_coordinator).get(reverse("notifications:outbox"))
    assert ours.subject in response.content.decode()


def test_the_outsider_sees_only_their_own_schemes_emails(world: World, client: Client) -> None:
    make_message(world.scheme, subject="About our cohort")
    theirs = make_message(world.other_scheme, subject="About their cohort")
    html = signed_in(client, world.outsider).get(reverse("notifications:outbox")).content.decode()
    assert theirs.subject in html and "About our cohort" not in html


def test_outbox_filters_by_status_kind_recipient_and_scheme(world: World, client: Client) -> None:
    second = make_scheme(world.organisation, name="Race Equality Mentoring")
    failed = make_message(world.scheme, status=Status.FAILED, subject="Failed one")
    invitation = make_message(world.scheme, kind="invitation", subject="Invitation one")
    named = make_message(world.scheme, to="Sam.Rivera@example.ac.uk", subject="Sam's one")
    elsewhere = make_message(second, subject="Second scheme's one")
    signed_in(client, world.org_coordinator)
    url = reverse("notifications:outbox")

    def subjects(**params: Any) -> set[str]:
        rows = client.get(url, params).context["rows"]
        return {message.subject for message, _label in rows}

    assert subjects(status="failed") == {failed.subject}
    assert subjects(kind="invitation") == {invitation.subject}
    assert subjects(recipient="sam.rivera") == {named.subject}
    assert subjects(scheme=second.pk) == {elsewhere.subject}
    assert subjects(status="pending", scheme=world.scheme.pk) == {
        invitation.subject,
        named.subject,
    }


def test_filters_that_are_not_on_offer_are_ignored(world: World, client: Client) -> None:
    ours = make_message(world.scheme)
    make_message(world.other_scheme, subject="About their cohort")
    signed_in(client, world.coordinator)
    for params in [
        {"scheme": world.other_scheme.pk},
        {"status": "exploded"},
        {"kind": "<script>"},
        {"recipient": "nul\x00byte"},
        {"page": "-1"},
        {"page": "9999"},
    ]:
        response = client.get(reverse("notifications:outbox"), params)
        assert response.status_code == 200
        html = response.content.decode()
        assert ours.subject in html and "About their cohort" not in html


def test_outbox_counts_each_status_within_the_other_filters(world: World, client: Client) -> None:
    for _ in range(3):
        make_message(world.scheme, status=Status.SENT)
    make_message(world.scheme, status=Status.FAILED)
    make_message(world.scheme, kind="invitation", status=Status.FAILED)
    make_message(world.other_scheme, status=Status.FAILED)
    signed_in(client, world.coordinator)

    everything = client.get(reverse("notifications:outbox"), {"status": "failed"})
    updates = client.get(reverse("notifications:outbox"), {"kind": "stage_changed"})

    counts = {value: n for value, _label, n in everything.context["counts"]}
    assert counts == {"pending": 0, "sending": 0, "sent": 3, "failed": 2}
    assert {value: n for value, _label, n in updates.context["counts"]}["failed"] == 1
    assert "Waiting to send" in everything.content.decode()


def test_htmx_filter_returns_only_the_table(world: World, client: Client) -> None:
    make_message(world.scheme, status=Status.FAILED, subject="Failed one")
    make_message(world.scheme, status=Status.SENT, subject="Sent one")
    response = signed_in(client, world.coordinator).get(
        reverse("notifications:outbox"), {"status": "failed"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "Failed one" in html and "Sent one" not in html


def test_the_filter_form_offers_only_the_persons_schemes(world: World, client: Client) -> None:
    html = signed_in(client, world.coordinator).get(reverse("notifications:outbox"))
    content = html.content.decode()
    assert f'value="{world.scheme.pk}"' in content
    assert world.other_scheme.name not in content


def test_outbox_shows_fifty_a_page_and_keeps_the_filters_in_page_links(
    world: World, client: Client
) -> None:
    for _ in range(60):
        make_message(world.scheme, status=Status.SENT)
    signed_in(client, world.coordinator)
    url = reverse("notifications:outbox")

    first = client.get(url, {"status": "sent"})
    second = client.get(url, {"status": "sent", "page": 2})

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 10
    html = first.content.decode()
    assert 'aria-label="Pages of emails"' in html
    assert 'href="?status=sent&amp;page=2"' in html
    assert "Page 1 of 2" in html


def test_outbox_queries_stay_bounded(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(60):
        make_message(world.scheme, status=[Status.SENT, Status.FAILED, Status.PENDING][n % 3])
    signed_in(client, world.coordinator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications:outbox"))
    assert len(response.context["rows"]) == 50


def test_outbox_shows_times_in_london_time(world: World, client: Client) -> None:
    summer = datetime.datetime(2026, 7, 1, 11, 5, tzinfo=datetime.UTC)
    make_message(world.scheme, created_at=summer, status=Status.SENT, sent_at=summer)
    html = signed_in(client, world.coordinator).get(reverse("notifications:outbox"))
    assert "1 Jul 2026, 12:05" in strip_tags(html.content.decode())


def test_outbox_rows_show_each_status_last_column_and_escape_the_subject(
    world: World, client: Client
) -> None:
    winter = datetime.datetime(2026, 1, 9, 8, 4, tzinfo=datetime.UTC)
    sent = make_message(world.scheme, status=Status.SENT, sent_at=winter, subject="<b>Hi</b> & bye")
    make_message(world.scheme, status=Status.SENDING, subject="Going", lease_expires_at=winter)
    make_message(world.scheme, status=Status.FAILED, subject="Broken", attempts=5)
    html = signed_in(client, world.coordinator).get(reverse("notifications:outbox"))
    content = html.content.decode()
    link = reverse("notifications:message", args=[sent.pk])
    assert f'<a href="{link}">&lt;b&gt;Hi&lt;/b&gt; &amp; bye</a>' in content
    assert (
        '<time datetime="2026-01-09T08:04:00+00:00"><span class="nowrap">9 Jan 2026,</span>'
        in content
    )
    assert '<span class="tag tag--mail-sending">' in content and "<td>Now</td>" in content
    assert '<span class="tag tag--mail-failed">' in content and "<td>–</td>" in content
    assert '<td class="num">5</td>' in content
    assert "<span>person" in content  # the address wraps only between its parts


def test_an_organisation_coordinator_without_schemes_sees_no_emails(
    world: World, client: Client
) -> None:
    make_message(world.scheme)
    make_message(None, kind="password_reset")
    lead = make_user("Nia New")
    OrganisationCoordinator.objects.create(organisation=make_organisation(), user=lead)
    response = signed_in(client, lead).get(reverse("notifications:outbox"))
    assert response.status_code == 200
    assert "No emails yet" in response.content.decode()
    assert {value: n for value, _label, n in response.context["counts"]}["pending"] == 0


def test_the_recipient_filter_ignores_case_and_matches_wildcards_literally(
    world: World, client: Client
) -> None:
    make_message(world.scheme, to="Sam.Rivera@example.ac.uk", subject="Sam's one")
    make_message(world.scheme, to="sam_x@example.ac.uk", subject="Sam X's one")
    make_message(world.other_scheme, to="sam.rivera@example.ac.uk", subject="Elsewhere")
    signed_in(client, world.coordinator)

    def subjects(recipient: str) -> set[str]:
        response = client.get(reverse("notifications:outbox"), {"recipient": recipient})
        return {message.subject for message, _label in response.context["rows"]}

    assert subjects("SAM.RIVERA") == {"Sam's one"}
    assert subjects("sam_") == {"Sam X's one"}
    assert subjects("%") == set()


def test_a_new_coordinator_is_told_there_are_no_emails_yet(world: World, client: Client) -> None:
    html = signed_in(client, world.coordinator).get(reverse("notifications:outbox"))
    assert "No emails yet" in html.content.decode()


# --- One message -------------------------------------------------------------------------


def test_message_page_shows_details_and_every_try(world: World, client: Client) -> None:
    message = make_message(
        world.scheme,
        status=Status.FAILED,
        attempts=2,
        last_error="SMTPRecipientsRefused: mailbox unavailable",
    )
    for _ in range(2):
        now = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)
        DeliveryAttempt.objects.create(
            message=message,
            worker="web-1:42:abc123",
            started_at=now,
            finished_at=now,
            succeeded=False,
            error="SMTPRecipientsRefused: mailbox unavailable",
        )

    response = signed_in(client, world.coordinator).get(
        reverse("notifications:message", args=[message.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    for text in [message.subject, message.to, world.scheme.name, "web-1:42:abc123"]:
        assert text in html
    assert "&lt;test." in html  # the Message-ID, escaped
    assert html.count("mailbox unavailable") == 3  # last error and each try
    assert "Try sending again" in html
    assert f'<pre class="email-body">{message.body_text}</pre>' in html


@pytest.mark.parametrize("kind", ["invitation", "password_reset", "application_verify"])
def test_bodies_with_single_use_links_are_never_shown(
    world: World, client: Client, kind: str
) -> None:
    message = make_message(
        world.scheme,
        kind=kind,
        body_text=f"Open this link: {SENTINEL_LINK}",
        body_html=f'<a href="{SENTINEL_LINK}">Open</a>',
    )
    response = signed_in(client, world.coordinator).get(
        reverse("notifications:message", args=[message.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "SECRET-SENTINEL-TOKEN" not in html
    assert "This email contains a private sign-in link, so only its recipient can read it." in html


def test_the_recipients_unsubscribe_link_is_not_shown(world: World, client: Client) -> None:
    message = enqueue(
        "stage_changed",
        to=world.mentor.email,
        user=world.mentor,
        scheme=world.scheme,
        values={"cohort": "C", "scheme": "S", "stage": "Training", "next_step": "Go", "link": "L"},
    )
    assert message is not None
    link = message.headers["List-Unsubscribe"].strip("<>")
    assert link in message.body_text

    html = signed_in(client, world.coordinator).get(
        reverse("notifications:message", args=[message.pk])
    )
    content = html.content.decode()
    assert "C has moved to the Training stage." in content
    assert link not in content
    assert "[the recipient&#x27;s unsubscribe link]" in content


@pytest.mark.parametrize("persona", ["mentor", "observer", "outsider", "nobody"])
def test_other_peoples_messages_are_not_found(world: World, client: Client, persona: str) -> None:
    message = make_message(world.scheme)
    response = signed_in(client, getattr(world, persona)).get(
        reverse("notifications:message", args=[message.pk])
    )
    assert response.status_code == 404
    assert message.subject not in response.content.decode()


def test_a_message_about_no_scheme_is_not_found_even_for_coordinators(
    world: World, client: Client
) -> None:
    reset = make_message(None, kind="password_reset")
    response = signed_in(client, world.org_coordinator).get(
        reverse("notifications:message", args=[reset.pk])
    )
    assert response.status_code == 404


def test_a_sent_message_has_no_retry_button(world: World, client: Client) -> None:
    message = make_message(world.scheme, status=Status.SENT)
    html = signed_in(client, world.coordinator).get(
        reverse("notifications:message", args=[message.pk])
    )
    assert "Try sending again" not in html.content.decode()


# --- Retry -------------------------------------------------------------------------------


def test_retrying_a_failed_message_queues_it_again_and_is_audited(
    world: World, client: Client
) -> None:
    message = make_message(world.scheme, status=Status.FAILED, attempts=8)
    signed_in(client, world.coordinator)

    response = client.post(reverse("notifications:retry", args=[message.pk]), follow=True)

    assert response.redirect_chain == [(reverse("notifications:message", args=[message.pk]), 302)]
    assert "The email will be sent again shortly." in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 0)
    entry = AuditEntry.objects.get(action="notifications.message.retried")
    assert (entry.actor, entry.object_id) == (world.coordinator, str(message.pk))


def test_retrying_a_sent_message_is_refused(world: World, client: Client) -> None:
    message = make_message(world.scheme, status=Status.SENT, attempts=1)
    signed_in(client, world.coordinator)

    response = client.post(reverse("notifications:retry", args=[message.pk]), follow=True)

    assert "Only a failed email can be retried" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert not AuditEntry.objects.filter(action="notifications.message.retried").exists()


def test_retry_needs_a_post(world: World, client: Client) -> None:
    message = make_message(world.scheme, status=Status.FAILED)
    response = signed_in(client, world.coordinator).get(
        reverse("notifications:retry", args=[message.pk])
    )
    assert response.status_code == 405
    message.refresh_from_db()
    assert message.status == Status.FAILED


def test_retry_without_a_csrf_token_is_refused(world: World) -> None:
    message = make_message(world.scheme, status=Status.FAILED)
    client = signed_in(Client(enforce_csrf_checks=True), world.coordinator)
    response = client.post(reverse("notifications:retry", args=[message.pk]))
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Status.FAILED


def test_another_organisations_coordinator_cannot_retry(world: World, client: Client) -> None:
    message = make_message(world.scheme, status=Status.FAILED)
    response = signed_in(client, world.outsider).post(
        reverse("notifications:retry", args=[message.pk])
    )
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.status == Status.FAILED


# --- A scheme's wording ------------------------------------------------------------------


def wording_url(world: World, kind: str = "invitation") -> str:
    return reverse("notifications:wording_edit", args=[world.scheme.pk, kind])


def test_wording_list_shows_each_rewordable_kind_and_whose_wording_it_uses(
    world: World, client: Client
) -> None:
    TemplateOverride.objects.create(
        scheme=world.scheme, kind="stage_changed", subject="s", body="b"
    )
    response = signed_in(client, world.coordinator).get(
        reverse("notifications:wording_list", args=[world.scheme.pk])
    )
    html = response.content.decode()
    from flipside.notifications.kinds import KINDS

    rewordable = [key for key, kind in KINDS.items() if kind.overridable]
    listed = [w.kind.key for w in response.context["wordings"]]
    assert listed == rewordable and "application_accepted" in listed
    assert [w.kind.key for w in response.context["wordings"] if w.is_own] == ["stage_changed"]
    assert html.count("Flipside's default") == len(rewordable) - 1 and "Your own" in html
    assert wording_url(world, "stage_changed") in html
    assert wording_url(world, "password_reset") not in html


def test_the_form_starts_from_the_default_wording_with_placeholders(
    world: World, client: Client
) -> None:
    form = signed_in(client, world.coordinator).get(wording_url(world)).context["form"]
    assert form["subject"].value() == "You are invited to join {{ cohort }} on Flipside"
    body = form["body"].value()
    assert body.startswith("{{ inviter }} has invited you to join {{ cohort }} as a {{ role }}.")
    assert "{{ link }}" in body and "{{ expires_on }}" in body
    assert "Unsubscribe" not in body and "--" not in body  # no footer
    assert rendering.wording_problems(form.kind, body) == []


def test_the_form_starts_from_the_schemes_own_wording(world: World, client: Client) -> None:
    TemplateOverride.objects.create(
        scheme=world.scheme, kind="invitation", subject="Join us", body="Our {{ link }}"
    )
    form = signed_in(client, world.coordinator).get(wording_url(world)).context["form"]
    assert (form["subject"].value(), form["body"].value()) == ("Join us", "Our {{ link }}")


def test_the_page_lists_the_placeholders_with_their_meanings(world: World, client: Client) -> None:
    html = signed_in(client, world.coordinator).get(wording_url(world)).content.decode()
    assert "<code>{{ expires_on }}</code>" in html
    assert "The last day the link works" in html


def test_preview_fills_in_samples_and_saves_nothing(world: World, client: Client) -> None:
    signed_in(client, world.coordinator)
    response = client.post(
        wording_url(world),
        {
            "subject": "Welcome to {{ cohort }}",
            "body": "{{ inviter }} asks you to join.\n\nStart here: {{ link }}",
            "action": "preview",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Welcome to Pride Reverse Mentoring 2026/27" in html
    assert "Dr Amara Okafor asks you to join." in html
    assert "<p>Dr Amara Okafor asks you to join.</p>" in html  # the HTML version
    assert 'value="Welcome to {{ cohort }}"' in html  # what was typed stays in the form
    assert not TemplateOverride.objects.exists()


def test_saving_stores_the_wording_and_new_emails_use_it(world: World, client: Client) -> None:
    signed_in(client, world.coordinator)
    response = client.post(
        wording_url(world),
        {"subject": "Welcome to {{ cohort }}", "body": "Join: {{ link }}\r\n", "action": "save"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "notifications:wording_list", args=[world.scheme.pk]
    )
    assert "The new wording is saved." in response.content.decode()
    override = TemplateOverride.objects.get(scheme=world.scheme, kind="invitation")
    assert (override.subject, override.body, override.updated_by) == (
        "Welcome to {{ cohort }}",
        "Join: {{ link }}",
        world.coordinator,
    )
    assert AuditEntry.objects.filter(
        action="notifications.wording.saved", actor=world.coordinator
    ).exists()
    message = enqueue(
        "invitation",
        to="new@example.ac.uk",
        scheme=world.scheme,
        values={"cohort": "Pride 2026/27", "link": "https://x.example/j"},
    )
    assert message is not None
    assert message.subject == "Welcome to Pride 2026/27"
    assert message.body_text.startswith("Join: https://x.example/j")


@pytest.mark.parametrize("action", ["preview", "save"])
@pytest.mark.parametrize(
    ("field", "text", "problem"),
    [
        ("body", "Hello {{ password }}", "Unknown placeholder: {{ password }}"),
        ("body", "{% load static %}Hello", "Write placeholders as {{ name }}"),
        ("subject", "{{ cohort.scheme.organisation }}", "Write placeholders as {{ name }}"),
        ("body", "{{7*7}}", "Write placeholders as {{ name }}"),
    ],
)
def test_wording_with_unknown_placeholders_or_template_code_is_refused(
    world: World, client: Client, action: str, field: str, text: str, problem: str
) -> None:
    data = {"subject": "Join {{ cohort }}", "body": "Open {{ link }}", "action": action}
    data[field] = text
    response = signed_in(client, world.coordinator).post(wording_url(world), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'href="#id_{field}"' in html  # the summary links to the field
    assert response.context["form"].errors[field][0].startswith(problem)
    assert response.context["preview"] is None
    assert text in html  # what was typed is kept
    assert not TemplateOverride.objects.exists()


def test_an_empty_subject_or_one_with_a_line_break_is_refused(world: World, client: Client) -> None:
    signed_in(client, world.coordinator)
    empty = client.post(wording_url(world), {"subject": "", "body": "Hi", "action": "save"})
    broken = client.post(
        wording_url(world), {"subject": "Hi\r\nBcc: x@example.com", "body": "Hi", "action": "save"}
    )
    assert "subject" in empty.context["form"].errors
    assert "subject" in broken.context["form"].errors
    assert not TemplateOverride.objects.exists()


def test_script_in_the_wording_is_stored_as_typed_and_shown_escaped(
    world: World, client: Client
) -> None:
    hostile = "<script>alert(1)</script> {{ link }}"
    signed_in(client, world.coordinator)
    preview = client.post(
        wording_url(world, "stage_changed"),
        {"subject": "<b>Hi</b>", "body": hostile, "action": "preview"},
    )
    client.post(
        wording_url(world, "stage_changed"),
        {"subject": "<b>Hi</b>", "body": hostile, "action": "save"},
    )

    html = preview.content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>Hi</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert TemplateOverride.objects.get(kind="stage_changed").body == hostile
    email = rendering.render(
        "stage_changed", {"link": "https://x.example/"}, scheme_id=world.scheme.pk
    )
    assert "<script>" not in email.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert email.text.startswith(hostile.replace("{{ link }}", "https://x.example/"))


@pytest.mark.parametrize("kind", ["password_reset", "no_such_kind", "INVITATION"])
def test_kinds_that_cannot_be_reworded_are_not_found(
    world: World, client: Client, kind: str
) -> None:
    signed_in(client, world.coordinator)
    assert client.get(wording_url(world, kind)).status_code == 404
    posted = client.post(wording_url(world, kind), {"subject": "x", "body": "y", "action": "save"})
    assert posted.status_code == 404
    assert not TemplateOverride.objects.exists()


@pytest.mark.parametrize("persona", ["cohort_coordinator", "mentor", "outsider"])
def test_only_scheme_coordinators_may_reword_emails(
    world: World, client: Client, persona: str
) -> None:
    signed_in(client, getattr(world, persona))
    listing = client.get(reverse("notifications:wording_list", args=[world.scheme.pk]))
    saved = client.post(wording_url(world), {"subject": "x", "body": "y", "action": "save"})
    assert (listing.status_code, saved.status_code) == (404, 404)
    assert not TemplateOverride.objects.exists()


def test_resetting_goes_back_to_the_default_wording(world: World, client: Client) -> None:
    TemplateOverride.objects.create(scheme=world.scheme, kind="invitation", subject="s", body="b")
    signed_in(client, world.org_coordinator)

    edit = client.get(wording_url(world)).content.decode()
    response = client.post(
        reverse("notifications:wording_reset", args=[world.scheme.pk, "invitation"]), follow=True
    )

    assert "Go back to Flipside's wording" in edit
    assert "Back to the default wording." in response.content.decode()
    assert not TemplateOverride.objects.exists()
    assert AuditEntry.objects.filter(action="notifications.wording.reset").count() == 1


def test_reset_needs_a_post_from_a_scheme_coordinator(world: World, client: Client) -> None:
    TemplateOverride.objects.create(scheme=world.scheme, kind="invitation", subject="s", body="b")
    url = reverse("notifications:wording_reset", args=[world.scheme.pk, "invitation"])
    assert signed_in(client, world.coordinator).get(url).status_code == 405
    assert signed_in(client, world.outsider).post(url).status_code == 404
    assert TemplateOverride.objects.count() == 1


# --- Links to these pages ----------------------------------------------------------------


def test_coordinators_find_the_outbox_and_wording_from_their_pages(
    world: World, client: Client
) -> None:
    signed_in(client, world.coordinator)
    home = client.get(reverse("home")).content.decode()
    scheme = client.get(reverse("schemes:detail", args=[world.scheme.pk])).content.decode()
    assert reverse("notifications:outbox") in home and "Emails sent and waiting" in home
    assert reverse("notifications:wording_list", args=[world.scheme.pk]) in scheme


def test_participants_have_no_outbox_link(world: World, client: Client) -> None:
    home = signed_in(client, world.mentor).get(reverse("home")).content.decode()
    assert reverse("notifications:outbox") not in home


def test_mail_access_follows_every_coordinating_role_and_no_other(world: World) -> None:
    make_scheme(world.organisation, name="Second Scheme")
    # A cohort coordinator of two cohorts of one scheme sees that scheme once.
    join(make_cohort(world.scheme, label="2027/28"), Role.COORDINATOR, world.cohort_coordinator)
    both = make_user("Bea Both")
    join(make_cohort(world.other_scheme), Role.COORDINATOR, both)
    join(world.cohort, Role.COORDINATOR, both)

    def schemes(user: Any) -> list[str]:
        names = sorted(s.name for s in schemes_with_mail_access(user))
        # The outbox page's own reading, in plain SQL, finds the same, in order of name.
        assert [s.name for s in mail_schemes(user)] == names
        return names

    assert schemes(world.coordinator) == ["Pride Reverse Mentoring"]
    assert schemes(world.org_coordinator) == ["Pride Reverse Mentoring", "Second Scheme"]
    assert schemes(world.cohort_coordinator) == ["Pride Reverse Mentoring"]
    assert schemes(both) == ["Elsewhere Scheme", "Pride Reverse Mentoring"]
    assert schemes(world.outsider) == ["Elsewhere Scheme"]
    for person in (world.mentor, world.mentee, world.observer, world.nobody):
        assert schemes(person) == []
