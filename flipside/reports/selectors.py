"""Reads for the report pages: the report itself (made by ``figures`` at request time, so
every page and file shows the same, already-protected figures), one of its tables, and the
suppression rules in plain English."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from flipside.recruitment.spreadsheets import FORMATS
from flipside.schemes.models import Cohort, Scheme

from . import charts
from .disclosure import NOT_SHOWN, threshold
from .shapes import Column, Part, Report, Table


# ``figures`` is imported when a report is asked for, not when the URLs load: a report that
# cannot be made breaks its own pages, never the rest of the site.
def cohort_report(cohort: Cohort, *, confidential: bool = False) -> Report:
    """The cohort's report, with what only its coordinators read (written survey answers,
    the events' notes) only if ``confidential``."""
    from . import figures

    return figures.cohort_report(cohort, confidential=confidential)


def scheme_report(scheme: Scheme) -> Report:
    from . import figures

    return figures.scheme_report(scheme)


def table_of(report: Report, key: str) -> Table:
    """The report's table named ``key``, or 404."""
    for table in report.tables:
        if table.key == key:
            return table
    raise Http404


def suppression_rules() -> list[str]:
    """How small numbers are kept from pointing to people, with the thresholds in force."""
    small = threshold("REPORT_SMALL_COUNT")
    return [
        _(
            "Counts of people below %(small)s are shown as “<%(small)s”, and so is a count "
            "of nobody. Other counts are rounded to the nearest %(step)s, so totals may not "
            "add up exactly."
        )
        % {"small": small, "step": threshold("REPORT_ROUND_TO")},
        _(
            "Where a hidden figure could be worked out from a total, another figure is hidden "
            "too and shown as “%(dash)s”."
        )
        % {"dash": NOT_SHOWN},
        _("Percentages are shown only when they are out of at least %(base)s people.")
        % {"base": threshold("REPORT_MIN_PERCENT_BASE")},
        _("Averages are shown only when they come from at least %(n)s values.")
        % {"n": threshold("REPORT_MIN_MEAN_N")},
        _("Survey figures are shown only once at least %(n)s people have answered.")
        % {"n": threshold("SURVEY_MIN_RESPONSES")},
        _(
            "Two equality questions (such as ethnicity and disability) are never counted "
            "against each other, and people who did not agree to equality monitoring are "
            "left out of those counts."
        ),
    ]


@dataclass(frozen=True)
class ShownTable:
    """A table as the page prints it: its rows' cells as (text, in a column of numbers), its
    chart; ``numeric`` says which columns hold numbers (aligned right, with their heading)."""

    table: Table
    rows: list[list[tuple[str, bool]]]
    chart: charts.Chart | None
    files: list[tuple[str, str]]  # (format, address) of its downloads
    numeric: list[bool]

    @property
    def headings(self) -> list[tuple[Column, bool]]:
        return list(zip(self.table.columns, self.numeric, strict=True))


# Text that reads as a number: "12", "+0.50", "£1,234.00", "96.1%", "<10", "–", or a range of
# two of them ("+0.00 to +1.00").
_NUMBER = r"(?:[+\-\u2212]?£?\d[\d,]*(?:\.\d+)?%?|<\d+(?:\.\d+)?|\u2013)"
_NUMERIC = re.compile(rf"{_NUMBER}(?: to {_NUMBER})?")


def numeric_columns(table: Table) -> list[bool]:
    """For each column, whether every cell in it is a figure or text that reads as a number
    (statistics are text: "+0.50", "0.016"). The first column names the rows."""
    return [
        k > 0
        and bool(table.rows)
        and all(
            not isinstance(row[k], str) or _NUMERIC.fullmatch(str(row[k])) for row in table.rows
        )
        for k in range(len(table.columns))
    ]


@dataclass(frozen=True)
class ShownPart:
    part: Part
    tables: list[ShownTable]


def page_parts(report: Report, url_for: Callable[[str, str], str]) -> list[ShownPart]:
    """The report's parts with each table's cells as text, its chart and the addresses of
    its files (``url_for(key, format)``), for a template."""
    shown = []
    for part in report.parts:
        tables = []
        for table in part.tables:
            numeric = numeric_columns(table)
            rows = [[(str(c), numeric[k]) for k, c in enumerate(row)] for row in table.rows]
            chart = charts.chart_of(table)
            tables.append(ShownTable(table, rows, chart, _files(table.key, url_for), numeric))
        shown.append(ShownPart(part, tables))
    return shown


def _files(key: str, url_for: Callable[[str, str], str]) -> list[tuple[str, str]]:
    try:
        return [(fmt.upper(), url_for(key, fmt)) for fmt in FORMATS]
    except NoReverseMatch:  # a key that cannot name a file: the whole workbook still has it
        return []
