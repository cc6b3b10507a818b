"""Every URL pattern × every role → the expected status.

A new URL without a row here fails ``test_every_url_pattern_has_an_expected_row``, so no view
can ship without a decision about who may reach it.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import World
from flipside.accounts.models import Invitation, hash_token
from flipside.matching.models import Pair, PairRule, Proposal, Run
from flipside.notifications import preferences
from flipside.notifications.models import OutboxMessage, TemplateOverride
from flipside.privacy import crypto
from flipside.recruitment.models import Application, Call, EmailVerification
from flipside.training.models import Concern, TrainingSession
from tests import matrix_ideas, matrix_reports, matrix_surveys
from tests.matrix_rows import (
    COORDINATORS,
    PARTNERS,
    ROLES,
    SCHEME_COORDINATORS,
    row,
)

EXPECTED: dict[str, dict[str, int]] = {
    "home": row(302, 200),
    "healthz": row(200, 200),
    "accounts:login": row(200, 302),
    "accounts:logout": row(302, 405),
    "accounts:password_reset": row(200, 200),
    "accounts:password_reset_done": row(200, 200),
    "accounts:password_reset_confirm": row(200, 200),
    "accounts:password_reset_complete": row(200, 200),
    "accounts:password_change": row(302, 200),
    "accounts:password_change_done": row(302, 200),
    "accounts:profile": row(302, 200),
    # Every signed-in persona here has passed the second step (conftest's force_login).
    "accounts:second_factor": row(302, 200),
    "accounts:second_factor_setup": row(302, 200),
    "accounts:second_factor_verify": row(302, 302),
    "accounts:second_factor_backup_codes": row(302, 405),
    "accounts:second_factor_reset": row(302, 403, org_coordinator=200),
    "accounts:confirm_identity": row(302, 200),
    "accounts:invitation": row(200, 200),
    "accounts:invitation_request_new": row(405, 405),
    "accounts:invite": row(302, 404, **COORDINATORS),
    "accounts:invitation_revoke": row(302, 405),
    "schemes:list": row(302, 403, **COORDINATORS, outsider=200),
    "schemes:create": row(302, 403, org_coordinator=200),
    "schemes:detail": row(302, 404, **SCHEME_COORDINATORS),
    "schemes:edit": row(302, 404, **SCHEME_COORDINATORS),
    "schemes:cohort_create": row(302, 404, **SCHEME_COORDINATORS),
    "home:cohort": row(302, 404, **COORDINATORS, observer=200),
    "schemes:cohort_edit": row(302, 404, **COORDINATORS),
    "schemes:cohort_stage": row(302, 405),
    "schemes:cohort_people": row(302, 404, **COORDINATORS),
    "schemes:people_search": row(302, 404, **COORDINATORS),
    "schemes:cohort_calendar": row(302, 404, **COORDINATORS, mentor=200, mentee=200, observer=200),
    # The outsider coordinates their own scheme, so they see an outbox (with none of ours).
    "notifications:outbox": row(302, 403, **COORDINATORS, outsider=200),
    "notifications:message": row(302, 404, **COORDINATORS),
    "notifications:retry": row(302, 405),
    "notifications:wording_list": row(302, 404, **SCHEME_COORDINATORS),
    "notifications:wording_edit": row(302, 404, **SCHEME_COORDINATORS),
    "notifications:wording_reset": row(302, 405),
    "notifications:preferences": row(302, 200),
    "notifications:unsubscribe": row(200, 200),
    # Privacy: each person's own page; the changes are POST only (the sample consent record is
    # the mentor's, and anyone else's answers 404 on POST: privacy/tests/test_views.py).
    "privacy:page": row(302, 200),
    "privacy:withdraw": row(302, 405),
    "privacy:leave_out": row(302, 405),
    "privacy:include": row(302, 405),
    # The audit log: every kind of coordinator reads their own part (the outsider theirs);
    # which entries each reads is tested in privacy/tests/test_audit_log.py.
    "privacy:audit_log": row(302, 403, **COORDINATORS, outsider=200),
    "privacy:audit_log_export": row(302, 403, **COORDINATORS, outsider=200),
    # Retention: a scheme's schedule for its coordinators; legal holds for the organisation's.
    "privacy:retention": row(302, 404, **SCHEME_COORDINATORS),
    "privacy:holds": row(302, 404, org_coordinator=200),
    "privacy:hold_people": row(302, 404, org_coordinator=200),
    "privacy:hold_lift": row(302, 405),
    # Each person downloads only their own data; only an organisation's coordinators record a
    # request received by email and produce another person's (privacy/tests/test_subject_access).
    "privacy:download": row(302, 200),
    "privacy:download_json": row(302, 200),
    "privacy:requests": row(302, 403, org_coordinator=200),
    "privacy:request_people": row(302, 403, org_coordinator=200),
    "privacy:request": row(302, 404, org_coordinator=200),
    "privacy:request_json": row(302, 404, org_coordinator=200),
    # Erasure: organisation coordinators only, of people with a role in their organisation.
    "privacy:erasure_request": row(302, 405),
    "privacy:erasure_find": row(302, 403, org_coordinator=200),
    "privacy:erasure": row(302, 403, org_coordinator=200),
    # Applicants: public calls, and each person's own applications (the sample is the mentor's).
    "recruitment:call_public": row(200, 200),
    "recruitment:start": row(405, 405),
    # Signed in as someone else than the link is for: refused, nobody is signed in over it.
    "recruitment:verify": row(200, 409),
    "recruitment:my_applications": row(302, 200),
    "recruitment:application": row(302, 404, mentor=200),
    "recruitment:withdraw": row(302, 404, mentor=200),
    "recruitment:equality": row(302, 404, mentor=200),
    # Coordinators: set-up, calls, review and decisions (the sample call is on our cohort).
    "recruitment:scheme_setup": row(302, 404, **SCHEME_COORDINATORS),
    "recruitment:calls": row(302, 404, **COORDINATORS),
    "recruitment:call_create": row(302, 404, **COORDINATORS),
    "recruitment:call_edit": row(302, 404, **COORDINATORS),
    "recruitment:import_staff": row(302, 404, **COORDINATORS),
    "recruitment:applications": row(302, 404, **COORDINATORS),
    "recruitment:bulk_decide": row(302, 405),
    "recruitment:export": row(302, 404, **COORDINATORS),
    "recruitment:review": row(302, 404, **COORDINATORS),
    "recruitment:score": row(302, 405),
    "recruitment:note": row(302, 405),
    "recruitment:decide": row(302, 405),
    # Handbook and ground rules: read by every member and coordinator, written by the scheme's.
    "training:handbook": row(302, 404, **COORDINATORS, mentor=200, mentee=200, observer=200),
    "training:handbook_acknowledge": row(302, 405),
    "training:handbook_edit": row(302, 404, **SCHEME_COORDINATORS),
    "training:handbook_versions": row(302, 404, **SCHEME_COORDINATORS),
    "training:agreement": row(302, 404, **COORDINATORS, mentor=200, mentee=200, observer=200),
    "training:agreement_accept": row(302, 405),
    "training:agreement_edit": row(302, 404, **SCHEME_COORDINATORS),
    # Training sessions: every member of the cohort sees them; coordinators run them.
    "training:sessions": row(302, 404, **COORDINATORS, mentor=200, mentee=200, observer=200),
    "training:session": row(302, 404, **COORDINATORS, mentor=200, mentee=200, observer=200),
    "training:session_calendar": row(
        302, 404, **COORDINATORS, mentor=200, mentee=200, observer=200
    ),
    "training:session_create": row(302, 404, **COORDINATORS),
    "training:session_edit": row(302, 404, **COORDINATORS),
    "training:session_cancel": row(302, 404, **COORDINATORS),
    "training:register": row(302, 404, **COORDINATORS),
    "training:book": row(302, 405),
    "training:cancel_booking": row(302, 405),
    "training:assign": row(302, 405),
    # Support: everyone signed in. Concerns: only the scheme's coordinators (the sample is a
    # scheme-wide concern raised by the mentor, who must not see it); the outsider coordinates
    # their own scheme, so they see a list (with none of ours).
    "training:support": row(302, 200),
    "training:support_services": row(302, 404, **SCHEME_COORDINATORS),
    "training:concerns": row(302, 403, **COORDINATORS, outsider=200),
    "training:concern": row(302, 404, **SCHEME_COORDINATORS),
    "training:readiness": row(302, 404, **COORDINATORS),
    "training:readiness_override": row(302, 405),
    # Matching: only the cohort's coordinators; the sample run, rule and pair are in our cohort.
    "matching:overview": row(302, 404, **COORDINATORS),
    "matching:settings": row(302, 404, **COORDINATORS),
    "matching:settings_preview": row(302, 404, **COORDINATORS),
    "matching:rule_add": row(302, 405),
    "matching:rule_remove": row(302, 405),
    "matching:capacity": row(302, 405),
    "matching:start": row(302, 405),
    "matching:compare": row(302, 404, **COORDINATORS),
    "matching:run": row(302, 404, **COORDINATORS),
    "matching:progress": row(302, 404, **COORDINATORS),
    "matching:left_out_export": row(302, 404, **COORDINATORS),
    "matching:swap": row(302, 405),
    "matching:remove": row(302, 405),
    "matching:lock": row(302, 405),
    "matching:add": row(302, 405),
    "matching:rerun": row(302, 405),
    "matching:publish": row(302, 404, **COORDINATORS),
    "matching:pairs": row(302, 404, **COORDINATORS),
    "matching:pairs_export": row(302, 404, **COORDINATORS),
    "matching:end_pair": row(302, 404, **COORDINATORS),
    "matching:rematch": row(302, 404, **COORDINATORS),
    # A participant's own partner: only the two people in the sample pair.
    "matching:partner": row(302, 404, mentor=200, mentee=200),
    # A pair's workspace, meetings and journal: its two partners only, never coordinators
    # (the sample meeting is arranged and started an hour ago; the journal entry is the
    # mentor's, and nobody else can delete it).
    "partnerships:workspace": row(302, 404, **PARTNERS),
    "partnerships:pause": row(302, 404, **PARTNERS),
    "partnerships:resume": row(302, 405),
    "partnerships:end": row(302, 404, **PARTNERS),
    "partnerships:journal": row(302, 404, **PARTNERS),
    "partnerships:journal_delete": row(302, 405),
    "partnerships:propose": row(302, 404, **PARTNERS),
    "partnerships:log": row(302, 404, **PARTNERS),
    "partnerships:meeting": row(302, 404, **PARTNERS),
    "partnerships:accept": row(302, 405),
    "partnerships:reschedule": row(302, 404, **PARTNERS),
    "partnerships:cancel": row(302, 405),
    "partnerships:record": row(302, 405),
    "partnerships:answer": row(302, 405),
    "partnerships:meeting_calendar": row(302, 404, **PARTNERS),
    # Talking points: every member reads the library, partners suggest and mark them, the
    # scheme's coordinators curate them.
    "partnerships:points": row(302, 404, **COORDINATORS, **PARTNERS, observer=200),
    "partnerships:point_suggest": row(302, 404, **PARTNERS),
    "partnerships:point_used": row(302, 405),
    "partnerships:points_manage": row(302, 404, **SCHEME_COORDINATORS),
    "partnerships:point_edit": row(302, 404, **SCHEME_COORDINATORS),
    "partnerships:point_decide": row(302, 405),
    # The progress board and its actions: the cohort's coordinators only.
    "partnerships:board": row(302, 404, **COORDINATORS),
    "partnerships:nudge": row(302, 404, **COORDINATORS),
    "partnerships:settings": row(302, 404, **COORDINATORS),
    "partnerships:board_pause": row(302, 404, **COORDINATORS),
    "partnerships:board_resume": row(302, 405),
    # Reflection events: every member sees them; coordinators run them.
    "partnerships:events": row(302, 404, **COORDINATORS, **PARTNERS, observer=200),
    "partnerships:event_create": row(302, 404, **COORDINATORS),
    "partnerships:event": row(302, 404, **COORDINATORS, **PARTNERS, observer=200),
    "partnerships:event_edit": row(302, 404, **COORDINATORS),
    "partnerships:event_cancel": row(302, 405),
    "partnerships:event_reply": row(302, 405),
    "partnerships:event_register": row(302, 404, **COORDINATORS),
    "partnerships:event_notes": row(302, 404, **COORDINATORS),
    "partnerships:event_calendar": row(302, 404, **COORDINATORS, **PARTNERS, observer=200),
    # Each person's calendar feed: the page for everyone signed in; the feed itself by its
    # token alone (the sample token is the mentor's), which is why it needs no sign-in.
    "partnerships:feed": row(302, 200),
    "partnerships:feed_regenerate": row(302, 405),
    "partnerships:feed_ics": row(200, 200),
    # Pay: a student mentor's own timesheets and lines (the sample line is the mentor's draft),
    # never their staff partner; everything else the cohort's coordinators only, and an
    # organisation's rates and payroll columns those who coordinate any of its cohorts.
    "payments:rates": row(302, 404, **COORDINATORS),
    "payments:rate_add": row(302, 405),
    "payments:rate_value_add": row(302, 405),
    "payments:settings": row(302, 404, **COORDINATORS),
    "payments:employment": row(302, 404, **COORDINATORS),
    "payments:employment_edit": row(302, 404, **COORDINATORS),
    "payments:my_pay": row(302, 404, mentor=200),
    "payments:claim": row(302, 405),
    "payments:timesheet": row(302, 404, mentor=200),
    "payments:submit": row(302, 405),
    "payments:line_edit": row(302, 404, mentor=200),
    "payments:line_remove": row(302, 405),
    "payments:review": row(302, 404, **COORDINATORS),
    "payments:approve_selected": row(302, 405),
    "payments:approve": row(302, 405),
    "payments:query": row(302, 404, **COORDINATORS),
    "payments:reject": row(302, 404, **COORDINATORS),
    "payments:runs": row(302, 404, **COORDINATORS),
    "payments:collect": row(302, 405),
    "payments:run": row(302, 404, **COORDINATORS),
    "payments:run_mark_exported": row(302, 405),
    "payments:run_export": row(302, 404, **COORDINATORS),
    "payments:mark_paid": row(302, 405),
    "payments:correct_line": row(302, 404, **COORDINATORS),
    "payments:layout": row(302, 404, **COORDINATORS),
    "payments:budget": row(302, 404, **COORDINATORS),
}


# The later apps keep their rows beside their sample objects.
EXPECTED.update(matrix_surveys.EXPECTED)
EXPECTED.update(matrix_ideas.EXPECTED)
EXPECTED.update(matrix_reports.EXPECTED)


def all_url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"URL pattern {pattern.pattern} has no name"
                names.append(namespace + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


INVITATION_TOKEN = "matrix-test-token"
VERIFICATION_TOKEN = "matrix-verification-token"


def matrix_call(world: World) -> Call:
    """An open call for mentors to ``world``'s cohort."""
    now = timezone.now()
    call, _ = Call.objects.get_or_create(
        cohort=world.cohort,
        role="mentor",
        defaults={
            "title": "Matrix call",
            "introduction": "Hello",
            "opens_at": now - datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=30),
        },
    )
    return call


