"""The matching engine: compatibility scores, hard constraints and an exact solver.

Pure NumPy/SciPy, no Django: the loader (``matching/loader.py``) turns a cohort into a
``Problem`` and the services save what ``solve`` returns. Everything here is vectorised over
pairs; Python loops run only over chosen pairs or over one person's row.

Scores are whole numbers from 0 to 100, so solvers work on exact integers and the same input
always gives the same pairs. See docs/matching-solver.md for the measurements behind the
choices. The parts, each building on the ones before:

* ``problem``: the people arrays, the problem and the result; a malformed problem is refused.
* ``components``: the four parts of a score as exact numerators over 60, and one pair's facts.
* ``scores``: scores and pair-by-pair constraints of many pairs at once, in blocks of rows.
* ``constraints``: the rules one pair breaks, the locks, and the check of a solver's answer.
* ``graph``: the admissible pairs stored dense or sparse, copies of people with several
  places, and the most pairs possible.
* ``reasons``: why a pair scores what it does, and why someone is left unpaired.
* ``solvers``: ``solve``, with dense LAPJV (and its exact fallback), sparse LAPJVsp and the
  fairest threshold.

Callers use the names below, as ``from flipside.matching import engine; engine.solve(...)``.
"""

from __future__ import annotations

from .constraints import check_pair
from .problem import (
    EITHER,
    IN_PERSON,
    NOT_MY_PROGRAMME,
    ONLINE,
    OTHER_SITE,
    SAME_SITE,
    BrokenLock,
    Constraint,
    Forbid,
    InvalidProblem,
    People,
    Problem,
    Progress,
    Result,
    SolverError,
    Unplaced,
    Weights,
)
from .reasons import Breakdown, breakdown
from .scores import candidates, dense_scores, score_rows
from .solvers import solve

__all__ = [
    "EITHER",
    "IN_PERSON",
    "NOT_MY_PROGRAMME",
    "ONLINE",
    "OTHER_SITE",
    "SAME_SITE",
    "Breakdown",
    "BrokenLock",
    "Constraint",
    "Forbid",
    "InvalidProblem",
    "People",
    "Problem",
    "Progress",
    "Result",
    "SolverError",
    "Unplaced",
    "Weights",
    "breakdown",
    "candidates",
    "check_pair",
    "dense_scores",
    "score_rows",
    "solve",
]
