"""The admissible pairs as a bipartite graph: stored dense or sparse, the part left for the
solver after locks, people repeated once per partner allowed, and the most pairs possible.

Scores are stored as one int16 matrix (-1 where a pair is not admissible) once more than
``SPARSE_DENSITY`` of pairs are admissible, and as coordinates while few are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from .scores import Prep, block, row_blocks

# Tuning (measured with bench/matching.py; see docs/matching-solver.md)
#: Use the sparse solver when at most this share of pairs is admissible ...
SPARSE_DENSITY = 0.20
#: ... and the problem has at least this many pairs (smaller ones are instant either way).
SPARSE_MIN_CELLS = 250_000


@dataclass
class Store:
    """The admissible pairs of the part of the problem left after locks: one int16 matrix
    (-1 where not admissible) or, when few pairs are admissible, coordinates sorted by row
    then column."""

    n: int
    m: int
    dense: np.ndarray | None = None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))

    def lookup(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Scores of pairs, -1 for pairs not admissible."""
        if self.dense is not None:
            return self.dense[i, j]
        keys = self.rows.astype(np.int64) * self.m + self.cols
        want = np.asarray(i, dtype=np.int64) * self.m + np.asarray(j, dtype=np.int64)
        at = np.clip(np.searchsorted(keys, want), 0, max(0, keys.size - 1))
        found = keys[at] == want if keys.size else np.zeros(want.shape, dtype=bool)
        return np.where(found, self.scores[at] if keys.size else -1, -1).astype(np.int16)


def score_all(pp: Prep, method: str) -> Store:
    """Every admissible pair's score, block by block: kept as coordinates while few pairs
    are admissible (or always, for "sparse"), as one matrix from the block where too many
    are (or always, for "dense" and small problems)."""
    n, m = pp.n, pp.m
    store = Store(n, m)
    if method == "dense" or (method == "auto" and n * m < SPARSE_MIN_CELLS):
        limit = -1.0
    elif method == "sparse":
        limit = float("inf")
    else:
        limit = SPARSE_DENSITY * n * m
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    count = 0
    for rows in row_blocks(n, m):
        scores, admissible, _masks = block(pp, rows)
        if store.dense is None:
            r, c = np.nonzero(admissible)
            count += r.size
            if count <= limit:
                parts.append(((r + rows.start).astype(np.int32), c.astype(np.int32), scores[r, c]))
                continue
            store.dense = np.empty((n, m), dtype=np.int16)
            store.dense[: rows.start] = -1
            for pr, pc, ps in parts:
                store.dense[pr, pc] = ps
            parts = []
        scores[~admissible] = -1
        store.dense[rows] = scores
    if store.dense is None and parts:
        store.rows = np.concatenate([p[0] for p in parts])
        store.cols = np.concatenate([p[1] for p in parts])
        store.scores = np.concatenate([p[2] for p in parts]).astype(np.int16)
    return store


@dataclass
class Free:
    """The part of the problem the solver decides: people with room for a partner and at
    least one admissible partner with room, in local indices."""

    rows: np.ndarray  # mentor indices
    cols: np.ndarray  # mentee indices
    cap_r: np.ndarray  # int64 places left
    cap_c: np.ndarray
    dense: np.ndarray | None  # int16 (len(rows), len(cols)), -1 not admissible
    ei: np.ndarray  # sparse edges (local), sorted
    ej: np.ndarray
    es: np.ndarray

    def edges(self, threshold: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.dense is None:
            keep = self.es >= threshold
            return self.ei[keep], self.ej[keep], self.es[keep]
        parts = []
        for rows in row_blocks(self.dense.shape[0], self.dense.shape[1]):
            r, c = np.nonzero(self.dense[rows] >= max(threshold, 0))
            parts.append(((r + rows.start).astype(np.int32), c.astype(np.int32)))
        ei = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int32)
        ej = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
        return ei, ej, self.dense[ei, ej]

    def restrict(self, threshold: int) -> None:
        """Drop pairs scoring below the threshold."""
        if self.dense is None:
            keep = self.es >= threshold
            self.ei, self.ej, self.es = self.ei[keep], self.ej[keep], self.es[keep]
            return
        for rows in row_blocks(self.dense.shape[0], self.dense.shape[1]):
            part = self.dense[rows]
            part[part < threshold] = -1


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    found = np.unique(values, return_inverse=True)
    return found[0], found[1]


