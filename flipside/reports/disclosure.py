"""Statistical disclosure control: every count, percentage and average that a report shows or
exports is made here, as a ``Shown`` whose ``text`` pages, CSV and PDF all print.

The rules (each threshold is a setting that can only be raised; defaults in brackets):

* **Counts.** A count below ``REPORT_SMALL_COUNT`` (10) is shown as "<10"; any other count is
  rounded to the nearest ``REPORT_ROUND_TO`` (5), so 12 is shown as 10 and 13 as 15. Every
  count of people is treated as a count of an equality (special-category) group, because a
  report filtered by one turns any count into one. Totals follow the same rule and are worked
  out here from the cells, never taken from the caller.
* **Zero is shown as "<10" too.** A shown 0 tells readers that nobody in a group has something
  ("0 of the disabled applicants were accepted" tells each of them they were turned down),
  and a 0 beside a "<10" in a report with one more filter tells exactly which small group the
  filter removed. "<10" is still true of 0. A category that cannot occur at all should simply
  not be listed.
* **Percentages** only when the denominator is at least ``REPORT_MIN_PERCENT_BASE`` (25) and
  the count is shown. They are worked out from the shown (rounded) figures, so a percentage
  never tells more than the counts beside it.
* **Averages** only of ``REPORT_MIN_MEAN_N`` (8) values or more. **Survey figures** only once
  ``SURVEY_MIN_RESPONSES`` (5) people have answered; a survey average needs both.
* **No cross-tabulation of two equality questions** (ethnicity by disability, say): the groups
  they make are small enough to point to people, so ``check_crosstab`` refuses them with
  ``SpecialCategoryCrossTab``.
* **People who opted out of equality monitoring are left out** of every count and total:
  ``count_consenting`` counts one answer per person and drops ``None``, which stands for a
  person with no consent (never given, or withdrawn).

Why a hidden count cannot be worked out from one table
------------------------------------------------------
A table has cells, row totals, column totals and a grand total; each row and each column,
with its total, is a *line* (so are the row totals and the column totals with the grand
total). A list is a table with one line. Counts below 10 are hidden first ("<10"). Then, while
some line has exactly one hidden figure, its smallest shown cell is hidden too ("–"; its total
only when no cell is left), so no subtraction within a line gives a hidden figure.

That standard rule is not enough on its own: a reader who knows the rules knows that a "15"
is 13 to 17, "<10" is 0 to 9 and "–" is 10 or more, and these ranges can meet. With counts
0, 10, 13, 13, 13, 13 (total 62, shown as 60) the rule hides the 0 and the 10, yet the four
"15"s are at least 52, so the two hidden counts add up to at most 10: they must be 0 and 10.
So each table is then attacked as such a reader would attack it. For each hidden figure,
each line's hidden part, and each shown figure, the smallest and largest true value that fits
everything printed (every line adding up) is found by linear programming; counts with totals
form a network, whose linear programmes have whole-number answers, so these bounds are exact.
A table passes when

* every hidden figure could still take at least ``REPORT_ROUND_TO`` (5) values, so it is
  known no more closely than a rounded figure, and its true value is neither the lowest nor
  the highest possible, unless the printed text says so anyway (a "<10" that is 0 or 9, a
  "–" that is 10);
* the hidden part of a line whose total is shown (the total itself, if every cell of the line
  is hidden) is likewise neither the lowest nor the highest possible, unless it is 0;
* every shown figure could still take two values or more, so its rounding is never undone.

While a table fails, the smallest shown figure in a line of the failing figure is hidden too,
and the line rule applied again. A table with everything hidden passes by definition. The
check does not use the order in which figures were picked for hiding.

Why two reports that differ by one filter do not give one away either
---------------------------------------------------------------------
Take all applicants and the applicants who were accepted. The difference of two figures
counts the people the filter removed, and subtracting exact figures would let a "<10" in one
report be read off the other. Here no figure is exact, but that alone is not enough: a reader
who holds both reports also knows that each count in the narrower one is no larger than the
same count in the wider one, and figures of both at the ends of their rounding can meet (a
wide "10" that can only be 12 beside a narrow one that must be 12 too). Protected one at a
time, such pairs occasionally leave a hidden figure with only two or three possible values.

So figures of the same people with one filter more are never protected one report at a
time. ``suppress_stages`` takes every stage at once (applied, accepted, completed: each a
report of the people of the one before, with one filter more) and attacks them together:
the programmes above also know that every count is at most the one before it, and the same
checks must pass for every figure of every stage. With these links the programmes are no
longer a network; each is solved as a linear programme and, when its best table is not in
whole numbers, again in whole numbers (``milp``), so the bounds stay exact. The tests read
random cohorts' stages together with an integer programme and find every hidden figure with
at least 5 possible values and no rounding undone; they also keep pairs that protecting each
stage on its own would give away.

Reports have no free filters: a cohort's report and a scheme's report are the only reports,
with fixed contents, and the stages are the only figures of the same people with one filter
more. A scheme's report adds up every cohort of the scheme; with a cohort's own report beside
it, the difference is the other cohorts' figures, each again rounded or hidden, so it is
never exact, but those reports are not attacked together.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

NOT_SHOWN = "–"  # an en dash: unlike "-", spreadsheets do not read it as the start of a formula

# The lowest value each threshold may take. The settings refuse less when the site starts;
# this module refuses it too, so a lowered value set in code cannot slip through.
FLOORS = {
    "REPORT_SMALL_COUNT": 10,
    "REPORT_ROUND_TO": 5,
    "REPORT_MIN_PERCENT_BASE": 25,
    "REPORT_MIN_MEAN_N": 8,
    "SURVEY_MIN_RESPONSES": 5,
}

K = TypeVar("K", bound=Hashable)


class DisclosureError(Exception):
    """A figure asked of a report that could not be shown safely, or was not a count."""


class SpecialCategoryCrossTab(DisclosureError):
    """Two equality (special-category) questions were asked to be counted against each other."""


def threshold(name: str) -> int:
    """The setting ``name`` from ``FLOORS``, refused if it is below its floor."""
    value, floor = int(getattr(settings, name)), FLOORS[name]
    if value < floor:
        raise ImproperlyConfigured(
            f"{name} is {value}; it must be {floor} or more: it can only be raised, never lowered."
        )
    return value


@dataclass(frozen=True)
class Shown:
    """A count or percentage as it is printed. ``value`` is the number shown (rounded), or
    ``None`` when it is hidden; ``text`` is "<10", "–", "15" or "40%"."""

    text: str
    value: int | None
    suppressed: bool

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ShownMean:
    """An average as it is printed: ``text`` is "3.7" or "–"; ``value`` is ``None`` if hidden."""

    text: str
    value: float | None
    suppressed: bool

    def __str__(self) -> str:
        return self.text


HIDDEN = Shown(NOT_SHOWN, None, True)


def _small() -> Shown:
    return Shown(f"<{threshold('REPORT_SMALL_COUNT')}", None, True)


def _rounded(n: int) -> int:
    """``n`` to the nearest multiple of REPORT_ROUND_TO, and never below the first multiple
    that is not a small count (so a shown figure never reads as a small one)."""
    step, small = threshold("REPORT_ROUND_TO"), threshold("REPORT_SMALL_COUNT")
    return max(step * ((n + step // 2) // step), step * -(-small // step))


def _range_behind(shown: int) -> tuple[int, int]:
    """Every true count shown as ``shown`` lies in this range (both ends included)."""
    step, small = threshold("REPORT_ROUND_TO"), threshold("REPORT_SMALL_COUNT")
    low = small if shown == _rounded(small) else shown - step // 2
    return low, shown + (step - 1) // 2


def _checked(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise DisclosureError(f"A count must be a whole number, 0 or more, not {n!r}.")
    return n


def count(n: int) -> Shown:
    """A count of people: "<10" below REPORT_SMALL_COUNT, else rounded to REPORT_ROUND_TO."""
    if _checked(n) < threshold("REPORT_SMALL_COUNT"):
        return _small()
    value = _rounded(n)
    return Shown(str(value), value, False)


def percentage(part: int | Shown, base: int) -> Shown:
    """``part`` as a whole per cent of ``base`` people, from the shown (rounded) figures.

    ``part`` is a count, or a figure already shown in a table (so a cell hidden there stays
    hidden here). ``base`` is the true denominator: below REPORT_MIN_PERCENT_BASE nothing is
    shown. For percentages of a table's totals, ask ``suppress_table`` for ``shares``: they
    are left out where the total is hidden, which this function cannot know."""
    if _checked(base) < threshold("REPORT_MIN_PERCENT_BASE"):
        return HIDDEN
    if isinstance(part, int) and _checked(part) > base:
        raise DisclosureError(f"A part ({part}) cannot be larger than its whole ({base}).")
    shown = part if isinstance(part, Shown) else count(part)
    whole = count(base).value
    if shown.value is None or whole is None:
        return HIDDEN
    per_cent = (200 * shown.value + whole) // (2 * whole)  # half up, in whole numbers
    return Shown(f"{per_cent}%", per_cent, False)


def mean(values: Sequence[float], *, places: int = 1) -> ShownMean:
    """The average of ``values``, shown only for REPORT_MIN_MEAN_N values or more."""
    return _mean(values, at_least=threshold("REPORT_MIN_MEAN_N"), places=places)


def survey_mean(values: Sequence[float], *, places: int = 1) -> ShownMean:
    """The average of one survey answer per person: needs REPORT_MIN_MEAN_N values and
    SURVEY_MIN_RESPONSES people, whichever is more."""
    at_least = max(threshold("REPORT_MIN_MEAN_N"), threshold("SURVEY_MIN_RESPONSES"))
    return _mean(values, at_least=at_least, places=places)


def _mean(values: Sequence[float], *, at_least: int, places: int) -> ShownMean:
    if len(values) < at_least:
        return ShownMean(NOT_SHOWN, None, True)
    value = round(sum(values) / len(values), places)
    return ShownMean(f"{value:.{places}f}", value, False)


def survey_count(n: int, *, respondents: int) -> Shown:
    """How many of a survey's ``respondents`` gave an answer: shown exactly, but only once
    SURVEY_MIN_RESPONSES people have answered. Answers counted by equality group are counts
    of people in those groups: use ``suppress_list`` or ``suppress_table`` for them."""
    if _checked(n) > _checked(respondents):
        raise DisclosureError(f"{n} answers cannot come from {respondents} people.")
    if respondents < threshold("SURVEY_MIN_RESPONSES"):
        return HIDDEN
    return Shown(str(n), n, False)


def count_consenting(answers: Iterable[K | None]) -> Counter[K]:
    """How many people gave each answer, leaving out people who opted out of monitoring.

    Pass one entry per person: their answer (for a two-way table, a ``(row, column)`` pair),
    or ``None`` for a person with no equality consent, never given or withdrawn. Such a person
    is in no count and no total. "Prefer not to say" is an answer, and is counted as one."""
    return Counter(answer for answer in answers if answer is not None)


@dataclass(frozen=True)
class Dimension:
    """What a report counts people by: a question and its categories, in the order shown.
    ``special`` marks an equality (special-category) question; it is on unless turned off,
    so that forgetting it can only refuse a table, never allow one."""

    name: str
    categories: tuple[str, ...]
    special: bool = True


def check_crosstab(rows: Dimension, columns: Dimension) -> None:
    """Refuse to count one equality question against another."""
    if rows.special and columns.special:
        raise SpecialCategoryCrossTab(
            f"Reports never count {rows.name} against {columns.name}: both are equality "
            "questions, and the groups they make together are small enough to point to people."
        )


@dataclass(frozen=True)
class ShownList:
    """Counts of one dimension's categories (``cells``, in its order) and their total."""

    dimension: Dimension
    cells: tuple[Shown, ...]
    total: Shown

    def items(self) -> list[tuple[str, Shown]]:
        return list(zip(self.dimension.categories, self.cells, strict=True))


