"""A survey's figures kept between changes (decision 0023): the people invited and the people
who have answered, kept on the survey's row, and the generation of its answers, which every
change to its responses raises so that its kept results (``SurveyTally``) stop holding.

Every change to a survey's invitations or responses calls ``recount`` in its transaction: it
locks the survey's row, so two answers at once are counted one after the other, then counts
again from the invitations (``PEOPLE_COUNTED``), so the figures never drift from what is
there. Invitations deleted along with a person are recounted by ``invitations_deleted``
(a ``post_delete`` receiver). Code that writes invitations or responses in bulk (tests, the
benchmark's seed) calls ``recount`` after, with ``answers_changed`` if it wrote responses.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model, QuerySet

from flipside.lib.sql import fetch
from flipside.schemes.models import Cohort, Organisation, Scheme

from .models import Series, Survey

# People invited and people who answered, for the survey ``s``. A survey but a check-in asks
# each person once, so its invitations are its people, counted from the indexes alone (the
# unique one, and the partial one of answered invitations) without reading or sorting a row;
# a check-in asks a person once a meeting, so its people are counted distinct. The two
# placeholders take True (answered).
PEOPLE_COUNTED = """
    CASE WHEN s.stage = 'checkin'
        THEN (SELECT COUNT(DISTINCT i.user_id) FROM surveys_invitation i
              WHERE i.survey_id = s.id)
        ELSE (SELECT COUNT(*) FROM surveys_invitation i WHERE i.survey_id = s.id) END,
    CASE WHEN s.stage = 'checkin'
        THEN (SELECT COUNT(DISTINCT i.user_id) FROM surveys_invitation i
              WHERE i.survey_id = s.id AND i.answered = %s)
        ELSE (SELECT COUNT(*) FROM surveys_invitation i
              WHERE i.survey_id = s.id AND i.answered = %s) END
"""

_LOCK_SQL = "SELECT id FROM surveys_survey WHERE id = %s FOR NO KEY UPDATE"

# Counted after the lock is held, in a statement of its own: on PostgreSQL under READ
# COMMITTED it sees every change committed before it, including one it waited for.
_RECOUNT_SQL = f"""
    UPDATE surveys_survey SET
        (invited_people, answered_people) = (
            SELECT {PEOPLE_COUNTED} FROM surveys_survey s WHERE s.id = %s),
        answers_generation = answers_generation + %s
    WHERE id = %s
"""  # noqa: S608 - a fixed fragment  # nosec B608


def lock(survey_id: int, *, using: str = "default") -> None:
    """Lock the survey's row until the end of the caller's transaction (PostgreSQL; SQLite
    writes one transaction at a time). Take it before changing the survey's invitations or
    responses, so that every writer of one survey waits for the one before."""
    connection = connections[using]
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [survey_id])


def recount(survey_id: int, *, answers_changed: bool = False, using: str | None = None) -> None:
    """Count the survey's people invited and answered again, with its row locked, in the
    caller's transaction; ``answers_changed``: its responses changed too, so its kept results
    stop holding."""
    from .models import Survey

    alias = using or router.db_for_write(Survey)
    with transaction.atomic(using=alias, savepoint=False):
        lock(survey_id, using=alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(
                _RECOUNT_SQL, [True, True, survey_id, 1 if answers_changed else 0, survey_id]
            )


def _goes_with_its_survey(origin: Any) -> bool:
    """Whether a deletion started at ``origin`` deletes the surveys of the invitations it
    deletes (a cohort, its scheme, a series or a survey): nothing then to recount."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return isinstance(model, type) and issubclass(
        model, Survey | Series | Cohort | Scheme | Organisation
    )


def invitations_deleted(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    """``post_delete`` of an invitation (a person deleted, and their invitations with them):
    the survey's figures are counted again in the deleting transaction. Django deletes all
    the invitations a deletion reaches before it sends this for each of them."""
    if _goes_with_its_survey(kwargs.get("origin")):
        return
    recount(instance.survey_id, using=kwargs.get("using"))


def kept_differences(using: str = "default") -> list[tuple[int, tuple[int, int], tuple[int, int]]]:
    """Every survey whose kept people invited and answered differ from a fresh count: (its
    id, kept, counted)."""
    sql = (
        f"SELECT s.id, s.invited_people, s.answered_people, {PEOPLE_COUNTED} "  # noqa: S608 - a fixed fragment  # nosec B608
        "FROM surveys_survey s ORDER BY s.id"
    )
    return [
        (pk, (int(ki), int(ka)), (int(ci), int(ca)))
        for pk, ki, ka, ci, ca in fetch(sql, [True, True], (), using=using)
        if (int(ki), int(ka)) != (int(ci), int(ca))
    ]
