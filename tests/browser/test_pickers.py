"""Choosing a person with the search picker: type part of a name, pick with the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conftest import World
from flipside.matching.models import PairRule
from flipside.matching.tests.builders import matching_cohort, mentee, mentor

from .conftest import Session, sign_in

pytestmark = pytest.mark.browser


def pick(page: Page, label: str, typed: str, name: str) -> None:
    """Type ``typed`` into the picker labelled ``label``, then choose ``name`` with the keys."""
    box = page.get_by_role("combobox", name=label)
    box.press_sequentially(typed, delay=30)
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox.get_by_role("option", name=name)).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    for _ in range(10):  # at most ten matches are shown
        box.press("ArrowDown")
        if name in (listbox.locator("[aria-selected=true]").text_content() or ""):
            break
    box.press("Enter")
    expect(box).to_have_value(name)
    expect(box).to_have_attribute("aria-expanded", "false")


def test_a_coordinator_picks_people_for_a_rule_with_the_keyboard(
    new_session: Callable[..., Session], live_server: Any, live_world: World
) -> None:
    cohort = matching_cohort(live_world.scheme)
    for name in ("Aisha Begum", "Ben Okafor", "Bella Stone", "Chen Li"):
        mentor(cohort, name)
    staff = {name: mentee(cohort, name) for name in ("Prof Helen Xu", "Dr Ian Yates")}
    coordinator = new_session()
    sign_in(coordinator.page, live_server, live_world.coordinator.email)
    page = coordinator.goto(reverse("matching:overview", args=[cohort.pk]), "overview")

    box = page.get_by_role("combobox", name="Student mentor")
    box.press_sequentially("be", delay=30)
    options = page.locator("#id_rule-mentor_listbox [role=option]")
    expect(options).to_have_count(3)  # Aisha Begum, Bella Stone and Ben Okafor, by name
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "id_rule-mentor_listbox_1")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_contain_text("Bella Stone")
    expect(page.locator("[data-picker-status]").first).to_have_text(
        "3 people found. Use the up and down arrows to choose."
    )
    coordinator.check("picker-open")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.fill("")
    pick(page, "Student mentor", "oka", "Ben Okafor")
    pick(page, "Staff mentee", "yat", "Dr Ian Yates")
    page.get_by_role("radio", name="Never pair these two").check()
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("status")).to_contain_text("will never be proposed as a pair")
    rule = PairRule.objects.get(cohort=cohort)
    assert rule.mentor.display_name == "Ben Okafor" and rule.mentee == staff["Dr Ian Yates"]
    coordinator.check("rule-added")
