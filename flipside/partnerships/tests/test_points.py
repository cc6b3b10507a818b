"""Talking points: the library members read by theme, marking points used, suggestions that
wait for a coordinator, and the coordinators' curation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, join, make_user
from flipside.matching.models import Pair
from flipside.partnerships.models import TalkingPoint, TalkingPointUse
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role

pytestmark = pytest.mark.django_db
Status = TalkingPoint.Status


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def point(world: World, text: str = "What surprised you most in your first year?",
          theme: str = "Getting to know each other", **fields: Any) -> TalkingPoint:  # fmt: skip
    return TalkingPoint.objects.create(scheme=world.scheme, theme=theme, text=text, **fields)


def pair_of(world: World) -> Pair:
    return Pair.objects.create(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)


def library_url(world: World) -> str:
    return reverse("partnerships:points", args=[world.cohort.pk])


def used_url(pair: Pair, p: TalkingPoint) -> str:
    return reverse("partnerships:point_used", args=[pair.pk, p.pk])


def manage_url(world: World) -> str:
    return reverse("partnerships:points_manage", args=[world.scheme.pk])


# --- The library ----------------------------------------------------------------------------


def test_members_read_published_points_grouped_by_theme(world: World) -> None:
    point(world, "Who made you feel welcome here?", theme="Belonging and identity")
    point(world, "What do you wish staff knew?", theme="Teaching and assessment")
    point(world, "A retired point", theme="Teaching and assessment", status=Status.RETIRED)
    point(world, "A waiting suggestion", status=Status.SUGGESTED, suggested_by=world.mentor)
    for user in (world.mentor, world.mentee, world.observer, world.cohort_coordinator,
                 world.coordinator, world.org_coordinator):  # fmt: skip
        response = client_for(user).get(library_url(world))
        assert response.status_code == 200, user
        page = response.content.decode()
        assert "Who made you feel welcome here?" in page
        assert "Belonging and identity" in page and "Teaching and assessment" in page
        assert "A retired point" not in page
        assert "A waiting suggestion" not in page
    themes = response.context["themes"]
    assert [t.name for t in themes] == ["Belonging and identity", "Teaching and assessment"]


def test_outsiders_and_other_cohorts_get_not_found(world: World) -> None:
    point(world)
    for user in (world.outsider, world.nobody):
        assert client_for(user).get(library_url(world)).status_code == 404
    other = reverse("partnerships:points", args=[world.other_cohort.pk])
    assert client_for(world.mentor).get(other).status_code == 404
    assert Client().get(library_url(world)).status_code == 302  # sign in first


# --- Marking a point used -------------------------------------------------------------------


def test_marking_used_is_idempotent_and_toggles(world: World) -> None:
    pair, p = pair_of(world), point(world)
    mentor, mentee = client_for(world.mentor), client_for(world.mentee)
    assert mentor.post(used_url(pair, p), {"used": "1"}).status_code == 302
    assert mentee.post(used_url(pair, p), {"used": "1"}).status_code == 302  # a double mark
    assert TalkingPointUse.objects.filter(pair=pair, point=p).count() == 1
    response = mentee.get(library_url(world))
    assert response.context["used"] == {p.pk}
    assert "Used by your pair" in response.content.decode()

    mentee.post(used_url(pair, p), {"used": "0"})
    mentee.post(used_url(pair, p), {"used": "0"})
    assert not TalkingPointUse.objects.exists()
    mentor.post(used_url(pair, p))  # no state given: toggles on
    assert TalkingPointUse.objects.filter(pair=pair, point=p).count() == 1
    mentor.post(used_url(pair, p))  # and off
    assert not TalkingPointUse.objects.exists()
    assert AuditEntry.objects.filter(action="partnerships.talking_point.marked").count() == 2


def test_only_the_pairs_partners_can_mark_and_only_by_post(world: World) -> None:
    pair, p = pair_of(world), point(world)
    other_mentor = join(world.cohort, Role.MENTOR, make_user("Another Mentor"))
    other_mentee = join(world.cohort, Role.MENTEE, make_user("Another Mentee"))
    Pair.objects.create(cohort=world.cohort, mentor=other_mentor, mentee=other_mentee)
    for user in (other_mentor, world.observer, world.coordinator, world.cohort_coordinator,
                 world.outsider, world.nobody):  # fmt: skip
        assert client_for(user).post(used_url(pair, p), {"used": "1"}).status_code == 404, user
    assert client_for(world.mentor).get(used_url(pair, p)).status_code == 405
    assert not TalkingPointUse.objects.exists()


def test_a_point_of_another_scheme_cannot_be_marked(world: World) -> None:
    pair = pair_of(world)
    elsewhere = TalkingPoint.objects.create(scheme=world.other_scheme, theme="T", text="X")
    response = client_for(world.mentor).post(used_url(pair, elsewhere), {"used": "1"})
    assert response.status_code == 404


def test_marking_redirects_to_a_safe_next_only(world: World) -> None:
    pair, p = pair_of(world), point(world)
    mentor = client_for(world.mentor)
    workspace = reverse("partnerships:workspace", args=[pair.pk])
    response = mentor.post(used_url(pair, p), {"used": "1", "next": workspace})
    assert response["Location"] == workspace
    for unsafe in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = mentor.post(used_url(pair, p), {"used": "1", "next": unsafe})
        assert response["Location"] == library_url(world)


def test_an_ended_pair_cannot_mark_points(world: World) -> None:
    pair, p = pair_of(world), point(world)
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.ENDED, ended_at=timezone.now())
    response = client_for(world.mentor).post(used_url(pair, p), {"used": "1"}, follow=True)
    assert "has ended" in response.content.decode()
    assert not TalkingPointUse.objects.exists()


# --- Suggesting, and the coordinators' decisions --------------------------------------------


def test_suggestion_waits_then_is_published_or_declined(world: World) -> None:
    suggest = reverse("partnerships:point_suggest", args=[world.cohort.pk])
    mentor = client_for(world.mentor)
    assert mentor.get(suggest).status_code == 200
    values = {"theme": "Speaking up", "text": "When did you last see something change?"}
    assert mentor.post(suggest, values).status_code == 302
    assert mentor.post(suggest, values).status_code == 302  # a double submit
    suggested = TalkingPoint.objects.get(status=Status.SUGGESTED)
    assert suggested.suggested_by == world.mentor

    coordinator = client_for(world.coordinator)
    page = coordinator.get(manage_url(world))
    assert page.context["waiting"] == [suggested]
    assert "Mo Mentor" in page.content.decode()  # coordinators see who suggested it
    assert "When did you last see" not in mentor.get(library_url(world)).content.decode()

    decide = reverse("partnerships:point_decide", args=[suggested.pk])
    assert coordinator.post(decide, {"decision": "publish"}).status_code == 302
    assert coordinator.post(decide, {"decision": "publish"}).status_code == 302  # twice
    suggested.refresh_from_db()
    assert suggested.status == Status.PUBLISHED
    partner_page = client_for(world.mentee).get(library_url(world)).content.decode()
    assert "When did you last see something change?" in partner_page
    assert "Mo Mentor" not in partner_page  # partners never see the suggester

    mentee = client_for(world.mentee)
    mentee.post(suggest, {"theme": "Other", "text": "Not for the library"})
    declined = TalkingPoint.objects.get(text="Not for the library")
    coordinator.post(reverse("partnerships:point_decide", args=[declined.pk]),
                     {"decision": "decline"})  # fmt: skip
    declined.refresh_from_db()
    assert declined.status == Status.DECLINED
    assert not coordinator.get(manage_url(world)).context["waiting"]
    assert AuditEntry.objects.filter(action="partnerships.talking_point.suggested").count() == 2


def test_observers_and_coordinators_cannot_suggest(world: World) -> None:
    suggest = reverse("partnerships:point_suggest", args=[world.cohort.pk])
    for user in (world.observer, world.coordinator, world.outsider, world.nobody):
        assert client_for(user).get(suggest).status_code == 404, user
    response = client_for(world.observer).post(suggest, {"theme": "T", "text": "X"})
    assert response.status_code == 404
    assert not TalkingPoint.objects.exists()


def test_suggestion_needs_a_theme_and_text(world: World) -> None:
    suggest = reverse("partnerships:point_suggest", args=[world.cohort.pk])
    response = client_for(world.mentor).post(suggest, {"theme": "", "text": "Kept input"})
    assert response.status_code == 200
    assert "Kept input" in response.content.decode()
    assert not TalkingPoint.objects.exists()


def test_retiring_hides_a_point_from_partners_and_it_can_come_back(world: World) -> None:
    pair, p = pair_of(world), point(world, "Retire me")
    coordinator = client_for(world.coordinator)
    decide = reverse("partnerships:point_decide", args=[p.pk])
    coordinator.post(decide, {"decision": "retire"})
    p.refresh_from_db()
    assert p.status == Status.RETIRED
    assert "Retire me" not in client_for(world.mentor).get(library_url(world)).content.decode()
    # A retired point cannot be newly marked.
    client_for(world.mentor).post(used_url(pair, p), {"used": "1"})
    assert not TalkingPointUse.objects.exists()
    # Declining a published point is refused with a message.
    response = coordinator.post(decide, {"decision": "decline"}, follow=True)
    assert "cannot be done" in response.content.decode()
    coordinator.post(decide, {"decision": "restore"})
    p.refresh_from_db()
    assert p.status == Status.PUBLISHED
    assert "Retire me" in client_for(world.mentor).get(library_url(world)).content.decode()


def test_only_the_schemes_coordinators_manage(world: World) -> None:
    p = point(world)
    pages = [manage_url(world), reverse("partnerships:point_edit", args=[p.pk])]
    for user in (world.coordinator, world.org_coordinator):
        for url in pages:
            assert client_for(user).get(url).status_code == 200, (user, url)
    for user in (world.mentor, world.mentee, world.observer, world.cohort_coordinator,
                 world.outsider, world.nobody):  # fmt: skip
        for url in pages:
            assert client_for(user).get(url).status_code == 404, (user, url)
        decide = reverse("partnerships:point_decide", args=[p.pk])
        assert client_for(user).post(decide, {"decision": "retire"}).status_code == 404
    decide = reverse("partnerships:point_decide", args=[p.pk])
    assert client_for(world.coordinator).get(decide).status_code == 405
    p.refresh_from_db()
    assert p.status == Status.PUBLISHED


def test_coordinator_adds_a_point_once(world: World) -> None:
    coordinator = client_for(world.coordinator)
    values = {"theme": "Placements", "text": "Who helped you most on placement?"}
    assert coordinator.post(manage_url(world), values).status_code == 302
    assert coordinator.post(manage_url(world), values).status_code == 302
    added = TalkingPoint.objects.get()
    assert (added.status, added.scheme, added.suggested_by) == (
        Status.PUBLISHED,
        world.scheme,
        None,
    )


def test_edit_with_a_stale_version_shows_the_conflict(world: World) -> None:
    p = point(world, "Old wording")
    edit = reverse("partnerships:point_edit", args=[p.pk])
    coordinator = client_for(world.coordinator)
    opened = coordinator.get(edit).context["form"].initial["version"]
    TalkingPoint.objects.filter(pk=p.pk).update(text="Someone else's wording", version=2)
    response = coordinator.post(edit, {"theme": p.theme, "text": "My wording", "version": opened})
    assert response.status_code == 200
    page = response.content.decode()
    assert "changed while you were editing" in page
    assert "Someone else&#x27;s wording" in page  # what is saved now
    assert "My wording" in page  # the editor's input is kept
    p.refresh_from_db()
    assert p.text == "Someone else's wording"
    # Saving again, deliberately, against the latest version.
    response = coordinator.post(edit, {"theme": p.theme, "text": "My wording", "version": 2})
    assert response.status_code == 302
    p.refresh_from_db()
    assert (p.text, p.version) == ("My wording", 3)


def test_a_long_queue_of_suggestions_shows_the_oldest_with_the_full_count(world: World) -> None:
    TalkingPoint.objects.bulk_create(
        TalkingPoint(scheme=world.scheme, theme="Ideas", text=f"Suggestion {i:02}?",
                     status=TalkingPoint.Status.SUGGESTED, suggested_by=world.mentor)
        for i in range(60)
    )  # fmt: skip
    page = client_for(world.coordinator).get(manage_url(world)).content.decode()
    assert "Suggestions waiting (60)" in page
    assert "Suggestion 49?" in page and "Suggestion 50?" not in page
    assert "The oldest 50 are shown" in page
