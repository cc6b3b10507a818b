"""Small numbers in reports: the rules one by one, then properties on random small tables.

The properties attack what a report prints the way a reader who knows the rules would: every
"15" means 13 to 17, "<10" means 0 to 9, "–" means 10 or more (the rules hide nothing else
there), and the cells add up to the totals. For each figure an integer programme finds the
smallest and largest true value consistent with all of that. In one table a hidden figure
must keep at least 5 possible values and a shown one 2, and so must every figure of stages
(applied, accepted, completed) read together as reports that differ by one filter. The attack
reads only the printed text and shares no code with the module it checks."""

from __future__ import annotations

import math
import runpy
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from flipside import settings as site_settings
from flipside.reports.disclosure import (
    Dimension,
    DisclosureError,
    Shown,
    ShownList,
    ShownStages,
    ShownTable,
    SpecialCategoryCrossTab,
    check_crosstab,
    count,
    count_consenting,
    mean,
    percentage,
    suppress_list,
    suppress_stages,
    suppress_table,
    survey_count,
    survey_mean,
)

FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
OUTCOME = Dimension("outcome", ("applied", "interviewed", "accepted", "declined"), special=False)
ETHNICITY = Dimension("ethnicity", ("asian", "black", "mixed", "white", "other", "prefer_not"))
DISABILITY = Dimension("disability", ("yes", "no", "prefer_not"))
CAP = 100_000


# --- What a reader can work out ------------------------------------------------------------------


def behind(shown: Shown) -> tuple[float, float]:
    """The true values a printed figure may stand for, as a reader of the rules knows them."""
    if shown.text == "<10":
        return 0, 9
    if shown.text == "–":
        return 10, math.inf
    printed = int(shown.text)
    assert printed % 5 == 0 and printed >= 10, shown
    return max(10, printed - 2), printed + 2


class Reader:
    """Integer unknowns for the true cells of one or more printed tables, with what the
    printed figures say about them; ``extreme`` gives the bounds of any sum of unknowns."""

    def __init__(self) -> None:
        self.size = 0
        self.rows: list[np.ndarray] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def unknowns(self, n: int) -> list[int]:
        self.size += n
        return list(range(self.size - n, self.size))

    def says(self, terms: dict[int, int], low: float, high: float) -> None:
        self.rows.append(np.array([terms.get(k, 0) for k in range(self.size)], dtype=float))
        self.low.append(low)
        self.high.append(high)

    def sum_is(self, cells: list[int], shown: Shown) -> None:
        self.says(dict.fromkeys(cells, 1), *behind(shown))

    def extreme(self, cells: list[int], sign: int) -> float:
        """The largest (``sign`` 1) or smallest true value of the sum of ``cells``."""
        aim = np.zeros(self.size)
        aim[cells] = -sign
        rows = np.array([np.pad(r, (0, self.size - len(r))) for r in self.rows])
        # A cap far above any count here stands in for "no upper limit", which the solver
        # reports less reliably. Its presolve is off: with repeated constraints (a table with
        # one column repeats each row as its total) it has returned a maximum that was not one.
        found = milp(
            aim,
            constraints=LinearConstraint(rows, self.low, self.high),
            integrality=np.ones(self.size),
            bounds=Bounds(0, CAP),
            options={"presolve": False},
        )
        assert found.status == 0, "the printed figures contradict each other"
        return math.inf if -found.fun > CAP / 2 else round(-sign * found.fun)


def read_table(reader: Reader, table: ShownTable) -> list[tuple[list[int], Shown]]:
    """Adds a printed table to ``reader``; returns every printed figure with its cells."""
    r, c = len(table.cells), len(table.cells[0])
    cell = reader.unknowns(r * c)
    figures = [([cell[i * c + j]], table.cells[i][j]) for i in range(r) for j in range(c)]
    figures += [(cell[i * c : (i + 1) * c], table.row_totals[i]) for i in range(r)]
    figures += [(cell[j::c], table.column_totals[j]) for j in range(c)]
    figures += [(cell, table.total)]
    for cells, shown in figures:
        reader.sum_is(cells, shown)
    return figures


def read_list(reader: Reader, shown: ShownList) -> list[tuple[list[int], Shown]]:
    cell = reader.unknowns(len(shown.cells))
    figures = [([k], s) for k, s in zip(cell, shown.cells, strict=True)] + [(cell, shown.total)]
    for cells, figure in figures:
        reader.sum_is(cells, figure)
    return figures


