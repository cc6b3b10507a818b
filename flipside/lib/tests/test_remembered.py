from __future__ import annotations

import datetime
import re
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
    from flipside.lib import remembered_i18n

    tags = engines["django"].engine.template_builtins
    assert tags[-2:] == [remembered.register, remembered_i18n.register]
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


def test_a_page_asks_django_once_for_each_url_and_date() -> None:
    remembered.forget()
    source = (
        "{% url 'home:cohort' 3 %}{% url 'home:cohort' 3 %}{{ d|date:'j M Y' }}{{ d|date:'j M Y' }}"
    )
    draw(source, d=datetime.date(2026, 1, 5))
    draw(source, d=datetime.date(2026, 1, 5))
    assert remembered._reverse.cache_info().misses == 1
    assert remembered._date.cache_info().misses == 1
    assert remembered._reverse.cache_info().hits == 3


def test_every_template_has_djangos_i18n_tags_with_fixed_messages_remembered() -> None:
    from django.templatetags import i18n as django_i18n

    from flipside.lib import remembered_i18n

    compiled = engines["django"].from_string("{% translate 'Home' %}")
    node = compiled.template.nodelist[-1]
    assert isinstance(node, remembered_i18n.RememberedTranslateNode)
    assert node.fixed
    # Every other tag and filter is Django's own.
    assert set(remembered_i18n.register.tags) == set(django_i18n.register.tags)
    assert remembered_i18n.register.filters == django_i18n.register.filters


def test_no_template_of_the_product_loads_djangos_i18n_library_over_them() -> None:
    """``{% load i18n %}`` would put Django's tags back in place of the remembering ones."""
    from pathlib import Path

    from django.conf import settings

    loads = re.compile(r"\{%\s*load\s[^%]*\bi18n\b")
    folders = [
        Path(settings.BASE_DIR) / "templates",
        *Path(settings.BASE_DIR).glob("flipside/*/templates"),
    ]
    found = [
        str(path)
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and loads.search(path.read_text(errors="replace"))
    ]
    assert found == []


def test_a_translated_message_is_djangos_text_in_each_language_and_form() -> None:
    from django.template import Context, Engine

    source = (
        "[{% translate 'Yes' %}] [{% translate word %}] "
        "[{% translate 'May' context 'abbrev. month' %}] [{% translate 'No' as no %}{{ no }}] "
        "[{% translate 'Yes'|upper %}] [{% translate '50% done' %}] [{% translate 'a<b' %}] "
        "{% autoescape off %}[{% translate 'a<b' %}]{% endautoescape %}"
    )
    djangos = Engine(builtins=["django.templatetags.i18n"]).from_string(source)
    drawn = {}
    for language in ("en-gb", "fr", "en-gb", "fr"):
        with translation.override(language):
            ours = draw(source, word="No")
            assert ours == djangos.render(Context({"word": "No"}))
            drawn[language] = ours
    assert drawn["fr"].startswith("[Oui] [Non]")
    assert drawn["en-gb"].startswith("[Yes] [No]")


def test_a_fixed_message_is_looked_up_once_per_language() -> None:
    compiled = engines["django"].from_string("{% translate 'Yes' %}")
    node = compiled.template.nodelist[-1]
    with translation.override("fr"):
        assert compiled.render({}) == "Oui"
        assert compiled.render({}) == "Oui"
    assert len(node.drawn) == 1
    with override_settings(LANGUAGE_CODE="en-gb"):  # a change of settings forgets them
        with translation.override("fr"):
            assert compiled.render({}) == "Oui"
    assert len(node.drawn) == 2


def test_a_block_translation_is_djangos_text_in_each_language_and_form() -> None:
    from django.template import Context, Engine

    from flipside.lib import remembered_i18n

    source = (
        "[{% blocktranslate with name=who %}Hello {{ name }}, 100% sure{% endblocktranslate %}]"
        "[{% blocktranslate count counter=n %}{{ counter }} year{% plural %}{{ counter }} years"
        "{% endblocktranslate %}]"
        "[{% blocktranslate trimmed %}\n  Yes\n  {% endblocktranslate %}]"
        "[{% blocktranslate context 'abbrev. month' %}May{% endblocktranslate %}]"
        "[{% blocktranslate asvar said %}No{% endblocktranslate %}{{ said }}]"
    )
    compiled = engines["django"].from_string(source)
    assert any(
        isinstance(node, remembered_i18n.RememberedBlockTranslateNode)
        for node in compiled.template.nodelist
    )
    djangos = Engine(builtins=["django.templatetags.i18n"]).from_string(source)
    for language in ("en-gb", "fr", "en-gb"):
        for n in (1, 2, 1):
            context = {"who": "<Ana>", "n": n}
            with translation.override(language):
                assert compiled.render(context) == djangos.render(Context(context))
    with translation.override("fr"):
        assert "[Oui][mai][Non]" in compiled.render({"who": "Ana", "n": 2})
