"""What goes into a report's documents besides its parts: the method notes (how the figures
were made, the small-number rules in force and the statistics), shared by the PDF and the
publication bundle, and making either document from a report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext as _

from flipside.schemes.models import Cohort

from .shapes import Report

# Told how far a document has got: a percentage (0 to 100) and a plain-English step.
Progress = Callable[[int, str], None]


def _quiet(percent: int, step: str) -> None:
    """A progress reporter that tells nobody (for documents made outside the worker)."""


def suppression_rules() -> list[str]:
    """The small-number rules with the thresholds in force (one list for every document)."""
    from .selectors import suppression_rules as rules

    return rules()


def statistics_method() -> list[str]:
    """How change between the before and after surveys is tested (``reports.statistics``)."""
    from . import statistics

    return [
        _(
            "Change on a scale question compares each person's answer after the scheme with "
            "their own answer before it (after minus before), so only people who answered "
            "both surveys count."
        ),
        _(
            "The test of whether answers changed overall is the Wilcoxon signed-rank test "
            "(two-sided). Its p-value is exact: from every way the changes could have fallen "
            "by chance when there are up to %(n)s changed answers, otherwise from %(r)s random "
            "arrangements drawn the same way every time. People whose answer did not change "
            "are kept in the ranking and counted on neither side (Pratt's method)."
        )
        % {"n": statistics.EXHAUSTIVE_MAX_CHANGES, "r": f"{statistics.MONTE_CARLO_RESAMPLES:,}"},
        _(
            "The size of the change is the matched-pairs rank-biserial correlation, from -1 "
            "(everyone lower) to 1 (everyone higher). The typical change is the "
            "Hodges-Lehmann estimate, with a confidence interval whose achieved level is "
            "stated, as with few people it cannot be exactly 95%."
        ),
        _(
            "With few people some p-values cannot be reached at all: the report says when a "
            "result below %(alpha)s was impossible, so that no change is read as no effect."
        )
        % {"alpha": statistics.ALPHA},
    ]


@dataclass(frozen=True)
class MethodNotes:
    """The method section of a document: the report's own notes, then the rules."""

    report: tuple[str, ...]
    suppression: tuple[str, ...]
    statistics: tuple[str, ...]


def method_notes(report: Report) -> MethodNotes:
    """The report's method paragraphs, then the suppression rules and the statistics not
    already among them (a report may quote a rule itself)."""
    own = tuple(report.method)
    return MethodNotes(
        report=own,
        suppression=tuple(rule for rule in suppression_rules() if rule not in own),
        statistics=tuple(text for text in statistics_method() if text not in own),
    )


def cohort_report(cohort: Cohort) -> Report:
    """The cohort's report as its page shows observers (made by ``reports.figures``): without
    written answers, as a document may reach anyone who sees the report."""
    # Imported when used: the figures import every app of the cycle.
    from . import selectors

    return selectors.cohort_report(cohort)


def filename(cohort: Cohort, kind: str) -> str:
    """``flipside-report-<scheme>-<cohort>.pdf`` or ``...-publication.zip``: no person's name."""
    stem = slugify(f"flipside report {cohort.scheme.name} {cohort.label}")[:150] or "report"
    return f"{stem}.pdf" if kind == "pdf" else f"{stem}-publication.zip"


def make(kind: str, report: Report, *, progress: Progress = _quiet) -> bytes:
    """The document of ``kind`` ("pdf" or "bundle") for ``report``."""
    if kind == "pdf":
        from .pdf import render_pdf

        return render_pdf(report, progress=progress)
    if kind == "bundle":
        from .bundle import make_bundle

        return make_bundle(report, progress=progress)
    raise ValueError(f"Unknown kind of report document: {kind!r}")
