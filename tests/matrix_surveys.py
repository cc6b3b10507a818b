"""The access matrix's rows for the surveys app's URLs, and the objects its URLs name
(read by tests/test_access_matrix.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from conftest import World
from tests.matrix_rows import COORDINATORS, SCHEME_COORDINATORS, row

# URL name → row(anonymous, default, **by_role), as in tests/test_access_matrix.py.
# The builder is the scheme's coordinators'; a cohort's surveys and results its
# coordinators'; a survey is answered by its audience only (the sample asks mentors), and
# observers, staff mentees and outsiders find nothing.
EXPECTED: dict[str, dict[str, int]] = {
    "surveys:instruments": row(302, 404, **SCHEME_COORDINATORS),
    "surveys:instrument_add": row(302, 405),
    "surveys:instrument": row(302, 404, **SCHEME_COORDINATORS),
    "surveys:question_add": row(302, 405),
    "surveys:question_edit": row(302, 404, **SCHEME_COORDINATORS),
    "surveys:question_remove": row(302, 405),
    "surveys:cohort_surveys": row(302, 404, **COORDINATORS),
    "surveys:schedule": row(302, 405),
    "surveys:survey_edit": row(302, 404, **COORDINATORS),
    "surveys:remind": row(302, 405),
    "surveys:results": row(302, 404, **COORDINATORS),
    "surveys:text_answers": row(302, 404, **COORDINATORS),
    "surveys:mine": row(302, 200),
    "surveys:answer": row(302, 404, mentor=200),
}

# The sets of URL keyword arguments this app's URLs use, beyond the shared ones.
KWARG_SETS: list[list[str]] = [
    ["instrument_id"],
    ["question_id"],
    ["survey_id"],
    ["survey_id", "question_id"],
]


def samples(world: World) -> dict[str, Any]:
    """The scheme's standard instruments; a pre survey of the mentors, open now;
    ``question_id`` its free-text question."""
    from flipside.surveys.models import Kind, Survey
    from flipside.surveys.services.instruments import ensure_standard
    from flipside.surveys.services.schedules import series_of

    instrument = ensure_standard(world.scheme)["mentor_prepost"]
    today = timezone.localdate()
    survey, _ = Survey.objects.get_or_create(
        series=series_of(world.cohort, "mentor"), stage="pre",
        defaults={"instrument": instrument, "opens_on": today - datetime.timedelta(days=1),
                  "closes_on": today + datetime.timedelta(days=14)},
    )  # fmt: skip
    question = instrument.questions.get(kind=Kind.TEXT)
    return {"instrument_id": instrument.pk, "question_id": question.pk, "survey_id": survey.pk}
