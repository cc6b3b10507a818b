"""The applications export builds its rows from labels translated once; each row still says
what the application's own display methods say."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import World, make_user
from flipside.recruitment.models import Application, MeetingMode, Seniority
from flipside.recruitment.review_selectors import applicant_label, availability_text, export_rows
from flipside.schemes.models import Role

from .review_builders import open_call, submitted

pytestmark = pytest.mark.django_db

Status = Application.Status


def row_by_heading(call: object, application: Application) -> dict[str, object]:
    headings, *rows = export_rows(call, Application.objects.filter(pk=application.pk))  # type: ignore[arg-type]
    return dict(zip(headings, rows[0], strict=True))


@pytest.mark.parametrize("blind", [False, True])
def test_staff_export_rows_say_what_each_application_says(world: World, blind: bool) -> None:
    call = open_call(world.cohort, Role.MENTEE, blind_review=blind)
    cases = [
        (Status.SUBMITTED, Seniority.PROFESSOR, MeetingMode.ONLINE, ["tue-pm", "thu-eve"]),
        (Status.ACCEPTED, Seniority.CLINICIAN, MeetingMode.IN_PERSON, []),
        (Status.WAITLISTED, "", "", ["mon-am", "mon-pm", "mon-eve", "fri-eve"]),
        (Status.DECLINED, Seniority.OTHER, MeetingMode.EITHER, ["fri-am"]),
    ]
    for status, seniority, mode, slots in cases:
        application = submitted(
            call,
            make_user(f"Staff {status}"),
            status=status,
            seniority=seniority,
            mode=mode,
            availability=slots,
        )
        application = Application.objects.get(pk=application.pk)

        row = row_by_heading(call, application)

        assert row["Name"] == applicant_label(application)
        assert row["Status"] == application.get_status_display()
        assert row["Seniority"] == application.get_seniority_display()
        assert row["Meeting"] == application.get_mode_display()
        assert row["Available"] == availability_text(application.availability)


def test_mentor_export_labels_follow_the_active_language(world: World) -> None:
    call = open_call(world.cohort, Role.MENTOR)
    application = submitted(call, make_user("Sam"), status=Status.SHORTLISTED)

    with translation.override("en"):
        row = row_by_heading(call, application)

    assert (row["Status"], row["Meeting"], row["Available"]) == (
        "Shortlisted",
        "Online",
        "Tuesday afternoon; Thursday evening",
    )
