"""A survey's results drawn in Python (decision 0008) are what the template loop drew,
whitespace aside: bars of every kind of question, a free-text question's link, a question
answered by too few people, markup and format characters in questions and options, and the
wording of a check-in, whose charts count responses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines

from conftest import World
from flipside.surveys import results
from flipside.surveys.models import Invitation, Kind, Question, Survey
from flipside.surveys.services import answers

from .helpers import full_answers, mentors, scheduled

pytestmark = pytest.mark.django_db

# The loop the results page's template had before its questions were drawn in Python.
LOOP = (Path(__file__).parent / "results_loop.html").read_text()


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def drawn(survey: Survey) -> tuple[str, str]:
    context = {"found": results.results_of(survey), "survey": survey,
               "least": results.min_responses()}  # fmt: skip
    before = engines["django"].from_string(LOOP).render(context)
    tag = engines["django"].from_string(
        "{% load surveys_results %}{% result_sections found survey least %}"
    )
    return squeezed(before), squeezed(tag.render(context))


def test_the_results_are_the_template_loops(world: World) -> None:
    survey = scheduled(world, "closing", key="mentor_closing")
    Question.objects.filter(instrument=survey.instrument, kind=Kind.SINGLE).update(
        text="Again <b>&</b> {0} %s?", choices=["<i>Yes</i> & {0} %s", "No", "Maybe"]
    )
    narrative = survey.instrument.questions.filter(kind=Kind.NARRATIVE).first()
    assert narrative is not None
    Question.objects.filter(pk=narrative.pk).update(required=False)
    for n, person in enumerate(mentors(world, 6)):
        given = full_answers(survey, text="Said")
        if n >= 2:
            given[narrative.pk] = ""  # only two wrote: too few to show
        answers.submit_response(survey, user=person, answers=given)
    before, after = drawn(survey)
    assert before == after
    assert "Again &lt;b&gt;&amp;&lt;/b&gt; {0} %s?" in after
    assert "&lt;i&gt;Yes&lt;/i&gt; &amp; {0} %s" in after, after
    assert "Fewer than 5 people answered this question" in after
    assert "Read the answers" in after and "6 people, 100%" in after


def test_a_check_ins_results_are_the_template_loops(world: World) -> None:
    survey = scheduled(world, "checkin", key="mentor_checkin")
    for person in mentors(world, 5):
        for meeting in (1, 2):
            Invitation.objects.create(survey=survey, user=person, meeting_id=meeting)
            answers.submit_response(survey, user=person, meeting_id=meeting,
                                    answers=full_answers(survey))  # fmt: skip
    before, after = drawn(survey)
    assert before == after
    assert "10 responses, 100%" in after and "5 people answered." in after
