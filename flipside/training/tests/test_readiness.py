"""Readiness to be paired: the rules, coordinators' overrides, the readiness page and the
participants' home page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, bulk_members, join, make_cohort, make_user
from flipside.accounts.models import User
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Role, Stage
from flipside.training import readiness, services
from flipside.training.models import (
    AgreementAcceptance,
    AgreementVersion,
    Booking,
    HandbookAcknowledgement,
    HandbookVersion,
    ReadinessOverride,
    TrainingSession,
)

pytestmark = pytest.mark.django_db


# --- Builders -----------------------------------------------------------------------------


def session(world: World, *, audience: str = "mentors", required: bool = True) -> TrainingSession:
    return TrainingSession.objects.create(
        cohort=world.cohort,
        title=f"Training for {audience}",
        audience=audience,
        required=required,
        starts_at=timezone.now() - datetime.timedelta(days=2),
    )


def attend(user: Any, at: TrainingSession, attendance: str = "present") -> Booking:
    return Booking.objects.create(session=at, user=user, attendance=attendance)


def handbook(world: World, number: int = 1, *, significant: bool = True) -> HandbookVersion:
    return HandbookVersion.objects.create(
        scheme=world.scheme, number=number, body="Be kind.", significant=significant
    )


def ground_rules(world: World, number: int = 1) -> AgreementVersion:
    return AgreementVersion.objects.create(scheme=world.scheme, number=number, body="Rules")


def make_ready(world: World, user: Any, role_session: TrainingSession) -> None:
    """Attend, acknowledge and accept whatever the scheme has published."""
    attend(user, role_session)
    for version in HandbookVersion.objects.filter(scheme=world.scheme):
        HandbookAcknowledgement.objects.create(user=user, version=version)
    for rules in AgreementVersion.objects.filter(scheme=world.scheme):
        AgreementAcceptance.objects.create(user=user, version=rules)


def of(world: World, user: Any) -> readiness.Readiness:
    found = readiness.readiness_of(user, world.cohort)
    assert found is not None
    return found


# --- Rules --------------------------------------------------------------------------------


def test_with_nothing_published_everyone_is_ready_and_nothing_is_required(world: World) -> None:
    r = of(world, world.mentor)
    assert (r.trained, r.handbook, r.agreement) == (None, None, None)
    assert r.ready and r.missing == []


def test_only_accepted_mentors_and_mentees_are_considered(world: World) -> None:
    people = {r.user for r in readiness.cohort_readiness(world.cohort)}
    assert people == {world.mentor, world.mentee}
    assert readiness.readiness_of(world.observer, world.cohort) is None
    assert readiness.readiness_of(world.nobody, world.cohort) is None


def test_attending_a_required_session_for_your_role_trains_you(world: World) -> None:
    training = session(world, audience="mentors")
    assert of(world, world.mentor).trained is False
    assert of(world, world.mentor).missing == ["attend a required training session"]
    attend(world.mentor, training)
    assert of(world, world.mentor).trained is True


@pytest.mark.parametrize("attendance", ["absent", "excused", "unmarked"])
def test_absent_excused_or_unmarked_does_not_count(world: World, attendance: str) -> None:
    attend(world.mentor, session(world), attendance)
    assert of(world, world.mentor).trained is False


def test_optional_sessions_do_not_count_and_do_not_make_training_required(world: World) -> None:
    attend(world.mentor, session(world, required=False))
    assert of(world, world.mentor).trained is None
    session(world)
    assert of(world, world.mentor).trained is False


def test_a_session_for_the_other_role_neither_requires_nor_counts(world: World) -> None:
    mentors_only = session(world, audience="mentors")
    attend(world.mentee, mentors_only)
    assert of(world, world.mentee).trained is None
    session(world, audience="mentees")
    assert of(world, world.mentee).trained is False


def test_a_session_for_both_roles_trains_either(world: World) -> None:
    both = session(world, audience="both")
    attend(world.mentee, both)
    assert of(world, world.mentee).trained is True
    assert of(world, world.mentor).trained is False


def test_a_cancelled_required_session_is_not_required(world: World) -> None:
    training = session(world)
    training.cancelled_at = timezone.now()
    training.save()
    assert of(world, world.mentor).trained is None


def test_handbook_and_ground_rules_must_be_read_and_accepted(world: World) -> None:
    handbook(world)
    rules = ground_rules(world)
    r = of(world, world.mentee)
    assert (r.handbook, r.agreement, r.ready) == (False, False, False)
    assert r.missing == ["read and acknowledge the handbook", "accept the ground rules"]
    HandbookAcknowledgement.objects.create(user=world.mentee, version=handbook(world, 2))
    AgreementAcceptance.objects.create(user=world.mentee, version=rules)
    r = of(world, world.mentee)
    assert (r.handbook, r.agreement, r.ready) == (True, True, True)


def test_a_minor_handbook_change_keeps_an_earlier_acknowledgement(world: World) -> None:
    first = handbook(world)
    HandbookAcknowledgement.objects.create(user=world.mentor, version=first)
    handbook(world, 2, significant=False)
    assert of(world, world.mentor).handbook is True
    handbook(world, 3, significant=True)
    assert of(world, world.mentor).handbook is False


def test_new_ground_rules_must_be_accepted_again(world: World) -> None:
    AgreementAcceptance.objects.create(user=world.mentor, version=ground_rules(world))
    ground_rules(world, 2)
    assert of(world, world.mentor).agreement is False


def test_ready_user_ids_are_the_ready_and_the_let_through(world: World) -> None:
    training = session(world, audience="both")
    handbook(world)
    ground_rules(world)
    make_ready(world, world.mentor, training)
    assert readiness.ready_user_ids(world.cohort) == {world.mentor.pk}
    services.override_readiness(
        world.cohort, user=world.mentee, reason="Trained last year", by=world.coordinator
    )
    assert readiness.ready_user_ids(world.cohort) == {world.mentor.pk, world.mentee.pk}


def test_an_override_makes_ready_and_is_audited(world: World) -> None:
    session(world)
    services.override_readiness(
        world.cohort, user=world.mentor, reason="  Trained last year  ", by=world.coordinator
    )
    r = of(world, world.mentor)
    assert r.ready and not r.complete
    assert r.override is not None and r.override.reason == "Trained last year"
    entry = AuditEntry.objects.get(action="training.readiness.overridden")
    assert entry.actor == world.coordinator
    assert entry.details == {"user": world.mentor.email, "reason": "Trained last year"}


def test_an_override_without_a_reason_is_refused(world: World) -> None:
    with pytest.raises(services.TrainingError):
        services.override_readiness(world.cohort, user=world.mentor, reason="  ", by=world.mentor)
    assert not ReadinessOverride.objects.exists()


def test_removing_an_override_is_audited_and_makes_not_ready_again(world: World) -> None:
    session(world)
    services.override_readiness(world.cohort, user=world.mentor, reason="x", by=world.coordinator)
    services.remove_readiness_override(world.cohort, user=world.mentor, by=world.coordinator)
    assert not of(world, world.mentor).ready
    assert AuditEntry.objects.filter(action="training.readiness.override_removed").count() == 1


# --- The readiness page -------------------------------------------------------------------


def page_url(world: World) -> str:
    return reverse("training:readiness", args=[world.cohort.pk])


def override_url(world: World, user: Any) -> str:
    return reverse("training:readiness_override", args=[world.cohort.pk, user.pk])


def test_coordinator_sees_each_check_in_words_and_the_counts(world: World, client: Any) -> None:
    training = session(world, audience="mentors")
    handbook(world)
    make_ready(world, world.mentor, training)
    join(world.cohort, Role.MENTOR, make_user("Nia Notready"))
    client.force_login(world.coordinator)
    page = client.get(page_url(world)).content.decode()
    assert "1</span> of 2 student mentors ready" in page
    assert "0</span> of 1 staff mentee ready" in page
    assert "Done" in page and "To do" in page and "Not required yet" in page
    assert "Not ready" in page and "Nia Notready" in page


def test_readiness_page_filters_by_role_and_readiness(world: World, client: Any) -> None:
    session(world, audience="mentees")
    client.force_login(world.cohort_coordinator)
    rows = client.get(page_url(world), {"role": "mentee"}).context["rows"]
    assert [r.user.pk for r in rows] == [world.mentee.pk]
    rows = client.get(page_url(world), {"readiness": "ready"}).context["rows"]
    assert [r.user.pk for r in rows] == [world.mentor.pk]
    rows = client.get(page_url(world), {"readiness": "not_ready"}).context["rows"]
    assert [r.user.pk for r in rows] == [world.mentee.pk]
    rows = client.get(page_url(world), {"role": "<script>", "readiness": "x"}).context["rows"]
    assert len(rows) == 2


def test_readiness_page_is_paged_and_finds_people_by_name_with_counts_for_everyone(
    world: World, client: Any
) -> None:
    session(world, audience="mentees")
    bulk_members(world.cohort, Role.MENTOR, 60, name="Student")
    client.force_login(world.cohort_coordinator)
    html = client.get(page_url(world)).content.decode()
    assert "61</span> of 61 student mentors ready" in html  # the whole cohort, not the page
    assert "Showing 1–50 of 62" in html and "Page 1 of 2" in html
    html = client.get(page_url(world), {"page": 2}).content.decode()
    assert "Showing 51–62 of 62" in html and "Student 0059" in html and "Student 0000" not in html
    # Listing one role, or everyone, takes the list's length from the counts.
    html = client.get(page_url(world), {"role": "mentor", "page": 2}).content.decode()
    assert "Showing 51–61 of 61" in html and "Student 0059" in html
    assert client.get(page_url(world), {"role": "mentee"}).context["page"].paginator.count == 1
    response = client.get(page_url(world), {"q": "student 005", "role": "mentor"})
    assert [r.user.display_name for r in response.context["rows"]] == [
        f"Student 005{n}" for n in range(10)
    ]
    assert "61</span> of 61 student mentors ready" in response.content.decode()
    assert 'value="student 005"' in response.content.decode()
    response = client.get(page_url(world), {"q": "a\x00b"})  # ignored, never an error
    assert len(response.context["rows"]) == 50


def test_readiness_page_queries_stay_bounded(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    training = session(world, audience="both")
    handbook(world)
    ground_rules(world)
    for n in range(30):
        person = join(world.cohort, Role.MENTOR if n % 2 else Role.MENTEE)
        if n % 3:
            make_ready(world, person, training)
        elif n % 5 == 0:
            services.override_readiness(world.cohort, user=person, reason="ok", by=None)
    client.force_login(world.coordinator)
    # Counting who is ready is one query, which also counts the unfiltered list; everyone's
    # checks on the page are one more, and one for the overrides of those let through. (The
    # first request after signing in also renews the session: three of the twelve.)
    with django_assert_max_num_queries(12):
        response = client.get(page_url(world))
    assert len(response.context["rows"]) == 32


def test_the_ready_filter_pages_through_the_database_with_each_persons_checks(
    world: World, client: Any
) -> None:
    training = session(world, audience="both")
    handbook(world)
    for person in bulk_members(world.cohort, Role.MENTOR, 70, name="Student"):
        make_ready(world, person, training)
    waiting = bulk_members(world.cohort, Role.MENTEE, 3, name="Waiting")
    client.force_login(world.cohort_coordinator)
    response = client.get(page_url(world), {"readiness": "ready", "page": 2})
    rows = response.context["rows"]
    assert [r.user.display_name for r in rows] == [f"Student {n:04}" for n in range(50, 70)]
    assert all(r.ready and r.trained and r.handbook for r in rows)
    assert "Showing 51–70 of 70" in response.content.decode()
    response = client.get(page_url(world), {"readiness": "not_ready", "role": "mentee"})
    rows = response.context["rows"]
    assert {r.user.pk for r in rows} == {u.pk for u in (world.mentee, *waiting)}
    assert all(r.missing == ["attend a required training session",
                             "read and acknowledge the handbook"] for r in rows)  # fmt: skip


def test_readiness_of_a_few_people_leaves_the_rest_of_the_cohort_alone(world: World) -> None:
    found = readiness.cohort_readiness(world.cohort, users=[world.mentee.pk])
    assert [r.user for r in found] == [world.mentee]


def test_readiness_page_is_for_the_cohorts_coordinators_only(world: World, client: Any) -> None:
    for person in (world.mentor, world.mentee, world.observer, world.outsider, world.nobody):
        client.force_login(person)
        assert client.get(page_url(world)).status_code == 404
    client.force_login(world.outsider)
    assert (
        client.get(reverse("training:readiness", args=[world.other_cohort.pk])).status_code == 200
    )


def test_coordinator_lets_someone_through_with_a_reason(world: World, client: Any) -> None:
    session(world)
    client.force_login(world.coordinator)
    response = client.post(override_url(world, world.mentor), {"reason": "Trained in 2025"})
    assert response.status_code == 302
    assert response["Location"] == page_url(world) + f"#person-{world.mentor.pk}"
    page = client.get(page_url(world)).content.decode()
    assert "Let through by a coordinator" in page and "Trained in 2025" in page
    assert ReadinessOverride.objects.get(user=world.mentor).by == world.coordinator


def test_letting_someone_through_returns_to_the_same_page_and_filters(
    world: World, client: Any
) -> None:
    session(world)
    bulk_members(world.cohort, Role.MENTOR, 60, name="Student")
    client.force_login(world.coordinator)
    query = {"q": "Student", "readiness": "not_ready", "page": "2"}
    html = client.get(page_url(world), query).content.decode()
    late = User.objects.get(display_name="Student 0059")
    action = override_url(world, late) + "?q=Student&amp;readiness=not_ready&amp;page=2"
    assert f'action="{action}"' in html
    response = client.post(action.replace("&amp;", "&"), {"reason": "Trained elsewhere"})
    assert response["Location"] == (
        page_url(world) + f"?q=Student&readiness=not_ready&page=2#person-{late.pk}"
    )
    assert ReadinessOverride.objects.get(user=late).reason == "Trained elsewhere"
    bad = override_url(world, late) + "?page=1e9&role=king&q=a%00b"
    response = client.post(bad, {"remove": "1"})  # nothing odd is carried back
    assert response["Location"] == page_url(world) + f"#person-{late.pk}"


def test_letting_through_without_a_reason_is_refused(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    for reason in ("", "   ", "a\x00b", "x" * 301):
        response = client.post(override_url(world, world.mentor), {"reason": reason}, follow=True)
        assert b"message--error" in response.content
    assert not ReadinessOverride.objects.exists()


def test_coordinator_removes_an_override(world: World, client: Any) -> None:
    services.override_readiness(world.cohort, user=world.mentor, reason="x", by=world.coordinator)
    client.force_login(world.coordinator)
    client.post(override_url(world, world.mentor), {"remove": "1"})
    assert not ReadinessOverride.objects.exists()


def test_only_the_cohorts_mentors_and_mentees_can_be_let_through(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    for person in (world.observer, world.cohort_coordinator, world.nobody, world.outsider):
        response = client.post(override_url(world, person), {"reason": "Because"})
        assert response.status_code == 404
    assert not ReadinessOverride.objects.exists()


@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_people_without_rights_cannot_let_anyone_through(
    world: World, client: Any, role: str
) -> None:
    client.force_login(getattr(world, role))
    response = client.post(override_url(world, world.mentor), {"reason": "Let me in"})
    assert response.status_code == 404
    assert client.get(override_url(world, world.mentor)).status_code == 405
    assert not ReadinessOverride.objects.exists()


def test_extra_fields_on_an_override_change_nothing_else(world: World, client: Any) -> None:
    client.force_login(world.coordinator)
    client.post(override_url(world, world.mentor), {"reason": "ok", "by": world.mentor.pk})
    assert ReadinessOverride.objects.get().by == world.coordinator


# --- Participants' home page --------------------------------------------------------------


def test_mentor_in_training_sees_what_is_left_with_links(world: World, client: Any) -> None:
    world.cohort.stage = Stage.TRAINING
    world.cohort.save()
    session(world)
    handbook(world)
    client.force_login(world.mentor)
    page = client.get(reverse("home")).content.decode()
    card = page[page.index('<div class="readiness-card">') :]
    card = card[: card.index("</div>")]
    assert "Before you are paired:" in card
    assert reverse("training:sessions", args=[world.cohort.pk]) in card
    assert reverse("training:handbook", args=[world.scheme.pk]) in card
    assert "Attend a required training session" in card
    assert reverse("training:agreement", args=[world.scheme.pk]) not in card  # nothing to accept


def test_mentee_who_has_done_everything_is_told_they_are_ready(world: World, client: Any) -> None:
    world.cohort.stage = Stage.MATCHING
    world.cohort.save()
    AgreementAcceptance.objects.create(user=world.mentee, version=ground_rules(world))
    client.force_login(world.mentee)
    page = client.get(reverse("home")).content.decode()
    assert "You are ready to be paired." in page
    assert "Before you are paired:" not in page


def test_someone_let_through_is_told_they_can_be_paired(world: World, client: Any) -> None:
    world.cohort.stage = Stage.TRAINING
    world.cohort.save()
    ground_rules(world)
    services.override_readiness(
        world.cohort, user=world.mentee, reason="Secret note", by=world.coordinator
    )
    client.force_login(world.mentee)
    page = client.get(reverse("home")).content.decode()
    assert "can be paired now" in page and "Accept the ground rules" in page
    assert "Secret note" not in page


@pytest.mark.parametrize("stage", [Stage.RECRUITING, Stage.RUNNING, Stage.CLOSED])
def test_readiness_is_not_shown_outside_training_and_matching(
    world: World, client: Any, stage: str
) -> None:
    world.cohort.stage = stage
    world.cohort.save()
    ground_rules(world)
    client.force_login(world.mentor)
    page = client.get(reverse("home")).content.decode()
    assert "Before you are paired:" not in page and "ready to be paired" not in page


def test_observers_are_not_shown_readiness(world: World, client: Any) -> None:
    world.cohort.stage = Stage.TRAINING
    world.cohort.save()
    ground_rules(world)
    client.force_login(world.observer)
    assert b"Before you are paired" not in client.get(reverse("home")).content


def test_participant_home_page_queries_stay_bounded(
    world: World, client: Any, django_assert_max_num_queries: Any
) -> None:
    # Readiness costs a few queries per cohort in training or matching; the rest cost none.
    for stage in (Stage.TRAINING, Stage.MATCHING):
        join(make_cohort(world.scheme, stage=stage), Role.MENTOR, world.mentor)
    for _ in range(8):
        join(make_cohort(world.scheme, stage=Stage.RUNNING), Role.MENTOR, world.mentor)
    handbook(world)
    ground_rules(world)
    client.force_login(world.mentor)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("home"))
    assert len(response.context["cards"]) == 11
    assert response.content.decode().count("Before you are paired:") == 2


def test_each_row_escapes_names_and_reasons_and_keeps_the_filters_in_its_forms(
    world: World, client: Any
) -> None:
    training = session(world, audience="both")
    world.mentor.display_name = "<b>Ann</b> & co"
    world.mentor.save()
    world.mentee.display_name = "Bo 'x\""
    world.mentee.save()
    services.override_readiness(world.cohort, user=world.mentee, reason="<i>ok</i> & fine", by=None)
    ready = join(world.cohort, Role.MENTOR, make_user("Cy Ready"))
    make_ready(world, ready, training)
    client.force_login(world.coordinator)
    page = client.get(page_url(world), {"q": "", "role": ""}).content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr id=")[1:]
    # By the name cell: a row's random CSRF token may hold "Bo" or "Cy" too.
    ann, bo, cy = sorted(rows, key=lambda row: ("<bdi>Cy Ready" in row, "<bdi>Bo " in row))
    query = "?q=&amp;role="
    assert '<th scope="row"><bdi>&lt;b&gt;Ann&lt;/b&gt; &amp; co</bdi></th>' in ann
    assert "<td>Student mentor</td>" in ann and ann.count("check--todo") == 1
    assert '<span class="tag tag--not-ready">Not ready</span>' in ann
    assert f'action="{override_url(world, world.mentor)}{query}">' in ann
    assert "<bdi>&lt;b&gt;Ann&lt;/b&gt; &amp; co</bdi></span></summary>" in ann
    assert f'<label for="reason-{world.mentor.pk}">' in ann and "csrfmiddlewaretoken" in ann
    assert "<td>Staff mentee</td>" in bo and bo.count("check--none") == 2
    assert '<span class="cell-note break">&lt;i&gt;ok&lt;/i&gt; &amp; fine</span>' in bo
    assert f'action="{override_url(world, world.mentee)}{query}" class="inline-form">' in bo
    assert "letting <bdi>Bo &#x27;x&quot;</bdi> through</span></button>" in bo
    assert '<span class="tag tag--ready">Ready</span></td>\n    <td>–</td>' in cy
    assert cy.count("check--done") == 1 and "<form" not in cy
