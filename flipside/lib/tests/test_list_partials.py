from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import RequestContext, engines
from django.test import RequestFactory
from django.utils.translation import gettext_lazy

from flipside.lib.forms import FilterForm, search_field

# What templates/partials/_filter_form.html and _pagination.html held before lib.list_partials
# drew them: the tags must draw exactly this.
BEFORE = Path(__file__).parent / "drawn_before"
OLD_FILTER_FORM = (BEFORE / "_filter_form.html").read_text()
OLD_PAGINATION = (BEFORE / "_pagination.html").read_text()


class Filters(FilterForm):
    q = search_field(gettext_lazy("Search"), help_text='A name or "email" & more')
    status = forms.ChoiceField(
        label="Status <of it>",
        choices=[("", "Any"), ("a", "Active"), ("b", "Both")],
        required=False,
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kept = forms.CharField(required=False, widget=forms.HiddenInput)


class Plain(FilterForm):
    q = search_field("Find")


def drawn_both_ways(old: str, include: str, query: str, **values: Any) -> tuple[str, str]:
    request = RequestFactory().get(f"/list/?{query}")
    engine = engines["django"]
    old_html = engine.from_string(old).template.render(RequestContext(request, values))
    new_html = engine.get_template(include).template.render(RequestContext(request, values))
    return old_html, new_html


@pytest.mark.parametrize(
    "values",
    [
        {"form": Filters(), "filter_url": "/list/", "filter_label": "Search people"},
        {
            "form": Filters({"q": "<Ann> & co", "status": "a", "since": "nope"}),
            "filter_url": "/list/?x=1&y=<2>",
            "filter_label": 'People "here"',
            "filter_button": "Filter",
            "filtered": {"q": "x"},
        },
        {
            "form": Plain({"q": "x"}, prefix="f", auto_id="id-%s"),
            "filter_url": "/list/",
            "filter_label": gettext_lazy("Search"),
            "filter_button": gettext_lazy("Search"),
            "filtered": True,
            "filter_target": "#list",
        },
        {"form": Plain(auto_id=False), "filter_target": "", "filtered": False},
        {},
    ],
)
def test_the_filter_form_is_drawn_exactly_as_its_template_drew_it(values: Any) -> None:
    old, new = drawn_both_ways(OLD_FILTER_FORM, "partials/_filter_form.html", "q=a", **values)
    assert new == old


@pytest.mark.parametrize("count", [0, 7, 50, 51, 1234])
@pytest.mark.parametrize("number", [1, 2, 3, 25])
@pytest.mark.parametrize(
    "query", ["", "page=2", "q=%3CAnn%3E+%26+co&status=a&page=9", "x=%E2%80%93&page=&page=4"]
)
def test_pagination_is_drawn_exactly_as_its_template_drew_it(
    count: int, number: int, query: str
) -> None:
    paginator = Paginator(range(count), 50)
    page = paginator.get_page(number)
    for values in (
        {"page": page, "label": 'Pages of "people"'},
        {"page": page, "label": gettext_lazy("Pages"), "page_url": "/list/?a=<b>"},
    ):
        old, new = drawn_both_ways(OLD_PAGINATION, "partials/_pagination.html", query, **values)
        assert new == old


def test_pagination_without_a_page_draws_nothing() -> None:
    old, new = drawn_both_ways(OLD_PAGINATION, "partials/_pagination.html", "")
    assert new == old == "\n"
