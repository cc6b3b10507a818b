"""The publication bundle of a report: a ZIP for an ethics-approved write-up.

- ``tables/<key>.csv``: each table as the report prints it (the shown text of every cell, so a
  hidden figure stays "<10" or "–"), with anything that could start a spreadsheet formula
  made inert (``recruitment.spreadsheets.inert``: a leading ``'``);
- ``codebook.csv``: every table's columns, their labels and descriptions, and what the hidden
  values mean;
- ``method.md``: how the figures were made, the small-number rules in force, the statistics;
- ``README.txt``: what the bundle is and what it is for.

Nothing in it names a person: it holds the report's tables and nothing else.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from flipside.recruitment.spreadsheets import to_csv

from .disclosure import NOT_SHOWN, threshold
from .documents import Progress, _quiet, method_notes
from .shapes import Report, Table

CODEBOOK_COLUMNS = ("table", "table_title", "column", "label", "description", "hidden_values")


def hidden_values() -> str:
    small = threshold("REPORT_SMALL_COUNT")
    return _(
        "“<%(small)s”: fewer than %(small)s people (0 to %(most)s), not shown so that nobody "
        "can be picked out. “%(dash)s”: hidden so that a “<%(small)s” cannot be worked out "
        "from the total, or not shown because it comes from too few people or answers."
    ) % {"small": small, "most": small - 1, "dash": NOT_SHOWN}


def csv_name(table: Table) -> str:
    return f"{slugify(table.key) or 'table'}.csv"


def table_csv(table: Table) -> bytes:
    """The table's headings, then each row's shown text, formulas made inert."""
    rows = [[column.label for column in table.columns]]
    rows += [[str(cell) for cell in row] for row in table.rows]
    return to_csv(rows)


def codebook_csv(report: Report) -> bytes:
    meaning = hidden_values()
    rows = [list(CODEBOOK_COLUMNS)]
    rows += [
        [table.key, table.title, column.key, column.label, column.description, meaning]
        for table in report.tables
        for column in table.columns
    ]
    return to_csv(rows)


def method_markdown(report: Report, *, made_at: datetime.datetime) -> str:
    notes = method_notes(report)
    lines = [
        f"# {report.title}",
        "",
        report.subtitle,
        "",
        _("Made on %(when)s. Anonymised: small numbers suppressed.")
        % {"when": timezone.localtime(made_at).strftime("%d %B %Y, %H:%M")},
        "",
        "## " + _("How the figures were made"),
        "",
        *(line for paragraph in notes.report for line in (paragraph, "")),
        "## " + _("Small numbers"),
        "",
        *(f"- {rule}" for rule in notes.suppression),
        "",
        "## " + _("Change before and after"),
        "",
        *(line for paragraph in notes.statistics for line in (paragraph, "")),
        "## " + _("The tables"),
        "",
    ]
    for part in report.parts:
        lines += [f"### {part.title}", ""]
        lines += [f"- `tables/{csv_name(table)}`: {table.title}" for table in part.tables]
        lines += [f"  - {note}" for table in part.tables for note in table.notes]
        lines += [_("Not shown yet: %(why)s") % {"why": line} for line in part.missing]
        lines += [""]
    return "\n".join(lines)


def readme(report: Report) -> str:
    return "\n".join(
        [
            report.title,
            report.subtitle,
            "",
            _(
                "This bundle is anonymised for an ethics-approved write-up. It holds the "
                "report's tables as CSV files (tables/), a codebook that describes every "
                "column (codebook.csv) and the method, including the rules that keep small "
                "numbers from pointing to people (method.md)."
            ),
            "",
            _(
                "No person is named in it. Counts below %(small)s are shown as “<%(small)s” "
                "and other counts are rounded to the nearest %(step)s; keep these rules in "
                "anything made from it, and do not try to work out a hidden figure."
            )
            % {"small": threshold("REPORT_SMALL_COUNT"), "step": threshold("REPORT_ROUND_TO")},
            "",
        ]
    )


def _add(archive: zipfile.ZipFile, name: str, data: bytes | str, when: datetime.datetime) -> None:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def make_bundle(
    report: Report, *, progress: Progress = _quiet, made_at: datetime.datetime | None = None
) -> bytes:
    """The ZIP file of ``report``'s publication bundle."""
    made_at = made_at or timezone.now()
    when = timezone.localtime(made_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "README.txt", readme(report), when)
        _add(archive, "method.md", method_markdown(report, made_at=made_at), when)
        _add(archive, "codebook.csv", codebook_csv(report), when)
        tables = report.tables
        for done, table in enumerate(tables, start=1):
            progress(10 + 80 * done // max(1, len(tables)), _("Writing the tables"))
            _add(archive, f"tables/{csv_name(table)}", table_csv(table), when)
    return buffer.getvalue()
