"""A report's tables as CSV and .xlsx: hidden figures stay hidden, formulas stay inert."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import World
from flipside.reports import exports, selectors
from flipside.reports.shapes import Column, Part, Report, Table

from .samples import REPORT

FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "cohort_report", lambda cohort, **kwargs: REPORT)
    monkeypatch.setattr(selectors, "scheme_report", lambda scheme: REPORT)


def content_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def table_url(world: World, key: str, fmt: str) -> str:
    return reverse("reports:cohort_table", args=[world.cohort.pk, key, fmt])


@pytest.mark.django_db
def test_csv_of_a_table_prints_hidden_cells_as_their_text(
    world: World, client: Any, sample: None
) -> None:
    client.force_login(world.observer)
    response = client.get(table_url(world, "funnel", "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(content_of(response).decode("utf-8-sig"))))
    assert rows == [
        ["Step", "People"],
        ["Applied", "45"],
        ["Accepted", "30"],
        ["Paired", "25"],
        ["Met the minimum", "<10"],
        ["Completed", "–"],
    ]


@pytest.mark.django_db
def test_xlsx_of_a_table_keeps_shown_numbers_as_numbers_and_hidden_as_text(
    world: World, client: Any, sample: None
) -> None:
    client.force_login(world.coordinator)
    response = client.get(table_url(world, "funnel", "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1] == ["Applied", 45]
    assert values[4] == ["Met the minimum", "<10"]
    assert values[5] == ["Completed", "–"]


@pytest.mark.django_db
def test_the_workbook_has_a_sheet_for_each_table_after_one_about_the_report(
    world: World, client: Any, sample: None
) -> None:
    client.force_login(world.observer)
    response = client.get(reverse("reports:cohort_workbook", args=[world.cohort.pk]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "About"
    assert book.sheetnames[1:] == [t.title[:31] for t in REPORT.tables]
    about = [row[0] for row in book["About"].iter_rows(values_only=True)]
    assert about[:2] == [REPORT.title, REPORT.subtitle]
    assert REPORT.method[0] in about


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["pdf", "CSV", "exe"])
def test_an_unknown_format_or_table_is_not_found(
    bad: str, world: World, client: Any, sample: None
) -> None:
    client.force_login(world.coordinator)
    assert client.get(table_url(world, "funnel", bad)).status_code == 404
    assert client.get(table_url(world, "no_such_table", "csv")).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["mentor", "mentee", "outsider"])
def test_files_are_not_found_for_people_without_the_report(
    role: str, world: World, client: Any, sample: None
) -> None:
    client.force_login(getattr(world, role))
    assert client.get(table_url(world, "funnel", "csv")).status_code == 404
    workbook = reverse("reports:cohort_workbook", args=[world.cohort.pk])
    assert client.get(workbook).status_code == 404


def formula_report() -> Report:
    table = Table(
        key="hostile",
        title="=cmd|' /C calc'!A0",
        columns=(Column("label", "=Label"), Column("note", "@Note")),
        rows=tuple((formula, formula) for formula in FORMULAS),
    )
    return Report("=Report", "+sub", parts=(Part("p", "P", tables=(table,)),), method=("-m",))


def test_formulas_are_inert_in_csv() -> None:
    report = formula_report()
    response = exports.table_download(report, report.tables[0], "csv")
    text = content_of(response).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert cell.startswith("'") or not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_formulas_are_inert_and_strings_in_xlsx() -> None:
    report = formula_report()
    for response in (
        exports.table_download(report, report.tables[0], "xlsx"),
        exports.workbook_download(report),
    ):
        book = load_workbook(io.BytesIO(response.content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    assert cell.data_type == "s"
                    assert not str(cell.value).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    titles = []
    for title in [
        "A very long table title that Excel would refuse [1]",
        "a very long table title that excel would refuse [1]",
        "What: is/this?",
    ]:
        titles.append(exports.sheet_title(title, taken))
        taken.add(titles[-1].lower())
    assert all(len(t) <= 31 for t in titles)
    assert len({t.lower() for t in titles}) == 3
    assert not any(ch in t for t in titles for ch in "[]:*?/\\")
