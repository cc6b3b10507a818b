"""A report's tables as CSV and .xlsx files.

Each cell is written as the report prints it (its ``text``), so a figure hidden on the page
("<10", "–") is hidden in the file too; only a figure shown as a plain number is written as a
number, so a spreadsheet can add it up. Anything that could start a formula is made inert by
``recruitment.spreadsheets.inert``, and .xlsx text cells are stored as strings, never formulas.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from flipside.recruitment import spreadsheets

from .disclosure import Shown
from .shapes import Cell, Report, Table

FORMATS = spreadsheets.FORMATS
SHEET_TITLE_MAX = 31  # Excel's limit
_NOT_IN_SHEET_TITLES = re.compile(r"[\[\]:*?/\\']")


def cell_value(cell: Cell) -> str | int:
    """A cell as a file holds it: a shown whole number as a number, anything else as text."""
    if isinstance(cell, Shown) and cell.value is not None and cell.text == str(cell.value):
        return cell.value
    return str(cell)


def table_rows(table: Table) -> list[list[Any]]:
    """The table's column headings, then its rows."""
    return [
        [column.label for column in table.columns],
        *([cell_value(cell) for cell in row] for row in table.rows),
    ]


def file_name(report: Report, *parts: str) -> str:
    """A safe file name (no extension) from the report's title and ``parts``."""
    return slugify(" ".join([report.title, report.subtitle, *parts]))[:120] or "report"


def table_download(report: Report, table: Table, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """One table as CSV (streamed) or .xlsx. ``fmt`` must be one of ``FORMATS``."""
    return spreadsheets.download(
        table_rows(table),
        fmt=fmt,
        name=file_name(report, table.key),
        title=sheet_title(table.title, set()),
    )


def workbook_download(report: Report) -> HttpResponse:
    """Every table of the report in one .xlsx, one sheet a table, after a sheet saying what
    the report is and how its figures were made."""
    workbook = Workbook()
    about = workbook.worksheets[0]
    about.title = sheet_title(_("About"), set())
    taken = {about.title.lower()}
    _write(about, [[report.title], [report.subtitle], [], *([line] for line in report.method)])
    about["A1"].font = Font(bold=True, size=14)
    for table in report.tables:
        sheet = workbook.create_sheet(sheet_title(table.title, taken))
        taken.add(sheet.title.lower())
        _write(sheet, table_rows(table))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=spreadsheets.XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, file_name(report, "tables") + ".xlsx"
    )
    return response


def _write(sheet: Any, rows: list[list[Any]]) -> None:
    for row_number, row in enumerate(rows, start=1):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, str):
                # Characters .xlsx cannot hold go first, so none can hide a formula from
                # inert(); then the cell is typed as a string, so it is never a formula.
                cell.value = spreadsheets.inert(ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"
            else:
                cell.value = value


def sheet_title(title: str, taken: set[str]) -> str:
    """A sheet title Excel accepts (31 characters, none of ``[]:*?/\\'``), unique in
    ``taken`` (compared as Excel does, ignoring case)."""
    base = _NOT_IN_SHEET_TITLES.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title)).strip()
    base = base or _("Table")
    candidate, n = base[:SHEET_TITLE_MAX], 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    return candidate
