"""Every CSV and .xlsx download, with spreadsheet formulas typed into the names and text it
shows (SECURITY.md, "Bad input" 2): no cell a spreadsheet program would run as a formula."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from conftest import World
from flipside.accounts.models import User
from flipside.payments.models import Line
from flipside.recruitment.models import Call
from flipside.schemes.models import Cohort, Scheme
from tests.test_access_matrix import EXPECTED, all_url_names, url_for

FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+SUM(1,1)", "-2+3", "@cmd", "\t=1+1"]
# Downloads of rows and figures: every URL giving a spreadsheet or a table's file.
DOWNLOADS = [
    name
    for name in all_url_names()
    if name.endswith(("export", "_table", "_workbook")) and EXPECTED[name]["coordinator"] == 200
]


# Downloads that show people's names or the lines' descriptions: the planted text is there.
SHOW_PLANTED = {"recruitment:export", "matching:pairs_export", "payments:run_export"}


def _plant(world: World) -> None:
    """Formulas in every person's name and in the text the downloads show."""
    for n, user in enumerate(User.objects.order_by("pk")):
        user.display_name = FORMULAS[n % len(FORMULAS)] + f" {n}"
        user.save(update_fields=["display_name"])
    Scheme.objects.update(name=FORMULAS[0])
    Cohort.objects.update(label=FORMULAS[1])
    Call.objects.update(title=FORMULAS[3])
    Line.objects.update(description=FORMULAS[2])


def _runnable(value: Any) -> bool:
    if not isinstance(value, str) or not value or value[0] not in "=+-@\t\r":
        return False
    try:
        float(value)  # a negative amount is a number, not a formula
    except ValueError:
        return True
    return False


def _cells(response: Any) -> list[Any]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # .xlsx: a formula cell, or text a formula would start
        book = openpyxl.load_workbook(io.BytesIO(body))
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        return ["=formula" if c.data_type == "f" else c.value for c in cells]
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_there_are_downloads_to_check() -> None:
    assert {"recruitment:export", "payments:run_export", "reports:cohort_table"} <= set(DOWNLOADS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", DOWNLOADS)
def test_formulas_typed_anywhere_are_exported_inert(
    name: str, world: World, client: Client
) -> None:
    url = url_for(name, world)
    _plant(world)
    client.force_login(world.coordinator)
    checked = 0
    for each in {url, url.replace("csv", "xlsx")}:
        response = client.get(each)
        if response.status_code != 200:
            continue
        cells = _cells(response)
        checked += 1
        assert cells, each
        assert not [c for c in cells if _runnable(c)], each
        if name in SHOW_PLANTED:
            shown = " ".join(str(c) for c in cells)
            assert "HYPERLINK" in shown or "SUM(1,1)" in shown or "2+3" in shown, each
    assert checked, f"{name}: no download at {url}"
