"""A mentor's privacy page: their consents listed, one withdrawn in one click, then left out of
equality monitoring and let back in. Every state of the page is checked by axe-core."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from playwright.sync_api import expect

from conftest import World, make_cohort
from flipside.privacy.consent import is_left_out
from flipside.privacy.models import EqualityRecord
from flipside.privacy.services import save_equality_answers

from .conftest import Session, sign_in


def test_a_mentor_withdraws_a_consent_and_leaves_equality_monitoring(
    session: Session, live_server: Any, live_world: World
) -> None:
    world = live_world
    later = make_cohort(world.scheme, label="2027/28")
    for cohort in (world.cohort, later):
        save_equality_answers(
            world.mentor, cohort, answers={"ethnicity": "asian"}, consent=True, asked=["ethnicity"]
        )
    sign_in(session.page, live_server, world.mentor.email)

    page = session.goto(reverse("privacy:page"), "privacy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your privacy")
    session.screenshot("privacy", phone=True)

    section = page.get_by_role("region", name=f"Equality monitoring in {later}")
    section.get_by_role("button", name="Withdraw my consent and delete my answers").click()
    expect(page.locator(".messages")).to_contain_text("You have withdrawn your consent.")
    session.check("privacy-withdrawn")
    assert not EqualityRecord.objects.filter(cohort=later).exists()
    assert EqualityRecord.objects.filter(cohort=world.cohort).exists()

    page.get_by_role("button", name="Leave me out of equality monitoring").click()
    expect(page.locator(".messages")).to_contain_text("left out of equality monitoring")
    session.check("privacy-left-out")
    assert not EqualityRecord.objects.exists()
    assert is_left_out(world.mentor)

    page.get_by_role("button", name="Ask me the questions again").click()
    expect(page.get_by_role("button", name="Leave me out of equality monitoring")).to_be_visible()
    assert not is_left_out(world.mentor)
