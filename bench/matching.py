"""Benchmark of matching: synthetic cohorts that look like real applications, solved end to end.

    python bench/matching.py                       # every case: 100 1000 5000 10000 sparse20000
    python bench/matching.py --sizes 100,1000      # some cases only
    python bench/matching.py --memory              # skip the database (in-memory problems)

Prints one JSON line per case. Each case runs in a fresh process, so ``peak_mb`` (the peak
resident memory of that process, read before the reference solve) does not carry over.

Keys: ``case``, ``n`` (people per side), ``path`` ("db": loaded from a SQLite database and
saved back through ``flipside.matching.services.execute_run``; "memory": the engine alone),
``load_s``, ``score_s``, ``solve_s`` (the assignment solver itself, with its cost matrix),
``check_s`` (preparing the solver's input, verifying its answer against every constraint and
explaining who is unpaired), ``save_s``, ``total_s`` (the whole run, end to end), ``solver``,
``matched``, ``total``, ``minimum``, ``peak_mb``, then the reference: ``scipy_s``,
``scipy_method`` (what SciPy solved: "linear_sum_assignment on the dense cost matrix", or
for the sparse case "min_weight_full_bipartite_matching on the augmented sparse graph"),
``max_matched`` (most pairs possible, by Hopcroft-Karp), ``optimality`` (our total / the
optimum SciPy proves on the same costs; 1.0 means optimal), ``speedup`` (SciPy's time /
our solve time) and ``solve_vs_scipy`` (our solve time / SciPy's; the target is at most 0.5
from 5,000 per side).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flipside.matching import engine  # noqa: E402

CASES = ["100", "1000", "5000", "10000", "sparse20000"]
TOPICS = 24
SLOTS = 15  # mon-fri x am/pm/eve, index day * 3 + part
PROGRAMMES = [("MBBS", 5), ("Biomedical Sciences", 3), ("Pharmacy", 4), ("Nursing", 3)]


# ---------------------------------------------------------------------------------------------
# Synthetic applicants


@dataclass
class Side:
    topics: list[list[int]]
    slots: list[list[int]]
    mode: list[str]  # "either" | "in_person" | "online"
    site: list[int]  # site index, -1 unknown
    department: list[int]  # department index, -1 none
    programme: list[int]  # mentors: programme index, else -1
    year: list[int]  # mentors: year of study, else 0
    teaching: list[list[tuple[int, int]]]  # mentees: (programme index, year)
    prefs: list[list[str]]
    conflicts: list[list[int]]  # indices of people on the other side they named


@dataclass
class Cohort:
    n: int
    sites: int
    mentors: Side
    mentees: Side


def _zipf(k: int, s: float = 1.0) -> np.ndarray:
    p = 1.0 / np.arange(1, k + 1) ** s
    return p / p.sum()


def _slots(rng: np.random.Generator) -> list[int]:
    """A few adjacent slots: one or two days next to each other, one or two neighbouring
    parts of the day; afternoons most common. A few people leave it blank."""
    if rng.random() < 0.06:
        return []
    part = int(rng.choice(3, p=[0.3, 0.5, 0.2]))
    parts = {part}
    if rng.random() < 0.4:
        parts.add(min(2, part + 1) if part == 0 or rng.random() < 0.5 else part - 1)
    day = int(rng.integers(0, 5))
    days = {day}
    if rng.random() < 0.5:
        days.add(min(4, day + 1))
    if rng.random() < 0.15:
        days.add(int(rng.integers(0, 5)))
    return sorted(d * 3 + p for d in days for p in parts)


def _side(
    rng: np.random.Generator,
    n: int,
    other: int,
    *,
    mentors: bool,
    sites: int,
    site_weights: np.ndarray | None,
) -> Side:
    topic_p = _zipf(TOPICS, 0.9)
    low, high = (2, 5) if mentors else (1, 4)
    topics = [
        sorted(rng.choice(TOPICS, size=int(rng.integers(low, high + 1)), replace=False, p=topic_p))
        for _ in range(n)
    ]
    if site_weights is not None:
        # Everyone meets in person at one of many sites of unequal size, so only people at
        # the same site can be paired, and a site's two sides differ in size.
        weights = site_weights * rng.uniform(0.75, 1.25, sites)
        site = rng.choice(sites, size=n, p=weights / weights.sum()).tolist()
        mode = ["in_person"] * n
    else:
        site_p = _zipf(sites, 0.7)
        site = rng.choice(sites, size=n, p=site_p).tolist()
        site = [-1 if rng.random() < 0.05 else s for s in site]
        mode = rng.choice(["either", "in_person", "online"], size=n, p=[0.72, 0.2, 0.08]).tolist()
    department = [
        -1 if rng.random() < 0.1 else int(d) for d in rng.choice(30, size=n, p=_zipf(30, 0.8))
    ]
    programme, year = [-1] * n, [0] * n
    teaching: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    if mentors:
        programme = rng.choice(len(PROGRAMMES), size=n, p=[0.5, 0.2, 0.15, 0.15]).tolist()
        year = [int(rng.integers(1, PROGRAMMES[p][1] + 1)) for p in programme]
    else:
        for row in range(n):
            if rng.random() < 0.4:
                p = int(rng.choice(len(PROGRAMMES), p=[0.5, 0.2, 0.15, 0.15]))
                first = int(rng.integers(1, PROGRAMMES[p][1] + 1))
                years = {first, min(PROGRAMMES[p][1], first + 1)}
                teaching[row] = [(p, y) for y in sorted(years)]
    prefs = []
    for _ in range(n):
        chosen = []
        if rng.random() < 0.15:
            chosen.append("same_site")
        elif rng.random() < 0.1:
            chosen.append("other_site")
        if rng.random() < 0.2:
            chosen.append("not_my_programme")
        prefs.append(chosen)
    conflicts = [
        [int(rng.integers(0, other))] if other and rng.random() < 0.02 else [] for _ in range(n)
    ]
    return Side(
        topics=[[int(t) for t in ts] for ts in topics],
        slots=[_slots(rng) for _ in range(n)],
        mode=mode,
        site=[int(s) for s in site],
        department=department,
        programme=[int(p) for p in programme],
        year=year,
        teaching=teaching,
        prefs=prefs,
        conflicts=conflicts,
    )


def synthetic(case: str, seed: int = 2026) -> Cohort:
    sparse = case.startswith("sparse")
    n = int(case.removeprefix("sparse"))
    rng = np.random.default_rng(seed + n + (1 if sparse else 0))
    sites = n // 50 if sparse else min(10, 3 + n // 1500)
    weights = rng.gamma(4.0, 1.0, sites) if sparse else None
    mentors = _side(rng, n, n, mentors=True, sites=sites, site_weights=weights)
    mentees = _side(rng, n, n, mentors=False, sites=sites, site_weights=weights)
    return Cohort(n=n, sites=sites, mentors=mentors, mentees=mentees)


# ---------------------------------------------------------------------------------------------
# The engine's Problem, built directly (the in-memory path, and the reference)


MODE_CODES = {"either": engine.EITHER, "in_person": engine.IN_PERSON, "online": engine.ONLINE}
PREF_BITS = {
    "same_site": engine.SAME_SITE,
    "other_site": engine.OTHER_SITE,
    "not_my_programme": engine.NOT_MY_PROGRAMME,
}
STUDIES = [(p, y) for p, (_name, years) in enumerate(PROGRAMMES) for y in range(1, years + 1)]
STUDY_INDEX = {key: k for k, key in enumerate(STUDIES)}


def _people(side: Side, *, mentors: bool) -> engine.People:
    n = len(side.mode)
    topics = np.zeros((n, 1), dtype=np.uint64)
    slots = np.zeros(n, dtype=np.int32)
    teaching = np.zeros((n, len(STUDIES)), dtype=bool)
    teaching_p = np.zeros((n, len(PROGRAMMES)), dtype=bool)
    prefs = np.zeros(n, dtype=np.int8)
    for row in range(n):
        topics[row, 0] = sum(1 << t for t in side.topics[row])
        slots[row] = sum(1 << s for s in side.slots[row])
        prefs[row] = sum(PREF_BITS[p] for p in side.prefs[row])
        for p, y in side.teaching[row]:
            teaching[row, STUDY_INDEX[(p, y)]] = True
            teaching_p[row, p] = True
    study = np.full(n, -1, dtype=np.int32)
    if mentors:
        study[:] = [STUDY_INDEX[(p, y)] for p, y in zip(side.programme, side.year, strict=True)]
    return engine.People(
        ids=np.arange(n, dtype=np.int64),
        topics=topics,
        slots=slots,
        mode=np.array([MODE_CODES[x] for x in side.mode], dtype=np.int8),
        site=np.array(side.site, dtype=np.int32),
        department=np.array(side.department, dtype=np.int32),
        study=study,
        programme=np.array(side.programme, dtype=np.int32),
        teaching=teaching,
        teaching_programmes=teaching_p,
        prefs=prefs,
        capacity=np.ones(n, dtype=np.int16),
    )


def build_problem(cohort: Cohort) -> engine.Problem:
    named = {(i, j) for i, js in enumerate(cohort.mentors.conflicts) for j in js}
    named |= {(i, j) for j, is_ in enumerate(cohort.mentees.conflicts) for i in is_}
    keys = sorted(named)
    return engine.Problem(
        mentors=_people(cohort.mentors, mentors=True),
        mentees=_people(cohort.mentees, mentors=False),
        require_meetable=True,
        forbidden=np.asarray(keys, dtype=np.int64).reshape(-1, 2),
        forbidden_why=np.full(len(keys), int(engine.Forbid.NAMED), dtype=np.int8),
    )


# ---------------------------------------------------------------------------------------------
# The database path


def _setup_django(db_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flipside.settings")
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_cohort(cohort: Cohort) -> Any:
    """Organisation, scheme, cohort, people, calls and accepted applications, in bulk. Returns
    the matching run to execute."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from flipside.accounts.models import User
    from flipside.matching.models import MatchingSettings, Run
    from flipside.recruitment.models import AVAILABILITY_SLOTS, Application, Call, Programme, Topic
    from flipside.schemes.models import Cohort as CohortModel
    from flipside.schemes.models import Membership, Organisation, Role, Scheme, Site

    now = timezone.now()
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench Faculty of Medicine")
        sites = Site.objects.bulk_create(
            [Site(organisation=org, name=f"Site {k:03d}") for k in range(cohort.sites)]
        )
        programmes = Programme.objects.bulk_create(
            [Programme(organisation=org, name=name, years=y) for name, y in PROGRAMMES]
        )
        scheme = Scheme.objects.create(organisation=org, name="Bench scheme", centres="Everyone")
        cohort_row = CohortModel.objects.create(
            scheme=scheme,
            label="2026/27",
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2027, 7, 1),
            stage="matching",
        )
        topics = Topic.objects.bulk_create(
            [Topic(scheme=scheme, name=f"Topic {k:02d}", order=k) for k in range(TOPICS)]
        )
        for side, role in ((cohort.mentors, Role.MENTOR), (cohort.mentees, Role.MENTEE)):
            call = Call.objects.create(
                cohort=cohort_row,
                role=role,
                title=f"{role} call",
                introduction="Bench",
                opens_at=now - datetime.timedelta(days=60),
                closes_at=now - datetime.timedelta(days=30),
                places=500,
            )
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"{role}{k}@bench.example",
                        display_name=f"{role.title()} {k}",
                        password="!",  # noqa: S106 (an unusable password)
                    )
                    for k in range(cohort.n)
                ],
                batch_size=2000,
            )
            Membership.objects.bulk_create(
                [
                    Membership(cohort=cohort_row, user=u, role=role, sort_name=u.display_name)
                    for u in users
                ],
                batch_size=2000,
            )
            other = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
            applications = []
            for k, user in enumerate(users):
                site = side.site[k]
                programme = programmes[side.programme[k]] if side.programme[k] >= 0 else None
                applications.append(
                    Application(
                        call=call,
                        applicant=user,
                        status=Application.Status.ACCEPTED,
                        submitted_at=now,
                        decided_at=now,
                        site=sites[site] if site >= 0 else None,
                        availability=[AVAILABILITY_SLOTS[s] for s in side.slots[k]],
                        mode=side.mode[k],
                        preferences=side.prefs[k],
                        department=f"Department {side.department[k]}"
                        if side.department[k] >= 0
                        else "",
                        programme=programme,
                        year=side.year[k] or None,
                        teaching=[
                            {"programme": programmes[p].pk, "year": y} for p, y in side.teaching[k]
                        ],
                        # Named conflicts, as the other person's email address
                        conflicts="\n".join(f"{other}{j}@bench.example" for j in side.conflicts[k]),
                        eligibility_confirmed=True,
                    )
                )
            applications = Application.objects.bulk_create(applications, batch_size=2000)
            through = Application.topics.through
            through.objects.bulk_create(
                [
                    through(application_id=a.pk, topic_id=topics[t].pk)
                    for a, ts in zip(applications, side.topics, strict=True)
                    for t in ts
                ],
                batch_size=5000,
            )
        MatchingSettings.objects.create(cohort=cohort_row, require_meetable=True)
        return Run.objects.create(cohort=cohort_row, number=1, include_unready=True)