def matrix_application(world: World) -> Application:
    """The mentor's submitted application to the matrix call."""
    application, _ = Application.objects.get_or_create(
        call=matrix_call(world),
        applicant=world.mentor,
        defaults={"status": "submitted", "submitted_at": timezone.now()},
    )
    return application


def matrix_session(world: World) -> TrainingSession:
    """A future training session on ``world``'s cohort for mentors and mentees."""
    session, _ = TrainingSession.objects.get_or_create(
        cohort=world.cohort,
        title="Matrix session",
        defaults={
            "audience": "both",
            "starts_at": timezone.now() + datetime.timedelta(days=14),
        },
    )
    return session


def matrix_concern(world: World) -> Concern:
    """A concern about ``world``'s scheme raised (with their name) by the mentor."""
    concern = Concern.objects.filter(scheme=world.scheme, raised_by=world.mentor).first()
    if concern is None:
        words = {"subject": "Matrix concern", "body": "Something happened."}
        concern = Concern.objects.create(
            scheme=world.scheme, raised_by=world.mentor, ciphertext=crypto.encrypt(words)
        )
    return concern


def matrix_matching(world: World) -> dict[str, int]:
    """A finished draft run with one proposal, a rule and an active pair of the mentor and
    mentee, all in ``world``'s cohort."""
    run, _ = Run.objects.get_or_create(
        cohort=world.cohort,
        number=1,
        defaults={"status": Run.Status.DONE, "progress": 100, "matched": 1, "total_score": 70},
    )
    proposal, _ = Proposal.objects.get_or_create(
        run=run, mentor=world.mentor, mentee=world.mentee, defaults={"score": 70}
    )
    rule, _ = PairRule.objects.get_or_create(
        cohort=world.cohort, mentor=world.mentor, mentee=world.mentee, defaults={"kind": "lock"}
    )
    pair, _ = Pair.objects.get_or_create(
        cohort=world.cohort, mentor=world.mentor, mentee=world.mentee, defaults={"score": 70}
    )
    return {"run_id": run.pk, "proposal_id": proposal.pk, "rule_id": rule.pk, "pair_id": pair.pk}


