"""The page benchmark: reading wrk's report, judging figures by the targets, the bare page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from bench import pages

REPORT = """Running 3s test @ http://127.0.0.1:8123/cohorts/1/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    41.20ms   12.02ms 180.31ms   88.00%
    Req/Sec    48.60     10.11    70.00     70.00%
  Latency Distribution
     50%   38.50ms
     75%   44.10ms
     90%   52.00ms
     99%  120.40ms
  291 requests in 3.01s, 12.34MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:     96.68
Transfer/sec:      4.10MB
percentile 50 38512
percentile 95 61250
percentile 99 120401
"""

CLEAN = """  10 requests in 1.00s, 1.00MB read
Requests/sec:     10.00
percentile 50 1000
percentile 95 2000
percentile 99 3000
"""


def page(**changes: object) -> dict:
    row = {"ratio": 0.8, "p95_ms": 120.0, "html_bytes": 50_000, "errors": 0, "status": 200,
           "requests": 100}  # fmt: skip
    return {**row, **changes}


def test_wrk_report_gives_throughput_percentiles_in_ms_and_all_errors() -> None:
    found = pages.parse_wrk(REPORT)
    assert found == {
        "rps": 96.68,
        "requests": 291,
        "errors": 1 + 2 + 4,
        "p50_ms": 38.5,
        "p95_ms": 61.2,
        "p99_ms": 120.4,
    }


def test_wrk_report_without_error_lines_has_no_errors() -> None:
    assert pages.parse_wrk(CLEAN)["errors"] == 0
    assert pages.parse_wrk(CLEAN)["p95_ms"] == 2.0


def test_ratio_compares_with_the_bare_page_before_and_after() -> None:
    assert pages.ratio(50.0, 90.0, 110.0) == 0.5
    assert pages.ratio(50.0, 0.0, 0.0) == 0.0


def test_a_page_within_every_target_passes() -> None:
    assert all(pages.page_checks(page()).values())


def test_each_target_fails_on_its_own() -> None:
    assert not pages.page_checks(page(ratio=0.49))["ratio"]
    assert not pages.page_checks(page(p95_ms=300.1))["p95_ms"]
    assert not pages.page_checks(page(html_bytes=300_001))["html_bytes"]
    assert not pages.page_checks(page(errors=1))["errors"]
    assert not pages.page_checks(page(status=302))["errors"]
    assert not pages.page_checks(page(requests=0))["errors"]


def test_a_page_measured_in_rounds_takes_the_middle_share() -> None:
    # Three rounds of the page between four of the bare page: shares 0.5, 0.9 and 0.6.
    assert pages.rounds_ratio([50.0, 90.0, 60.0], [100.0, 100.0, 100.0, 100.0]) == 0.6
    # A burst of other load during one round moves one share, not the figure.
    assert pages.rounds_ratio([50.0, 20.0, 52.0], [100.0, 100.0, 100.0, 100.0]) == 0.5
    assert pages.rounds_ratio([50.0, 60.0], [100.0, 100.0, 100.0]) == 0.55
    assert pages.rounds_ratio([], [100.0]) == 0.0


def test_rounds_are_added_up_with_the_worst_percentiles() -> None:
    one, two = pages.parse_wrk(REPORT), pages.parse_wrk(CLEAN)
    found = pages.combined([one, two])
    assert found["requests"] == 291 + 10 and found["errors"] == 7
    assert found["p95_ms"] == 61.2 and found["p50_ms"] == 38.5
    # 301 requests in 291 / 96.68 + 10 / 10 seconds.
    assert round(found["rps"], 2) == round(301 / (291 / 96.68 + 1.0), 2)


def test_the_page_line_puts_targets_beside_figures() -> None:
    measured = pages.parse_wrk(REPORT)
    line = pages.page_line(
        "cohort", "/cohorts/1/", [measured], [100.0, 120.0],
        {"status": 200, "html_bytes": 1234, "queries": 9},
    )  # fmt: skip
    assert line["ratio"] == 0.879 and line["ratio_target"] == ">= 0.5"
    assert line["round_ratios"] == [0.879]
    assert line["p95_target"] == "<= 300" and line["html_target"] == "<= 300000"
    assert line["pass"]["errors"] is False and line["ok"] is False


def test_a_run_that_served_nothing_does_not_pass_under_load_or_on_sqlite() -> None:
    nothing = pages.parse_wrk("")
    assert pages.loaded_line("home", [nothing], 50)["ok"] is False
    assert pages.loaded_line("home", [], 50)["ok"] is False
    assert pages.sqlite_line(nothing, writes=10, locked=0)["ok"] is False
    assert pages.sqlite_line(pages.parse_wrk(CLEAN), writes=10, locked=1)["ok"] is False
    assert pages.sqlite_line(pages.parse_wrk(CLEAN), writes=10, locked=0)["ok"] is True


@pytest.mark.django_db
def test_the_bare_page_is_a_fifty_row_table_served_only_by_the_bench_urlconf(
    client: Client, settings: Any
) -> None:
    with pytest.raises(NoReverseMatch):
        reverse("bench_bare")
    settings.ROOT_URLCONF = "bench.urls"
    response = client.get(reverse("bench_bare"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr><td>") == 50


def test_the_bare_page_under_load_is_printed_as_a_reference_that_never_fails_the_run() -> None:
    slow = pages.parse_wrk(CLEAN) | {"p95_ms": 900.0}
    checked = pages.loaded_line("cohort", [slow], 50)
    reference = pages.loaded_line("bare", [slow], 50, reference=True)
    assert checked["ok"] is False and "reference" not in checked
    assert reference["reference"] is True and "ok" not in reference
    assert reference["p95_ms"] == 900.0 and reference["p95_target"] == "<= 300"


def test_under_load_the_middle_rounds_p95_counts_and_every_round_is_printed() -> None:
    clean = pages.parse_wrk(CLEAN)
    rounds = [clean | {"p95_ms": ms} for ms in (250.0, 900.0, 280.0)]
    bare = [clean | {"p95_ms": ms} for ms in (140.0, 150.0, 400.0)]
    line = pages.loaded_line("home", rounds, 50, bare=bare)
    assert line["p95_ms"] == 280.0 and line["round_p95_ms"] == [250.0, 900.0, 280.0]
    assert line["ok"] is True
    assert line["bare_p95_ms"] == 150.0 and line["p95_vs_bare"] == 1.87
    two_slow = [clean | {"p95_ms": ms} for ms in (250.0, 900.0, 310.0)]
    assert pages.loaded_line("home", two_slow, 50)["ok"] is False
    failing = [clean | {"errors": 1}, clean, clean]
    assert pages.loaded_line("home", failing, 50)["ok"] is False
