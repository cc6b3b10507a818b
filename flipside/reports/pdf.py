"""The PDF of a report, made with WeasyPrint from the print template
``reports/pdf/report.html``: a title page, the contents, each part with its charts and tables,
then the method notes with the small-number rules.

WeasyPrint would fetch any address the HTML names (``http:``, ``file:``). The report's text
is escaped by the template, so it cannot add an image or a stylesheet, but the fetcher is the
second line: it serves the app's own static files and ``data:`` URLs only, and refuses
everything else, so a PDF never reads the server's files or calls another machine.
"""

from __future__ import annotations

import datetime
import logging
import mimetypes
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .charts import chart_of
from .disclosure import threshold
from .documents import Progress, _quiet, method_notes
from .shapes import Report, Table

log = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO: the worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Relative addresses in the template ({% static %} gives /static/...) are resolved against
# this base. ``.invalid`` is reserved (RFC 2606): no machine can ever answer for it.
BASE_URL = "https://flipside.invalid/"
# Tagged PDF for screen readers: PDF/UA-1 (structure tags, title, language), or plain
# tags where the installed WeasyPrint cannot make PDF/UA.
PDF_VARIANT = "pdf/ua-1"


class Refused(ValueError):
    """An address the PDF may not load."""


def _fetcher_base() -> type:
    from weasyprint.urls import URLFetcher

    return URLFetcher


def static_file(url: str) -> bytes:
    """The bytes of the app's own static file that ``url`` names, or ``Refused``."""
    parts = urlsplit(url)
    prefix = urlsplit(BASE_URL + str(settings.STATIC_URL).lstrip("/"))
    if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc):
        raise Refused(f"Not one of the app's own files: {url[:200]}")
    if not parts.path.startswith(prefix.path):
        raise Refused(f"Not one of the app's static files: {url[:200]}")
    relative = unquote(parts.path[len(prefix.path) :])
    path = PurePosixPath(relative)
    if (
        not relative
        or path.is_absolute()
        or any(part in ("..", ".", "") for part in relative.split("/"))
        or "\\" in relative
        or "\x00" in relative
    ):
        raise Refused(f"Not a plain path inside the static files: {url[:200]}")
    found = finders.find(relative)
    if isinstance(found, list):  # find(all=True) only; kept for the type checker
        found = found[0] if found else None
    if found is None and settings.STATIC_ROOT:
        from django.utils._os import safe_join

        try:
            candidate = safe_join(str(settings.STATIC_ROOT), relative)
        except Exception as error:  # SuspiciousFileOperation: outside the static root
            raise Refused(f"Outside the static files: {url[:200]}") from error
        found = candidate if PurePosixPath(candidate).name else None
    if found is None:
        raise Refused(f"No such static file: {url[:200]}")
    try:
        with open(found, "rb") as file:
            return file.read()
    except OSError as error:
        raise Refused(f"No such static file: {url[:200]}") from error


def make_fetcher() -> Any:
    """A WeasyPrint URL fetcher for the app's static files and ``data:`` URLs only.
    ``fetcher.refused`` lists each address it turned down."""
    from weasyprint.urls import URLFetcherResponse

    class StaticOnlyFetcher(_fetcher_base()):  # type: ignore[misc]
        def __init__(self) -> None:
            # Only data: goes through WeasyPrint's own opener; static files are read here.
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            try:
                if scheme == "data":
                    return super().fetch(url, headers)
                if scheme == "https":
                    body = static_file(url)
                    kind = mimetypes.guess_type(urlsplit(url).path)[0]
                    return URLFetcherResponse(
                        url, body, {"Content-Type": kind or "application/octet-stream"}
                    )
                raise Refused(f"The PDF loads no address of this kind: {url[:200]}")
            except Exception:
                self.refused.append(url)
                raise

    return StaticOnlyFetcher()


# --- The document ---------------------------------------------------------------------------


# WeasyPrint draws inline SVG with its own engine, which does not apply the page's style
# sheet: the charts' colours go inside each chart.
CHART_STYLE = (
    "<style>"
    "text{font-family:'DejaVu Sans',sans-serif;font-size:14px;fill:#0b0c0c}"
    ".chart__value{font-weight:bold}"
    ".chart__value--hidden{fill:#505a5f;font-weight:normal;font-style:italic}"
    ".chart__bar,.chart__point{fill:#1d70b8}"
    ".chart__line{fill:none;stroke:#1d70b8;stroke-width:3}"
    ".chart__axis{stroke:#505a5f;stroke-width:1}"
    "</style>"
)


def chart_svg(table: Table) -> str | None:
    """The table's chart as the report page draws it (``charts``), styled for print."""
    chart = chart_of(table)
    if chart is None:
        return None
    svg = render_to_string(chart.template, {"chart": chart})
    opening = svg.index(">", svg.index("<svg")) + 1
    return mark_safe(svg[:opening] + CHART_STYLE + svg[opening:])  # noqa: S308 - escaped by its template  # nosec B308, B703


def render_html(report: Report, *, made_at: datetime.datetime | None = None) -> str:
    """The print HTML of ``report``: what the PDF is made from."""
    made_at = timezone.localtime(made_at or timezone.now())
    parts = [
        {"part": part, "tables": [(table, chart_svg(table)) for table in part.tables]}
        for part in report.parts
    ]
    context = {
        "report": report,
        "parts": parts,
        "made_at": made_at,
        "method": method_notes(report),
        "small": threshold("REPORT_SMALL_COUNT"),
        "step": threshold("REPORT_ROUND_TO"),
    }
    return render_to_string("reports/pdf/report.html", context)


def render_pdf(
    report: Report, *, progress: Progress = _quiet, made_at: datetime.datetime | None = None
) -> bytes:
    """The PDF of ``report``, tagged for screen readers."""
    from weasyprint import HTML

    progress(10, _("Laying out the report"))
    html = HTML(string=render_html(report, made_at=made_at), base_url=BASE_URL,
                url_fetcher=make_fetcher())  # fmt: skip
    progress(30, _("Drawing the pages"))
    document = html.render(pdf_variant=PDF_VARIANT, pdf_tags=True)
    progress(80, _("Writing the PDF"))
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
    return pdf
