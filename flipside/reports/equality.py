"""Equality monitoring in a report: the student-mentor applicants of one cohort (or of every
cohort of a scheme) counted by their answers to each equality question, at three stages —
applied, accepted, completed.

Student mentors are the people the scheme is for, and the people its calls ask these optional
questions. Answers are read through ``privacy.aggregates`` (only the privacy app decrypts), one
question at a time: two questions are never counted against each other. Every figure goes
through ``disclosure.suppress_stages``, which hides small counts and whatever would reveal them,
reading the stages together as reports that differ by one filter.
People with no answers on record (never consented, or withdrew) are in no figure, nor are
answers whose consent does not stand or of people who asked to be left out of equality
monitoring: ``privacy.aggregates`` reads only answers it may count.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from flipside.matching.models import Pair
from flipside.privacy.aggregates import Answers, answers_by_person
from flipside.privacy.equality import PREFER_NOT, QUESTIONS, SELF_DESCRIBE, Question
from flipside.recruitment.models import Application
from flipside.schemes.models import Cohort, Role, Stage

from . import disclosure, shapes

APPLIED, ACCEPTED, COMPLETED = "applicants", "accepted", "completed"

# A person at a stage in a cohort: (user id, cohort id).
Person = tuple[int, int]


def equality_part(cohorts: Sequence[Cohort]) -> shapes.Part:
    """The equality-monitoring part of a cohort report (one cohort) or a scheme report (all
    its cohorts, counted together)."""
    cohorts = list(cohorts)
    closed = [c for c in cohorts if c.stage == Stage.CLOSED]
    stages = _stages(cohorts, closed)
    answers = answers_by_person([c.pk for c in cohorts], user_ids={u for u, _c in stages[APPLIED]})
    title = _("Equality monitoring")
    if not answers:
        return shapes.Part(key="equality", title=title, missing=(_missing(stages),))
    columns = (APPLIED, ACCEPTED, COMPLETED) if closed else (APPLIED, ACCEPTED)
    tables = tuple(
        _table(question, answers, {stage: stages[stage] for stage in columns})
        for question in _questions(cohorts, answers)
    )
    return shapes.Part(
        key="equality",
        title=title,
        paragraphs=_paragraphs(cohorts, closed),
        tables=tables,
        missing=_not_closed(cohorts, closed),
    )


def _stages(cohorts: list[Cohort], closed: list[Cohort]) -> dict[str, set[Person]]:
    """Who reached each stage: applied (submitted an application to a mentor call), accepted
    (that application was accepted) and, in closed cohorts only, completed (an applicant whose
    pair was not ended early)."""
    applications = Application.objects.filter(
        call__cohort__in=cohorts, call__role=Role.MENTOR, submitted_at__isnull=False
    ).values_list("applicant_id", "call__cohort_id", "status")
    applied: set[Person] = set()
    accepted: set[Person] = set()
    for user_id, cohort_id, status in applications:
        applied.add((user_id, cohort_id))
        if status == Application.Status.ACCEPTED:
            accepted.add((user_id, cohort_id))
    paired = Pair.objects.filter(cohort__in=closed, status=Pair.Status.ACTIVE)
    completed = set(paired.values_list("mentor_id", "cohort_id")) & applied
    return {APPLIED: applied, ACCEPTED: accepted, COMPLETED: completed}


def _questions(cohorts: list[Cohort], answers: dict[Person, Answers]) -> list[Question]:
    """The questions the cohorts' schemes ask, and any others someone answered (a scheme may
    have stopped asking one), in the order of ``QUESTIONS``."""
    asked = {key for cohort in cohorts for key in cohort.scheme.equality_questions}
    answered = {key for given in answers.values() for key in given}
    return [question for key, question in QUESTIONS.items() if key in asked | answered]


def _table(
    question: Question, answers: dict[Person, Answers], stages: dict[str, set[Person]]
) -> shapes.Table:
    categories = _categories(question)
    counts = disclosure.count_consenting(
        (answers[person][question.key], stage) if question.key in answers.get(person, {}) else None
        for stage, people in stages.items()
        for person in people
    )
    shown = disclosure.suppress_stages(
        counts,
        rows=disclosure.Dimension(str(question.label), tuple(categories), special=True),
        stages=disclosure.Dimension(_("stage"), tuple(stages), special=False),
    )
    rows: list[tuple[shapes.Cell, ...]] = [
        (label, *cells) for label, cells in zip(categories.values(), shown.cells, strict=True)
    ]
    rows.append((_("Total who answered"), *shown.totals))
    return shapes.Table(
        key=f"equality-{question.key.replace('_', '-')}",
        title=str(question.label),
        columns=(
            shapes.Column("answer", _("Answer"), _("The answer people gave to the question.")),
            *(_COLUMNS[stage]() for stage in stages),
        ),
        rows=tuple(rows),
        notes=_notes(shown),
    )


def _categories(question: Question) -> dict[str, str]:
    """The question's answers, key → label, with self-descriptions as one category."""
    labels = {key: str(label) for key, label in question.options}
    if question.self_describe:
        labels[SELF_DESCRIBE] = _("Described themselves")
    labels[PREFER_NOT] = _("Prefer not to say")
    return labels


