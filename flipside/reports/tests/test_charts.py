"""Charts draw only what their table shows, as accessible SVG."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from flipside.reports import charts
from flipside.reports.disclosure import Shown
from flipside.reports.shapes import Chart, Column, Table

from .samples import FUNNEL, SCALES, YEARS, n


def test_hidden_figures_get_no_bar_only_their_text() -> None:
    chart = charts.chart_of(FUNNEL)
    assert isinstance(chart, charts.BarChart)
    by_label = {bar.label: bar for bar in chart.bars}
    assert by_label["Met the minimum"].hidden and by_label["Met the minimum"].width == "0"
    assert by_label["Met the minimum"].text == "<10"
    assert by_label["Completed"].text == "–"
    svg = render_to_string(chart.template, {"chart": chart})
    assert svg.count("<rect") == 3  # Applied, Accepted, Paired; never a guessed size


def test_bars_are_in_proportion_to_the_shown_values() -> None:
    chart = charts.chart_of(FUNNEL)
    assert isinstance(chart, charts.BarChart)
    widths = [float(bar.width) for bar in chart.bars[:3]]
    assert widths[0] == charts.BAR_SPACE  # the largest fills the space
    assert widths[1] / widths[0] == 30 / 45


def test_percentages_are_drawn_out_of_a_hundred() -> None:
    table = Table(
        "share",
        "Share",
        (Column("a", "A"), Column("p", "Per cent")),
        (("x", Shown("40%", 40, False)),),
        chart=Chart("p", unit="%"),
    )
    chart = charts.chart_of(table)
    assert isinstance(chart, charts.BarChart)
    assert float(chart.bars[0].width) == 0.4 * charts.BAR_SPACE
    assert chart.bars[0].text == "40%"  # the unit is not doubled


def test_the_svg_has_role_title_and_description_with_every_value() -> None:
    chart = charts.chart_of(FUNNEL)
    assert chart is not None
    svg = render_to_string(chart.template, {"chart": chart})
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-funnel-title chart-funnel-desc"' in svg
    assert '<title id="chart-funnel-title">From applying to completing</title>' in svg
    assert "Applied: 45; Accepted: 30; Paired: 25; Met the minimum: &lt;10; Completed: –" in svg
    assert "hidden to protect the people in them" in svg
    assert 'viewBox="0 0 600 ' in svg and 'width="100%"' in svg


def test_a_line_is_broken_at_a_hidden_year() -> None:
    chart = charts.chart_of(YEARS)
    assert isinstance(chart, charts.LineChart)
    # 2023/24 is shown, 2024/25 hidden, then two shown: one line of the last two only.
    assert len(chart.lines) == 1
    assert chart.lines[0].count(",") == 2
    svg = render_to_string(chart.template, {"chart": chart})
    assert svg.count("<circle") == 3
    assert "&lt;10" in svg


def test_coordinates_use_a_dot_whatever_the_language() -> None:
    table = Table(
        "t",
        "T",
        (Column("a", "A"), Column("b", "B")),
        (("x", n(15)), ("y", n(10)), ("z", n(45))),
        chart=Chart("b"),
    )
    chart = charts.chart_of(table)
    with translation.override("de"):
        svg = render_to_string(chart.template, {"chart": chart})  # type: ignore[union-attr]
    assert 'width="106.7"' in svg


def test_a_table_without_a_chart_or_rows_has_none() -> None:
    assert charts.chart_of(SCALES) is None
    empty = Table("e", "E", (Column("a", "A"), Column("b", "B")), (), chart=Chart("b"))
    assert charts.chart_of(empty) is None


def test_a_table_whose_figures_are_all_hidden_gets_no_chart() -> None:
    from flipside.reports.disclosure import HIDDEN, count
    from flipside.reports.shapes import Chart, Column, Table

    hidden = Table("t", "T", (Column("step", "Step"), Column("n", "People")),
                   (("Applied", count(3)), ("Accepted", HIDDEN)), Chart("n"))  # fmt: skip
    assert charts.chart_of(hidden) is None
    shown = Table("t", "T", hidden.columns, (("Applied", count(30)), ("Accepted", HIDDEN)),
                  Chart("n"))  # fmt: skip
    assert charts.chart_of(shown) is not None