@dataclass(frozen=True)
class ShownTable:
    """Counts of ``rows`` by ``columns`` (``cells[row][column]``), with the totals, and if
    asked for, each cell as a percentage of its row's or column's total (``shares``)."""

    rows: Dimension
    columns: Dimension
    cells: tuple[tuple[Shown, ...], ...]
    row_totals: tuple[Shown, ...]
    column_totals: tuple[Shown, ...]
    total: Shown
    shares: tuple[tuple[Shown, ...], ...] = ()


def suppress_list(counts: Mapping[str, int], *, dimension: Dimension) -> ShownList:
    """Each category's count and the total, with enough hidden that none can be recovered.
    Categories missing from ``counts`` count 0."""
    values = _values(counts, dimension.categories)
    k = len(values)
    shown = _protect([*values, sum(values)], [(tuple(range(k)), k)])
    return ShownList(dimension, tuple(shown[:k]), shown[k])


def suppress_table(
    counts: Mapping[tuple[str, str], int],
    *,
    rows: Dimension,
    columns: Dimension,
    shares: Literal["row", "column"] | None = None,
) -> ShownTable:
    """Counts of ``(row, column)`` pairs with row, column and grand totals, with enough hidden
    that no hidden figure can be recovered from the rest. Missing pairs count 0. With
    ``shares``, each cell is also given as a percentage of its row's or column's total, shown
    only where both are shown and that total is at least REPORT_MIN_PERCENT_BASE."""
    check_crosstab(rows, columns)
    keys = [(r, c) for r in rows.categories for c in columns.categories]
    cells = _values(counts, keys)
    r, c = len(rows.categories), len(columns.categories)
    grid = [cells[i * c : (i + 1) * c] for i in range(r)]
    row_sums = [sum(line) for line in grid]
    column_sums = [sum(grid[i][j] for i in range(r)) for j in range(c)]
    first_row, first_column, grand = r * c, r * c + r, r * c + r + c
    lines = [(tuple(range(i * c, (i + 1) * c)), first_row + i) for i in range(r)]
    lines += [(tuple(range(j, r * c, c)), first_column + j) for j in range(c)]
    lines += [(tuple(range(first_row, first_column)), grand)]
    lines += [(tuple(range(first_column, grand)), grand)]
    shown = _protect([*cells, *row_sums, *column_sums, sum(cells)], lines)
    table = ShownTable(
        rows,
        columns,
        tuple(tuple(shown[i * c : (i + 1) * c]) for i in range(r)),
        tuple(shown[first_row:first_column]),
        tuple(shown[first_column:grand]),
        shown[grand],
    )
    if shares is None:
        return table
    by_row = shares == "row"
    totals, sums = (table.row_totals, row_sums) if by_row else (table.column_totals, column_sums)
    return replace(
        table,
        shares=tuple(
            tuple(
                _share(table.cells[i][j], totals[i if by_row else j], sums[i if by_row else j])
                for j in range(c)
            )
            for i in range(r)
        ),
    )