def free_part(store: Store, cap_r: np.ndarray, cap_c: np.ndarray) -> Free:
    n, m = store.n, store.m
    open_r, open_c = cap_r > 0, cap_c > 0
    if store.dense is not None:
        has_r = np.zeros(n, dtype=bool)
        has_c = np.zeros(m, dtype=bool)
        for rows in row_blocks(n, m):
            ok = store.dense[rows] >= 0
            ok &= open_c[None, :]
            ok &= open_r[rows, None]
            has_r[rows] = ok.any(axis=1)
            has_c |= ok.any(axis=0)
        rows_i, cols_j = np.flatnonzero(has_r), np.flatnonzero(has_c)
        if rows_i.size == n and cols_j.size == m:
            dense = store.dense
        else:
            dense = store.dense[np.ix_(rows_i, cols_j)]
        empty = np.zeros(0, dtype=np.int32)
        return Free(
            rows_i, cols_j, cap_r[rows_i], cap_c[cols_j], dense, empty, empty,
            np.zeros(0, np.int16),
        )  # fmt: skip
    keep = open_r[store.rows] & open_c[store.cols]
    er, ec, es = store.rows[keep], store.cols[keep], store.scores[keep]
    rows_i, ei = _unique_inverse(er)
    cols_j, ej = _unique_inverse(ec)
    return Free(
        rows_i, cols_j, cap_r[rows_i], cap_c[cols_j], None,
        ei.astype(np.int32), ej.astype(np.int32), es,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# People with several places: one copy per partner allowed


def expand(
    ei: np.ndarray, ej: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges between people as edges between their copies (one copy per partner allowed):
    (copy row, copy column, index of the edge)."""
    r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
    c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
    k = cap_r[ei] * cap_c[ej]
    if ei.size == 0 or bool((k == 1).all()):
        return r_start[ei], c_start[ej], np.arange(ei.size)
    idx = np.repeat(np.arange(ei.size), k)
    within = np.arange(idx.size) - np.repeat(np.cumsum(k) - k, k)
    cj = cap_c[ej[idx]]
    return r_start[ei[idx]] + within // cj, c_start[ej[idx]] + within % cj, idx


def copies(start: np.ndarray, cap: np.ndarray, person: int) -> np.ndarray:
    return start[person] + np.arange(cap[person])


def ranges(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    counts = counts.astype(np.int64)
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


# ---------------------------------------------------------------------------------------------
# The most pairs possible (Hopcroft-Karp)


def max_cardinality(
    nr: int, nc: int, ei: np.ndarray, ej: np.ndarray, cap_r: np.ndarray, cap_c: np.ndarray
) -> int:
    """The most pairs possible (each person at most their capacity, each pair at most once),
    from edges sorted by row then column. Hopcroft-Karp on copies of people, with a gadget
    for each pair of two people who may both have several partners: a column e and a row f,
    matched as f-e (pair unused) or copy of i-e plus f-copy of j (pair used once)."""
    if ei.size == 0:
        return 0
    if bool((cap_r == 1).all()) and bool((cap_c == 1).all()):
        # Edges come sorted by row, so the CSR structure is built without a copy.
        indptr = np.concatenate([[0], np.cumsum(np.bincount(ei, minlength=nr))])
        simple = csr_matrix(
            (np.ones(ei.size, dtype=np.int8), ej.astype(np.int32, copy=False), indptr),
            shape=(nr, nc),
        )
        return int((maximum_bipartite_matching(simple, perm_type="column") >= 0).sum())
    cap_r, cap_c = cap_r.astype(np.int64), cap_c.astype(np.int64)
    total_r, total_c = int(cap_r.sum()), int(cap_c.sum())
    gadget = (cap_r[ei] > 1) & (cap_c[ej] > 1)
    ri, ci, _idx = expand(ei[~gadget], ej[~gadget], cap_r, cap_c)
    rows, cols = [ri], [ci]
    g_i, g_j = ei[gadget], ej[gadget]
    g = int(g_i.size)
    if g:
        r_start = np.concatenate([[0], np.cumsum(cap_r)])[:-1]
        c_start = np.concatenate([[0], np.cumsum(cap_c)])[:-1]
        k = np.arange(g)
        # copies of i -> e_k
        rows.append(np.repeat(r_start[g_i], cap_r[g_i]) + ranges(cap_r[g_i]))
        cols.append(np.repeat(total_c + k, cap_r[g_i]))
        # f_k -> e_k and f_k -> copies of j
        rows.append(total_r + k)
        cols.append(total_c + k)
        rows.append(np.repeat(total_r + k, cap_c[g_j]))
        cols.append(np.repeat(c_start[g_j], cap_c[g_j]) + ranges(cap_c[g_j]))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = csr_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(total_r + g, total_c + g))
    match = maximum_bipartite_matching(graph, perm_type="column")
    return int((match >= 0).sum()) - g


def cardinality_at(free: Free, threshold: int) -> int:
    """The most pairs possible using only pairs scoring at least ``threshold``. A dense
    matrix is read block by block straight into the graph, so no list of pairs is held."""
    nr, nc = free.rows.size, free.cols.size
    simple = bool((free.cap_r == 1).all()) and bool((free.cap_c == 1).all())
    if free.dense is None or not simple:
        ei, ej, _es = free.edges(threshold)
        return max_cardinality(nr, nc, ei, ej, free.cap_r, free.cap_c)
    d = free.dense
    counts = np.zeros(nr, dtype=np.int64)
    for rows in row_blocks(nr, nc):
        counts[rows] = np.count_nonzero(d[rows] >= threshold, axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    for rows in row_blocks(nr, nc):
        _r, c = np.nonzero(d[rows] >= threshold)
        indices[indptr[rows.start] : indptr[rows.stop]] = c
    graph = csr_matrix((np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(nr, nc))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def score_values(free: Free) -> np.ndarray:
    """The distinct scores of admissible pairs, ascending."""
    if free.dense is None:
        return np.unique(free.es)
    seen = np.zeros(102, dtype=np.int64)
    for rows in row_blocks(free.dense.shape[0], free.dense.shape[1]):
        seen += np.bincount((free.dense[rows] + 1).ravel(), minlength=102)
    return np.flatnonzero(seen[1:])