FEED_TOKEN = "matrix-feed-token-" + "0" * 25  # the shape of secrets.token_urlsafe(32)


def matrix_partnerships(world: World) -> dict[str, int]:
    """In the sample pair: an arranged meeting that started an hour ago, a journal entry by
    the mentor and a published talking point; a reflection event of the cohort."""
    from flipside.partnerships.models import (
        JournalEntry,
        Meeting,
        ReflectionEvent,
        TalkingPoint,
    )
    from flipside.privacy import crypto

    pair = Pair.objects.get(cohort=world.cohort, mentor=world.mentor, mentee=world.mentee)
    meeting, _ = Meeting.objects.get_or_create(
        pair=pair,
        defaults={
            "status": Meeting.Status.ACCEPTED,
            "starts_at": timezone.now() - datetime.timedelta(hours=1),
            "proposed_by": world.mentor,
            "accepted_at": timezone.now() - datetime.timedelta(days=2),
        },
    )
    entry, _ = JournalEntry.objects.get_or_create(
        pair=pair, author=world.mentor, defaults={"ciphertext": crypto.encrypt({"text": "Mine"})}
    )
    point, _ = TalkingPoint.objects.get_or_create(
        scheme=world.scheme, theme="Getting started", text="What brought you here?"
    )
    event, _ = ReflectionEvent.objects.get_or_create(
        cohort=world.cohort,
        title="Matrix reflection",
        defaults={"starts_at": timezone.now() + datetime.timedelta(days=10)},
    )
    return {
        "meeting_id": meeting.pk,
        "entry_id": entry.pk,
        "point_id": point.pk,
        "event_id": event.pk,
    }


