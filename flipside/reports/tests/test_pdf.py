"""The PDF of a report: every section is in it, its charts are drawn, and it loads nothing
but the app's own static files and data: URLs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from flipside.reports import pdf
from flipside.reports.disclosure import count, percentage, survey_mean
from flipside.reports.shapes import Chart, Column, Part, Report, Table

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

HOSTILE = '<img src="http://example.com/beacon.png"> <img src="file:///etc/passwd"> =HYPERLINK("x")'


def sample_report(*, hostile: bool = False) -> Report:
    """A small report with every kind of cell and chart, like ``figures.cohort_report``'s."""
    funnel = Table(
        key="funnel",
        title="From application to completion",
        columns=(
            Column("stage", "Stage"),
            Column("people", "People", "How many people reached this stage"),
            Column("share", "Share of applicants", "Of everyone who applied"),
        ),
        rows=(
            ("Applied", count(62), percentage(62, 62)),
            ("Accepted", count(41), percentage(41, 62)),
            ("Trained", count(38), percentage(38, 62)),
            ("Paired", count(7), percentage(7, 62)),
        ),
        chart=Chart("people"),
        notes=("“<10” means fewer than 10 people.",),
    )
    meetings = Table(
        key="meetings_by_month",
        title="Meetings each month",
        columns=(Column("month", "Month"), Column("meetings", "Meetings")),
        rows=(("October", count(25)), ("November", count(31)), ("December", count(4))),
        chart=Chart("meetings", kind="line"),
    )
    scale = Table(
        key="scale_change",
        title="Before and after, by question",
        columns=(Column("item", "Question"), Column("before", "Before"), Column("after", "After")),
        rows=(("I feel heard", survey_mean([3.0] * 9), survey_mean([4.0] * 9)),),
    )
    text = HOSTILE if hostile else "Pairs met more often than the scheme asked."
    return Report(
        title="Pride Reverse Mentoring 2025/26",
        subtitle="Faculty of Medicine, Test University: September 2025 to June 2026",
        parts=(
            Part("participation", "Participation", (text,), (funnel,)),
            Part("meetings", "Meetings", ("Meetings were logged by the pairs.",), (meetings,)),
            Part("surveys", "Surveys", (), (scale,), missing=("No post survey answers yet.",)),
            Part("ideas", "Ideas for change", (), (), missing=("No ideas were put forward.",)),
        ),
        method=("Figures are for the cohort's whole year.",),
    )


def poppler(tool: str, content: bytes, tmp_path: Path, *args: str) -> str:
    """The output of one of poppler's tools (pdftotext, pdfinfo) on the PDF ``content``."""
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    # A fixed tool of the test machine on a file the test wrote: no untrusted input.
    command = [tool, str(path), *args]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


def pdf_pages(content: bytes, tmp_path: Path) -> list[str]:
    """Each page's text, its white space (line breaks included) as single spaces."""
    text = poppler("pdftotext", content, tmp_path, "-")
    return [" ".join(page.split()) for page in text.split("\f")]


def pdf_text(content: bytes, tmp_path: Path) -> str:
    return " ".join(pdf_pages(content, tmp_path))


def test_pdf_has_title_page_contents_every_part_and_method(tmp_path: Path) -> None:
    report = sample_report()
    content = pdf.render_pdf(report)
    assert content.startswith(b"%PDF-")
    pages = pdf_pages(content, tmp_path)
    text = " ".join(pages)
    assert report.title in pages[0]
    assert "Anonymised: small numbers suppressed" in pages[0]
    assert "Made on" in pages[0]
    assert "Counts of fewer than 10 people are shown as “<10”" in pages[0]
    assert "Contents" in pages[1]
    for part in report.parts:
        assert part.title in pages[1], f"{part.title} missing from the contents"
        assert part.title in " ".join(pages[2:]), f"{part.title} missing from the body"
    assert "How these figures were made" in text
    assert "Figures are for the cohort's whole year." in text
    assert "No post survey answers yet." in text