def recovered(
    reader: Reader, figures: list[tuple[list[int], Shown]], truth: list[int]
) -> list[str]:
    """The hidden figures a reader can work out exactly, with their value. Checks on the way
    that the reader's model allows the true table, or the attack would prove nothing."""
    found = []
    for cells, figure in figures:
        if not figure.suppressed:
            continue
        true, high = sum(truth[k] for k in cells), reader.extreme(cells, 1)
        assert true <= high, (figure.text, cells)
        if high == true:  # else the true value and a higher one both fit
            low = reader.extreme(cells, -1)
            assert low <= true, (figure.text, cells)
            if low == high:
                found.append(f"{figure.text} over cells {cells} is exactly {low}")
    return found


def too_close(
    reader: Reader, figures: list[tuple[list[int], Shown]], truth: list[int]
) -> list[str]:
    """Hidden figures with fewer than 5 possible values (fewer than a rounded figure has), and
    shown figures with only one (rounding undone)."""
    found = []
    for cells, figure in figures:
        true, low = sum(truth[k] for k in cells), reader.extreme(cells, -1)
        assert low <= true, (figure.text, cells)
        if figure.suppressed or low == true:
            high = reader.extreme(cells, 1)
            assert true <= high, (figure.text, cells)
            if high - low < (4 if figure.suppressed else 1):
                found.append(f"{figure.text} over cells {cells} is between {low} and {high}")
    return found


# --- Random tables -------------------------------------------------------------------------------


def dims(rows: int, columns: int) -> tuple[Dimension, Dimension]:
    row = Dimension("outcome", tuple(f"r{i}" for i in range(rows)), special=False)
    return row, Dimension("ethnicity", tuple(f"c{j}" for j in range(columns)))


def as_counts(grid: list[list[int]]) -> dict[tuple[str, str], int]:
    return {(f"r{i}", f"c{j}"): n for i, line in enumerate(grid) for j, n in enumerate(line)}


counts = st.integers(0, 40)
grids = st.integers(1, 4).flatmap(
    lambda r: st.integers(1, 4).flatmap(
        lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r)
    )
)


def table_of(grid: list[list[int]]) -> ShownTable:
    rows, columns = dims(len(grid), len(grid[0]))
    return suppress_table(as_counts(grid), rows=rows, columns=columns)


@FAST
@given(grids)
@example([[0, 10, 13, 13, 13, 13]])  # hiding per line alone leaves the 0 and the 10 exact
@example([[9, 9]])  # both "<10", but adding up to 18 or more they must both be 9
@example([[10, 12], [10, 12], [10, 12], [10, 12]])  # rounding undone: the 12s read "10"
def test_no_figure_of_a_table_can_be_worked_out(grid: list[list[int]]) -> None:
    table = table_of(grid)
    reader = Reader()
    truth = [n for line in grid for n in line]
    assert too_close(reader, read_table(reader, table), truth) == []
    printed = [s.text for line in table.cells for s in line]
    assert [text == "<10" for text in printed] == [n < 10 for n in truth]
    assert all(text in ("<10", "–") or int(text) % 5 == 0 for text in printed)


@FAST
@given(st.lists(counts, min_size=1, max_size=7))
@example([0, 10, 13, 13, 13, 13])
def test_no_count_of_a_list_can_be_worked_out(values: list[int]) -> None:
    dimension = Dimension("ethnicity", tuple(f"c{k}" for k in range(len(values))))
    shown = suppress_list({f"c{k}": n for k, n in enumerate(values)}, dimension=dimension)
    reader = Reader()
    assert too_close(reader, read_list(reader, shown), values) == []
    assert [s.text == "<10" for s in shown.cells] == [n < 10 for n in values]


@st.composite
def cohorts(draw: Any) -> list[list[int]]:
    """A small cohort's people by category (rows) at two or three stages (columns), each stage
    some of the people of the stage before it: applied, accepted, completed."""
    applied = draw(st.lists(counts, min_size=1, max_size=7))
    grid = [[n] for n in applied]
    for _stage in range(draw(st.integers(1, 2))):
        for line in grid:
            line.append(draw(st.integers(0, line[-1])))
    return grid


