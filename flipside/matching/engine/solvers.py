"""Solving: the best set of pairs for a problem, with the two assignment solvers it uses.

* Dense problems are solved with LAPJV (``lap.lapjv``), sparse ones with SciPy's LAPJVsp
  (``min_weight_full_bipartite_matching``) on a graph that always has a perfect matching,
  so "as many pairs as possible, then the highest total" holds even when not everyone can
  be paired.
* Someone allowed several partners is repeated; if that ever pairs the same two people
  twice, the pair is replaced by a small gadget that allows it once, and solved again.
* "Fairest" runs first find the highest lowest score that still gives as many pairs as
  possible (a binary search with Hopcroft-Karp), then solve among the pairs scoring that much.
"""

from __future__ import annotations

import time

import lap
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .constraints import check_locks, verify
from .graph import (
    Free,
    Store,
    cardinality_at,
    copies,
    expand,
    free_part,
    ranges,
    score_all,
    score_values,
)
from .problem import Problem, Progress, Result, SolverError
from .reasons import summarise, unplaced
from .scores import prepare, row_blocks

#: lap's LAPJV uses 1,000,000 as "infinity" internally, so its costs must stay well below
#: that. Above this cost for an inadmissible cell the dense result is checked (see
#: ``_dense_solve``) and, in the rare case it has too few pairs, solved again exactly by SciPy.
#: (Measured with bench/matching.py; see docs/matching-solver.md.)
LAPJV_MAX_COST = 200_000


def solve(problem: Problem, progress: Progress | None = None, *, method: str = "auto") -> Result:
    """The best set of pairs: as many pairs as possible, then the highest total score (or, in
    "fairest" mode, the highest lowest score, then the highest total). Never a forbidden pair;
    locks always kept; capacities respected. Raises BrokenLock, or InvalidProblem for
    malformed input.

    ``method`` is "auto" (dense LAPJV unless few pairs are admissible), "dense" or "sparse".
    """
    if method not in ("auto", "dense", "sparse"):
        raise ValueError(f"unknown method {method!r}")

    def report(percent: int, step: str) -> None:
        if progress is not None:
            progress(percent, step)

    started = time.perf_counter()
    pp = prepare(problem)
    n, m = pp.n, pp.m
    cap_r = np.asarray(problem.mentors.capacity, dtype=np.int64)
    cap_c = np.asarray(problem.mentees.capacity, dtype=np.int64)
    locks, lock_scores = check_locks(problem, cap_r, cap_c)
    report(10, "Scoring pairs")
    store = score_all(pp, method)
    scored = time.perf_counter()

    report(40, "Finding the best pairs")
    left_r = cap_r - np.bincount(locks[:, 0], minlength=n)
    left_c = cap_c - np.bincount(locks[:, 1], minlength=m)
    _set_aside(store, locks)
    summary = summarise(store, left_r <= 0, left_c <= 0)
    free = free_part(store, left_r, left_c)
    solving = time.perf_counter()
    local, solver = _best_free_pairs(free, problem.mode, lock_scores)
    solved = time.perf_counter()

    report(90, "Checking the pairs")
    chosen = np.stack([free.rows[local[:, 0]], free.cols[local[:, 1]]], axis=1).astype(np.int64)
    pairs, scores, locked = _with_locks(store, chosen, locks, lock_scores)
    verify(pairs, scores, cap_r, cap_c, n, m)
    placed_r = np.bincount(pairs[:, 0], minlength=n) > 0
    placed_c = np.bincount(pairs[:, 1], minlength=m) > 0
    del store, free  # the explanations score again, block by block: free the memory first
    unplaced_r, unplaced_c = unplaced(
        pp, summary, np.flatnonzero(~placed_r), np.flatnonzero(~placed_c)
    )
    finished = time.perf_counter()
    report(100, "Done")
    return Result(
        pairs=pairs.astype(np.int64).reshape(-1, 2),
        scores=scores,
        locked=locked,
        unplaced_mentors=unplaced_r,
        unplaced_mentees=unplaced_c,
        solver=solver,
        timings={
            "score": scored - started,
            "solve": solved - solving,
            "check": (solving - scored) + (finished - solved),
        },
    )


