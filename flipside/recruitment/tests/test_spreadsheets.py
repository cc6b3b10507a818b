"""Reading staff lists and writing applications: pure functions on bytes and values."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from flipside.recruitment.spreadsheets import (
    MAX_ROWS,
    Person,
    SpreadsheetError,
    check_people,
    inert,
    read_people,
    to_csv,
    to_xlsx,
)


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading ------------------------------------------------------------------------------


def test_csv_people_are_read_with_line_numbers_counting_the_headings_as_line_1() -> None:
    data = b"email,name\na.prof@example.ac.uk,Alex Prof\n b.cons@example.nhs.uk ,Sam Cons\n"
    assert read_people(data) == [
        Person(2, "a.prof@example.ac.uk", "Alex Prof"),
        Person(3, "b.cons@example.nhs.uk", "Sam Cons"),
    ]


def test_name_column_is_optional_and_headings_are_case_insensitive() -> None:
    assert read_people(b"Email Address\r\nx@example.ac.uk\r\n") == [
        Person(2, "x@example.ac.uk", "")
    ]


def test_excel_csv_with_a_byte_order_mark_semicolons_and_windows_accents_is_read() -> None:
    data = "name;email\nJosé Núñez;jose@example.ac.uk\n".encode("cp1252")
    assert read_people(data) == [Person(2, "jose@example.ac.uk", "José Núñez")]
    assert read_people("\ufeffemail\ny@example.ac.uk\n".encode()) == [
        Person(2, "y@example.ac.uk", "")
    ]


def test_blank_rows_are_skipped_but_still_counted() -> None:
    people = read_people(b"email\n\na@example.ac.uk\n,\nb@example.ac.uk\n")
    assert [(p.line, p.email) for p in people] == [(3, "a@example.ac.uk"), (5, "b@example.ac.uk")]


def test_xlsx_people_are_read_from_the_first_sheet() -> None:
    data = xlsx(
        [
            ["name", "email"],
            ["Alex Prof", "a.prof@example.ac.uk"],
            [None, None],
            [None, "b@example.ac.uk"],
        ]
    )
    assert read_people(data) == [
        Person(2, "a.prof@example.ac.uk", "Alex Prof"),
        Person(4, "b@example.ac.uk", ""),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 \x00>>\nstream\x01\x02",
            "not a CSV or Excel",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV or Excel"),
        (b"%PDF-1.4\nemail\nsomeone@example.ac.uk\n", "not a CSV or Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "older Excel"),
        (b"name,phone\nAlex,0123\n", "column headed “email”"),
        (b"email\n", "nobody listed"),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(SpreadsheetError, match=message):
        read_people(data)


def test_a_zip_that_is_not_a_spreadsheet_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(SpreadsheetError, match="not a CSV or Excel"):
        read_people(buffer.getvalue())


def test_a_spreadsheet_that_unpacks_to_far_more_than_its_size_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "a" * (50 * 1024 * 1024))
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(SpreadsheetError, match="too large"):
        read_people(buffer.getvalue())


def test_more_than_the_row_limit_is_refused_in_both_formats() -> None:
    rows = [f"p{i}@example.ac.uk" for i in range(MAX_ROWS + 1)]
    with pytest.raises(SpreadsheetError, match="more than 2,000 rows"):
        read_people(("email\n" + "\n".join(rows)).encode())
    with pytest.raises(SpreadsheetError, match="more than 2,000 rows"):
        read_people(xlsx([["email"], *([r] for r in rows)]))
    assert len(read_people(("email\n" + "\n".join(rows[:MAX_ROWS])).encode())) == MAX_ROWS


# --- Checking -----------------------------------------------------------------------------


def test_good_people_have_no_problems() -> None:
    people = [Person(2, "a@example.ac.uk", "A"), Person(3, "b@example.ac.uk", "")]
    assert check_people(people, already_in=set()) == []


def test_every_problem_is_reported_with_its_line() -> None:
    people = [
        Person(2, "a@example.ac.uk", "Alex"),
        Person(3, "not-an-address", "Bad"),
        Person(4, "", "No Email"),
        Person(5, "A@Example.ac.uk", "Alex again"),
        Person(6, "member@example.ac.uk", ""),
        Person(7, "c@example.ac.uk\nBcc: victim@example.com", ""),
        Person(8, "d@example.ac.uk", "Line\nbreak"),
        Person(9, "e@example.ac.uk", "x" * 151),
    ]
    problems = check_people(people, already_in={"member@example.ac.uk"})
    assert [(p.line, p.message) for p in problems] == [
        (3, "“not-an-address” is not a valid email address."),
        (4, "The email address is missing."),
        (5, "a@example.ac.uk is also on line 2."),
        (6, "member@example.ac.uk is already in this cohort."),
        (7, "The email address has a line break in it."),
        (8, "The name has a line break or another invisible character in it."),
        (9, "The name is longer than 150 characters."),
    ]


# --- Writing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '=HYPERLINK("https://evil.example","Click")',
            '\'=HYPERLINK("https://evil.example","Click")',
        ),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Plain words = fine", "Plain words = fine"),
        ("", ""),
        (12, 12),
        (-3, -3),
        (None, None),
    ],
)
def test_cells_that_would_run_as_formulas_are_made_inert(value: Any, expected: Any) -> None:
    assert inert(value) == expected


def test_csv_export_makes_formulas_inert_and_opens_in_excel_with_accents() -> None:
    content = to_csv([["Name", "Statement"], ["José", '=HYPERLINK("https://evil.example")']])
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.splitlines() == ["Name,Statement", 'José,"\'=HYPERLINK(""https://evil.example"")"']


def test_xlsx_export_stores_formulas_as_inert_text() -> None:
    when = datetime.datetime(2026, 3, 29, 2, 30, tzinfo=datetime.UTC)
    content = to_xlsx(
        [
            ["Statement", "Other", "Submitted", "Score"],
            ['=HYPERLINK("https://evil.example","x")', "\x01=1+1", when, 4.5],
        ],
        title="Applications",
    )
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    statement, other, submitted, score = (cell for cell in sheet[2])
    assert statement.value == '\'=HYPERLINK("https://evil.example","x")'
    assert statement.data_type == "s"
    assert other.value == "'=1+1"  # the control character cannot hide the formula
    assert submitted.value == when.replace(tzinfo=None)  # .xlsx cells have no time zone
    assert score.value == 4.5
    assert sheet.title == "Applications"