def read_stages(reader: Reader, shown: ShownStages) -> list[tuple[list[int], Shown]]:
    """Adds the stages to ``reader`` as separate reports of the same people, knowing each
    count is at most the one before it; returns every printed figure with its cells."""
    r, c = len(shown.cells), len(shown.cells[0])
    cell = reader.unknowns(r * c)
    figures = [([cell[i * c + j]], shown.cells[i][j]) for i in range(r) for j in range(c)]
    figures += [(cell[j::c], shown.totals[j]) for j in range(c)]
    for cells, figure in figures:
        reader.sum_is(cells, figure)
    for i in range(r):
        for j in range(1, c):
            reader.says({cell[i * c + j]: 1, cell[i * c + j - 1]: -1}, -math.inf, 0)
    return figures


def stages_of(grid: list[list[int]]) -> ShownStages:
    rows = Dimension("ethnicity", tuple(f"c{i}" for i in range(len(grid))))
    stages = Dimension("stage", ("applied", "accepted", "completed")[: len(grid[0])], special=False)
    counts = {
        (f"c{i}", stage): n
        for i, line in enumerate(grid)
        for stage, n in zip(stages.categories, line, strict=True)
    }
    return suppress_stages(counts, rows=rows, stages=stages)


def one_by_one(grid: list[list[int]]) -> ShownStages:
    """Each stage protected on its own, as if it were a report with nothing beside it."""
    rows = Dimension("ethnicity", tuple(f"c{i}" for i in range(len(grid))))
    lists = [
        suppress_list({f"c{i}": line[j] for i, line in enumerate(grid)}, dimension=rows)
        for j in range(len(grid[0]))
    ]
    stages = Dimension("stage", tuple(f"s{j}" for j in range(len(lists))), special=False)
    cells = tuple(tuple(shown.cells[i] for shown in lists) for i in range(len(grid)))
    return ShownStages(rows, stages, cells, tuple(shown.total for shown in lists))


# Pairs that each stage protected on its own gives away when the stages are read together.
EXPOSED_ONE_BY_ONE = [
    [[11, 10], [25, 20], [16, 4]],
    [[12, 11], [15, 1], [15, 10]],
    [[33, 19], [10, 9], [35, 9], [11, 11]],
    [[12, 11], [24, 8]],
]


@FAST
@given(cohorts())
@example([[12, 12], [3, 3], [0, 0]])
@example(EXPOSED_ONE_BY_ONE[0])
@example(EXPOSED_ONE_BY_ONE[1])
@example(EXPOSED_ONE_BY_ONE[2])
@example(EXPOSED_ONE_BY_ONE[3])
def test_stages_read_as_reports_that_differ_by_one_filter_give_no_figure_away(
    grid: list[list[int]],
) -> None:
    """Applicants, those accepted, those who completed: three reports of the same cohort, each
    with one filter more. Read together, knowing that every count is at most the one before
    it, no hidden figure of any has fewer possible values than a rounded figure has, and no
    shown figure's rounding is undone."""
    shown = stages_of(grid)
    reader = Reader()
    truth = [n for line in grid for n in line]
    assert too_close(reader, read_stages(reader, shown), truth) == []
    printed = [s.text for line in shown.cells for s in line]
    assert [text == "<10" for text in printed] == [n < 10 for n in truth]


@pytest.mark.parametrize("grid", EXPOSED_ONE_BY_ONE)
def test_stages_protected_one_by_one_can_give_a_figure_away(grid: list[list[int]]) -> None:
    """Why the stages are protected together: each stage on its own passes every check, yet
    read beside the other the same figures narrow a hidden one to fewer values than a
    rounded figure has (below 5), or undo a rounding."""
    reader = Reader()
    truth = [n for line in grid for n in line]
    assert too_close(reader, read_stages(reader, one_by_one(grid)), truth) != []
    for j in range(len(grid[0])):
        alone = Reader()
        column = [line[j] for line in grid]
        shown = one_by_one(grid)
        listed = ShownList(shown.rows, tuple(line[j] for line in shown.cells), shown.totals[j])
        assert too_close(alone, read_list(alone, listed), column) == []


def test_a_stage_cannot_count_more_people_than_the_stage_before() -> None:
    with pytest.raises(DisclosureError):
        stages_of([[3, 4]])