@dataclass(frozen=True)
class ShownStages:
    """Counts of ``rows`` at each of ``stages`` (``cells[row][stage]``) with each stage's total.
    A stage counts the people of the stage before it with one filter more, so it is a report
    of its own that differs from the one beside it by one filter; a row has no total, as it
    would count the same people more than once."""

    rows: Dimension
    stages: Dimension
    cells: tuple[tuple[Shown, ...], ...]
    totals: tuple[Shown, ...]


def suppress_stages(
    counts: Mapping[tuple[str, str], int], *, rows: Dimension, stages: Dimension
) -> ShownStages:
    """Counts of ``(row, stage)`` pairs, each stage with its total, where everyone counted at a
    stage is also counted at the stage before it (applied, accepted, completed). Readers know
    each count is at most the one before it; the stages are protected together, so that no
    hidden figure of one can be worked out from another (see the module's docstring)."""
    check_crosstab(rows, stages)
    keys = [(r, c) for r in rows.categories for c in stages.categories]
    cells = _values(counts, keys)
    r, c = len(rows.categories), len(stages.categories)
    sums = [sum(cells[j::c]) for j in range(c)]
    lines = [(tuple(range(j, r * c, c)), r * c + j) for j in range(c)]
    below = [(i * c + j, i * c + j - 1) for i in range(r) for j in range(1, c)]
    below += [(r * c + j, r * c + j - 1) for j in range(1, c)]
    shown = _protect([*cells, *sums], lines, below)
    return ShownStages(
        rows,
        stages,
        tuple(tuple(shown[i * c : (i + 1) * c]) for i in range(r)),
        tuple(shown[r * c :]),
    )


