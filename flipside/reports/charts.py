"""A table's chart as accessible SVG drawn from a template (``reports/_bar_chart.html``,
``reports/_line_chart.html``): its geometry worked out here, its words in its title and
description.

A chart draws only what its table shows. A hidden figure ("<10", "–") gets no bar and no
point, only its text where the bar would start: a bar of a guessed size would tell more than
the table. Every number is written out here as text with a dot, whatever the page's language,
so SVG can read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .disclosure import NOT_SHOWN, Shown, ShownMean, threshold
from .shapes import Cell, Table

WIDTH = 600  # the viewBox's width; the chart is drawn at the width of its column
BAR_SPACE = 480  # the longest bar, leaving room for its value after it
ROW = 46  # a bar's label above it, then the bar
BAR_HEIGHT = 18
LINE_HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 40, 570, 36, 210  # the line chart's plotting area


def _n(x: float) -> str:
    """A coordinate as SVG reads it (never "12,5", whatever the language)."""
    return f"{x:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # as the table prints it, with the chart's unit
    hidden: bool
    width: str
    label_y: str
    bar_y: str
    value_x: str
    value_y: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    height: str
    template: str = "reports/_bar_chart.html"


@dataclass(frozen=True)
class Point:
    label: str
    text: str
    hidden: bool
    x: str
    y: str
    value_y: str


@dataclass(frozen=True)
class LineChart:
    id: str
    title: str
    description: str
    points: tuple[Point, ...]
    lines: tuple[str, ...]  # each run of shown points as a polyline's "x,y x,y ..."
    axis_y: str
    label_y: str
    height: str = str(LINE_HEIGHT)
    left: str = str(LEFT)
    right: str = str(RIGHT)
    template: str = "reports/_line_chart.html"


Chart = BarChart | LineChart


def _value(cell: Cell) -> float | None:
    """The figure to draw, or None when the table hides it (or it is not a figure)."""
    if isinstance(cell, Shown | ShownMean) and not cell.suppressed and cell.value is not None:
        return float(cell.value)
    return None


def _text(cell: Cell, unit: str) -> str:
    text = str(cell)
    if _value(cell) is None or not unit or text.endswith(unit):
        return text
    return f"{text}{unit}"


def _description(
    table: Table, column_label: str, items: list[tuple[str, str]], hidden: bool
) -> str:
    listed = "; ".join(f"{label}: {text}" for label, text in items)
    words = _("%(column)s by %(row)s. %(values)s.") % {
        "column": column_label,
        "row": table.columns[0].label.lower(),
        "values": listed,
    }
    if hidden:
        words += " " + _(
            "Figures shown as “<%(small)s” or “%(dash)s” are hidden to protect the people "
            "in them, and are drawn without a bar or point."
        ) % {"small": threshold("REPORT_SMALL_COUNT"), "dash": NOT_SHOWN}
    return words + " " + _("The table beside the chart gives the same figures.")


def chart_of(table: Table) -> Chart | None:
    """The chart of ``table``'s chart column, or None if it has none, no rows, or no figure
    it may draw (every one hidden: a chart of labels alone would say nothing)."""
    if table.chart is None or not table.rows:
        return None
    if all(_value(cell) is None for _label, cell in table.values_of(table.chart.column)):
        return None
    if table.chart.kind == "line":
        return line_chart(table)
    return bar_chart(table)


def _scale(values: list[float | None], unit: str) -> float:
    top = max((v for v in values if v is not None), default=0.0)
    if unit == "%":
        top = max(top, 100.0)
    return top or 1.0


def _column_label(table: Table, key: str) -> str:
    return next(c.label for c in table.columns if c.key == key)


def bar_chart(table: Table) -> BarChart:
    assert table.chart is not None  # noqa: S101 - chart_of checks
    unit = table.chart.unit
    cells = table.values_of(table.chart.column)
    values = [_value(cell) for _label, cell in cells]
    top = _scale(values, unit)
    bars = []
    for row, ((label, cell), value) in enumerate(zip(cells, values, strict=True)):
        y = row * ROW + 4
        width = 0.0 if value is None else max(value, 0.0) / top * BAR_SPACE
        bars.append(
            Bar(
                label=label,
                text=_text(cell, unit),
                hidden=value is None,
                width=_n(width),
                label_y=_n(y + 14),
                bar_y=_n(y + 20),
                value_x=_n(width + 6 if value is not None else 0),
                value_y=_n(y + 34),
            )
        )
    column = _column_label(table, table.chart.column)
    items = [(b.label, b.text) for b in bars]
    return BarChart(
        id=f"chart-{table.key}",
        title=table.title,
        description=_description(table, column, items, any(b.hidden for b in bars)),
        bars=tuple(bars),
        height=_n(len(bars) * ROW + 8),
    )


def line_chart(table: Table) -> LineChart:
    assert table.chart is not None  # noqa: S101 - chart_of checks
    unit = table.chart.unit
    cells = table.values_of(table.chart.column)
    values = [_value(cell) for _label, cell in cells]
    top = _scale(values, unit)
    step = (RIGHT - LEFT) / max(len(cells) - 1, 1)
    points = []
    for index, ((label, cell), value) in enumerate(zip(cells, values, strict=True)):
        x = (LEFT + RIGHT) / 2 if len(cells) == 1 else LEFT + index * step
        y = BOTTOM if value is None else BOTTOM - max(value, 0.0) / top * (BOTTOM - TOP)
        points.append(
            Point(
                label=label,
                text=_text(cell, unit),
                hidden=value is None,
                x=_n(x),
                y=_n(y),
                value_y=_n(y - 12 if value is not None else BOTTOM - 12),
            )
        )
    column = _column_label(table, table.chart.column)
    items = [(p.label, p.text) for p in points]
    return LineChart(
        id=f"chart-{table.key}",
        title=table.title,
        description=_description(table, column, items, any(p.hidden for p in points)),
        points=tuple(points),
        lines=tuple(_runs(points)),
        axis_y=_n(BOTTOM),
        label_y=_n(BOTTOM + 30),
    )


def _runs(points: list[Point]) -> list[str]:
    """Each run of two or more shown points in a row: a hidden figure breaks the line, as a
    line drawn through it would show its size."""
    runs: list[list[Point]] = [[]]
    for point in points:
        if point.hidden:
            runs.append([])
        else:
            runs[-1].append(point)
    return [" ".join(f"{p.x},{p.y}" for p in run) for run in runs if len(run) > 1]