_COLUMNS = {
    APPLIED: lambda: shapes.Column(
        APPLIED, _("Applied"), _("People who applied to be a student mentor and gave this answer.")
    ),
    ACCEPTED: lambda: shapes.Column(
        ACCEPTED, _("Accepted"), _("Applicants offered a place who gave this answer.")
    ),
    COMPLETED: lambda: shapes.Column(
        COMPLETED,
        _("Completed"),
        _("Applicants whose pair was still going when the cohort closed (not ended early)."),
    ),
}


def _notes(shown: disclosure.ShownStages) -> tuple[str, ...]:
    figures = [*(cell for line in shown.cells for cell in line), *shown.totals]
    notes = []
    if any(f.suppressed and f.text != disclosure.NOT_SHOWN for f in figures):
        small = disclosure.threshold("REPORT_SMALL_COUNT")
        notes.append(_("<%(n)s means fewer than %(n)s people, possibly none.") % {"n": small})
    if any(f.text == disclosure.NOT_SHOWN for f in figures):
        notes.append(
            _(
                "A dash (–) hides a figure that would otherwise let a figure shown as "
                "<%(n)s be worked out."
            )
            % {"n": disclosure.threshold("REPORT_SMALL_COUNT")}
        )
    return tuple(notes)


def _paragraphs(cohorts: list[Cohort], closed: list[Cohort]) -> tuple[str, ...]:
    paragraphs = [
        _(
            "These tables count the people who applied to be student mentors by their answers to "
            "the optional equality monitoring questions: how many applied, how many were offered "
            "a place and how many completed the scheme. Each question is counted on its own, "
            "never against another, because the groups that would make are small enough to point "
            "to people."
        ),
        _(
            "Only people who chose to answer, and have not withdrawn their answers since, are "
            "counted. Anyone else is in no figure, totals included, so these totals can be "
            'smaller than the number of applicants elsewhere. "Prefer not to say" is counted as '
            "an answer. People who described themselves in their own words are counted together "
            'as "Described themselves"; their words are never shown.'
        ),
        _(
            'To protect the people counted, a figure below %(small)s is shown as "<%(small)s" '
            "and every other figure is rounded to the nearest %(step)s, so the figures in a "
            "column may not add up to its total. A dash (–) hides a figure that would let a "
            "hidden one be worked out."
        )
        % {
            "small": disclosure.threshold("REPORT_SMALL_COUNT"),
            "step": disclosure.threshold("REPORT_ROUND_TO"),
        },
    ]
    if len(cohorts) > 1:
        paragraphs.append(
            _(
                "The figures count %(n)s cohorts together. Someone who applied in more than one "
                "of them is counted once in each."
            )
            % {"n": len(cohorts)}
        )
    if closed and len(closed) < len(cohorts):
        paragraphs.append(
            _("Completed counts only the cohorts that have closed: %(labels)s.")
            % {"labels": ", ".join(c.label for c in closed)}
        )
    return tuple(paragraphs)


def _not_closed(cohorts: list[Cohort], closed: list[Cohort]) -> tuple[str, ...]:
    if closed:
        return ()
    if len(cohorts) == 1:
        return (_("How many people completed the scheme shows when the cohort closes."),)
    return (_("How many people completed the scheme shows when a cohort closes."),)


def _missing(stages: dict[str, set[Person]]) -> str:
    if not stages[APPLIED]:
        return _(
            "No applications to be a student mentor are recorded here, so there are no equality "
            "monitoring answers to count."
        )
    return _(
        "None of the people who applied to be student mentors has answered the equality "
        "monitoring questions (or everyone who did has withdrawn their answers), so there is "
        "nothing to count."
    )