def _share(part: Shown, whole: Shown, base: int) -> Shown:
    """A cell's percentage of a total that is shown in the same table (else nothing: from a
    hidden total's percentages a reader could work the total out)."""
    return HIDDEN if whole.suppressed else percentage(part, base)


def _values(counts: Mapping[K, int], keys: Sequence[K]) -> list[int]:
    if not keys:
        raise DisclosureError("A report needs at least one category to count.")
    unknown = set(counts) - set(keys)
    if unknown:
        raise DisclosureError(f"Counts for categories the report does not list: {unknown}.")
    return [_checked(counts.get(key, 0)) for key in keys]


# --- Secondary suppression -------------------------------------------------------------------
# Figures are numbered; a line is (its parts, its total), and the parts add up to the total.
# A pair (a, b) of ``below`` says figure a is at most figure b, and that readers know it (the
# same count of people with and without one more filter).

Line = tuple[tuple[int, ...], int]
Below = tuple[int, int]
SHOWN, SMALL, HIDE = "shown", "small", "hidden"


def _protect(values: list[int], lines: list[Line], below: Sequence[Below] = ()) -> list[Shown]:
    if any(values[a] > values[b] for a, b in below):
        raise DisclosureError("A count with one more filter cannot be larger than without it.")
    rules = tuple(threshold(name) for name in FLOORS)
    states = _states(tuple(values), tuple(lines), tuple(below), rules)
    hidden = {SMALL: _small(), HIDE: HIDDEN}
    return [hidden[s] if s in hidden else count(v) for v, s in zip(values, states, strict=True)]


