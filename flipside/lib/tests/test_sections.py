"""The cohort page's sections drawn in Python escape what they are given as the templates
they replaced did, and link where ``reverse`` would."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from flipside.lib import sections as draw

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


def test_text_is_escaped_and_safe_fragments_are_kept() -> None:
    html = draw.link("/a?b=1&c=2", HOSTILE, draw.muted(HOSTILE))
    assert isinstance(html, SafeString)
    assert html == format_html(
        '<a href="{}">{}</a> <span class="muted">{}</span>', "/a?b=1&c=2", HOSTILE, HOSTILE
    )
    assert "<script>" not in html
    assert draw.join(["<b>", mark_safe("<i>x</i>")]) == "&lt;b&gt;<i>x</i>"


def test_a_heading_figures_and_links_make_the_sections_markup() -> None:
    assert draw.heading(HOSTILE, id="t") == format_html('<h2 id="t">{}</h2>\n', HOSTILE)
    assert draw.heading("Training") == "<h2>Training</h2>\n"
    figures = draw.figures([(HOSTILE, 3), ("Approved", "£1.50")], labelled_by="t")
    assert figures == format_html(
        '<dl class="summary summary--numbers" aria-labelledby="t">\n'
        "  <div><dt>{}</dt><dd>3</dd></div>\n"
        "  <div><dt>Approved</dt><dd>£1.50</dd></div>\n"
        "</dl>\n",
        HOSTILE,
    )
    links = draw.actions([draw.link("/x/", "X"), HOSTILE])
    assert links == format_html(
        '<ul class="actions-list">\n  <li><a href="/x/">X</a></li>\n  <li>{}</li>\n</ul>\n',
        HOSTILE,
    )
    assert draw.paragraph(HOSTILE) == format_html("<p>{}</p>\n", HOSTILE)


def test_urls_are_those_reverse_gives() -> None:
    assert draw.url("home:cohort", 7) == reverse("home:cohort", args=[7])
    assert draw.url("home:cohort", 8) == reverse("home:cohort", args=[8])  # not the last one
    assert draw.url("partnerships:feed") == reverse("partnerships:feed")
