"""Every role signs in through the real form and walks the pages it may reach.

Each visited page is screenshotted to test-results/screenshots/ and checked with axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import World, sent_mail
from flipside.notifications.models import DeliveryAttempt, OutboxMessage

from .conftest import PHONE, Session, sign_in

pytestmark = pytest.mark.browser

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
NEW_PASSWORD = "a long enough passphrase 42"


def start(session: Session, live_server: Any, user: Any) -> None:
    """Sign in as ``user``, check their home page, and keep desktop and phone screenshots."""
    sign_in(session.page, live_server, user.email)
    expect(session.page.get_by_role("heading", level=1)).to_have_text(f"Hello, {user.first_name}")
    session.check("home")
    session.screenshot("home", phone=True)


def walk(session: Session, pages: list[tuple[str, str, str]]) -> None:
    """Visit each (name, path, heading) page: it opens, shows the heading and is accessible.

    Accessibility problems are collected so that one run reports every page's.
    """
    problems: list[str] = []
    for name, path, heading in pages:
        try:
            page = session.goto(path, name)
        except pytest.fail.Exception as failure:
            problems.append(str(failure))
            page = session.page
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def failed_message(world: World) -> OutboxMessage:
    """An update to the mentor that the mail server refused every time."""
    message = OutboxMessage.objects.create(
        kind="stage_changed",
        to=world.mentor.email,
        user=world.mentor,
        scheme=world.scheme,
        subject=f"{world.cohort} is now at the Training stage",
        body_text="Hello Mo,\n\nThe cohort has moved to the Training stage.",
        message_id=f"<smoke.{OutboxMessage.objects.count() + 1}@flipside.test>",
        status=OutboxMessage.Status.FAILED,
        attempts=1,
        last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
    )
    now = timezone.now()
    DeliveryAttempt.objects.create(
        message=message,
        worker="worker-1:4242:ab12cd",
        started_at=now,
        finished_at=now,
        succeeded=False,
        error=message.last_error,
    )
    return message


def coordinator_pages(world: World) -> list[tuple[str, str, str]]:
    scheme, cohort = world.scheme, world.cohort
    message = failed_message(world)
    return [
        ("schemes", reverse("schemes:list"), "Your schemes"),
        ("scheme", reverse("schemes:detail", args=[scheme.pk]), scheme.name),
        ("scheme-edit", reverse("schemes:edit", args=[scheme.pk]), f"Edit {scheme.name}"),
        ("cohort-new", reverse("schemes:cohort_create", args=[scheme.pk]), "Add a cohort"),
        ("cohort", reverse("home:cohort", args=[cohort.pk]), str(cohort)),
        ("cohort-edit", reverse("schemes:cohort_edit", args=[cohort.pk]), f"Edit {cohort}"),
        ("people", reverse("schemes:cohort_people", args=[cohort.pk]), "People in"),
        ("invite", reverse("accounts:invite", args=[cohort.pk]), "Invite someone"),
        ("profile", reverse("accounts:profile"), "Your details"),
        ("password-change", reverse("accounts:password_change"), "Change your password"),
        ("outbox", reverse("notifications:outbox"), "Emails sent and waiting"),
        ("message", reverse("notifications:message", args=[message.pk]), message.subject),
        ("wording", reverse("notifications:wording_list", args=[scheme.pk]), "Email wording"),
        ("report", reverse("reports:cohort", args=[cohort.pk]), "report on"),
        ("scheme-report", reverse("reports:scheme", args=[scheme.pk]), "report across"),
    ]


def test_coordinator_pages(session: Session, live_server: Any, live_world: World) -> None:
    start(session, live_server, live_world.coordinator)
    walk(session, coordinator_pages(live_world))


def test_coordinator_pages_on_a_phone(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    # Tables scroll sideways at this width, which desktop-sized checks cannot see.
    session = new_session(PHONE)
    start(session, live_server, live_world.coordinator)
    walk(session, coordinator_pages(live_world))


def test_organisation_coordinator_pages(
    session: Session, live_server: Any, live_world: World
) -> None:
    start(session, live_server, live_world.org_coordinator)
    walk(session, [("scheme-new", reverse("schemes:create"), "Start a new scheme")])


@pytest.mark.parametrize("persona", ["mentor", "mentee"])
def test_participant_pages(
    session: Session, live_server: Any, live_world: World, persona: str
) -> None:
    user = getattr(live_world, persona)
    start(session, live_server, user)
    expect(session.page.locator(".card")).to_contain_text(str(live_world.cohort))
    walk(
        session,
        [
            ("profile", reverse("accounts:profile"), "Your details"),
            ("password-change", reverse("accounts:password_change"), "Change your password"),
            ("email-choices", reverse("notifications:preferences"), "Email choices"),
            ("privacy", reverse("privacy:page"), "Your privacy"),
        ],
    )


def test_observer_sees_figures_only(session: Session, live_server: Any, live_world: World) -> None:
    start(session, live_server, live_world.observer)
    page = session.goto(reverse("home:cohort", args=[live_world.cohort.pk]), "cohort")
    expect(page.get_by_role("heading", level=1)).to_have_text(str(live_world.cohort))
    text = page.locator("body").inner_text()
    assert "figures only" in text
    found = EMAIL_PATTERN.search(text)
    assert found is None, f"an email address shows on the observer's page: {found.group(0)}"
    for person in (live_world.mentor, live_world.mentee, live_world.cohort_coordinator):
        assert person.display_name not in text


def test_outsider_cannot_see_the_cohort(
    session: Session, live_server: Any, live_world: World
) -> None:
    start(session, live_server, live_world.outsider)
    page = session.goto(reverse("home:cohort", args=[live_world.cohort.pk]), "cohort", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert str(live_world.cohort) not in page.locator("main").inner_text()


def test_signed_out_pages(session: Session, live_world: World) -> None:
    walk(
        session,
        [
            ("sign-in", reverse("accounts:login"), "Sign in to Flipside"),
            ("password-reset", reverse("accounts:password_reset"), "Reset your password"),
        ],
    )
    page = session.goto(
        reverse("accounts:invitation", args=["not-a-real-token"]), "invitation-invalid", status=404
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find this invitation")


def test_form_errors_are_summarised_and_focused(
    session: Session, live_server: Any, live_world: World
) -> None:
    sign_in(session.page, live_server, live_world.coordinator.email)
    page = session.goto(reverse("schemes:cohort_create", args=[live_world.scheme.pk]), "cohort-new")
    page.get_by_label("Academic year").fill("2027/28")
    page.get_by_label("Start date").fill("2027-09-01")
    page.get_by_label("End date").fill("2027-06-30")
    page.get_by_role("button", name="Add cohort").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    expect(page.locator(".field__error")).to_contain_text(
        "The end date must be after the start date."
    )
    expect(page.get_by_label("Academic year")).to_have_value("2027/28")
    session.check("cohort-new-errors")


@pytest.mark.parametrize("url_name", ["accounts:login", "accounts:password_reset"])
def test_skip_link_is_first_and_moves_focus_to_main(
    session: Session, live_world: World, url_name: str
) -> None:
    page = session.goto(reverse(url_name), "page")
    describe = "() => document.activeElement ? document.activeElement.outerHTML : 'nothing'"
    before = page.evaluate(describe)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("(link) => link === document.activeElement"), (
        f"one Tab focused {page.evaluate(describe)}, not the skip link "
        f"(before the Tab, focus was on {before})"
    )
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_be_in_viewport()
    session.screenshot("skip-link-focused")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_invitation_from_invite_to_home(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    coordinator = new_session()
    sign_in(coordinator.page, live_server, live_world.coordinator.email)
    page = coordinator.goto(reverse("accounts:invite", args=[live_world.cohort.pk]), "invite")
    page.get_by_label("Email address").fill("new.student@example.ac.uk")
    page.get_by_label("Student mentor").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invitation sent to new.student@example.ac.uk."
    )
    coordinator.check("people-after-invite")

    # The live server thread sends the email when its transaction commits, before it answers;
    # the locmem outbox is shared by every thread of this process.
    sent = [m for m in sent_mail() if "new.student@example.ac.uk" in m.to]
    assert len(sent) == 1, f"expected one invitation email, got {len(sent_mail())} emails"
    found = re.search(r"https?://\S+/accounts/invitations/[^/\s]+/", sent[0].body)
    assert found is not None, f"no invitation link in:\n{sent[0].body}"
    link = urlsplit(found.group(0)).path

    invitee = new_session()
    page = invitee.goto(link, "accept")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Join {live_world.cohort}")
    page.get_by_label("Your name").fill("Sam Student")
    page.get_by_label("Pronouns").fill("they/them")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam")
    card = page.locator(".card").filter(has_text="Pride Reverse Mentoring 2026/27")
    expect(card.get_by_role("heading")).to_have_text("Pride Reverse Mentoring 2026/27")
    expect(card.locator(".card__meta")).to_contain_text("Student mentor")
    invitee.check("home")
    invitee.screenshot("home", phone=True)

    page = invitee.goto(link, "invitation-used", status=410)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This invitation has already been used"
    )


def test_coordinator_closes_cohort(session: Session, live_server: Any, live_world: World) -> None:
    sign_in(session.page, live_server, live_world.coordinator.email)
    page = session.goto(reverse("home:cohort", args=[live_world.cohort.pk]), "cohort")
    page.get_by_role("button", name="Move to Closed").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Close Pride Reverse Mentoring")
    session.check("cohort-close-confirm")
    page.get_by_role("button", name="Yes, close the cohort").click()
    expect(page.get_by_role("status")).to_contain_text("The cohort is now at the Closed stage.")
    expect(page.locator("[aria-current=step]")).to_have_text("Closed")
    session.check("cohort-closed")


def test_coordinator_previews_and_retries_email(
    session: Session, live_server: Any, live_world: World
) -> None:
    sign_in(session.page, live_server, live_world.coordinator.email)
    url = reverse("notifications:wording_edit", args=[live_world.scheme.pk, "stage_changed"])
    page = session.goto(url, "wording-edit")
    expect(page.get_by_label("Subject")).to_have_value(
        "{{ cohort }} is now at the {{ stage }} stage"
    )
    page.get_by_label("Email text").fill("Hello {{ first_name }},\n\n<b>Next:</b> {{ next_step }}")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("Hello Sam,")
    expect(preview).to_contain_text("<b>Next:</b> Come to the mentor training.")
    session.check("wording-preview")

    page.get_by_label("Email text").fill("Hello {{ name }}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator(".field__error")).to_contain_text("Unknown placeholder: {{ name }}")
    session.check("wording-errors")

    message = failed_message(live_world)
    page = session.goto(reverse("notifications:message", args=[message.pk]), "message-failed")
    page.get_by_role("button", name="Try sending again").click()
    expect(page.get_by_role("status")).to_contain_text("The email will be sent again shortly.")
    expect(page.get_by_role("button", name="Try sending again")).to_have_count(0)
    session.check("message-retried")


def test_outbox_filters_in_place(session: Session, live_server: Any, live_world: World) -> None:
    message = failed_message(live_world)
    sign_in(session.page, live_server, live_world.coordinator.email)
    page = session.goto(reverse("notifications:outbox"), "outbox")
    table = page.locator("#outbox")
    page.get_by_label("Status").select_option(label="Sent")
    expect(table).to_contain_text("No emails match these filters.")
    expect(page).to_have_url(re.compile(r"status=sent"))
    page.get_by_label("Status").select_option(label="Failed")
    expect(table.get_by_role("link", name=message.subject)).to_be_visible()
    session.check("outbox-filtered")
