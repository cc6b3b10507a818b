"""A hand-made report, as ``figures`` makes them: hidden cells, a mean, notes, a line chart
and a part with nothing to show yet. Tests of the pages and files use it in place of the
real figures."""

from __future__ import annotations

from flipside.reports.disclosure import NOT_SHOWN, Shown, ShownMean
from flipside.reports.shapes import Chart, Column, Part, Report, Table

SMALL = Shown("<10", None, True)
DASH = Shown(NOT_SHOWN, None, True)
NO_MEAN = ShownMean(NOT_SHOWN, None, True)
MEAN_39 = ShownMean("3.9", 3.9, False)


def n(value: int) -> Shown:
    return Shown(str(value), value, False)


FUNNEL = Table(
    key="funnel",
    title="From applying to completing",
    columns=(Column("step", "Step"), Column("people", "People", "How many people, rounded")),
    rows=(
        ("Applied", n(45)),
        ("Accepted", n(30)),
        ("Paired", n(25)),
        ("Met the minimum", SMALL),
        ("Completed", DASH),
    ),
    chart=Chart("people"),
    notes=("“<10” means fewer than 10 people; “–” is hidden so the “<10” cannot be worked out.",),
)

SCALES = Table(
    key="scale_change",
    title="Before and after, by question",
    columns=(Column("item", "Question"), Column("before", "Before"), Column("after", "After")),
    rows=(
        (
            "I feel confident talking about race",
            ShownMean("3.1", 3.1, False),
            ShownMean("3.9", 3.9, False),
        ),
        (
            '=HYPERLINK("http://evil")',
            ShownMean(NOT_SHOWN, None, True),
            ShownMean(NOT_SHOWN, None, True),
        ),
    ),
)

YEARS = Table(
    key="years",
    title="Pairs that completed, year on year",
    columns=(Column("year", "Year"), Column("completed", "Completed", "Pairs that completed")),
    rows=(("2023/24", n(20)), ("2024/25", SMALL), ("2025/26", n(15)), ("2026/27", n(25))),
    chart=Chart("completed", kind="line"),
)

REPORT = Report(
    title="Cohort report",
    subtitle="Pride Reverse Mentoring 2025/26",
    parts=(
        Part(
            key="participation",
            title="Participation",
            paragraphs=("Who took part, from applying to completing.",),
            tables=(FUNNEL,),
        ),
        Part(key="surveys", title="Surveys", tables=(SCALES,)),
        Part(key="trend", title="Across years", tables=(YEARS,)),
        Part(
            key="ideas",
            title="Ideas for change",
            missing=("No ideas for change have been recorded for this cohort yet.",),
        ),
    ),
    method=("Changes before and after were tested with the Wilcoxon signed-rank test.",),
)