# The same counts are protected the same way every time, so a report, its page and each of
# its files ask the programmes once. ``rules`` (the thresholds in force) is part of the key.
@functools.lru_cache(maxsize=1024)
def _states(
    values: tuple[int, ...],
    lines: tuple[Line, ...],
    below: tuple[Below, ...],
    rules: tuple[int, ...],
) -> tuple[str, ...]:
    """Which figures are shown, hidden as small, or hidden to protect another."""
    small = threshold("REPORT_SMALL_COUNT")
    states = [SMALL if v < small else SHOWN for v in values]
    # Hiding a figure only widens what readers can tell of every figure, so a check that
    # passed still passes, and every table that fitted what was printed still fits.
    memory = _Memory(set(), [np.array(values, dtype=float)])
    while True:
        _complete_lines(values, lines, states)
        if SHOWN not in states:  # nothing is left to give anything away
            break
        exposed = _first_exposed(values, lines, states, below, memory)
        if exposed is None:
            break
        _hide_smallest([*exposed.beside, range(len(values))], values, states)
    return tuple(states)


def _complete_lines(values: Sequence[int], lines: Sequence[Line], states: list[str]) -> None:
    """Until none is left, hide a second figure in each line with exactly one hidden."""
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            if sum(states[m] != SHOWN for m in (*parts, total)) == 1:
                _hide_smallest([parts, (total,)], values, states)
                changed = True


