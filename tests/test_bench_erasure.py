"""The erasure benchmark's growth line: each size against the smallest, rows and time."""

from __future__ import annotations

from bench import erasure


def line(pairs: int, rows: int, encrypted: int, seconds: float) -> dict[str, object]:
    return {"pairs": pairs, "rows": rows, "encrypted_values": encrypted, "seconds": seconds}


def test_growth_is_each_size_against_the_smallest_measured_in_the_same_run() -> None:
    measured = [line(1000, 36_000, 4_000, 2.5), line(100, 3_600, 400, 0.5)]
    growth = erasure.ratios(measured)
    assert growth["baseline_pairs"] == 100
    assert growth["sizes"] == [
        {"pairs": 100, "rows_ratio": 1.0, "seconds_ratio": 1.0},
        {"pairs": 1000, "rows_ratio": 10.0, "seconds_ratio": 5.0},
    ]


def test_each_size_has_its_own_database_so_no_run_reseeds_another() -> None:
    assert erasure.database(100) != erasure.database(1000)
    assert erasure.database(1000) != "bench_pages"
