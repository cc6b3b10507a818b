"""What coordinators read about a survey: who was asked and how many answered (never who),
each question's answers counted, suppressed below ``min_responses()`` people (distinct
respondents, not responses: a check-in is answered once a round) for the survey and for each
question, free-text answers in an
order that is not the order they came in, and how many people's pre and post answers are
paired. A response whose free text no key opens is counted as unreadable, never an error.

The people invited and answered are kept on the survey (``kept``), and its results counted
once and kept (``SurveyTally``) until its answers change (decision 0023): the threshold is
applied to the kept counts each time they are shown."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connections, router

from flipside.lib.sql import columns, fetch, field_of, fields_of, instances

from .models import Identification, Question, Response, Survey, SurveyTally
from .services.answers import open_texts
from .standard import options


def min_responses() -> int:
    """Answers are shown only once at least this many people have answered:
    ``settings.SURVEY_MIN_RESPONSES``, 5 unless raised (the settings refuse less)."""
    return int(settings.SURVEY_MIN_RESPONSES)


@dataclass
class Rate:
    invited: int
    answered: int

    @property
    def share(self) -> int:
        """Per cent answered, rounded down (so 99.6% never reads as everyone)."""
        return self.answered * 100 // self.invited if self.invited else 0


def rate_of(survey: Survey) -> Rate:
    """The survey's people invited and answered, as kept on its row (no query)."""
    return Rate(survey.invited_people, survey.answered_people)


def with_rates(surveys: Iterable[Survey]) -> list[tuple[Survey, Rate]]:
    """Each survey with its response rate, read with it (kept on its row)."""
    return [(s, rate_of(s)) for s in surveys]


@dataclass
class Bar:
    label: str
    count: int
    share: int  # per cent of the question's answers: also the length of its SVG bar


@dataclass
class Result:
    question: Question
    answered: int  # people (distinct respondents) who answered the question
    bars: list[Bar] = field(default_factory=list)
    shown: bool = False


@dataclass
class Results:
    """A survey's results: ``people`` is the number of distinct respondents (a check-in is
    answered once a round, so one person may give several responses), the only figure
    compared with ``min_responses()``; ``pairs``, the people whose pre and post answers in
    the survey's series are paired."""

    people: int
    responses: int
    questions: list[Result]
    unreadable: int = 0  # responses whose free text no key opens (tampered, or a lost key)
    pairs: int = 0

    @property
    def shown(self) -> bool:
        return self.people >= min_responses()


# The survey's generations and its kept results, in one statement: ``pairs_generation`` is
# the sum of its series' pre and post surveys' generations, which any change to their
# responses raises (the pairs count reads them).
_PAIRS_GENERATION = """
    (SELECT COALESCE(SUM(p.answers_generation), 0) FROM surveys_survey p
     WHERE p.series_id = s.series_id AND p.stage IN ('pre', 'post'))
"""
_READ_SQL = f"""
    SELECT s.answers_generation, {_PAIRS_GENERATION},
        t.generation, t.pairs_generation, t.keys, t.figures
    FROM surveys_survey s LEFT JOIN surveys_surveytally t ON t.survey_id = s.id
    WHERE s.id = %s
"""  # noqa: S608 - a fixed fragment  # nosec B608
_QUESTIONS_SQL = (
    f"SELECT {columns(Question, 'q')} FROM surveys_question q "  # noqa: S608 - names from the model  # nosec B608
    "WHERE q.instrument_id = %s ORDER BY q.position, q.id"
)
_RESPONSES_SQL = (
    "SELECT r.pseudonym, r.answers, r.ciphertext FROM surveys_response r WHERE r.survey_id = %s"
)
# Kept only while the survey's generations are still those read before its responses were:
# an answer committed meanwhile has raised one, and the next reader counts again.
_KEEP_SQL = f"""
    INSERT INTO surveys_surveytally (survey_id, generation, pairs_generation, keys, figures)
    SELECT s.id, %s, %s, %s, %s FROM surveys_survey s
    WHERE s.id = %s AND s.answers_generation = %s AND {_PAIRS_GENERATION} = %s
    ON CONFLICT (survey_id) DO UPDATE SET generation = excluded.generation,
        pairs_generation = excluded.pairs_generation, keys = excluded.keys,
        figures = excluded.figures
"""  # noqa: S608 - a fixed fragment  # nosec B608
# People who answered both the pre and the post survey of a series.
_PAIRS_SQL = """
    SELECT COUNT(DISTINCT a.pseudonym) FROM surveys_response a
    JOIN surveys_survey sa ON sa.id = a.survey_id
    JOIN surveys_survey sb ON sb.series_id = sa.series_id AND sb.stage = 'post'
    JOIN surveys_response b ON b.survey_id = sb.id AND b.pseudonym = a.pseudonym
    WHERE sa.series_id = %s AND sa.stage = 'pre'
"""


@lru_cache(maxsize=8)
def _fingerprint(keys: tuple[str, ...]) -> str:
    return hashlib.sha256("\n".join(("flipside.surveys.tally", *keys)).encode()).hexdigest()[:32]


def keys_fingerprint() -> str:
    """A digest of ``FIELD_ENCRYPTION_KEYS``: results counted with other keys (a key added
    or removed) no longer hold, since which free text opens may have changed."""
    return _fingerprint(tuple(settings.FIELD_ENCRYPTION_KEYS))


def questions_of(survey: Survey) -> list[Question]:
    """The survey's questions in order (one plain query)."""
    rows = fetch(_QUESTIONS_SQL, [survey.instrument_id], fields_of(Question))
    return [instances(row, Question)[0] for row in rows]


