from __future__ import annotations

import base64
import datetime
import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from flipside.accounts.models import User
from flipside.demo import seed as demo
from flipside.privacy.audit import verify_chain
from flipside.privacy.models import AuditEntry
from flipside.schemes.models import Cohort, Membership, Organisation, Role, Stage
from flipside.schemes.permissions import coordinated_schemes

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings: Any) -> None:
    settings.DEBUG = True


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def cohort(scheme: str, label: str) -> Cohort:
    return Cohort.objects.get(scheme__name=scheme, label=label)


def people(cohort: Cohort, role: str) -> list[Membership]:
    return list(cohort.memberships.filter(role=role).select_related("user"))


def sites(cohort: Cohort, role: str | None = None) -> set[str]:
    memberships = cohort.memberships.filter(role=role) if role else cohort.memberships.all()
    return set(memberships.values_list("site__name", flat=True))


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seeding_is_refused_when_debug_is_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not Organisation.objects.exists()
    assert not User.objects.exists()


def test_seeding_creates_the_pride_scheme_with_five_pairs_running(debug: None) -> None:
    seed()
    current = cohort("Pride Reverse Mentoring", "2026/27")
    assert current.stage == Stage.RUNNING
    assert (current.min_meetings, current.meeting_minutes) == (4, 60)
    assert len(people(current, Role.MENTOR)) == 5
    assert len(people(current, Role.MENTEE)) == 5
    assert sites(current) == {demo.FACULTY}

    earlier = cohort("Pride Reverse Mentoring", "2025/26")
    assert earlier.stage == Stage.CLOSED
    assert len(people(earlier, Role.MENTOR)) == len(people(earlier, Role.MENTEE)) == 12
    earlier_people = set(earlier.memberships.values_list("user", flat=True))
    assert not earlier_people & set(current.memberships.values_list("user", flat=True))


def test_seeding_creates_race_equality_with_fifteen_pairs_across_three_sites(debug: None) -> None:
    seed()
    current = cohort("Race Equality Reverse Mentoring", "2026/27")
    assert current.stage == Stage.MATCHING
    mentors, mentees = people(current, Role.MENTOR), people(current, Role.MENTEE)
    assert len(mentors) == len(mentees) == 15
    assert sites(current, Role.MENTOR) == {demo.FACULTY}
    assert sites(current, Role.MENTEE) == {name for name, _ in demo.SITES}
    assert all(m.user.email.endswith("@students.northbridge.example") for m in mentors)

    recruiting = cohort("Race Equality Reverse Mentoring", "2027/28")
    assert recruiting.stage == Stage.RECRUITING
    calls = {call.role: call for call in recruiting.calls.all()}
    assert set(calls) == {"mentor", "mentee"} and calls["mentor"].is_open


def test_demo_sign_ins_accept_the_demo_password(debug: None) -> None:
    seed()
    for _, email in demo.DEMO_SIGNINS:
        assert User.objects.get(email=email).check_password(demo.DEMO_PASSWORD), email

    pride = cohort("Pride Reverse Mentoring", "2026/27")
    race = cohort("Race Equality Reverse Mentoring", "2026/27")
    roles = dict(pride.memberships.values_list("user__email", "role"))
    assert roles[demo.MENTOR] == Role.MENTOR
    assert roles[demo.MENTEE] == Role.MENTEE
    for observed in (pride, race):
        assert observed.memberships.get(user__email=demo.OBSERVER).role == Role.OBSERVER


def test_demo_coordinator_coordinates_both_schemes(debug: None) -> None:
    seed()
    coordinator = User.objects.get(email=demo.COORDINATOR)
    assert set(coordinated_schemes(coordinator).values_list("name", flat=True)) == {
        "Pride Reverse Mentoring",
        "Race Equality Reverse Mentoring",
    }
    assert coordinator.organisation_roles.get().organisation.name == demo.ORGANISATION
    assert coordinator.scheme_roles.count() == 2


def test_stage_changes_are_audited_one_step_at_a_time(debug: None) -> None:
    seed()
    current = cohort("Pride Reverse Mentoring", "2026/27")
    steps = AuditEntry.objects.filter(
        action="schemes.cohort.stage_changed",
        object_id=str(current.pk),
        object_type="schemes.cohort",
    ).values_list("details__stage", flat=True)
    assert list(steps) == ["recruiting", "training", "matching", "running"]


