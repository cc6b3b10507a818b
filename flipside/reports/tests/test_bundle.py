"""The publication bundle: every table as CSV with its shown text only, formulas inert, a
codebook, the method and a README saying what it is for."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from flipside.reports.bundle import make_bundle
from flipside.reports.disclosure import Shown
from flipside.reports.shapes import Column, Part, Report, Table
from flipside.reports.tests.samples import REPORT


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_bundle_holds_every_table_a_codebook_the_method_and_a_readme() -> None:
    files = unzip(make_bundle(REPORT))
    expected = {f"tables/{table.key}.csv" for table in REPORT.tables}
    assert expected <= set(files)
    assert set(files) - expected == {"README.txt", "method.md", "codebook.csv"}
    assert "anonymised for an ethics-approved write-up" in files["README.txt"].decode()


def test_each_csv_holds_the_tables_shown_text_only() -> None:
    table = REPORT.tables[0]
    rows = rows_of(unzip(make_bundle(REPORT))[f"tables/{table.key}.csv"])
    assert rows[0] == [column.label for column in table.columns]
    assert rows[1:] == [[str(cell) for cell in row] for row in table.rows]
    assert any("<10" in row for row in rows)  # hidden stays hidden


def test_a_formula_in_any_cell_is_made_inert() -> None:
    hostile = Table(
        key="hostile",
        title="Hostile",
        columns=(Column("name", "=Name"), Column("n", "N")),
        rows=tuple(
            (start + 'HYPERLINK("http://evil")', Shown("15", 15, False))
            for start in ("=", "+", "-", "@", "\t", "\r")
        ),
    )
    report = Report("T", "S", (Part("p", "P", tables=(hostile,)),))
    rows = rows_of(unzip(make_bundle(report))["tables/hostile.csv"])
    assert rows[0][0] == "'=Name"
    assert [row[0][:2] for row in rows[1:]] == ["'=", "'+", "'-", "'@", "'\t", "'\r"]
    assert [row[1] for row in rows[1:]] == ["15"] * 6


def test_codebook_describes_every_column_and_the_hidden_values() -> None:
    rows = rows_of(unzip(make_bundle(REPORT))["codebook.csv"])
    assert rows[0] == ["table", "table_title", "column", "label", "description", "hidden_values"]
    described = {(row[0], row[2]): row for row in rows[1:]}
    for table in REPORT.tables:
        for column in table.columns:
            row = described[(table.key, column.key)]
            assert row[3:5] == [column.label, column.description]
            assert "“<10”: fewer than 10 people" in row[5] and "“–”" in row[5]


def test_method_states_the_suppression_rules_and_statistics(settings: Any) -> None:
    settings.REPORT_MIN_MEAN_N = 11
    method = unzip(make_bundle(REPORT))["method.md"].decode()
    assert method.startswith(f"# {REPORT.title}")
    assert "## Small numbers" in method
    assert "at least 11 values" in method
    assert "Wilcoxon signed-rank" in method
    for part in REPORT.parts:
        assert f"### {part.title}" in method
