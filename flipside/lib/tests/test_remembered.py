from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import timezone, translation

from flipside.lib import remembered


def draw(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_url_tag_and_the_date_filter_are_the_remembering_ones() -> None:
    tags = engines["django"].engine.template_builtins
    assert tags[-1] is remembered.register
    compiled = engines["django"].from_string("{% url 'home:cohort' 1 %}").template.nodelist
    assert isinstance(compiled[0], remembered.RememberedURLNode)


def test_a_url_is_the_one_django_reverses_and_follows_the_script_prefix() -> None:
    assert draw("{% url 'home:cohort' 7 %}") == reverse("home:cohort", args=[7])
    assert draw("{% url 'home:cohort' cohort_id=7 %}") == reverse("home:cohort", args=[7])
    assert draw("{% url 'home:cohort' n as there %}[{{ there }}]", n=8) == "[/cohorts/8/]"
    try:
        set_script_prefix("/flipside/")
        assert draw("{% url 'home:cohort' 7 %}") == "/flipside/cohorts/7/"
    finally:
        set_script_prefix("/")
    assert draw("{% url 'home:cohort' 7 %}") == "/cohorts/7/"


def test_a_url_that_cannot_be_reversed_fails_as_djangos_does() -> None:
    with pytest.raises(NoReverseMatch):
        draw("{% url 'home:cohort' 'seven' %}")
    assert draw("{% url 'home:cohort' 'seven' as there %}[{{ there }}]") == "[]"


def test_a_url_with_other_arguments_is_reversed_each_time() -> None:
    class Key:  # not a plain number or text: never remembered
        def __str__(self) -> str:
            return "9"

    before = remembered._reverse.cache_info().currsize
    assert draw("{% url 'home:cohort' key %}", key=Key()) == "/cohorts/9/"
    assert remembered._reverse.cache_info().currsize == before


@override_settings(USE_TZ=True, TIME_ZONE="Europe/London")
def test_a_date_is_djangos_text_in_each_time_zone() -> None:
    moment = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    source = "{{ at|date:'j M Y, H:i' }} {{ at|date:'c' }} {{ day|date }} [{{ nothing|date }}]"
    context = {"at": moment, "day": datetime.date(2026, 3, 9), "nothing": None}

    london = draw(source, **context)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        tokyo = draw(source, **context)

    assert london == (
        f"{django_date(timezone.localtime(moment), 'j M Y, H:i')} "
        f"{django_date(timezone.localtime(moment), 'c')} {django_date(context['day'])} []"
    )
    assert london.startswith("2 Jul 2026, 00:30 2026-07-02T00:30:00+01:00")
    assert tokyo.startswith("2 Jul 2026, 08:30 2026-07-02T08:30:00+09:00")


def test_a_date_follows_the_language() -> None:
    moment = datetime.date(2026, 1, 5)
    with translation.override("en-gb"):
        english = draw("{{ d|date:'F' }}", d=moment)
    with translation.override("fr"):
        french = draw("{{ d|date:'F' }}", d=moment)
    assert (english, french) == ("January", "janvier")
