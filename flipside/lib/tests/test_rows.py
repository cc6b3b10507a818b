from __future__ import annotations

import datetime

import pytest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from flipside.lib.rows import LocalDates, format_row, join_html, translated_html

TRICKY = ["<script>", "a & b", '"quoted"', "it's", 7, None, mark_safe("<b>safe</b>")]


def test_format_row_escapes_exactly_as_format_html() -> None:
    for value in TRICKY:
        assert format_row("<td>{}</td>", value) == format_html("<td>{}</td>", value)
    assert isinstance(format_row("{}", "x"), SafeString)


def test_translated_html_keeps_the_messages_markup_and_escapes_the_values() -> None:
    message = 'End<span class="visually-hidden"> <bdi>%(a)s</bdi></span>'
    html = translated_html(message, a="<i>Ann</i> & co")
    assert (
        html
        == 'End<span class="visually-hidden"> <bdi>&lt;i&gt;Ann&lt;/i&gt; &amp; co</bdi></span>'
    )


def test_join_html_escapes_plain_text_but_not_safe_fragments() -> None:
    assert join_html([format_row("<p>{}</p>", "<x>"), "<y>"]) == "<p>&lt;x&gt;</p>&lt;y&gt;"


def test_local_dates_format_in_london_time_as_the_date_filter_does() -> None:
    dates = LocalDates()
    winter = datetime.datetime(2026, 1, 5, 23, 30, tzinfo=datetime.UTC)
    summer = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)
    assert dates(winter, "j M Y") == "5 Jan 2026"
    assert dates(summer, "j M Y") == "1 Jul 2026"
    assert dates(summer, "c") == "2026-07-01T00:30:00+01:00"
    assert dates(summer, "H:i") == "00:30"


def test_local_dates_refuse_a_naive_datetime_as_localtime_does() -> None:
    with pytest.raises(ValueError):
        LocalDates()(datetime.datetime(2026, 1, 5, 23, 30), "j M Y")  # noqa: DTZ001


def test_local_dates_quick_formats_match_django_across_a_year_and_the_clock_changes() -> None:
    from django.utils import dateformat, timezone

    dates = LocalDates()
    start = datetime.datetime(2026, 1, 1, 0, 7, 3, 120, tzinfo=datetime.UTC)
    for hours in range(0, 366 * 24, 7):
        moment = start + datetime.timedelta(hours=hours)
        local = timezone.localtime(moment)
        for fmt in ("c", "j M Y", "j M Y,", "H:i", "j F Y"):
            assert dates(moment, fmt) == dateformat.format(local, fmt)


def test_url_with_id_gives_what_reverse_gives() -> None:
    from django.urls import reverse

    from flipside.lib.rows import url_with_id

    review = url_with_id("recruitment:review")
    for pk in (1, 42, 2147483647, 10**12):
        assert review(pk) == reverse("recruitment:review", args=[pk])
    rematch = url_with_id("matching:rematch", 7)
    assert rematch(2147483647) == reverse("matching:rematch", args=[7, 2147483647])


def test_per_language_builds_once_for_each_language() -> None:
    from django.utils import translation

    from flipside.lib.rows import per_language

    built: list[str | None] = []

    @per_language
    def words() -> str:
        built.append(translation.get_language())
        return f"words in {translation.get_language()}"

    with translation.override("en-gb"):
        assert words() == words() == "words in en-gb"
    with translation.override("cy"):
        assert words() == "words in cy"
    assert built == ["en-gb", "cy"]
