"""Equality-monitoring answers read for counting, the only way they leave the privacy app.

Reports count people by their answers; they never need what anyone wrote about themselves, so
a self-described answer comes out as ``SELF_DESCRIBE`` alone and the words stay encrypted here.
Only answers whose consent stands are read (``consent.counted_records``): withdrawing deletes
the answers and records the withdrawal, and a person who asked to be left out of equality
monitoring is read in no cohort. Anyone absent from the result never agreed, withdrew or asked
to be left out, and must be left out of every count.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import crypto
from .consent import counted_records
from .equality import PREFER_NOT, QUESTIONS

#: One person's answers in one cohort: question key → option key (or SELF_DESCRIBE, PREFER_NOT).
Answers = dict[str, str]


def answers_by_person(
    cohort_ids: Iterable[int], user_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], Answers]:
    """Each consenting person's answers in each of the cohorts, keyed ``(user_id, cohort_id)``.

    ``user_ids`` narrows the read to those people (say, a call's applicants). A question the
    person was not asked is absent from their answers; an answer that is not one of the
    question's options (the questions changed since) is read as "prefer not to say", so that
    it is still counted in the total without claiming a category."""
    records = counted_records().filter(cohort_id__in=list(cohort_ids))
    if user_ids is not None:
        records = records.filter(user_id__in=list(user_ids))
    found: dict[tuple[int, int], Answers] = {}
    for user_id, cohort_id, ciphertext in records.values_list("user_id", "cohort_id", "ciphertext"):
        found[(user_id, cohort_id)] = _categories(crypto.decrypt(ciphertext))
    return found


def _categories(stored: dict[str, object]) -> Answers:
    answers: Answers = {}
    for key, question in QUESTIONS.items():
        if key not in stored:
            continue
        value = stored[key]
        known = {option for option, _label in question.choices()}
        answers[key] = value if isinstance(value, str) and value in known else PREFER_NOT
    # Descriptions (``<key>_description``) are left behind on purpose: see the docstring.
    return answers