def _hide_smallest(choices: list[Sequence[int]], values: Sequence[int], states: list[str]) -> None:
    """Hide the smallest shown figure of the first group of ``choices`` that has one: cells
    are offered before totals, as totals are what readers use most."""
    for group in choices:
        shown = [m for m in group if states[m] == SHOWN]
        if shown:
            states[min(shown, key=lambda m: (values[m], m))] = HIDE
            return
    raise DisclosureError("No figure is left to hide, yet a hidden one could be worked out.")


@dataclass(frozen=True)
class _Check:
    """A figure, or the sum of a line's hidden parts, that readers must not pin down closely:
    its possible values must lie ``apart`` or more apart, and if ``inside``, reach past the
    true value on each side that the printed text leaves open (``floor`` to ``ceiling``)."""

    terms: tuple[int, ...]
    floor: float
    ceiling: float
    apart: int
    inside: bool
    beside: tuple[tuple[int, ...], ...]  # where to hide another figure if the check fails

    def passes(self, true: float, low: float, high: float) -> bool:
        # Values are whole numbers up to rounding errors, hence the halves.
        if high - low < self.apart - 0.5:
            return False
        stuck_low = low > true - 0.5 and true > self.floor
        stuck_high = high < true + 0.5 and true < self.ceiling
        return not (self.inside and (stuck_low or stuck_high))


def _checks(
    values: Sequence[int], lines: Sequence[Line], states: list[str], below: Sequence[Below]
) -> list[_Check]:
    """Hidden figures first (at least as many possible values as a rounded figure has, and
    never known to be the lowest or highest possible), then the hidden part of each line with
    a shown total (never the lowest or highest possible), then shown figures (rounding never
    undone to one value)."""
    step, small = threshold("REPORT_ROUND_TO"), threshold("REPORT_SMALL_COUNT")

    def beside(m: int) -> tuple[tuple[int, ...], ...]:
        near = [line for line in lines if m == line[1] or m in line[0]]
        cells = tuple(p for parts, _ in near for p in parts if p != m)
        # The same count in the report with one filter more or less, and the cells beside it.
        linked = {b if a == m else a for a, b in below if m in (a, b)}
        across = tuple(
            p for parts, _ in lines if linked & {*parts} for p in parts if p not in linked
        )
        totals = tuple(total for _, total in near if total != m)
        return cells, across, tuple(linked), totals, (m,)

    checks = [
        _Check((m,), 0, small - 1, step - 1, True, beside(m))
        if s == SMALL
        else _Check((m,), small, np.inf, step - 1, True, beside(m))
        for m, s in enumerate(states)
        if s != SHOWN
    ]
    for parts, total in lines:
        hidden = tuple(p for p in parts if states[p] != SHOWN)
        if states[total] == SHOWN and 1 < len(hidden):
            checks.append(_Check(hidden, 0, np.inf, 0, True, (parts, (total,))))
    checks += [
        _Check((m,), *_range_behind(_rounded(values[m])), 1, False, beside(m))
        for m, s in enumerate(states)
        if s == SHOWN
    ]
    return checks


@dataclass
class _Memory:
    """What earlier attacks on the same figures found: the checks that passed, and every table
    that fitted what was printed (the true one first)."""

    passed: set[_Check]
    witnesses: list[np.ndarray]