def test_seeding_twice_changes_nothing(debug: None) -> None:
    assert "Demo data created." in seed()
    counts = row_counts()
    emails = list(User.objects.order_by("pk").values_list("email", "display_name"))
    last_entry = AuditEntry.objects.latest("id").pk

    assert "Demo data already present; nothing changed." in seed()

    assert row_counts() == counts
    assert list(User.objects.order_by("pk").values_list("email", "display_name")) == emails
    assert AuditEntry.objects.latest("id").pk == last_entry
    assert verify_chain() == []


def test_demo_people_have_unique_lowercase_ascii_emails(debug: None) -> None:
    seed()
    emails = list(User.objects.values_list("email", flat=True))
    assert 50 <= len(emails) <= 100
    assert all(email == email.lower() and email.isascii() for email in emails)
    domains = {email.split("@")[1] for email in emails}
    assert {"students.northbridge.example", "northbridge.example", "nhs.example"} <= domains


def test_demo_signins_lists_each_role_with_the_password(debug: None) -> None:
    seed()
    out = StringIO()
    call_command("demo_signins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text
    for role, email in demo.DEMO_SIGNINS:
        line = next(line for line in text.splitlines() if email in line)
        assert role in line
        assert demo.DEMO_PASSWORD in line
    out = StringIO()
    call_command("demo_signins", "--url", "http://127.0.0.1:8080", stdout=out)
    assert "Flipside demo: http://127.0.0.1:8080" in out.getvalue()


def test_demo_signins_prints_second_factor_keys_the_demo_coordinator_and_observer_sign_in_with(
    debug: None,
) -> None:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from flipside.accounts import second_factor

    seed()
    out = StringIO()
    call_command("demo_signins", stdout=out)
    keys = re.findall(r"key: ([A-Z2-7]+)", out.getvalue())
    assert len(keys) == 2
    assert out.getvalue().count("otpauth://totp/Flipside%3A") == 2
    for email, key in zip((demo.COORDINATOR, demo.OBSERVER), keys, strict=True):
        device = TOTPDevice.objects.get(user__email=email, confirmed=True)
        code = TOTP(base64.b32decode(key + "=" * (-len(key) % 8))).token()
        assert second_factor.verify(device.user, f"{code:06d}").device == device
    assert not TOTPDevice.objects.filter(user__email=demo.MENTOR).exists()


def test_demo_signins_shows_the_address_links_point_at(debug: None, settings: Any) -> None:
    seed()
    settings.SITE_URL = "http://127.0.0.1:8080"
    out = StringIO()
    call_command("demo_signins", stdout=out)
    assert "Flipside demo: http://127.0.0.1:8080" in out.getvalue()


def test_demo_signins_says_how_to_create_the_demo_when_it_is_missing() -> None:
    out = StringIO()
    call_command("demo_signins", stdout=out)
    assert "Run `make run` to create the demo" in out.getvalue()
    assert demo.DEMO_PASSWORD not in out.getvalue()


def test_the_demo_shows_training_handbook_ground_rules_and_mixed_readiness(debug: None) -> None:
    from flipside.training.models import Concern, HandbookVersion, SupportService
    from flipside.training.readiness import cohort_readiness

    seed()
    assert HandbookVersion.objects.count() == 2
    assert SupportService.objects.exists()
    matching = cohort("Race Equality Reverse Mentoring", "2026/27")
    readiness = cohort_readiness(matching)
    assert len(readiness) == 30
    ready = [r for r in readiness if r.ready]
    assert 0 < len(ready) < len(readiness)  # most are ready; a few still have something to do
    assert Concern.objects.filter(raised_by__isnull=True).exists()


def test_the_demo_is_ready_to_match_and_has_pairs_running(debug: None) -> None:
    from flipside.matching import services
    from flipside.matching.models import Pair, PastPair
    from flipside.recruitment.models import Application

    seed()
    matching = cohort("Race Equality Reverse Mentoring", "2026/27")
    accepted = Application.objects.filter(call__cohort=matching, status="accepted")
    assert accepted.count() == 30
    assert accepted.exclude(teaching=[]).exists() and accepted.exclude(conflicts="").exists()

    by = User.objects.get(email=demo.COORDINATOR)
    run = services.start_run(matching, by=by, include_unready=True)
    services.process_runs("test")
    run.refresh_from_db()
    assert run.status == "done" and run.matched == 15
    # The student who named a consultant is not paired with them.
    named = accepted.exclude(conflicts="").select_related("applicant").get()
    partner = run.proposals.get(mentor=named.applicant).mentee
    assert partner.display_name not in named.conflicts

    running = cohort("Pride Reverse Mentoring", "2026/27")
    pairs = Pair.objects.filter(cohort=running, status="active").select_related("mentor")
    assert pairs.count() == 5
    assert User.objects.get(email=demo.MENTOR) in {p.mentor for p in pairs}
    # Last year's and this year's pairs are remembered as keyed hashes for matching later years.
    assert PastPair.objects.count() == 17
    closed = Pair.objects.filter(cohort=cohort("Pride Reverse Mentoring", "2025/26"))
    assert closed.filter(status="active").count() == 11
    assert closed.filter(status="ended").count() == 1


EVERY_STEP = {
    "draft",
    "submitted",
    "shortlisted",
    "accepted",
    "waitlisted",
    "declined",
    "withdrawn",
}


def test_both_recruiting_calls_have_applications_at_every_step_of_review(debug: None) -> None:
    from flipside.notifications.models import OutboxMessage
    from flipside.recruitment.services import OUTCOME_EMAILS

    seed()
    recruiting = cohort("Race Equality Reverse Mentoring", "2027/28")
    calls = {call.role: call for call in recruiting.calls.all()}
    assert set(calls) == {Role.MENTOR, Role.MENTEE}
    for role, call in calls.items():
        assert call.is_open
        applications = list(call.applications.select_related("applicant"))
        assert {a.status for a in applications} == EVERY_STEP, role
        for application in applications:
            member = recruiting.memberships.filter(user=application.applicant)
            # Accepted applicants joined the cohort in the call's role; nobody else did.
            if application.status == "accepted":
                assert member.get().role == role
            else:
                assert not member.exists()
            if application.status in OUTCOME_EMAILS:
                kind = OUTCOME_EMAILS[application.status]
                assert OutboxMessage.objects.filter(kind=kind, to=application.applicant.email)
    applicant = calls[Role.MENTOR].applications.get(applicant__email=demo.APPLICANT)
    assert applicant.status == "draft"


def test_every_application_is_in_the_applicants_own_words(debug: None) -> None:
    from flipside.recruitment.models import Application

    seed()
    mentors = Application.objects.filter(call__role=Role.MENTOR).exclude(statement="")
    statements = list(mentors.values_list("statement", flat=True))
    assert len(set(statements)) == len(statements)
    assert len(statements) >= 25
    mentees = Application.objects.filter(call__role=Role.MENTEE).exclude(hopes="")
    hopes = list(mentees.values_list("hopes", flat=True))
    assert len(set(hopes)) == len(hopes)
    assert len(hopes) >= 20


def test_each_cohorts_stage_history_is_dated_in_order_and_the_closed_one_in_its_own_year(
    debug: None,
) -> None:
    seed()
    loaded = timezone.now()  # later steps write back-dated entries after the stage changes
    for each in Cohort.objects.all():
        changes = list(
            AuditEntry.objects.filter(
                action="schemes.cohort.stage_changed",
                object_type="schemes.cohort",
                object_id=str(each.pk),
            ).order_by("id")
        )
        times = [entry.at for entry in changes]
        assert times == sorted(times) and len(set(times)) == len(times), each
        assert all(at <= loaded for at in times), each
        assert each.stage_changed_at == times[-1], each
    closed = cohort("Pride Reverse Mentoring", "2025/26")
    history = AuditEntry.objects.filter(
        action="schemes.cohort.stage_changed",
        object_type="schemes.cohort",
        object_id=str(closed.pk),
    ).order_by("id")
    year_start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    year_end = datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC)
    assert [e.details["stage"] for e in history] == [
        "recruiting", "training", "matching", "running", "closed",
    ]  # fmt: skip
    assert all(year_start <= e.at < year_end for e in history)
    running = history.get(details__stage="running").at
    assert timezone.localdate(running) == closed.starts_on
    assert closed.created_at < history.first().at  # type: ignore[union-attr]


def test_demo_emails_are_tried_after_they_were_queued(debug: None) -> None:
    from flipside.notifications.models import DeliveryAttempt, OutboxMessage
    from flipside.notifications.outbox import MAX_ATTEMPTS, backoff

    seed()
    failed = OutboxMessage.objects.get(status="failed")
    tries = list(failed.deliveries.order_by("started_at"))
    assert len(tries) == failed.attempts == MAX_ATTEMPTS
    assert failed.created_at < tries[0].started_at
    for n, (before, after) in enumerate(zip(tries, tries[1:], strict=False), 1):
        assert after.started_at - before.finished_at == backoff(n)
    assert tries[-1].finished_at <= timezone.now()
    for attempt in DeliveryAttempt.objects.select_related("message"):
        assert attempt.message.created_at <= attempt.started_at <= attempt.finished_at
    # Both default to the clock as the row is made, microseconds apart.
    for message in OutboxMessage.objects.filter(status="pending"):
        assert message.next_attempt_at >= message.created_at - datetime.timedelta(seconds=1)