def tally_state(survey: Survey) -> tuple[Any, ...]:
    """The survey's generation and its pairs' (read before its responses), and its kept
    results with the generations and keys they were counted at (None: none kept)."""
    figures = field_of(SurveyTally, "figures")
    ((*row,),) = fetch(_READ_SQL, [survey.pk], (None, None, None, None, None, figures))
    return tuple(row)


def results_of(survey: Survey, questions: list[Question] | None = None) -> Results:
    """The survey's respondents and each question's result (counts only when shown), from
    its kept results while they hold; otherwise counted (free text decrypted once) and kept."""
    least = min_responses()
    generation, pairs_generation, counted_at, pairs_at, keys_at, figures = tally_state(survey)
    questions = questions_of(survey) if questions is None else questions
    keys = keys_fingerprint()
    holds = (
        figures is not None
        and (counted_at, pairs_at, keys_at) == (generation, pairs_generation, keys)
        # Free text is opened only from the threshold on: counted below it, it was not.
        and (figures["texts"] or figures["people"] < least)
    )
    if not holds:
        figures = count(survey, questions, least=least)
        _keep(survey.pk, generation, pairs_generation, keys, figures)
    return shown(figures, questions, least)


def _keep(pk: int, generation: int, pairs: int, keys: str, figures: dict[str, Any]) -> None:
    alias = router.db_for_write(SurveyTally)
    connection = connections[alias]
    value = SurveyTally._meta.get_field("figures").get_db_prep_value(figures, connection)
    with connection.cursor() as cursor:
        cursor.execute(_KEEP_SQL, [generation, pairs, keys, value, pk, generation, pairs])


def count(survey: Survey, questions: list[Question], *, least: int) -> dict[str, Any]:
    """The survey's results counted from its responses, without the threshold (applied by
    ``shown``): aggregates only, by question id. Below the threshold of people, no free text
    is decrypted (``texts`` is false and the text questions count nobody)."""
    rows = fetch(_RESPONSES_SQL, [survey.pk], (None, field_of(Response, "answers"), None))
    people = len({p for p, _a, _c in rows})
    opened = people >= least
    unreadable = 0
    texts: list[tuple[str, dict[str, Any]]] = []
    if opened:
        for pseudonym, _a, ciphertext in rows:
            found = open_texts(ciphertext)
            unreadable += found is None
            texts.append((pseudonym, found or {}))
    by_question: dict[str, dict[str, Any]] = {}
    for question in questions:
        key = str(question.pk)
        if question.is_text:
            by_question[key] = {"people": len({p for p, t in texts if t.get(key)})}
            continue
        given = [(p, a[key]) for p, a, _c in rows if key in a]
        counts: dict[str, int] = {}
        for _p, value in given:
            for v in value if isinstance(value, list) else [value]:
                counts[str(v)] = counts.get(str(v), 0) + 1
        by_question[key] = {
            "people": len({p for p, _v in given}), "given": len(given), "counts": counts,
        }  # fmt: skip
    return {
        "people": people, "responses": len(rows), "unreadable": unreadable, "texts": opened,
        "pairs": pairs_linked(survey), "questions": by_question,
    }  # fmt: skip


def shown(figures: dict[str, Any], questions: list[Question], least: int) -> Results:
    """What the page shows of ``figures``: nothing per question below the threshold of
    people for the survey, and no answers to a question answered by fewer."""
    found = Results(figures["people"], figures["responses"], [], figures["unreadable"],
                    figures["pairs"])  # fmt: skip
    for question in questions:
        counted = figures["questions"].get(str(question.pk), {})
        # Each question is held to the threshold too: an optional one answered by fewer
        # people would show their answers even when the survey as a whole passes it.
        answered = counted.get("people", 0) if found.people >= least else 0
        result = Result(question, answered, shown=answered >= least)
        if result.shown and not question.is_text:
            result.bars = _bars(question, counted.get("counts", {}), counted.get("given", 0))
        found.questions.append(result)
    return found


def _bars(question: Question, counts: dict[str, int], given: int) -> list[Bar]:
    total = given or 1
    return [
        Bar(label, counts.get(str(value), 0), counts.get(str(value), 0) * 100 // total)
        for value, label in options(question.kind, question.choices)
    ]


@dataclass
class TextAnswers:
    """A free-text question's answers (each with its respondent for an identified survey,
    else None), empty below the threshold; ``unreadable`` counts responses no key opens."""

    answers: list[tuple[str, Any]]
    unreadable: int = 0


def text_answers(survey: Survey, question: Question) -> TextAnswers:
    """The question's free-text answers, in the responses' random order, once at least
    ``min_responses()`` people (not responses) have answered the survey and as many have
    written an answer to this question."""
    rows = list(
        Response.objects.filter(survey=survey)
        .order_by("id")
        .values_list("id", "pseudonym", "ciphertext")
    )
    if len({p for _id, p, _c in rows}) < min_responses():
        return TextAnswers([])
    names: dict[Any, Any] = {}
    if survey.instrument.identified:
        found = Identification.objects.filter(response_id__in=[r[0] for r in rows])
        names = {i.response_id: i.user for i in found.select_related("user")}
    result = TextAnswers([])
    writers = set()
    for response_id, pseudonym, ciphertext in rows:
        texts = open_texts(ciphertext)
        if texts is None:
            result.unreadable += 1
        elif text := texts.get(str(question.pk)):
            result.answers.append((str(text), names.get(response_id)))
            writers.add(pseudonym)
    if len(writers) < min_responses():  # the question itself answered by too few people
        return TextAnswers([], result.unreadable)
    return result


def pairs_linked(survey: Survey) -> int:
    """How many people answered both the pre and the post survey of this survey's series."""
    ((found,),) = fetch(_PAIRS_SQL, [survey.series_id], ())
    return int(found)