def matrix_payments(world: World) -> dict[str, int]:
    """The organisation and its Living Wage rate; the mentor's timesheet with a draft line
    (``line_id``) and an approved line in an exported payment run (``paid_line_id``)."""
    from decimal import Decimal

    from flipside.payments import money
    from flipside.payments.models import Line, PaymentRun, Timesheet
    from flipside.payments.services.rates import pay_settings_of
    from flipside.payments.services.timesheets import month_of

    settings = pay_settings_of(world.cohort)
    assert settings.rate is not None
    value = settings.rate.values.order_by("-announced_on").first()
    assert value is not None
    day = timezone.localdate()  # this month's timesheet, which the mentor's pay page shows
    start, end = month_of(day)
    sheet, _ = Timesheet.objects.get_or_create(
        cohort=world.cohort, mentor=world.mentor, period_start=start,
        defaults={"period_end": end},
    )  # fmt: skip
    price = money.price(Decimal("1.50"), value)
    priced = {"rate_value": value, "hourly": price.hourly, "amount": price.amount}
    line, _ = Line.objects.get_or_create(
        timesheet=sheet, cohort=world.cohort, mentor=world.mentor, kind="other",
        description="Matrix draft", defaults={"worked_on": day, "hours": Decimal("1.50"),
                                              **priced},
    )  # fmt: skip
    run, _ = PaymentRun.objects.get_or_create(
        cohort=world.cohort, number=1,
        defaults={"status": PaymentRun.Status.EXPORTED, "exported_at": timezone.now(),
                  "hours": Decimal("1.50"), "amount": price.amount},
    )  # fmt: skip
    paid, _ = Line.objects.get_or_create(
        timesheet=sheet, cohort=world.cohort, mentor=world.mentor, kind="other",
        description="Matrix paid",
        defaults={"worked_on": day, "hours": Decimal("1.50"), "status": "approved",
                  "payment_run": run, **priced},
    )  # fmt: skip
    return {
        "organisation_id": world.organisation.pk,
        "rate_id": settings.rate.pk,
        "timesheet_id": sheet.pk,
        "line_id": line.pk,
        "paid_line_id": paid.pk,
        "payment_run_id": run.pk,
    }


