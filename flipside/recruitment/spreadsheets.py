"""Reading staff lists from spreadsheets and writing applications and pairs out to them.

Pure functions on bytes and values, so each rule is easy to test. Files are recognised by
their content, never their name: a renamed PDF is refused however it is called.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from flipside.lib.csv_rows import FORMULA_STARTS, csv_lines, inert, to_csv
from flipside.lib.email_address import canonical_email, repaired_email
from flipside.lib.text import validate_single_line

__all__ = ["FORMULA_STARTS", "csv_lines", "inert", "to_csv"]  # shared with lib.csv_rows

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# A 2 MB .xlsx can unpack to gigabytes; real staff lists unpack to well under this.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_COLUMNS = 50
EMAIL_HEADINGS = {"email", "email address", "e-mail", "e-mail address"}
NAME_HEADINGS = {"name", "full name"}
NAME_MAX_LENGTH = 150
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file format of .xls
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Person:
    line: int
    email: str
    name: str


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


# --- Reading ------------------------------------------------------------------------------


def _not_a_spreadsheet() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "This file is not a CSV or Excel (.xlsx) spreadsheet. Save the list as CSV or .xlsx "
            "and upload it again."
        )
    )


def _too_many_rows() -> SpreadsheetError:
    return SpreadsheetError(
        _("The file has more than %(max)s rows. Split it into smaller lists.")
        % {"max": f"{MAX_ROWS:,}"}
    )


def read_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The file's rows as (line number, cells), the heading row being line 1."""
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(_("The file is larger than 2 MB. Split it into smaller lists."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(OLD_EXCEL):
        raise SpreadsheetError(
            _("This is an older Excel (.xls) file. Save it as .xlsx or CSV and upload it again.")
        )
    if data.startswith(b"%PDF"):
        raise _not_a_spreadsheet()
    return _read_csv(data)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # cp1252: Excel's "CSV" on Windows
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Text files hold no control characters but tabs and line ends; binary files do.
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
            break
        return text
    raise _not_a_spreadsheet()


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = next((d for d in ",;\t" if d in first), ",")
    rows: list[tuple[int, list[str]]] = []
    try:
        for line, cells in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1
        ):
            if line > MAX_ROWS + 1:
                raise _too_many_rows()
            rows.append((line, cells[:MAX_COLUMNS]))
    except csv.Error as error:
        raise _not_a_spreadsheet() from error
    return rows


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise SpreadsheetError(
                    _("The spreadsheet is too large. Split it into smaller lists.")
                )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SpreadsheetError:
        raise
    except Exception as error:  # openpyxl raises many kinds for files that are not .xlsx
        raise _not_a_spreadsheet() from error
    try:
        return list(_xlsx_rows(workbook))
    finally:
        workbook.close()


def _xlsx_rows(workbook: Any) -> Iterator[tuple[int, list[str]]]:
    sheet = workbook.worksheets[0]
    for line, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
        if line > MAX_ROWS + 1:
            raise _too_many_rows()
        yield line, ["" if value is None else str(value) for value in values]


def read_people(data: bytes) -> list[Person]:
    """The people listed under the ``email`` (and optional ``name``) headings."""
    rows = read_rows(data)
    headings = [cell.strip().lower() for cell in rows[0][1]] if rows else []
    email_column = next((i for i, h in enumerate(headings) if h in EMAIL_HEADINGS), None)
    if email_column is None:
        raise SpreadsheetError(
            _(
                "The first row must be the column headings, with one column headed “email” (and, "
                "if you like, one headed “name”)."
            )
        )
    name_column = next((i for i, h in enumerate(headings) if h in NAME_HEADINGS), None)

    def cell(cells: list[str], column: int | None) -> str:
        return cells[column] if column is not None and column < len(cells) else ""

    people = [
        Person(
            line,
            cell(cells, email_column).strip(" \t\u00a0"),
            cell(cells, name_column).strip(" \t\u00a0"),
        )
        for line, cells in rows[1:]
        if any(value.strip() for value in cells)
    ]
    if not people:
        raise SpreadsheetError(_("The file has column headings but nobody listed under them."))
    return people


def check_people(people: list[Person], *, already_in: set[str]) -> list[Problem]:
    """Every problem with every row (not just the first), so one upload shows them all."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for person in people:
        for message in _row_problems(person, seen, already_in):
            problems.append(Problem(person.line, message))
    return problems


def _row_problems(person: Person, seen: dict[str, int], already_in: set[str]) -> list[str]:
    if not person.email:
        return [_("The email address is missing.")]
    if any(ch in person.email for ch in "\r\n"):
        return [_("The email address has a line break in it.")]
    problems = []
    try:
        email = canonical_email(person.email)
    except ValidationError as error:
        if error.code != "hidden":
            return [_("“%(email)s” is not a valid email address.") % {"email": person.email}]
        problems.append(" ".join(error.messages))
        try:  # a look-alike of an address listed before is a duplicate too: say so
            email = repaired_email(person.email)
        except ValidationError:
            return problems
    if email in seen:
        problems.append(
            _("%(email)s is also on line %(line)s.") % {"email": email, "line": seen[email]}
        )
    if email in already_in:
        problems.append(_("%(email)s is already in this cohort.") % {"email": email})
    seen.setdefault(email, person.line)
    try:
        validate_single_line(person.name)
    except ValidationError as error:
        if error.code in ("line_break", "control"):
            problems.append(_("The name has a line break or another invisible character in it."))
        else:
            problems.append(" ".join(error.messages))
    else:
        if len(person.name) > NAME_MAX_LENGTH:
            problems.append(
                _("The name is longer than %(max)s characters.") % {"max": NAME_MAX_LENGTH}
            )
    return problems


# --- Writing ------------------------------------------------------------------------------


def to_xlsx(rows: Iterable[list[Any]], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook has exactly one
    sheet.title = title[:31]
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(
    rows: Iterable[list[Any]], *, fmt: str, name: str, title: str
) -> HttpResponse | StreamingHttpResponse:
    """A CSV or .xlsx attachment of ``rows`` (the first is the heading), named after ``name``
    (made safe for a file name). ``fmt`` must be one of FORMATS. CSV is streamed, a row at a
    time; .xlsx is a zip file, so openpyxl builds it whole."""
    filename = slugify(name.replace("/", "-")) + f".{fmt}"
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(to_xlsx(rows, title=title), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # A string that starts with "=" would be stored as a formula; inert() prevents that.
        # Characters .xlsx cannot hold go first, so none can hide a formula from inert().
        return inert(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)  # .xlsx has no time zones: callers pass UK time
    return value