def test_the_attack_does_find_a_count_left_exposed() -> None:
    """The checks above can fail: hiding a second count in each line is not always enough.
    Here every "15" is really 13 and the total really 62, so the "<10" and the "–" add up to
    at most 10, and as a "–" is 10 or more both are known exactly."""
    truth = [0, 10, 13, 13, 13, 13]
    lines_only = ShownList(
        ETHNICITY,
        (Shown("<10", None, True), Shown("–", None, True), *[count(13)] * 4),
        count(62),
    )
    reader = Reader()
    assert recovered(reader, read_list(reader, lines_only), truth) == [
        "<10 over cells [0] is exactly 0",
        "– over cells [1] is exactly 10",
    ]
    shown = suppress_list(dict(zip(ETHNICITY.categories, truth, strict=True)), dimension=ETHNICITY)
    # Each "15" left shown would still tell that the hidden ones add up to as much as they
    # possibly could, and so would the total (62, the most a "60" can be): all are hidden.
    assert [s.text for s in shown.cells] == ["<10", "–", "–", "–", "–", "–"]
    assert shown.total.text == "–"


# --- The rules one by one ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "<10"),
        (1, "<10"),
        (9, "<10"),
        (10, "10"),
        (12, "10"),
        (13, "15"),
        (17, "15"),
        (40, "40"),
    ],
)
def test_counts_below_ten_read_less_than_ten_and_others_are_rounded_to_five(
    n: int, text: str
) -> None:
    shown = count(n)
    assert shown.text == text
    assert shown.suppressed == (n < 10)
    assert shown.value == (None if n < 10 else int(text))


def test_a_count_must_be_a_whole_number_not_below_zero() -> None:
    for bad in (-1, 2.5, True):
        with pytest.raises(DisclosureError):
            count(bad)  # type: ignore[arg-type]


def test_a_single_hidden_count_in_a_line_gets_a_second_one_hidden_beside_it() -> None:
    dimension = Dimension("disability", ("yes", "no", "prefer_not"))
    shown = suppress_list({"yes": 3, "no": 40, "prefer_not": 20}, dimension=dimension)
    assert [s.text for s in shown.cells] == ["<10", "40", "–"]
    assert shown.total.text == "65"
    assert shown.items()[2] == ("prefer_not", Shown("–", None, True))


def test_a_table_hides_a_second_cell_in_each_row_and_column_with_one_hidden() -> None:
    counts = {
        ("applied", "asian"): 4,
        ("applied", "white"): 30,
        ("accepted", "asian"): 15,
        ("accepted", "white"): 25,
    }
    rows = Dimension("outcome", ("applied", "accepted"), special=False)
    columns = Dimension("ethnicity", ("asian", "white"))
    table = suppress_table(counts, rows=rows, columns=columns)
    # The 4 takes the 30 beside it and the 15 below it; the 15 then takes the 25.
    assert [[s.text for s in line] for line in table.cells] == [["<10", "–"], ["–", "–"]]
    assert [s.text for s in table.row_totals] == ["35", "40"]
    assert [s.text for s in table.column_totals] == ["20", "55"]
    assert table.total.text == "75"


def test_counts_for_a_category_the_report_does_not_list_are_refused() -> None:
    with pytest.raises(DisclosureError, match="does not list"):
        suppress_list({"yes": 12, "maybe": 3}, dimension=DISABILITY)


def test_percentages_need_a_base_of_twenty_five_and_a_shown_count() -> None:
    assert percentage(12, 24) == Shown("–", None, True)
    assert percentage(12, 25) == Shown("40%", 40, False)  # 10 of 25, as shown
    assert percentage(13, 26).text == "60%"  # 15 of 25: never finer than the counts
    assert percentage(5, 100).suppressed  # the count itself reads "<10"
    assert percentage(Shown("–", None, True), 100).suppressed  # hidden in its table
    with pytest.raises(DisclosureError):
        percentage(30, 25)


