"""What a report is made of, whatever prints it: a page, a PDF, CSV and XLSX files, or the
publication bundle.

A ``Report`` is a title and ``Part``s; each part has plain-English paragraphs, ``Table``s and
notes saying what is missing. Every figure in a table is a ``disclosure.Shown`` (or
``ShownMean``) made by ``reports.disclosure``, or plain text such as a category's name, so
every way of printing a report prints the same, already-protected, text. A table's
``Chart`` says which of its columns to draw, so a chart never shows a figure its table hides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .disclosure import Shown, ShownMean

Cell = Shown | ShownMean | str


@dataclass(frozen=True)
class Column:
    """A table's column: ``key`` names it in files (the codebook's variable name),
    ``label`` heads it on the page, ``description`` says what it counts (the codebook)."""

    key: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Chart:
    """How to draw a table: bars of one column's shown values, one bar a row (labelled by the
    first column), or a line through them in the rows' order."""

    column: str  # the key of the column drawn
    kind: Literal["bar", "line"] = "bar"
    unit: str = ""  # "%" for percentages; shown after each value


@dataclass(frozen=True)
class Table:
    key: str  # unique within the report: names its CSV file and its anchor on the page
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: Chart | None = None
    notes: tuple[str, ...] = ()  # below the table: what a hidden figure or a dash means here

    def values_of(self, key: str) -> list[tuple[str, Cell]]:
        """Each row's label (its first cell) and its cell in column ``key``."""
        index = [c.key for c in self.columns].index(key)
        return [(str(row[0]), row[index]) for row in self.rows]


@dataclass(frozen=True)
class Part:
    key: str  # its anchor on the page and in the contents
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    missing: tuple[str, ...] = ()  # what this part cannot show yet, and why


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str  # the scheme, the organisation and the dates
    parts: tuple[Part, ...]
    method: tuple[str, ...] = field(default=())  # how figures were made: suppression, tests

    @property
    def tables(self) -> list[Table]:
        return [table for part in self.parts for table in part.tables]
