"""What coordinators read about a survey: who was asked and how many answered (never who),
each question's answers counted, suppressed below ``min_responses()`` people (distinct
respondents, not responses: a check-in is answered once a round) for the survey and for each
question, free-text answers in an
order that is not the order they came in, and how many people's pre and post answers are
paired. A response whose free text no key opens is counted as unreadable, never an error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from flipside.lib.sql import fetch, whole

from .models import Identification, Question, Response, Stage, Survey
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


def _rates(ids: list[int]) -> dict[int, Rate]:
    if not ids:
        return {}
    sql = (
        f"SELECT s.id, {PEOPLE_COUNTED} FROM surveys_survey s "  # noqa: S608 - fixed fragments
        f"WHERE s.id IN ({', '.join(whole(pk) for pk in ids)})"
    )
    return {pk: Rate(int(invited), int(answered)) for pk, invited, answered in
            fetch(sql, [True, True], ())}  # fmt: skip


def rate_of(survey: Survey) -> Rate:
    return _rates([survey.pk])[survey.pk]


def with_rates(surveys: QuerySet[Survey]) -> list[tuple[Survey, Rate]]:
    """Each survey with its response rate (one more query for all of them)."""
    found = list(surveys)
    rates = _rates([s.pk for s in found])
    return [(s, rates[s.pk]) for s in found]


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
    compared with ``min_responses()``."""

    people: int
    responses: int
    questions: list[Result]
    unreadable: int = 0  # responses whose free text no key opens (tampered, or a lost key)

    @property
    def shown(self) -> bool:
        return self.people >= min_responses()


def results_of(survey: Survey) -> Results:
    """The survey's respondents and each question's result (counts only when shown)."""
    responses = list(
        Response.objects.filter(survey=survey).values_list("pseudonym", "answers", "ciphertext")
    )
    people = len({p for p, _a, _c in responses})
    found = Results(people, len(responses), [])
    texts: list[tuple[str, dict[str, Any]]] = []
    if found.shown:  # below the threshold, nothing is decrypted at all
        for pseudonym, _a, ciphertext in responses:
            opened = open_texts(ciphertext)
            found.unreadable += opened is None
            texts.append((pseudonym, opened or {}))
    least = min_responses()
    for question in survey.instrument.questions.order_by("position", "pk"):
        key = str(question.pk)
        if question.is_text:
            answered = len({p for p, t in texts if t.get(key)})
            found.questions.append(Result(question, answered, shown=answered >= least))
            continue
        given = [(p, a[key]) for p, a, _c in responses if key in a] if found.shown else []
        # Each question is held to the threshold too: an optional one answered by fewer
        # people would show their answers even when the survey as a whole passes it.
        answered = len({p for p, _v in given})
        result = Result(question, answered, shown=answered >= least)
        result.bars = _bars(question, [v for _p, v in given]) if result.shown else []
        found.questions.append(result)
    return found


def _bars(question: Question, given: list[Any]) -> list[Bar]:
    counts: dict[int, int] = {}
    for value in given:
        for v in value if isinstance(value, list) else [value]:
            counts[v] = counts.get(v, 0) + 1
    total = len(given) or 1
    return [
        Bar(label, counts.get(value, 0), counts.get(value, 0) * 100 // total)
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
    series = survey.series_id
    pre = Response.objects.filter(survey__series=series, survey__stage=Stage.PRE)
    post = Response.objects.filter(survey__series=series, survey__stage=Stage.POST)
    linked = pre.filter(pseudonym__in=post.values("pseudonym"))
    return linked.values("pseudonym").distinct().count()