def test_shares_of_a_table_come_from_its_shown_figures_and_shown_totals() -> None:
    rows = Dimension("outcome", ("applied", "accepted", "declined"), special=False)
    columns = Dimension("disability", ("yes", "no"))
    counts = {
        ("applied", "yes"): 25,
        ("applied", "no"): 40,
        ("accepted", "yes"): 4,
        ("accepted", "no"): 30,
        ("declined", "yes"): 20,
        ("declined", "no"): 30,
    }
    table = suppress_table(counts, rows=rows, columns=columns, shares="row")
    printed = [[s.text for s in line] for line in table.cells]
    assert printed == [["25", "40"], ["<10", "–"], ["–", "–"]]
    assert [s.text for s in table.row_totals] == ["65", "35", "50"]
    shares = [[s.text for s in line] for line in table.shares]
    assert shares == [["38%", "62%"], ["–", "–"], ["–", "–"]]  # nothing of hidden cells
    counts = {("applied", "yes"): 12, ("applied", "no"): 11}  # 23 applied: too few for shares
    counts |= {("accepted", "yes"): 30, ("accepted", "no"): 40}
    counts |= {("declined", "yes"): 25, ("declined", "no"): 35}
    table = suppress_table(counts, rows=rows, columns=columns, shares="row")
    assert [s.text for s in table.cells[0]] == ["10", "10"]
    assert [s.text for s in table.row_totals] == ["25", "70", "60"]
    shares = [[s.text for s in line] for line in table.shares]
    assert shares == [["–", "–"], ["43%", "57%"], ["42%", "58%"]]


def test_averages_need_eight_values() -> None:
    assert mean([4.0] * 7).text == "–" and mean([4.0] * 7).value is None
    shown = mean([1, 2, 3, 4, 5, 6, 7, 8])
    assert (shown.text, shown.value, shown.suppressed) == ("4.5", 4.5, False)


def test_survey_figures_need_five_people_and_survey_averages_eight(settings: Any) -> None:
    assert survey_count(3, respondents=4).suppressed
    assert survey_count(3, respondents=5) == Shown("3", 3, False)
    assert survey_mean([5.0] * 7).suppressed and not survey_mean([5.0] * 8).suppressed
    settings.SURVEY_MIN_RESPONSES = 9  # raised above the averages' threshold
    assert survey_mean([5.0] * 8).suppressed and survey_count(3, respondents=8).suppressed


def test_equality_questions_are_never_counted_against_each_other() -> None:
    with pytest.raises(SpecialCategoryCrossTab, match="never count ethnicity against disability"):
        suppress_table({}, rows=ETHNICITY, columns=DISABILITY)
    with pytest.raises(SpecialCategoryCrossTab):
        check_crosstab(Dimension("sexual orientation", ("a",)), Dimension("gender", ("b",)))
    check_crosstab(OUTCOME, ETHNICITY)  # an outcome by one equality question is allowed
    table = suppress_table({("accepted", "white"): 30}, rows=OUTCOME, columns=ETHNICITY)
    assert table.cells[2][3].text == "30"


def test_people_who_opted_out_are_in_no_count() -> None:
    answers = ["white", None, "black", "white", "prefer_not", None]
    assert count_consenting(answers) == {"white": 2, "black": 1, "prefer_not": 1}
    pairs = [("accepted", "white"), None, ("applied", "white")]
    assert count_consenting(pairs) == {("accepted", "white"): 1, ("applied", "white"): 1}


# --- Thresholds can be raised, never lowered -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "floor"),
    [
        ("REPORT_SMALL_COUNT", 10),
        ("REPORT_ROUND_TO", 5),
        ("REPORT_MIN_PERCENT_BASE", 25),
        ("REPORT_MIN_MEAN_N", 8),
    ],
)
def test_the_settings_refuse_a_lowered_report_threshold(
    monkeypatch: pytest.MonkeyPatch, name: str, floor: int
) -> None:
    monkeypatch.setenv(name, str(floor - 1))
    with pytest.raises(
        ImproperlyConfigured, match=f"{name} is {floor - 1}; it must be {floor} or more"
    ):
        runpy.run_path(str(site_settings.__file__))
    monkeypatch.setenv(name, str(floor + 3))
    assert runpy.run_path(str(site_settings.__file__))[name] == floor + 3
    monkeypatch.delenv(name)
    assert runpy.run_path(str(site_settings.__file__))[name] == floor


def test_a_threshold_lowered_after_start_is_refused_too(settings: Any) -> None:
    settings.REPORT_MIN_MEAN_N = 7
    with pytest.raises(ImproperlyConfigured, match="REPORT_MIN_MEAN_N is 7"):
        mean([1.0] * 7)


def test_raised_thresholds_are_used(settings: Any) -> None:
    settings.REPORT_SMALL_COUNT = 12
    settings.REPORT_MIN_PERCENT_BASE = 40
    assert count(11).text == "<12"
    assert count(12).text == "15"  # never printed as "10" beside "<12"
    assert percentage(20, 39).suppressed and not percentage(20, 40).suppressed
