"""A coordinator writes the handbook and ground rules; a mentor reads, acknowledges and
accepts them. Every page is checked by axe-core and screenshotted (the handbook in print too)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import World
from flipside.training import services
from flipside.training.models import AgreementAcceptance, HandbookAcknowledgement

from .conftest import SCREENSHOTS, Session, sign_in

pytestmark = pytest.mark.browser

HANDBOOK = """Welcome to the scheme. Read this before your first meeting.

## How the scheme works

Each pair meets at least six times.

## Confidentiality

What is said in a meeting stays there, unless someone is at risk.

### If something goes wrong

- Talk to your coordinator
- Or email [the wellbeing team](mailto:wellbeing@example.ac.uk)

See [the university's policy](https://example.ac.uk/policy).
"""


def test_coordinator_publishes_and_mentor_acknowledges_and_accepts(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    scheme = live_world.scheme
    coordinator = new_session()
    sign_in(coordinator.page, live_server, live_world.coordinator.email)

    page = coordinator.goto(reverse("schemes:detail", args=[scheme.pk]), "scheme")
    page.get_by_role("link", name="Handbook", exact=True).click()
    expect(page.get_by_text("There is no handbook for this scheme yet.")).to_be_visible()
    coordinator.check("no-handbook")

    page.get_by_role("link", name="Write the handbook").click()
    expect(page.get_by_label("This is a significant change")).to_be_checked()
    page.get_by_label("Handbook text").fill(HANDBOOK)
    page.get_by_label("What changed").fill("First version")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview")
    expect(preview.get_by_role("heading", name="Confidentiality")).to_be_visible()
    expect(preview.get_by_role("navigation", name="Contents")).to_be_visible()
    coordinator.check("handbook-preview")

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 of the handbook is published.")
    coordinator.check("handbook-coordinator")

    page.get_by_role("link", name="All versions").click()
    expect(page.get_by_text("0 of 2 mentors and mentees have read version 1")).to_be_visible()
    coordinator.check("handbook-versions")

    page = coordinator.goto(reverse("training:agreement_edit", args=[scheme.pk]), "rules-edit")
    page.get_by_label("Ground rules").fill(
        "## Confidentiality\n\nKeep what you hear to yourself.\n\n## Respect\n\nEither of you "
        "may pause the pairing."
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview").get_by_text("Keep what you hear")).to_be_visible()
    coordinator.check("rules-preview")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 of the ground rules")

    mentor = new_session()
    sign_in(mentor.page, live_server, live_world.mentor.email)
    page = mentor.goto(reverse("training:handbook", args=[scheme.pk]), "handbook-mentor")
    toc = page.get_by_role("navigation", name="Contents")
    expect(toc.get_by_role("link", name="Confidentiality")).to_be_visible()
    expect(toc.get_by_role("link", name="If something goes wrong")).to_be_visible()
    expect(page.get_by_text("First version")).to_be_visible()
    toc.get_by_role("link", name="Confidentiality").click()
    expect(page).to_have_url(re.compile("#section-confidentiality$"))
    mentor.screenshot("handbook-mentor", phone=True)

    page.emulate_media(media="print")
    page.screenshot(
        path=str(SCREENSHOTS / f"{mentor.test_name}-handbook-print.png"), full_page=True
    )
    expect(page.get_by_text("Please read this version")).to_be_hidden()
    expect(page.get_by_role("button", name="I have read this version")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    page.emulate_media(media="screen")

    page.get_by_role("button", name="I have read this version of the handbook").click()
    expect(page.get_by_role("status")).to_contain_text("You have confirmed that you read")
    expect(page.get_by_text("You acknowledged version 1 on")).to_be_visible()
    mentor.check("handbook-acknowledged")

    page = mentor.goto(reverse("training:agreement", args=[scheme.pk]), "rules-mentor")
    page.get_by_role("button", name="I accept these ground rules").click()
    expect(page.get_by_text("You accepted version 1 on")).to_be_visible()
    mentor.check("rules-accepted")

    assert HandbookAcknowledgement.objects.filter(user=live_world.mentor).count() == 1
    assert AgreementAcceptance.objects.filter(user=live_world.mentor).count() == 1
    assert services.current_handbook(scheme) is not None