def _db_case(cohort: Cohort) -> tuple[dict[str, Any], engine.Problem]:
    from flipside.matching import loader
    from flipside.matching.models import MatchingSettings, Proposal, Run
    from flipside.matching.services import execute_run

    run = _create_cohort(cohort)
    started = time.perf_counter()
    timings = execute_run(run)
    wall = time.perf_counter() - started
    run = Run.objects.get(pk=run.pk)
    scores = list(Proposal.objects.filter(run=run).values_list("score", flat=True))
    settings = MatchingSettings.objects.get(cohort=run.cohort)
    problem = loader.load(run.cohort, settings=settings, include_unready=True).problem
    return {
        "load_s": timings.get("load", 0.0),
        "score_s": timings.get("score", 0.0),
        "solve_s": timings.get("solve", 0.0),
        "check_s": timings.get("check", 0.0),
        "save_s": timings.get("save", 0.0),
        "wall_s": wall,
        "solver": run.solver,
        "matched": len(scores),
        "total": int(sum(scores)),
        "minimum": min(scores) if scores else None,
    }, problem


def _memory_case(cohort: Cohort) -> tuple[dict[str, Any], engine.Problem]:
    started = time.perf_counter()
    problem = build_problem(cohort)
    load_s = time.perf_counter() - started
    result = engine.solve(problem)
    return {
        "load_s": load_s,
        "score_s": result.timings["score"],
        "solve_s": result.timings["solve"],
        "check_s": result.timings["check"],
        "save_s": 0.0,
        "wall_s": time.perf_counter() - started,
        "solver": result.solver,
        "matched": result.matched,
        "total": result.total,
        "minimum": result.minimum,
    }, problem


