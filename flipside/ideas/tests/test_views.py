"""The register's pages: who reaches what, what the board shows and hides, forms that keep
their input, text shown escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import World, make_user, response_text
from flipside.ideas.models import Idea, IdeaChange, IdeaSettings, Status
from flipside.ideas.services import ideas, owners

from .builders import accepted, an_idea, moved, owned, owner_row

pytestmark = pytest.mark.django_db

EXPERIENCE = "SENTINEL-EXPERIENCE-7731"
SCRIPT = '<script>alert("x")</script>'


def board_url(world: World) -> str:
    return reverse("ideas:board", args=[world.organisation.pk])


def test_a_mentor_records_an_idea_with_their_partner(world: World, client: Any) -> None:
    from flipside.matching.models import Pair

    Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    client.force_login(world.mentor)
    url = reverse("ideas:record", args=[world.cohort.pk])
    form = client.get(url).context["form"]
    data = {
        "title": SCRIPT,
        "description": "Change {{7*7}}",
        "area": "assessment",
        "level": "organisational",
        "experience": "",
        "way": "pair",
        "named": "on",
        "submit_key": form.initial["submit_key"],
    }
    response = client.post(url, data)
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "ideas:idea", args=[idea.pk]
    )
    assert idea.title == SCRIPT  # stored as typed
    assert set(idea.proposers.values_list("user_id", flat=True)) == {
        world.mentor.pk,
        world.mentee.pk,
    }
    client.post(url, data)  # a double submit
    assert Idea.objects.count() == 1
    page = response_text(client.get(response["Location"]))
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_a_bad_form_keeps_its_input_and_names_the_fields(world: World, client: Any) -> None:
    client.force_login(world.mentor)
    url = reverse("ideas:record", args=[world.cohort.pk])
    response = client.post(
        url,
        {
            "title": "Kept title",
            "description": "",
            "area": "nowhere",
            "level": "individual",
            "way": "anonymous",
            "named": "on",
            "submit_key": "k",
        },
    )
    assert response.status_code == 200
    page = response_text(response)
    assert "There is a problem" in page and 'value="Kept title"' in page
    assert set(response.context["form"].errors) == {"description", "area", "named"}
    assert not Idea.objects.exists()


def test_a_coordinator_enters_an_idea_from_a_reflection_event(world: World, client: Any) -> None:
    import datetime

    from django.utils import timezone

    from flipside.partnerships.models import ReflectionEvent

    event = ReflectionEvent.objects.create(
        cohort=world.cohort,
        title="Mid-point",
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )
    client.force_login(world.coordinator)
    url = reverse("ideas:record", args=[world.cohort.pk])
    key = client.get(url).context["form"].initial["submit_key"]
    client.post(
        url,
        {
            "title": "From the event",
            "description": "D",
            "area": "estates",
            "level": "organisational",
            "event": event.pk,
            "submit_key": key,
        },
    )
    idea = Idea.objects.get()
    assert idea.event == event and idea.source == "event" and not idea.proposers.exists()


def test_the_board_shows_ideas_past_triage_names_only_by_choice_and_never_experience(
    world: World, client: Any
) -> None:
    hidden = an_idea(world, title="Still proposed")
    named = moved(
        an_idea(world, title="Named one", named=True, experience=EXPERIENCE),
        world.coordinator,
        Status.CONSIDERING,
    )
    declined = moved(
        an_idea(world, title="Declined one", by=world.mentee, pair=False, experience=EXPERIENCE),
        world.coordinator,
        Status.NOT_TAKEN,
        reason="Out of our hands.",
    )
    client.force_login(world.observer)
    page = response_text(client.get(board_url(world)))
    assert hidden.title not in page
    assert named.title in page and declined.title in page and "Out of our hands." in page
    assert EXPERIENCE not in page
    assert world.mentor.display_name in page  # chose to be named
    assert world.mentee.display_name not in page  # did not
    filtered = response_text(client.get(board_url(world), {"status": "not_taken"}))
    assert declined.title in filtered and named.title not in filtered
    by_area = response_text(client.get(board_url(world), {"area": "estates"}))
    assert declined.title not in by_area


def test_the_status_change_shows_on_the_board_and_the_idea_page(world: World, client: Any) -> None:
    idea = an_idea(world, title="Follow me")
    client.force_login(world.coordinator)
    response = client.post(
        reverse("ideas:status", args=[idea.pk]),
        {
            "status": "considering",
            "note": "Looking now",
            "reason": "",
            "outcome": "",
            "version": idea.version,
        },
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == Status.CONSIDERING
    page = response_text(client.get(reverse("ideas:idea", args=[idea.pk])))
    assert "Looking now" in page and "Under consideration" in page
    client.force_login(world.mentor)
    assert "Follow me" in response_text(client.get(board_url(world)))


def test_not_taken_forward_without_a_reason_is_refused_on_the_page(
    world: World, client: Any
) -> None:
    idea = an_idea(world)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("ideas:status", args=[idea.pk]),
        {
            "status": "not_taken",
            "note": "kept note",
            "reason": "",
            "outcome": "",
            "version": idea.version,
        },
    )
    assert response.status_code == 200
    assert "reason" in response.context["status_form"].errors
    assert "kept note" in response_text(response)
    idea.refresh_from_db()
    assert idea.status == Status.PROPOSED


def test_a_stale_status_form_is_told_it_changed(world: World, client: Any) -> None:
    idea = an_idea(world)
    old = idea.version
    moved(idea, world.coordinator, Status.CONSIDERING)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("ideas:status", args=[idea.pk]),
        {"status": "not_taken", "reason": "r", "note": "", "outcome": "", "version": old},
    )
    assert "changed since you opened it" in response_text(response)
    idea.refresh_from_db()
    assert idea.status == Status.CONSIDERING


def test_a_stale_form_asking_for_the_status_another_just_chose_is_told_it_changed(
    world: World, client: Any
) -> None:
    """The loser of a race asks for the move the winner has just made. The status it asks for
    is no longer a choice, but what it is told is that the idea changed, not to pick again."""
    idea = an_idea(world)
    old = idea.version
    moved(idea, world.coordinator, Status.CONSIDERING)
    client.force_login(world.cohort_coordinator)
    response = client.post(
        reverse("ideas:status", args=[idea.pk]),
        {"status": "considering", "reason": "", "note": "Me too", "outcome": "", "version": old},
    )
    assert response.status_code == 200
    assert "changed since you opened it" in response_text(response)
    assert IdeaChange.objects.filter(idea=idea, kind=IdeaChange.Kind.STATUS).count() == 1


def test_an_owner_sees_and_moves_only_their_own_ideas(world: World, client: Any) -> None:
    boss = make_user("Prof Boss")
    mine = accepted(world, an_idea(world, title="Mine", experience=EXPERIENCE), boss)
    theirs = an_idea(world, title="Not mine")
    client.force_login(boss)
    page = response_text(client.get(reverse("ideas:idea", args=[mine.pk])))
    assert EXPERIENCE in page  # the owner reads the experience behind it
    assert world.mentor.display_name not in page  # but not unnamed proposers
    assert client.get(reverse("ideas:idea", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("ideas:owner", args=[mine.pk])).status_code == 404
    assert client.get(reverse("ideas:register", args=[world.organisation.pk])).status_code == 404
    assert "Mine" in response_text(client.get(reverse("ideas:mine")))
    client.post(
        reverse("ideas:status", args=[mine.pk]),
        {"status": "in_progress", "note": "", "reason": "", "outcome": "", "version": mine.version},
    )
    mine.refresh_from_db()
    assert mine.status == Status.IN_PROGRESS
    response = client.post(
        reverse("ideas:status", args=[theirs.pk]),
        {"status": "considering", "version": theirs.version},
    )
    assert response.status_code == 404
    owners.mark_left(owner_row(world, boss), by=world.coordinator)
    assert client.get(reverse("ideas:idea", args=[mine.pk])).status_code == 404


def test_an_owner_pages_through_every_idea_they_own_and_no_other(world: World, client: Any) -> None:
    boss = make_user("Prof Boss")
    theirs = accepted(world, an_idea(world, title="Owned by someone else"), make_user("Dr Other"))
    for n in range(12):
        accepted(world, an_idea(world, title=f"Owned idea {n:02}"), boss)
    client.force_login(boss)
    mine = response_text(client.get(reverse("ideas:mine")))
    assert mine.count("Owned idea") == 10  # the first ten, and a link to the rest
    assert reverse("ideas:owned") in mine
    first = response_text(client.get(reverse("ideas:owned")))
    assert first.count("Owned idea") == 12
    assert theirs.title not in first
    assert "Owned idea 11" in first  # newest first
    owners.mark_left(owner_row(world, boss), by=world.coordinator)
    assert "Owned idea" not in response_text(client.get(reverse("ideas:owned")))


def test_outsiders_and_other_participants_get_404(world: World, client: Any) -> None:
    idea = an_idea(world, pair=False)
    for person in (world.outsider, world.nobody, world.observer, world.mentee):
        client.force_login(person)
        assert client.get(reverse("ideas:idea", args=[idea.pk])).status_code == 404
    client.force_login(world.outsider)
    assert client.get(board_url(world)).status_code == 404
    assert client.get(reverse("ideas:idea", args=[99999999])).status_code == 404


def test_the_public_board_only_when_turned_on(world: World, client: Any) -> None:
    moved(an_idea(world, title="Public idea"), world.coordinator, Status.CONSIDERING)
    client.force_login(world.org_coordinator)
    settings_url = reverse("ideas:settings", args=[world.organisation.pk])
    client.post(settings_url, {"public_board": "on", "version": 1})
    row = IdeaSettings.objects.get(organisation=world.organisation)
    assert row.public_board and len(row.public_token) >= 24
    client.logout()
    public = reverse("ideas:public_board", args=[row.public_token])
    assert "Public idea" in response_text(client.get(public))
    client.force_login(world.org_coordinator)
    client.post(settings_url, {"version": row.version})
    client.logout()
    assert client.get(public).status_code == 404
    assert client.get(reverse("ideas:public_board", args=["guess"])).status_code == 404


def test_a_coordinator_picks_an_owner_and_cannot_pick_one_who_left(
    world: World, client: Any
) -> None:
    idea = moved(an_idea(world), world.coordinator, Status.CONSIDERING)
    client.force_login(world.coordinator)
    url = reverse("ideas:owner", args=[idea.pk])
    client.post(url, {"action": "pick", "person": world.mentee.pk, "version": idea.version})
    idea.refresh_from_db()
    assert idea.owner == world.mentee
    owners.mark_left(owner_row(world, world.mentee), by=world.coordinator)
    other = moved(an_idea(world, title="Other"), world.coordinator, Status.CONSIDERING)
    response = client.post(
        reverse("ideas:owner", args=[other.pk]),
        {"action": "pick", "person": world.mentee.pk, "version": other.version},
    )
    assert response.status_code == 200 and "There is a problem" in response_text(response)
    other.refresh_from_db()
    assert other.owner is None
    search = client.get(reverse("ideas:owner_search", args=[world.organisation.pk]), {"q": "Mena"})
    assert world.mentee.display_name not in response_text(search)


def test_merging_different_owners_on_the_page_asks_which(world: World, client: Any) -> None:
    first, second = make_user("Prof First"), make_user("Prof Second")
    kept = owned(world, moved(an_idea(world, title="A"), world.coordinator, "considering"), first)
    dup = owned(world, moved(an_idea(world, title="B"), world.coordinator, "considering"), second)
    client.force_login(world.coordinator)
    url = reverse("ideas:merge", args=[dup.pk])
    response = client.post(url, {"into": kept.pk, "version": dup.version})
    assert "Choose which owner to keep" in response_text(response)
    response = client.post(url, {"into": kept.pk, "owner": first.pk, "version": dup.version})
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into == kept


def test_a_proposer_chooses_to_be_named(world: World, client: Any) -> None:
    idea = an_idea(world)
    client.force_login(world.mentee)
    client.post(reverse("ideas:naming", args=[idea.pk]), {"named": "on"})
    assert idea.proposers.get(user=world.mentee).named
    ideas.set_named(idea, by=world.mentee, named=False)
    assert not idea.proposers.get(user=world.mentee).named
