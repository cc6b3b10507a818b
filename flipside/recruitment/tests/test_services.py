"""Deciding, scoring, the waiting list, and the coordinators' set-up services."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World, clear_sent_mail, make_user, sent_mail
from flipside.accounts.models import Invitation
from flipside.notifications.models import OutboxMessage
from flipside.privacy.models import AuditEntry
from flipside.recruitment import services, setup
from flipside.recruitment.models import Application, Programme, Review, RubricCriterion, Topic
from flipside.recruitment.services import RecruitmentError
from flipside.recruitment.setup import Row
from flipside.recruitment.spreadsheets import Person
from flipside.schemes.models import Membership, Role, Site

from .review_builders import make_rubric, open_call, submitted

pytestmark = pytest.mark.django_db
Status = Application.Status


def statuses(*applications: Application) -> list[str]:
    return [Application.objects.get(pk=a.pk).status for a in applications]


# --- Deciding -----------------------------------------------------------------------------


def test_accepting_adds_the_applicant_to_the_cohort_in_the_calls_role_and_site_and_emails_them(
    world: World,
) -> None:
    trust = Site.objects.create(organisation=world.organisation, name="City Hospital NHS Trust")
    application = submitted(open_call(world.cohort), site=trust)
    clear_sent_mail()

    services.decide([application], outcome=Status.ACCEPTED, by=world.coordinator)

    membership = Membership.objects.get(cohort=world.cohort, user=application.applicant)
    assert (membership.role, membership.site) == (Role.MENTOR, trust)
    assert statuses(application) == [Status.ACCEPTED]
    [email] = sent_mail()
    assert email.to == [application.applicant.email]
    assert email.subject == f"You have a place in {world.cohort}"
    assert AuditEntry.objects.filter(
        action="recruitment.application.decided", object_id=str(application.pk)
    ).exists()


def test_accepting_a_staff_mentee_makes_them_a_mentee(world: World) -> None:
    application = submitted(open_call(world.cohort, Role.MENTEE))
    services.decide([application], outcome=Status.ACCEPTED, by=world.coordinator)
    assert Membership.objects.get(user=application.applicant).role == Role.MENTEE


def test_shortlisting_emails_nobody_and_adds_nobody(world: World) -> None:
    application = submitted(open_call(world.cohort))
    clear_sent_mail()
    services.decide([application], outcome=Status.SHORTLISTED, by=world.coordinator)
    assert statuses(application) == [Status.SHORTLISTED]
    assert sent_mail() == []
    assert not Membership.objects.filter(user=application.applicant).exists()


def test_deciding_many_is_all_or_nothing(world: World) -> None:
    call = open_call(world.cohort)
    first, second = submitted(call), submitted(call)
    withdrawn = submitted(call, status=Status.WITHDRAWN)
    clear_sent_mail()

    with pytest.raises(RecruitmentError, match="withdrawn, so it cannot be marked accepted"):
        services.decide([first, second, withdrawn], outcome=Status.ACCEPTED, by=world.coordinator)

    assert statuses(first, second, withdrawn) == [
        Status.SUBMITTED,
        Status.SUBMITTED,
        Status.WITHDRAWN,
    ]
    assert not Membership.objects.filter(user__in=[first.applicant, second.applicant]).exists()
    assert OutboxMessage.objects.filter(kind="application_accepted").count() == 0
    assert sent_mail() == []


def test_deciding_many_together_emails_each_applicant_once(world: World) -> None:
    call = open_call(world.cohort)
    applications = [submitted(call) for _ in range(3)]
    clear_sent_mail()
    services.decide(applications, outcome=Status.DECLINED, by=world.coordinator)
    assert sorted(m.to[0] for m in sent_mail()) == sorted(a.applicant.email for a in applications)


@pytest.mark.parametrize(
    ("start", "outcome"),
    [
        (Status.ACCEPTED, Status.DECLINED),
        (Status.DECLINED, Status.ACCEPTED),
        (Status.WAITLISTED, Status.SHORTLISTED),
        (Status.SUBMITTED, Status.WITHDRAWN),
        (Status.SUBMITTED, Status.DRAFT),
    ],
)
def test_decisions_not_open_from_the_current_status_are_refused(
    world: World, start: str, outcome: str
) -> None:
    application = submitted(open_call(world.cohort), status=start)
    with pytest.raises(RecruitmentError):
        services.decide([application], outcome=outcome, by=world.coordinator)
    assert statuses(application) == [start]


def test_unknown_outcome_is_refused(world: World) -> None:
    application = submitted(open_call(world.cohort))
    with pytest.raises(RecruitmentError, match="Choose a decision"):
        services.decide([application], outcome="hired", by=world.coordinator)


def test_under_blind_review_a_refusal_names_the_applicant_by_number(world: World) -> None:
    applicant = make_user("Secret Name")
    application = submitted(
        open_call(world.cohort, blind_review=True), applicant, status=Status.DECLINED
    )
    with pytest.raises(RecruitmentError) as refused:
        services.decide([application], outcome=Status.ACCEPTED, by=world.coordinator)
    assert f"Applicant {application.pk}" in str(refused.value)
    assert "Secret Name" not in str(refused.value)


def test_accepting_someone_already_in_the_cohort_in_another_role_is_refused_blind(
    world: World,
) -> None:
    application = submitted(open_call(world.cohort, blind_review=True), world.observer)
    with pytest.raises(RecruitmentError) as refused:
        services.decide([application], outcome=Status.ACCEPTED, by=world.coordinator)
    assert (
        str(refused.value)
        == f"Applicant {application.pk} is already in this cohort in another role."
    )
    assert statuses(application) == [Status.SUBMITTED]


# --- The waiting list ---------------------------------------------------------------------


def review(application: Application, reviewer: Any, total: int) -> None:
    Review.objects.create(application=application, reviewer=reviewer, total=total)


def test_when_an_accepted_applicant_withdraws_the_best_scored_waitlisted_one_gets_the_place(
    world: World,
) -> None:
    call = open_call(world.cohort)
    leaving = submitted(call)
    unscored, lower, higher = submitted(call), submitted(call), submitted(call)
    review(lower, world.coordinator, 4)
    review(lower, world.cohort_coordinator, 6)  # average 5
    review(higher, world.coordinator, 7)
    services.decide([leaving], outcome=Status.ACCEPTED, by=world.coordinator)
    services.decide([unscored, lower, higher], outcome=Status.WAITLISTED, by=world.coordinator)
    clear_sent_mail()

    services.withdraw_application(leaving, by=leaving.applicant)

    assert statuses(leaving, unscored, lower, higher) == [
        Status.WITHDRAWN,
        Status.WAITLISTED,
        Status.WAITLISTED,
        Status.ACCEPTED,
    ]
    assert not Membership.objects.filter(user=leaving.applicant).exists()
    assert Membership.objects.get(user=higher.applicant).role == Role.MENTOR
    [email] = sent_mail()
    assert email.to == [higher.applicant.email]
    assert email.subject.startswith("A place has come free")


def test_the_waiting_list_ranks_unscored_applications_last(world: World) -> None:
    call = open_call(world.cohort)
    unscored = submitted(call, status=Status.WAITLISTED)
    scored = submitted(call, status=Status.WAITLISTED)
    review(scored, world.coordinator, 0)
    assert services.waiting_list(call) == [scored, unscored]


def test_withdrawing_without_a_place_offers_nobody_a_place(world: World) -> None:
    call = open_call(world.cohort)
    leaving, waiting = submitted(call), submitted(call, status=Status.WAITLISTED)
    services.withdraw_application(leaving, by=leaving.applicant)
    assert statuses(leaving, waiting) == [Status.WITHDRAWN, Status.WAITLISTED]


# --- Scoring and notes --------------------------------------------------------------------


def test_scores_are_kept_per_reviewer_and_rescoring_replaces_them(world: World) -> None:
    insight, commitment = make_rubric(world.scheme)
    application = submitted(open_call(world.cohort))
    services.score_application(
        application, reviewer=world.coordinator, scores={insight.pk: 2, commitment.pk: 1}
    )
    review = services.score_application(
        application, reviewer=world.coordinator, scores={insight.pk: 5, commitment.pk: 3}
    )
    assert (review.total, review.scores) == (8, {str(insight.pk): 5, str(commitment.pk): 3})
    assert application.reviews.count() == 1


@pytest.mark.parametrize(
    "scores",
    [{"insight": 6, "commitment": 0}, {"insight": -1, "commitment": 0}, {"insight": 3}],
)
def test_scores_out_of_range_or_missing_are_refused(world: World, scores: dict[str, int]) -> None:
    criteria = {c.name.lower(): c for c in make_rubric(world.scheme)}
    application = submitted(open_call(world.cohort))
    with pytest.raises(RecruitmentError):
        services.score_application(
            application,
            reviewer=world.coordinator,
            scores={criteria[name].pk: score for name, score in scores.items()},
        )
    assert not Review.objects.exists()


def test_an_empty_note_is_refused(world: World) -> None:
    application = submitted(open_call(world.cohort))
    with pytest.raises(RecruitmentError):
        services.add_note(application, author=world.coordinator, text="   ")
    assert not application.notes.exists()


# --- Set-up lists -------------------------------------------------------------------------


def topic_names() -> list[str]:
    return list(Topic.objects.values_list("name", flat=True))


def test_topics_are_added_renamed_reordered_and_removed_in_one_save(world: World) -> None:
    keep = Topic.objects.create(scheme=world.scheme, name="Placements", order=1)
    rename = Topic.objects.create(scheme=world.scheme, name="Pronouns", order=2)
    remove = Topic.objects.create(scheme=world.scheme, name="Old topic", order=3)
    setup.save_topics(
        world.scheme,
        rows=[
            Row(keep.pk, {"name": "Placements", "order": 5}),
            Row(rename.pk, {"name": "Names and pronouns", "order": 2}),
            Row(remove.pk, {"name": "Old topic", "order": 3}, remove=True),
            Row(None, {"name": "Coming out", "order": None}),
        ],
        by=world.coordinator,
    )
    assert list(world.scheme.topics.values_list("name", "order")) == [
        ("Names and pronouns", 2),
        ("Placements", 5),
        ("Coming out", 6),
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "recruitment.topic.updated",
        "recruitment.topic.removed",
        "recruitment.topic.added",
    } <= actions


def test_a_name_may_pass_from_a_removed_row_to_a_new_one(world: World) -> None:
    old = Topic.objects.create(scheme=world.scheme, name="Placements")
    setup.save_topics(
        world.scheme,
        rows=[
            Row(old.pk, {"name": "Placements", "order": 0}, remove=True),
            Row(None, {"name": "Placements", "order": None}),
        ],
        by=world.coordinator,
    )
    assert topic_names() == ["Placements"]


def test_repeated_names_are_refused_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(RecruitmentError, match="in the list twice"):
        setup.save_topics(
            world.scheme,
            rows=[
                Row(None, {"name": "Placements", "order": None}),
                Row(None, {"name": "placements ", "order": None}),
            ],
            by=world.coordinator,
        )
    assert topic_names() == []


@pytest.mark.parametrize(
    "again", ["Cafe\u0301  Society", "CAFÉ SOCIETY", "Cafe\u00a0Society", "Café Society\u200b"]
)
def test_a_name_spelt_another_way_is_the_same_name(world: World, again: str) -> None:
    """Decomposed accents, capitals, no-break or extra spaces, invisible characters: the
    same name, so the same rule as above."""
    with pytest.raises(RecruitmentError, match="in the list twice"):
        setup.save_topics(
            world.scheme,
            rows=[
                Row(None, {"name": "Café Society", "order": None}),
                Row(None, {"name": again, "order": None}),
            ],
            by=world.coordinator,
        )
    assert topic_names() == []


def test_rows_of_another_scheme_cannot_be_changed_through_this_one(world: World) -> None:
    theirs = Topic.objects.create(scheme=world.other_scheme, name="Theirs")
    with pytest.raises(RecruitmentError, match="changed while you were editing"):
        setup.save_topics(
            world.scheme,
            rows=[Row(theirs.pk, {"name": "Hijacked", "order": 1})],
            by=world.coordinator,
        )
    assert topic_names() == ["Theirs"]


def test_a_topic_applicants_chose_cannot_be_removed(world: World) -> None:
    application = submitted(open_call(world.cohort))
    chosen = application.topics.first()
    assert chosen is not None
    with pytest.raises(RecruitmentError, match="Applicants chose"):
        setup.save_topics(
            world.scheme,
            rows=[Row(chosen.pk, {"name": chosen.name, "order": 0}, remove=True)],
            by=world.coordinator,
        )
    assert Topic.objects.filter(pk=chosen.pk).exists()


def test_programmes_belong_to_the_organisation_and_one_in_use_cannot_be_removed(
    world: World,
) -> None:
    mentee_call = open_call(world.cohort, Role.MENTEE)
    taught = Programme.objects.create(organisation=world.organisation, name="BSc Nursing")
    submitted(mentee_call, teaching=[{"programme": taught.pk, "year": 2}])
    setup.save_programmes(
        world.organisation,
        rows=[Row(None, {"name": "MBBS", "years": 5})],
        by=world.coordinator,
    )
    assert list(world.organisation.programmes.values_list("name", flat=True)) == [
        "BSc Nursing",
        "MBBS",
    ]
    with pytest.raises(RecruitmentError, match="Applicants named “BSc Nursing”"):
        setup.save_programmes(
            world.organisation,
            rows=[Row(taught.pk, {"name": "BSc Nursing", "years": 3}, remove=True)],
            by=world.coordinator,
        )
    assert Programme.objects.filter(pk=taught.pk).exists()


def test_a_scored_criterion_cannot_be_removed_but_can_be_renamed(world: World) -> None:
    insight, commitment = make_rubric(world.scheme)
    application = submitted(open_call(world.cohort))
    services.score_application(
        application, reviewer=world.coordinator, scores={insight.pk: 1, commitment.pk: 1}
    )
    values = {"name": "Insight into the scheme", "description": "", "max_score": 5, "order": 1}
    setup.save_rubric(world.scheme, rows=[Row(insight.pk, values)], by=world.coordinator)
    assert RubricCriterion.objects.get(pk=insight.pk).name == "Insight into the scheme"
    with pytest.raises(RecruitmentError, match="Reviewers have scored"):
        setup.save_rubric(
            world.scheme, rows=[Row(insight.pk, values, remove=True)], by=world.coordinator
        )


# --- Staff lists --------------------------------------------------------------------------


def test_a_staff_list_invites_everyone_as_a_staff_mentee(world: World) -> None:
    people = [Person(2, "a.prof@example.ac.uk", "A"), Person(3, "B.Cons@example.nhs.uk", "")]
    clear_sent_mail()
    invitations = setup.invite_staff_list(world.cohort, people=people, by=world.coordinator)
    assert [(i.email, i.role) for i in invitations] == [
        ("a.prof@example.ac.uk", Role.MENTEE),
        ("b.cons@example.nhs.uk", Role.MENTEE),
    ]
    assert sorted(m.to[0] for m in sent_mail()) == ["a.prof@example.ac.uk", "b.cons@example.nhs.uk"]


def test_a_staff_list_with_someone_already_in_the_cohort_invites_nobody(world: World) -> None:
    people = [Person(2, "a.prof@example.ac.uk", ""), Person(3, world.mentee.email, "")]
    clear_sent_mail()
    with pytest.raises(RecruitmentError, match="Line 3: .* Nobody was invited."):
        setup.invite_staff_list(world.cohort, people=people, by=world.coordinator)
    assert not Invitation.objects.exists()
    assert sent_mail() == []


# --- Calls --------------------------------------------------------------------------------


def test_a_stale_edit_of_a_call_is_refused_and_changes_nothing(world: World) -> None:
    call = open_call(world.cohort)
    services.update_call(call, by=world.coordinator, version=1, title="First edit")
    with pytest.raises(RecruitmentError, match="Someone else changed this call"):
        services.update_call(call, by=world.cohort_coordinator, version=1, title="Stale edit")
    call.refresh_from_db()
    assert (call.title, call.version) == ("First edit", 2)


def test_a_call_that_closes_before_it_opens_is_refused_by_the_service(world: World) -> None:
    import datetime as dt

    from django.utils import timezone as tz

    from flipside.recruitment import services as recruitment

    now = tz.now()
    with pytest.raises(recruitment.RecruitmentError, match="close after it opens"):
        recruitment.create_call(
            world.cohort, by=world.coordinator, role="mentor", title="T", introduction="I",
            opens_at=now, closes_at=now - dt.timedelta(days=1),
        )  # fmt: skip