def _set_aside(store: Store, locks: np.ndarray) -> None:
    """Take the locked pairs out of the store: they are in the result already."""
    if not locks.shape[0]:
        return
    if store.dense is not None:
        store.dense[locks[:, 0], locks[:, 1]] = -1
        return
    m = store.m
    lock_keys = locks[:, 0] * m + locks[:, 1]
    keep = ~np.isin(store.rows.astype(np.int64) * m + store.cols, lock_keys)
    store.rows, store.cols = store.rows[keep], store.cols[keep]
    store.scores = store.scores[keep]


def _best_free_pairs(free: Free, mode: str, lock_scores: np.ndarray) -> tuple[np.ndarray, str]:
    """The solver's pairs of the free part (local indices) and the solver's name. In
    "fairest" mode only pairs scoring at least the fairest threshold are offered to it."""
    if not (free.rows.size and free.cols.size):
        solver = "lapjv-dense" if free.dense is not None else "lapjvsp-sparse"
        return np.zeros((0, 2), dtype=np.int64), solver
    known = None
    if mode == "fairest":
        lock_min = int(lock_scores.min()) if lock_scores.size else None
        threshold, known = fairest_threshold(free, lock_min)
        free.restrict(threshold)
    return _solve_free(free, known)


def _with_locks(
    store: Store, chosen: np.ndarray, locks: np.ndarray, lock_scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The locks and the chosen pairs together, sorted by mentor then mentee: pairs, scores
    (-1 for a pair the store does not allow, which ``verify`` refuses) and whether each is
    locked."""
    chosen_scores = store.lookup(chosen[:, 0], chosen[:, 1]) if chosen.size else np.zeros(0)
    pairs = np.concatenate([locks, chosen.reshape(-1, 2)])
    scores = np.concatenate([lock_scores, np.asarray(chosen_scores, dtype=np.int16)])
    locked = np.concatenate([np.ones(locks.shape[0], bool), np.zeros(chosen.shape[0], bool)])
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order], scores[order].astype(np.int16), locked[order]


def _solve_free(free: Free, known: int | None) -> tuple[np.ndarray, str]:
    """Best pairs of the free part, in local indices. Copies of someone with several places
    may pair the same two people twice; those pairs get a gadget and the problem is solved
    again until no pair repeats."""
    gadgets = np.zeros((0, 2), dtype=np.int64)
    while True:
        if free.dense is not None:
            pairs, solver = _dense_solve(free, gadgets, known)
        else:
            pairs, solver = _sparse_solve(free, gadgets)
        keys, counts = np.unique(pairs[:, 0] * max(1, free.cols.size) + pairs[:, 1],
                                 return_counts=True)  # fmt: skip
        twice = keys[counts > 1]
        if twice.size == 0:
            return pairs, solver
        extra = np.stack([twice // max(1, free.cols.size), twice % max(1, free.cols.size)], 1)
        gadgets = np.unique(np.concatenate([gadgets, extra]), axis=0)


def fairest_threshold(free: Free, lock_min: int | None) -> tuple[int, int]:
    """The highest score t such that pairs scoring at least t still give as many pairs as
    possible (capped by the lowest locked score), and that number of pairs. Binary search
    over the distinct scores, with Hopcroft-Karp at each step."""
    values = score_values(free)
    most = cardinality_at(free, 0) if values.size else 0
    if most == 0:
        return 0, most
    lo, hi = 0, values.size - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if cardinality_at(free, int(values[mid])) == most:
            lo = mid
        else:
            hi = mid - 1
    threshold = int(values[lo])
    if lock_min is not None:
        threshold = min(threshold, lock_min)
    return threshold, most


# ---------------------------------------------------------------------------------------------
# Dense: LAPJV on a square cost matrix


def _dense_costs(
    d: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray, gadgets: np.ndarray, big: float
) -> np.ndarray:
    """The square cost matrix: a row per mentor place, a column per mentee place (then the
    gadgets' rows and columns, then padding). 100 - score for an admissible pair, ``big``
    for any other cell, 0 for padding."""
    nr, nc = d.shape
    rr, cc = np.repeat(np.arange(nr), cap_r), np.repeat(np.arange(nc), cap_c)
    r_total, c_total, g = rr.size, cc.size, int(gadgets.shape[0])
    size = max(r_total, c_total) + g
    cost = np.zeros((size, size), dtype=np.float64)
    for block in row_blocks(r_total, c_total):
        part = d[block] if r_total == nr else d[rr[block]]
        if c_total != nc:
            part = part[:, cc]
        out = cost[block, :c_total]
        np.subtract(100.0, part, out=out)
        out[part < 0] = big
    if g:
        r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
        c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
        cost[:, c_total : c_total + g] = big
        cost[r_total : r_total + g, :] = big
        for k, (i, j) in enumerate(gadgets.tolist()):
            ri, cj = copies(r_start, cap_r, i), copies(c_start, cap_c, j)
            cost[np.ix_(ri, cj)] = big
            cost[ri, c_total + k] = 100 - int(d[i, j])
            cost[r_total + k, c_total + k] = 0
            cost[r_total + k, cj] = 0
    return cost


def _dense_solve(free: Free, gadgets: np.ndarray, known: int | None) -> tuple[np.ndarray, str]:
    """LAPJV on the square cost matrix (``_dense_costs``). Returns local pairs (p, 2)."""
    d = free.dense
    if d is None:
        raise SolverError("the dense solver needs a score matrix")
    nr, nc = d.shape
    cap_r, cap_c = free.cap_r.astype(np.int64), free.cap_c.astype(np.int64)
    rr, cc = np.repeat(np.arange(nr), cap_r), np.repeat(np.arange(nc), cap_c)
    r_total, c_total, g = rr.size, cc.size, int(gadgets.shape[0])
    exact_big = 101 * (max(r_total, c_total) + g) + 1
    big = min(exact_big, LAPJV_MAX_COST)
    cost = _dense_costs(d, cap_r, cap_c, gadgets, big)
    x, _y = lap.lapjv(cost, extend_cost=False, return_cost=False)
    pairs = _decode(x, cost, big, rr, cc, gadgets, c_total)
    if big == exact_big or pairs.shape[0] == min(r_total, c_total):
        return pairs, "lapjv-dense"
    # Costs had to stay below LAPJV's internal limit, and not everyone is paired: prove no
    # pair was traded for a higher total, or solve again exactly.
    del cost
    if known is None:
        known = cardinality_at(free, 0)
    if pairs.shape[0] >= known:
        return pairs, "lapjv-dense"
    cost = _dense_costs(d, cap_r, cap_c, gadgets, exact_big)
    rows, cols = linear_sum_assignment(cost)
    x = np.full(cost.shape[0], -1, dtype=np.int64)
    x[rows] = cols
    return _decode(x, cost, exact_big, rr, cc, gadgets, c_total), "lsa-dense"


def _decode(
    x: np.ndarray, cost: np.ndarray, big: float, rr: np.ndarray, cc: np.ndarray,
    gadgets: np.ndarray, c_total: int,
) -> np.ndarray:  # fmt: skip
    """Pairs of people from a row -> column assignment of every row (copies, then gadget
    rows, then padding). A cell costing ``big`` is never a pair: a place with no allowed
    partner left may be assigned one in a tie. A gadget's pair counts only when both of its
    halves are allowed cells: a copy of the mentor in its column and its row in a copy of
    the mentee."""
    r_total, g = rr.size, int(gadgets.shape[0])
    r = np.flatnonzero(x[:r_total] >= 0)
    col = x[r].astype(np.int64)
    allowed = cost[r, col] < big
    real = col < c_total
    ok = real & allowed
    pairs = [np.stack([rr[r[ok]], cc[col[ok]]], axis=1)]
    if g:
        k = col - c_total
        used = ~real & (k < g) & allowed
        k = k[used]
        f_col = x[r_total + k].astype(np.int64)
        both = (f_col >= 0) & (f_col < c_total) & (cost[r_total + k, f_col] < big)
        pairs.append(gadgets[k[both]].astype(np.int64))
    return np.concatenate(pairs).astype(np.int64).reshape(-1, 2)


# ---------------------------------------------------------------------------------------------
# Sparse: LAPJVsp on a graph with a perfect matching


def _sparse_solve(free: Free, gadgets: np.ndarray) -> tuple[np.ndarray, str]:
    """SciPy's LAPJVsp on a graph that always has a perfect matching: each copy of a mentor
    has a private stand-in column and each copy of a mentee a private stand-in row (cost M,
    meaning "unpaired"), and stand-ins pair with each other at no cost along every
    admissible pair. With M larger than any possible gain in scores, the cheapest perfect
    matching has as many real pairs as possible, then the highest total score."""
    cap_r, cap_c = free.cap_r.astype(np.int64), free.cap_c.astype(np.int64)
    nr, nc = cap_r.size, cap_c.size
    r_total, c_total, g = int(cap_r.sum()), int(cap_c.sum()), int(gadgets.shape[0])
    size = r_total + g + c_total
    graph = _sparse_graph(free, gadgets, cap_r, cap_c)
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    del graph
    x = np.full(size, -1, dtype=np.int64)
    x[row_ind] = col_ind
    x = x[:r_total]
    rr, cc = np.repeat(np.arange(nr), cap_r), np.repeat(np.arange(nc), cap_c)
    r = np.flatnonzero((x >= 0) & (x < c_total))
    pairs = [np.stack([rr[r], cc[x[r]]], axis=1)]
    if g:
        k = x - c_total
        inside = (k >= 0) & (k < g)
        pairs.append(gadgets[k[inside]])
    return np.concatenate(pairs).astype(np.int64).reshape(-1, 2), "lapjvsp-sparse"


def _sparse_graph(
    free: Free, gadgets: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray
) -> csr_matrix:
    """The graph ``_sparse_solve`` matches: rows are copies of mentors, then the gadgets'
    rows, then stand-ins for copies of mentees; columns are copies of mentees, then the
    gadgets' columns, then stand-ins for copies of mentors."""
    nc = cap_c.size
    r_total, c_total, g = int(cap_r.sum()), int(cap_c.sum()), int(gadgets.shape[0])
    size = r_total + g + c_total
    big = 101.0 * size + 1
    ei, ej, es = free.ei.astype(np.int64), free.ej.astype(np.int64), free.es.astype(np.int64)
    is_gadget = np.zeros(ei.size, dtype=bool)
    if g:
        keys = ei * max(nc, 1) + ej
        g_keys = gadgets[:, 0] * max(nc, 1) + gadgets[:, 1]
        is_gadget = np.isin(keys, g_keys)
    ri, ci, idx = expand(ei, ej, cap_r, cap_c)
    direct = ~is_gadget[idx]
    rows = [ri[direct], np.arange(r_total), r_total + g + np.arange(c_total), r_total + g + ci]
    cols = [ci[direct], c_total + g + np.arange(r_total), np.arange(c_total), c_total + g + ri]
    weights = [
        101.0 - es[idx[direct]],
        np.full(r_total, big + 1),
        np.full(c_total, big + 1),
        np.ones(ri.size),
    ]
    if g:
        found = _gadget_edges(gadgets, keys, es, cap_r, cap_c)
        for part, more in zip((rows, cols, weights), found, strict=True):
            part += more
    row_index = np.concatenate([r.astype(np.int32) for r in rows])
    col_index = np.concatenate([c.astype(np.int32) for c in cols])
    del rows, cols, ri, ci, idx
    graph = coo_matrix((np.concatenate(weights), (row_index, col_index)), shape=(size, size))
    del row_index, col_index, weights
    return graph.tocsr()


def _gadget_edges(
    gadgets: np.ndarray, keys: np.ndarray, es: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Rows, columns and weights of the gadgets' edges: copies of the mentor to the
    gadget's column (the pair's cost), the gadget's row to its column and to copies of the
    mentee (no cost). ``keys`` are the edges' row * columns + column, sorted; ``es`` their
    scores."""
    nc = cap_c.size
    r_total, c_total, g = int(cap_r.sum()), int(cap_c.sum()), int(gadgets.shape[0])
    r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
    c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
    at = np.searchsorted(keys, gadgets[:, 0] * max(nc, 1) + gadgets[:, 1])
    g_score = es[at]
    k = np.arange(g)
    gi, gj = gadgets[:, 0], gadgets[:, 1]
    rows = [np.repeat(r_start[gi], cap_r[gi]) + ranges(cap_r[gi]), r_total + k]
    cols = [np.repeat(c_total + k, cap_r[gi]), c_total + k]
    weights = [np.repeat(101.0 - g_score, cap_r[gi]), np.ones(g)]
    rows.append(np.repeat(r_total + k, cap_c[gj]))
    cols.append(np.repeat(c_start[gj], cap_c[gj]) + ranges(cap_c[gj]))
    weights.append(np.ones(int(cap_c[gj].sum())))
    return rows, cols, weights