# ---------------------------------------------------------------------------------------------
# The reference: SciPy on the same costs


def reference(problem: engine.Problem) -> dict[str, Any]:
    """The proven optimum by SciPy with the same "most pairs first" costs, and the most pairs
    possible by Hopcroft-Karp."""
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import coo_matrix, csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching, min_weight_full_bipartite_matching

    n, m = len(problem.mentors), len(problem.mentees)
    rows, cols, vals = [], [], []
    dense = n * m <= 12_000 * 12_000
    scores = np.full((n, m), -1, dtype=np.int16) if dense else None
    for block in engine.scores.row_blocks(n, m):
        s, ok = engine.score_rows(problem, block)
        if scores is not None:
            scores[block] = np.where(ok, s, -1)
        else:
            r, c = np.nonzero(ok)
            rows.append(r + block.start)
            cols.append(c)
            vals.append(s[r, c])
    if scores is not None and (scores >= 0).mean() > 0.1:
        cost = np.where(scores >= 0, 100.0 - scores, 101.0 * max(n, m) + 1)
        ok = scores >= 0
        del scores
        started = time.perf_counter()
        r, c = linear_sum_assignment(cost)
        seconds = time.perf_counter() - started
        good = ok[r, c]
        best_total = int((100 - cost[r, c][good]).sum())
        graph = csr_matrix(ok)
        method = "linear_sum_assignment on the dense cost matrix"
    else:
        if scores is not None:
            r, c = np.nonzero(scores >= 0)
            rows, cols, vals = [r], [c], [scores[r, c]]
        ei, ej = np.concatenate(rows), np.concatenate(cols)
        es = np.concatenate(vals).astype(np.float64)
        size = n + m
        big = 101.0 * size + 1
        graph_rows = [ei, np.arange(n), n + np.arange(m), n + ej]
        graph_cols = [ej, m + np.arange(n), np.arange(m), m + ei]
        weights = [101.0 - es, np.full(n, big + 1), np.full(m, big + 1), np.ones(ei.size)]
        aug = coo_matrix(
            (np.concatenate(weights), (np.concatenate(graph_rows), np.concatenate(graph_cols))),
            shape=(size, size),
        ).tocsr()
        started = time.perf_counter()
        r, c = min_weight_full_bipartite_matching(aug)
        seconds = time.perf_counter() - started
        real = (r < n) & (c < m)
        best_total = int((101 - np.asarray(aug[r[real], c[real]]).ravel()).sum())
        graph = csr_matrix((np.ones(ei.size, dtype=np.int8), (ei, ej)), shape=(n, m))
        method = "min_weight_full_bipartite_matching on the augmented sparse graph"
    most = int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())
    return {"scipy_s": seconds, "scipy_method": method, "max_matched": most, "best": best_total}