def matrix_consent_record(world: World) -> Any:
    """A consent record of the mentor's (any they have, else their consent to equality
    monitoring in our cohort; their answers, if any, are left as they are)."""
    from flipside.privacy.models import ConsentRecord

    found = ConsentRecord.objects.filter(user=world.mentor).first()
    return found or ConsentRecord.objects.create(
        user=world.mentor, purpose="equality_monitoring", cohort=world.cohort, event="given",
        categories=["ethnicity"], notice_version="2026-09",
    )  # fmt: skip


def matrix_access_request(world: World) -> Any:
    """A subject access request for the mentor, recorded by the organisation's coordinator."""
    from flipside.privacy.models import AccessRequest

    made, _ = AccessRequest.objects.get_or_create(
        organisation=world.organisation,
        person=world.mentor,
        received_on=datetime.date(2026, 11, 2),
        reference="Matrix request",
        defaults={"made_by": world.org_coordinator},
    )
    return made


def url_for(name: str, world: World) -> str:
    """The URL for ``name`` with ids of objects in ``world``'s cohort."""
    invitation, _ = Invitation.objects.get_or_create(
        token_hash=hash_token(INVITATION_TOKEN),
        defaults={
            "cohort": world.cohort,
            "email": "invitee@example.ac.uk",
            "role": "mentor",
            "expires_at": "2999-01-01T00:00:00Z",
        },
    )
    message, _ = OutboxMessage.objects.get_or_create(
        message_id="<matrix@flipside.test>",
        defaults={
            "kind": "stage_changed",
            "to": world.mentor.email,
            "scheme": world.scheme,
            "subject": "Matrix message",
            "body_text": "Hello",
        },
    )
    samples = {
        "scheme_id": world.scheme.pk,
        "cohort_id": world.cohort.pk,
        "invitation_id": invitation.pk,
        "token": INVITATION_TOKEN,
        "uidb64": "MQ",
        "message_id": message.pk,
        "kind": "invitation",
        "application_id": matrix_application(world).pk,
        "call_id": matrix_call(world).pk,
        "fmt": "csv",
        "session_id": matrix_session(world).pk,
        "concern_id": matrix_concern(world).pk,
        "user_id": world.mentor.pk,
        "person_id": world.mentor.pk,
        **matrix_matching(world),
    }
    samples.update(matrix_partnerships(world))
    if name.startswith("payments:"):
        samples.update(matrix_payments(world))
        if name == "payments:correct_line":
            samples["line_id"] = samples["paid_line_id"]
    if name.startswith("surveys:"):
        samples.update(matrix_surveys.samples(world))
    if name.startswith("ideas:"):
        samples.update(matrix_ideas.samples(world))
    if name in ("reports:cohort_table", "reports:scheme_table"):
        samples.update(matrix_reports.samples(world, name))
    if name.startswith("reports:document"):
        samples.update(matrix_reports.document(world))
    if name == "partnerships:feed_ics":
        from flipside.partnerships.models import CalendarFeed
        from flipside.partnerships.services.feed import token_hash

        CalendarFeed.objects.get_or_create(
            user=world.mentor, defaults={"token_hash": token_hash(FEED_TOKEN)}
        )
        samples["token"] = FEED_TOKEN
    if name == "privacy:withdraw":
        samples["record_id"] = matrix_consent_record(world).pk
    if name in ("privacy:request", "privacy:request_json"):
        samples["request_id"] = matrix_access_request(world).pk
    if name.startswith("privacy:hold"):
        from flipside.privacy.models import LegalHold

        samples["organisation_id"] = world.organisation.pk
        # On someone outside the cohort, so the sample mentor can still be erased.
        samples["hold_id"] = LegalHold.objects.get_or_create(
            organisation=world.organisation, user=world.outsider, defaults={"reason": "Claim"}
        )[0].pk
    if name == "notifications:unsubscribe":
        samples["token"] = preferences.unsubscribe_token(world.mentor)
    if name in ("recruitment:call_public", "recruitment:start"):
        samples["token"] = matrix_call(world).token
    if name == "recruitment:verify":
        EmailVerification.objects.get_or_create(
            token_hash=hash_token(VERIFICATION_TOKEN),
            defaults={
                "call": matrix_call(world),
                "email": "new.applicant@example.ac.uk",
                "name": "New Applicant",
                "expires_at": timezone.now() + datetime.timedelta(hours=1),
            },
        )
        samples["token"] = VERIFICATION_TOKEN
    for kwargs_names in _kwarg_sets(name):
        try:
            return reverse(name, kwargs={k: samples[k] for k in kwargs_names})
        except Exception:  # noqa: S112 - try the next set of arguments
            continue
    raise AssertionError(f"Cannot build a URL for {name}")


