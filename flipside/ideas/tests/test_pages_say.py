"""What the register's pages and emails say: who reads the experience behind an idea, in
which stages an idea can be recorded (the link and the page agree), what to do when a field
is missing, the sign-in page's own words in emails, and people's text isolated so that
direction-override characters cannot reorder the page around it."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import World, response_text
from flipside.ideas import offers
from flipside.ideas.models import Status
from flipside.ideas.services import owners
from flipside.matching.models import Pair
from flipside.schemes.models import Membership, Stage

from .builders import accepted, an_idea, moved

pytestmark = pytest.mark.django_db

EXPERIENCE = "What happened at the ward round"
DJANGO_DEFAULT = "This field is required."
# A browser's empty form still sends its CSRF token (``request.POST or None`` reads a post
# without any field as no post at all).
EMPTY = {"csrfmiddlewaretoken": "sent by every form"}


# --- Who reads the experience behind an idea ---------------------------------------------


def test_the_experience_hint_names_everyone_who_can_read_it(world: World, client: Any) -> None:
    """The hint on the form names each kind of person the idea's page shows the experience
    to: coordinators, the owner, and the proposers, the partner included."""
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    client.force_login(world.mentor)
    form = response_text(client.get(reverse("ideas:record", args=[world.cohort.pk])))
    hint = unescape(form).split("The experience behind it", 1)[1]
    for who in ("coordinators", "owner", "your partner", "merged into it"):
        assert who in hint[:600], who
    assert "Only the coordinators and the idea's owner" not in form

    idea = an_idea(world, experience=EXPERIENCE)  # raised by the mentor with the mentee
    idea = owners.invite_owner(idea, by=world.coordinator, name="Dean Owner",
                               email="dean@example.ac.uk", version=idea.version)  # fmt: skip
    assert idea.owner is not None
    readers = {
        "coordinator": world.coordinator,
        "cohort's coordinator": world.cohort_coordinator,
        "owner": idea.owner,
        "proposer": world.mentor,
        "partner": world.mentee,
    }
    for who, person in readers.items():
        client.force_login(person)
        page = response_text(client.get(reverse("ideas:idea", args=[idea.pk])))
        assert EXPERIENCE in page, who
    for person in (world.observer, world.outsider):
        client.force_login(person)
        assert client.get(reverse("ideas:idea", args=[idea.pk])).status_code == 404


def test_the_coordinators_form_does_not_speak_of_a_partner(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    form = unescape(response_text(client.get(reverse("ideas:record", args=[world.cohort.pk]))))
    hint = form.split("The experience behind it", 1)[1][:600]
    assert "coordinators" in hint and "owner" in hint and "partner" not in hint


def test_no_hint_says_optional_beside_a_label_that_does(world: World, client: Any) -> None:
    idea = an_idea(world)
    for person, url in (
        (world.mentor, reverse("ideas:record", args=[world.cohort.pk])),
        (world.coordinator, reverse("ideas:idea", args=[idea.pk])),
    ):
        client.force_login(person)
        page = response_text(client.get(url))
        assert "(optional)" in page
        assert not re.search(r'class="field__hint[^"]*"[^>]*>\s*Optional', page), url


# --- Recording: the link and the page agree, stage by stage -------------------------------


def _record_links(world: World, person: Any) -> list[str]:
    mine = list(Membership.objects.filter(user=person, cohort=world.cohort).select_related(
        "cohort__scheme"
    ))  # fmt: skip
    found = offers.participant_offers(person, mine)
    return [link.url for offer in found.values() for link in offer.links]


@pytest.mark.parametrize("stage", Stage.values)
def test_an_idea_can_be_recorded_exactly_where_the_link_to_record_it_shows(
    stage: str, world: World, client: Any
) -> None:
    """While the cohort runs and after it closes (ideas come up at the final reflection
    meeting), mentors, mentees and coordinators are offered the page and it opens; in any
    other stage neither."""
    world.cohort.stage = stage
    world.cohort.save(update_fields=["stage"])
    url = reverse("ideas:record", args=[world.cohort.pk])
    expected = stage in (Stage.RUNNING, Stage.CLOSED)
    for person in (world.mentor, world.mentee):
        client.force_login(person)
        assert (url in _record_links(world, person)) == expected, person
        assert client.get(url).status_code == (200 if expected else 404)
    for person in (world.coordinator, world.cohort_coordinator):
        client.force_login(person)
        sections = offers.cohort_sections(world.cohort, can_manage=True)
        cohort_page = response_text(client.get(reverse("home:cohort", args=[world.cohort.pk])))
        assert bool(sections) == expected
        assert (f'href="{url}"' in cohort_page) == expected
        assert client.get(url).status_code == (200 if expected else 404)
    client.force_login(world.observer)
    assert client.get(url).status_code == 404


# --- What to do when a field is missing -----------------------------------------------


def _said(response: Any) -> str:
    assert response.status_code == 200
    page = unescape(response_text(response))
    assert DJANGO_DEFAULT not in page
    return page


def test_every_missing_field_of_the_register_says_what_to_do(world: World, client: Any) -> None:
    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    record = reverse("ideas:record", args=[world.cohort.pk])
    client.force_login(world.mentor)
    page = _said(client.post(record, EMPTY))
    for message in (
        "Enter a title for the idea.",
        "Say what should change, and who could change it.",
        "Choose the area the idea is about.",
        "Choose who could make the change",
        "Choose who is putting this idea forward.",
    ):
        assert page.count(message) >= 2, message  # beside the field and in the summary
    assert "This page was incomplete or out of date. Reload it and try again." in page
    client.force_login(world.coordinator)
    page = _said(client.post(record, EMPTY))
    assert page.count("Enter a title for the idea.") >= 2

    idea = an_idea(world)
    an_idea(world, title="Another", pair=False)
    page = _said(client.post(reverse("ideas:status", args=[idea.pk]), EMPTY))
    assert page.count("Choose the idea's new status.") >= 2
    owner = reverse("ideas:owner", args=[idea.pk])
    page = _said(client.post(owner, {"action": "invite"}))
    for message in ("Enter the new owner's name.", "Enter the new owner's work email address."):
        assert page.count(message) >= 2, message
    page = _said(client.post(owner, {"action": "pick"}))
    assert page.count("Search for the owner by name or email address, then choose them.") >= 2
    page = _said(client.post(reverse("ideas:merge", args=[idea.pk]), EMPTY))
    assert page.count("Choose the idea to keep.") >= 2


# --- The sign-in page's own words ------------------------------------------------------


def test_emails_name_the_sign_in_pages_links_as_the_page_does(client: Any) -> None:
    """Every email that sends people to a link on the sign-in page quotes the link's own
    words (the owner's invitation once said "Forgot your password?")."""
    sign_in = unescape(response_text(client.get(reverse("accounts:login"))))
    emails = Path(settings.BASE_DIR, "templates", "emails")
    quoted = re.compile(r"“([^”]+)”[^“]{0,20}on the sign-in page")
    checked = 0
    for template in sorted(emails.glob("*_body.*")):
        for words in quoted.findall(template.read_text()):
            checked += 1
            assert words in sign_in, (template.name, words)
    assert checked >= 2  # the owner's invitation, as text and as HTML


# --- People's text isolated -----------------------------------------------------------

RLO = "\u202e"
VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area"})


class _Isolation(HTMLParser):
    """For each piece of text holding ``marker``: whether an enclosing element isolates it
    (``dir`` set, or ``<bdi>``)."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.stack, self.found = marker, [(None, False)], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        isolates = tag == "bdi" or dict(attrs).get("dir") == "auto"
        self.stack.append((tag, self.stack[-1][1] or isolates))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.marker in data:
            self.found.append(self.stack[-1][1])


def isolated(page: str, marker: str) -> list[bool]:
    parser = _Isolation(marker)
    parser.feed(page)
    return parser.found


def test_text_with_a_direction_override_is_isolated_wherever_it_is_shown(
    world: World, client: Any
) -> None:
    said = {
        "description": f"Describe {RLO}gnirts-noitpircsed",
        "experience": f"It happened {RLO}gnirts-ecneirepxe",
        "note": f"Noted {RLO}gnirts-eton",
        "reason": f"Declined {RLO}gnirts-nosaer",
    }
    idea = an_idea(world, description=said["description"], experience=said["experience"])
    idea = moved(idea, world.coordinator, Status.CONSIDERING, note=said["note"])
    declined = an_idea(world, title="Declined", description=said["description"])
    moved(declined, world.coordinator, Status.NOT_TAKEN, reason=said["reason"])
    done = accepted(world, an_idea(world, title="Done one"), world.mentee)
    done = moved(done, world.mentee, Status.IN_PROGRESS, Status.DONE,
                 outcome=f"Done {RLO}gnirts-emoctuo")  # fmt: skip
    said["outcome"] = f"Done {RLO}gnirts-emoctuo"
    client.force_login(world.coordinator)
    pages = {
        "idea": response_text(client.get(reverse("ideas:idea", args=[idea.pk]))),
        "declined": response_text(client.get(reverse("ideas:idea", args=[declined.pk]))),
        "done": response_text(client.get(reverse("ideas:idea", args=[done.pk]))),
        "board": response_text(client.get(reverse("ideas:board", args=[world.organisation.pk]))),
    }
    shown = 0
    for name, page in pages.items():
        for field, text in said.items():
            found = isolated(page, text.split(RLO)[1])
            shown += len(found)
            assert all(found), (name, field)
    assert shown >= 8  # each text on its idea's page, and on the board where it belongs