# ---------------------------------------------------------------------------------------------
# Running


def run_case(case: str, use_db: bool) -> dict[str, Any]:
    cohort = synthetic(case)
    path = "memory"
    db_path = os.path.join(tempfile.gettempdir(), f"flipside-bench-{os.getpid()}.sqlite3")
    try:
        if use_db:
            try:
                _setup_django(db_path)
                from flipside.matching.services import execute_run  # noqa: F401

                path = "db"
            except Exception as error:  # the services may not exist yet
                print(f"database path unavailable ({error!r}); in memory", file=sys.stderr)
        found = None
        if path == "db":
            try:
                found, problem = _db_case(cohort)
            except Exception as error:  # the services may not work yet
                print(f"database path failed ({error!r}); in memory", file=sys.stderr)
                path = "memory"
        if found is None:
            found, problem = _memory_case(cohort)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.remove(db_path + suffix)
    ref = reference(problem)
    total_s = found["wall_s"]
    return {
        "case": case,
        "n": cohort.n,
        "path": path,
        "load_s": round(found["load_s"], 3),
        "score_s": round(found["score_s"], 3),
        "solve_s": round(found["solve_s"], 3),
        "check_s": round(found["check_s"], 3),
        "save_s": round(found["save_s"], 3),
        "total_s": round(total_s, 3),
        "solver": found["solver"],
        "matched": found["matched"],
        "total": found["total"],
        "minimum": found["minimum"],
        "peak_mb": round(peak_mb, 1),
        "scipy_s": round(ref["scipy_s"], 3),
        "scipy_method": ref["scipy_method"],
        "max_matched": ref["max_matched"],
        "optimality": found["total"] / ref["best"] if ref["best"] else 1.0,
        "speedup": round(ref["scipy_s"] / max(found["solve_s"], 1e-9), 2),
        "solve_vs_scipy": round(found["solve_s"] / max(ref["scipy_s"], 1e-9), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument("--memory", action="store_true", help="skip the database path")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, in this process
    args = parser.parse_args()
    if args.case:
        found = run_case(args.case, use_db=not args.memory)
        if found["matched"] != found["max_matched"] or found["optimality"] != 1.0:
            print(f"NOT OPTIMAL: {found}", file=sys.stderr)
        print(json.dumps(found), flush=True)
        return
    failed = False
    for case in [c.strip() for c in args.sizes.split(",") if c.strip()]:
        if case not in CASES and not case.removeprefix("sparse").isdigit():
            parser.error(f"unknown case {case!r}")
        command = [sys.executable, __file__, "--case", case] + (["--memory"] if args.memory else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        sys.stderr.write(done.stderr)
        if done.returncode:
            failed = True
            print(json.dumps({"case": case, "error": done.stderr.strip().splitlines()[-1:]}))
            continue
        print(done.stdout.strip().splitlines()[-1], flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