def _kwarg_sets(name: str) -> list[list[str]]:
    if name == "accounts:password_reset_confirm":
        return [["uidb64", "token"]]
    return [
        [],
        ["scheme_id"],
        ["cohort_id"],
        ["token"],
        ["cohort_id", "invitation_id"],
        ["message_id"],
        ["scheme_id", "kind"],
        ["application_id"],
        ["call_id"],
        ["call_id", "fmt"],
        ["cohort_id", "fmt"],
        ["session_id"],
        ["concern_id"],
        ["record_id"],
        ["request_id"],
        ["person_id"],
        ["cohort_id", "user_id"],
        ["run_id"],
        ["run_id", "fmt"],
        ["run_id", "proposal_id"],
        ["rule_id"],
        ["pair_id"],
        ["meeting_id"],
        ["entry_id"],
        ["pair_id", "point_id"],
        ["point_id"],
        ["event_id"],
        ["organisation_id"],
        ["rate_id"],
        ["timesheet_id"],
        ["line_id"],
        ["payment_run_id"],
        ["payment_run_id", "fmt"],
        ["hold_id"],
        *matrix_surveys.KWARG_SETS,
        *matrix_ideas.KWARG_SETS,
        *matrix_reports.KWARG_SETS,
    ]


def test_every_url_pattern_has_an_expected_row() -> None:
    names = all_url_names()
    missing = sorted(set(names) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(names))
    assert not missing, f"Add these URLs to the access matrix: {missing}"
    assert not stale, f"These rows name URLs that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_what_it_should(role: str, world: World, client: Any) -> None:
    if role != "anonymous":
        client.force_login(getattr(world, role))
    wrong = []
    for name in all_url_names():
        response = client.get(url_for(name, world))
        if response.status_code != EXPECTED[name][role]:
            wrong.append(f"{name}: got {response.status_code}, expected {EXPECTED[name][role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_with_a_return_address(
    world: World, client: Any
) -> None:
    url = reverse("home:cohort", args=[world.cohort.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/cohorts/99999999/",
        "/cohorts/999999999999999999999999999999/",
        "/cohorts/-1/",
        "/cohorts/0/",
        "/cohorts/abc/",
        "/schemes/1e3/",
        "/cohorts/1%00/",
    ],
)
def test_unknown_huge_negative_and_non_numeric_ids_are_not_found(
    path: str, world: World, client: Any
) -> None:
    client.force_login(world.coordinator)
    response = client.get(path)
    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.django_db