def test_pdf_method_notes_state_the_suppression_rules_in_force(
    tmp_path: Path, settings: Any
) -> None:
    settings.REPORT_SMALL_COUNT = 12
    settings.REPORT_MIN_PERCENT_BASE = 30
    settings.SURVEY_MIN_RESPONSES = 7
    text = pdf_text(pdf.render_pdf(sample_report()), tmp_path)
    assert "below 12 are shown as “<12”" in text
    assert "rounded to the nearest 5" in text
    assert "at least 30 people" in text
    assert "at least 8 values" in text
    assert "at least 7 people have answered" in text
    assert "Wilcoxon signed-rank" in text


def test_pdf_shows_the_tables_figures_as_protected_text(tmp_path: Path) -> None:
    text = pdf_text(pdf.render_pdf(sample_report()), tmp_path)
    assert "<10" in text  # 7 people paired
    assert "60" in text and "40" in text  # 62 and 41, rounded to 5
    assert "62" not in text.replace("2025/26", "")  # the true count never appears


def test_pdf_draws_each_chart_as_accessible_svg() -> None:
    html = pdf.render_html(sample_report())
    assert html.count('role="img"') == 2  # the funnel's bars and the meetings' line
    assert "<title id=" in html and "<desc id=" in html
    assert "<polyline" in html


def test_pdf_is_tagged_for_screen_readers(tmp_path: Path) -> None:
    info = poppler("pdfinfo", pdf.render_pdf(sample_report()), tmp_path)
    assert "Tagged:          yes" in info
    assert "Pride Reverse Mentoring 2025/26" in info  # the document's title


def test_markup_in_a_reports_text_is_printed_not_fetched(tmp_path: Path, monkeypatch: Any) -> None:
    fetched: list[str] = []
    real = pdf.make_fetcher

    def watching() -> Any:
        fetcher = real()
        original = fetcher.fetch

        def fetch(url: str, headers: Any = None) -> Any:
            fetched.append(url)
            return original(url, headers)

        fetcher.fetch = fetch
        return fetcher

    monkeypatch.setattr(pdf, "make_fetcher", watching)
    text = pdf_text(pdf.render_pdf(sample_report(hostile=True)), tmp_path)
    assert 'src="http://example.com/beacon.png"' in text
    assert not [url for url in fetched if "example.com" in url or url.startswith("file:")]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/beacon.png",
        "https://example.com/static/css/flipside.css",
        "file:///etc/passwd",
        "ftp://example.com/x",
        pdf.BASE_URL + "static/../flipside/settings.py",
        pdf.BASE_URL + "static/%2e%2e/flipside/settings.py",
        pdf.BASE_URL + "static//etc/passwd",
        pdf.BASE_URL + "static/css/..%2f..%2fflipside%2fsettings.py",
        pdf.BASE_URL + "media/anything",
        pdf.BASE_URL + "static/no-such-file.css",
    ],
)
def test_fetcher_refuses_anything_but_the_apps_static_files(url: str) -> None:
    from weasyprint.urls import URLFetchingError, fetch

    fetcher = pdf.make_fetcher()
    with pytest.raises(URLFetchingError), fetch(fetcher, url):
        pass
    assert fetcher.refused == [url]


def test_fetcher_serves_the_apps_static_files_and_data_urls() -> None:
    fetcher = pdf.make_fetcher()
    css = fetcher.fetch(pdf.BASE_URL + "static/css/flipside.css")
    assert b".chart__bar" in css.read()
    assert css.content_type == "text/css"
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"
    assert fetcher.refused == []


def test_pdf_of_a_report_with_nothing_yet_still_renders(tmp_path: Path) -> None:
    report = Report(
        "Empty cohort",
        "Nothing recorded yet",
        (Part("participation", "Participation", missing=("Nobody has applied yet.",)),),
    )
    text = pdf_text(pdf.render_pdf(report), tmp_path)
    assert "Nobody has applied yet." in text
    assert "How these figures were made" in text
