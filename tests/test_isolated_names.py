"""Every person's name is shown isolated (inside ``<bdi>``), on every page and in every HTML
email, so that even a right-to-left name cannot reorder the text around it.

The test gives everyone Arabic or Hebrew names, opens every URL as each role, and looks for
each word of each name in the text of the page: outside a ``<bdi>`` (or an element with a
``dir`` attribute) it fails. Text composed in Python isolates names with ``lib.text.isolate``
(U+2068 … U+2069), which counts too. Attributes, ``<title>`` and ``<option>`` hold plain text
only and are left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, response_text, sent_mail
from flipside.accounts.services import invite_person
from flipside.matching.services import end_pair
from flipside.matching.services.publication import _introduce
from flipside.recruitment.services import add_note
from flipside.schemes.models import Role
from flipside.training.models import Booking
from tests.test_access_matrix import (
    all_url_names,
    matrix_application,
    matrix_concern,
    matrix_matching,
    matrix_session,
    url_for,
)

NAMES = {
    "coordinator": "سارا منصور",
    "org_coordinator": "رنا خليل",
    "cohort_coordinator": "יעל לוי",
    "mentor": "ليلى حداد",
    "mentee": "Prof נועה כהן",
    "observer": "عمر فاروق",
}
PRONOUNS = {"mentor": "هي", "mentee": "היא"}
WORDS = sorted(
    {word for name in [*NAMES.values(), *PRONOUNS.values()] for word in name.split()} - {"Prof"}
)
ISOLATED_TEXT = re.compile("\u2068[^\u2068\u2069]*\u2069")
PLAIN_TEXT_ONLY = {"title", "option", "textarea", "script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class NameFinder(HTMLParser):
    """Collects the words of names found in text that is not isolated."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # (tag, isolates)
        self.loose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append((tag, tag == "bdi" or any(name == "dir" for name, _ in attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        tags = {tag for tag, _ in self.open}
        if tags & PLAIN_TEXT_ONLY or any(isolates for _, isolates in self.open):
            return
        data = ISOLATED_TEXT.sub("", data)  # text isolated by lib.text.isolate
        self.loose += [f"{word!r} in {data.strip()[:80]!r}" for word in WORDS if word in data]


def loose_names(html: str) -> list[str]:
    finder = NameFinder()
    finder.feed(html)
    return finder.loose


def name_everyone(world: World) -> None:
    for role, name in NAMES.items():
        person = getattr(world, role)
        person.display_name, person.pronouns = name, PRONOUNS.get(role, "")
        person.save(update_fields=["display_name", "pronouns"])


@pytest.fixture
def named_world(world: World) -> World:
    """Everyone with a right-to-left name, and something for every page to show."""
    name_everyone(world)
    add_note(matrix_application(world), author=world.coordinator, text="A note")
    Booking.objects.create(session=matrix_session(world), user=world.mentor)
    matrix_concern(world)
    matrix_matching(world)
    return world


text_of = response_text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "cohort_coordinator", "mentor", "mentee"])
def test_every_page_shows_names_isolated(role: str, named_world: World, client: Client) -> None:
    client.force_login(getattr(named_world, role))
    found = []
    for name in all_url_names():
        response = client.get(url_for(name, named_world))
        if "html" in response.get("Content-Type", ""):
            found += [f"{name}: {loose}" for loose in loose_names(text_of(response))]
    assert found == []


@pytest.mark.django_db
def test_the_people_page_wraps_names_and_pronouns(named_world: World, client: Client) -> None:
    client.force_login(named_world.coordinator)

    page = text_of(client.get(reverse("schemes:cohort_people", args=[named_world.cohort.pk])))

    assert "<bdi>ليلى حداد</bdi>" in page and "(<bdi>هي</bdi>)" in page
    assert "<bdi>Prof נועה כהן</bdi>" in page


@pytest.mark.django_db
def test_the_partner_page_wraps_the_partners_name(named_world: World, client: Client) -> None:
    client.force_login(named_world.mentee)

    page = text_of(client.get(reverse("matching:partner", args=[named_world.cohort.pk])))

    assert "<bdi>ليلى حداد</bdi>" in page
    assert "<bdi>ليلى</bdi> gets in touch first." not in page  # the senior partner does
    assert "You get in touch first." in page


@pytest.mark.django_db
def test_emails_wrap_names_in_their_html_body(named_world: World) -> None:
    from flipside.matching.models import Pair

    invite_person(
        named_world.cohort, email="new@example.ac.uk", role=Role.MENTOR, by=named_world.coordinator
    )
    pair = Pair.objects.get()
    _introduce(pair)
    end_pair(pair, by=named_world.coordinator, reason="Moving away")
    messages = sent_mail()

    assert messages
    for message in messages:
        html = message.alternatives[0][0]
        assert loose_names(html) == [], message.subject
    assert any("<bdi>سارا منصور</bdi> has invited you" in m.alternatives[0][0] for m in messages)
    assert any("<strong><bdi>ليلى حداد</bdi></strong>" in m.alternatives[0][0] for m in messages)


def test_the_finder_sees_a_loose_name_and_passes_an_isolated_one() -> None:
    assert loose_names("<p>Hello ليلى حداد</p>") != []
    assert loose_names("<p>Hello <bdi>ليلى حداد</bdi></p>") == []
    assert loose_names('<p dir="auto">ليلى</p><title>ليلى</title>') == []
    assert loose_names('<a title="ليلى">x</a>') == []
    assert loose_names("<p>Hello \u2068ليلى\u2069, welcome</p>") == []