def test_another_organisations_cohort_looks_exactly_like_a_missing_one(
    world: World, client: Any
) -> None:
    client.force_login(world.coordinator)
    theirs = client.get(reverse("home:cohort", args=[world.other_cohort.pk]))
    missing = client.get("/cohorts/99999999/")
    assert theirs.status_code == missing.status_code == 404
    assert world.other_cohort.scheme.name.encode() not in theirs.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_state_changing_posts_by_people_without_rights_change_nothing(
    role: str, world: World, client: Any
) -> None:
    client.force_login(getattr(world, role))
    stage = client.post(
        reverse("schemes:cohort_stage", args=[world.cohort.pk]),
        {"stage": "closed", "expected": "running"},
    )
    invite = client.post(
        reverse("accounts:invite", args=[world.cohort.pk]),
        {"email": "sneaky@example.ac.uk", "role": "coordinator"},
    )
    edit = client.post(
        reverse("schemes:edit", args=[world.scheme.pk]),
        {
            "name": "Hijacked",
            "centres": "x",
            "default_min_meetings": 1,
            "default_meeting_minutes": 15,
            "version": 1,
        },
    )
    assert (stage.status_code, invite.status_code, edit.status_code) == (404, 404, 404)
    world.cohort.refresh_from_db()
    world.scheme.refresh_from_db()
    assert world.cohort.stage == "running"
    assert world.scheme.name == "Pride Reverse Mentoring"
    assert not Invitation.objects.filter(email="sneaky@example.ac.uk").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mentor", "mentee", "observer", "outsider", "nobody"])
def test_email_posts_by_people_without_rights_change_nothing(
    role: str, world: World, client: Any
) -> None:
    failed = OutboxMessage.objects.create(
        kind="stage_changed",
        to=world.mentor.email,
        scheme=world.scheme,
        subject="Failed",
        body_text="Hello",
        message_id="<failed@flipside.test>",
        status=OutboxMessage.Status.FAILED,
        attempts=8,
    )
    TemplateOverride.objects.create(
        scheme=world.scheme, kind="stage_changed", subject="Ours", body="Our wording"
    )
    client.force_login(getattr(world, role))
    retry = client.post(reverse("notifications:retry", args=[failed.pk]))
    save = client.post(
        reverse("notifications:wording_edit", args=[world.scheme.pk, "stage_changed"]),
        {"subject": "Hijacked", "body": "Hijacked", "action": "save"},
    )
    reset = client.post(
        reverse("notifications:wording_reset", args=[world.scheme.pk, "stage_changed"])
    )
    assert (retry.status_code, save.status_code, reset.status_code) == (404, 404, 404)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxMessage.Status.FAILED, 8)
    override = TemplateOverride.objects.get(scheme=world.scheme, kind="stage_changed")
    assert (override.subject, override.body) == ("Ours", "Our wording")