def _first_exposed(
    values: Sequence[int],
    lines: Sequence[Line],
    states: list[str],
    below: Sequence[Below],
    memory: _Memory,
) -> _Check | None:
    """The first check that a reader who knows the rules can defeat, or None.

    The bounds come from linear programmes. Every table they find is kept as a witness
    (the true one first): once the witnesses show a check passing, it needs no programme.
    Counts and totals alone form a network, whose linear programmes have whole-number answers;
    once ``below`` links figures the programmes are solved in whole numbers (``milp``)."""
    small = threshold("REPORT_SMALL_COUNT")
    bounds = [
        (0, small - 1) if s == SMALL else (small, None) if s == HIDE else _range_behind(_rounded(v))
        for v, s in zip(values, states, strict=True)
    ]
    adds_up = np.zeros((len(lines), len(values)))
    for row, (parts, total) in enumerate(lines):
        adds_up[row, list(parts)] = 1
        adds_up[row, total] = -1
    solve = _solver(bounds, adds_up, below)
    witnesses = memory.witnesses
    for check in _checks(values, lines, states, below):
        if check in memory.passed:
            continue
        aim = np.zeros(len(values))
        aim[list(check.terms)] = 1
        seen = np.array(witnesses) @ aim
        true, low, high = float(seen[0]), float(seen.min()), float(seen.max())
        for sign in (1, -1):
            if check.passes(true, low, high):
                break
            found = solve(sign * aim)
            if found.status == 3:  # no upper limit
                high = np.inf
            elif found.status == 0:
                low, high = (found.fun, high) if sign == 1 else (low, -found.fun)
                witnesses.append(found.x)
            else:
                raise DisclosureError(f"The table's figures do not add up ({found.message}).")
        if not check.passes(true, low, high):
            return check
        memory.passed.add(check)
    return None


# A bound far above any count of people stands in for "no upper limit" in whole-number
# programmes, which report an unbounded one less reliably than linear programmes do.
_NO_LIMIT = 1_000_000


@dataclass(frozen=True)
class _Found:
    status: int  # 0 solved, 3 no upper limit, anything else: the figures contradict each other
    fun: float
    x: np.ndarray
    message: str


def _solver(
    bounds: Sequence[tuple[int, int | None]], adds_up: np.ndarray, below: Sequence[Below]
) -> Callable[[np.ndarray], _Found]:
    """The smallest value of ``aim`` (a sum of figures) that fits what readers know."""
    if not below:

        def linear(aim: np.ndarray) -> _Found:
            found = linprog(aim, A_eq=adds_up, b_eq=np.zeros(len(adds_up)), bounds=bounds)
            return _Found(found.status, found.fun, found.x, found.message)

        return linear
    n = adds_up.shape[1]
    order = np.zeros((len(below), n))
    for row, (a, b) in enumerate(below):
        order[row, a], order[row, b] = 1, -1
    rules = [
        LinearConstraint(adds_up, 0, 0),
        LinearConstraint(order, -np.inf, 0),
    ]
    low = np.array([lo for lo, _hi in bounds], dtype=float)
    high = np.array([_NO_LIMIT if hi is None else hi for _lo, hi in bounds], dtype=float)

    def whole(aim: np.ndarray) -> _Found:
        # The linear programme first: when its best table is in whole numbers, so is the
        # answer (and it is found several times faster); else the whole-number programme.
        found = linprog(
            aim,
            A_ub=order,
            b_ub=np.zeros(len(below)),
            A_eq=adds_up,
            b_eq=np.zeros(len(adds_up)),
            bounds=list(zip(low, high, strict=True)),
        )
        if found.status == 0 and np.allclose(found.x, np.round(found.x), atol=1e-7):
            x = np.round(found.x)
            fun = float(aim @ x)
        else:
            # Presolve off: with repeated constraints it has returned a bound that was not one.
            exact = milp(
                aim,
                constraints=rules,
                integrality=np.ones(n),
                bounds=Bounds(low, high),
                options={"presolve": False},
            )
            if exact.status != 0:
                return _Found(exact.status or 2, 0.0, np.zeros(n), exact.message)
            x, fun = exact.x, exact.fun
        if -fun > _NO_LIMIT / 2:
            return _Found(3, fun, x, "no upper limit")
        return _Found(0, fun, x, "")

    return whole
