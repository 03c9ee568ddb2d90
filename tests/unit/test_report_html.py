import copy
import re
from typing import Any

import pytest

from simulation.report.html import money, ratio, render_report_html
from simulation.report.svg import FALLBACK_COLOURS, tick_label

CHARTS = 6  # throughput, success rate, latency, provider share, reserve, discrepancy
XSS = "<script>alert(1)</script>"


def _row(t: float, paid: int, failed: int, share: dict[str, int]) -> dict[str, Any]:
    return {
        "t": t,
        "created": paid + failed,
        "paid": paid,
        "failed": failed,
        "p50_ms": 200.0 if paid else None,
        "p99_ms": 400.0 if paid else None,
        "share": share,
    }


@pytest.fixture
def report() -> dict[str, Any]:
    providers = {"tempo": {"attempts": 10, "succeeded": 8, "failed": 2, "timeouts": 0}}
    for name in ("circle", "stripe", "zeta", "acme"):
        providers[name] = {"attempts": 3, "succeeded": 3, "failed": 0, "timeouts": 0}
    history = [
        {
            "at": 30.0,
            "status": "balanced",
            "discrepancy_bp": 0,
            "discrepancy_minor": 0,
            "as_of": 30.0,
            "custodian_minor": 100_00,
            "book_reserve_minor": 100_00,
            "in_transit_minor": 0,
            "minted_minor": 100_00,
        },
        {
            "at": 60.0,
            "status": "warning",
            "discrepancy_bp": 12,
            "discrepancy_minor": 12,
            "as_of": 55.0,
            "custodian_minor": 200_00,
            "book_reserve_minor": 200_12,
            "in_transit_minor": 5_00,
            "minted_minor": 205_00,
        },
    ]
    return {
        "scenario": "tempo_outage",
        "seed": 7,
        "runtime": "local",
        "shards": 2,
        "digest": "abc123",
        "simulated_s": 60.0,
        "wall_s": 1.5,
        "started_at": "2026-01-01T00:00:00Z",
        "windows": 100,
        "stopped_by": "end",
        "clock": {"mode": "virtual", "speed": None, "drift_max_s": None, "drift_mean_s": None},
        "throughput_invoices_per_s": 12.5,
        "invoices": {
            "created": 22,
            "paid": 17,
            "expired": 1,
            "failed": 2,
            "underpaid": 1,
            "overpaid": 1,
            "open": 0,
        },
        "double_pays": 0,
        "lost": 0,
        "late_payments": 0,
        "providers": providers,
        "failover": [
            {
                "provider": "tempo",
                "kind": "outage",
                "fault_start_s": 10.0,
                "fault_end_s": 20.0,
                "time_to_detect_s": 0.5,
                "time_to_failover_s": 0.6,
                "time_to_failback_s": 2.0,
                "failed_during_fault": 2,
            },
            {
                "provider": "circle",
                "kind": "rate_limit",
                "fault_start_s": 30.0,
                "fault_end_s": 40.0,
                "time_to_detect_s": None,
                "time_to_failover_s": None,
                "time_to_failback_s": None,
                "failed_during_fault": 0,
            },
        ],
        "latency_ms": {"p50": 200.0, "p95": 350.0, "p99": 400.0},
        "reserves": {
            "fiat_minor": 123456,
            "in_transit_minor": 500,
            "minted_minor": 123956,
            "fees_minor": 10,
            "review_minor": 0,
            "ratio_bp": 10000,
            "discrepancy_bp": 12,
            "status": "warning",
            "reconciliations": 2,
            "reconciliation_errors": [],
            "alerts": [
                {
                    "at": 60.0,
                    "key": "reserve_drift:USD",
                    "severity": "warning",
                    "message": "reserve drift of 0.12 USD",
                }
            ],
        },
        "bulk": [],
        "series": {
            "bucket_s": 10.0,
            "rows": [
                _row(0.0, 5, 0, {"tempo": 5}),
                _row(10.0, 3, 2, {"tempo": 1, "circle": 2}),
                _row(30.0, 4, 0, {"circle": 2, "stripe": 1, "acme": 1}),
                _row(50.0, 5, 0, {"tempo": 4, "zeta": 1}),
            ],
        },
        "reserve_history": history,
        "invariants": [
            {"name": "money_conserved", "held": True, "detail": "charged 1"},
            {"name": "nothing_lost", "held": True},
        ],
        "assertions": [
            {
                "name": "no double pays",
                "metric": "double_pays",
                "op": "==",
                "limit": 0.0,
                "value": 0,
                "passed": True,
            }
        ],
    }


def _verdict(page: str) -> str:
    found = re.search(r'class="verdict (\w+)">(\w+)<', page)
    assert found is not None
    return found.group(2)


def _section(page: str, title: str) -> str:
    start = page.index(f"<h2>{title}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start : end if end != -1 else len(page)]


def test_a_small_hand_built_report_renders_as_one_page(report: dict[str, Any]) -> None:
    page = render_report_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert "tempo_outage" in page and "abc123" in page
    assert _verdict(page) == "PASS"
    assert page.count("<svg") == CHARTS


def test_the_page_loads_nothing_from_outside(report: dict[str, Any]) -> None:
    page = render_report_html(report).lower()
    for needle in ("http://", "https://", "<script src", "<link", "@import", "url("):
        assert needle not in page


def test_every_chart_marks_every_fault_with_a_labelled_band(report: dict[str, Any]) -> None:
    page = render_report_html(report)
    assert page.count('class="fault-band"') == CHARTS * len(report["failover"])
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == CHARTS
    for svg in svgs:
        assert svg.count('class="fault-band"') == 2
        assert ">tempo outage</text>" in svg and ">circle rate_limit</text>" in svg
        assert svg.count('class="fault-edge"') == 4


def test_every_chart_has_axis_titles_with_units(report: dict[str, Any]) -> None:
    page = render_report_html(report)
    assert page.count(">simulated time (s)</text>") == CHARTS
    for unit in (
        "invoices / s",
        "success rate (%)",
        "latency (ms)",
        "share of paid (%)",
        "discrepancy (bp)",
    ):
        assert f">{unit}</text>" in page


def test_markup_in_any_report_string_is_escaped(report: dict[str, Any]) -> None:
    report["scenario"] = XSS
    report["reserves"]["alerts"][0]["message"] = XSS
    report["reserves"]["reconciliation_errors"] = [XSS]
    report["failover"][0]["kind"] = XSS
    report["invariants"][0]["detail"] = XSS
    report["bulk"] = [
        {
            "job": 0,
            "file": XSS,
            "at_s": 1.0,
            "provider": None,
            "rows": 1,
            "accepted": 0,
            "errors": [{"line": 2, "column": XSS, "reason": XSS}],
        }
    ]
    page = render_report_html(report)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_failing_assertion_makes_the_verdict_fail(report: dict[str, Any]) -> None:
    failing = copy.deepcopy(report)
    failing["assertions"][0]["passed"] = False
    page = render_report_html(failing)
    assert _verdict(page) == "FAIL"
    assert '<tr class="fail"><td>no double pays</td>' in page


def test_a_broken_invariant_makes_the_verdict_fail(report: dict[str, Any]) -> None:
    report["invariants"][1]["held"] = False
    page = render_report_html(report)
    assert _verdict(page) == "FAIL"
    assert '<tr class="fail"><td>nothing_lost</td>' in page


def test_unmeasured_metrics_read_not_measured(report: dict[str, Any]) -> None:
    report["latency_ms"] = {"p50": None, "p95": None, "p99": None}
    page = render_report_html(report)
    circle_row = _section(page, "Failover").split("<tr>")[-1]
    assert "circle" in circle_row and circle_row.count("not measured") == 3
    assert "None" not in page
    tiles = page[page.index('<section class="tiles">') : page.index("</section>")]
    assert tiles.count("not measured") == 3 + 1  # three latencies, the clock drift


def test_each_provider_keeps_one_colour_everywhere(report: dict[str, Any]) -> None:
    expected = {
        "tempo": "#2563eb",
        "circle": "#16a34a",
        "stripe": "#9333ea",
        "acme": FALLBACK_COLOURS[0],
        "zeta": FALLBACK_COLOURS[1],
    }
    page = render_report_html(report)
    seen: dict[str, set[str]] = {}
    for tag in re.findall(r"<[^>]*data-provider=[^>]*>", page):
        name = re.search(r'data-provider="([^"]*)"', tag)
        assert name is not None
        seen.setdefault(name.group(1), set()).update(re.findall(r"#[0-9a-f]{6}", tag))
    assert seen == {name: {colour} for name, colour in expected.items()}
    share = re.findall(r"<svg.*?</svg>", page, re.S)[3]
    assert 'data-provider="zeta" points=' in share and FALLBACK_COLOURS[1] in share


def test_an_empty_series_and_history_render_no_data_instead_of_charts(
    report: dict[str, Any],
) -> None:
    report["series"] = {"bucket_s": 1.0, "rows": []}
    report["reserve_history"] = []
    page = render_report_html(report)
    assert "<svg" not in page
    assert page.count('<p class="no-data">no data</p>') == CHARTS


def test_money_has_two_decimals_and_the_reserve_ratio_reads_to_one(
    report: dict[str, Any],
) -> None:
    assert money(123456) == "1234.56"
    assert money(-5) == "-0.05"
    assert money(0) == "0.00"
    assert ratio(10_000) == "1.0000:1"
    assert ratio(9_876) == "0.9876:1"
    reserves = _section(render_report_html(report), "Reserves")
    assert ">1234.56<" in reserves and ">1.0000:1<" in reserves


def test_only_the_first_fifty_row_errors_of_a_job_are_listed(report: dict[str, Any]) -> None:
    errors = [{"line": i + 2, "column": "amount", "reason": f"bad {i}"} for i in range(60)]
    report["bulk"] = [
        {
            "job": 0,
            "file": "a.csv",
            "at_s": 5.0,
            "provider": "tempo",
            "rows": 70,
            "accepted": 10,
            "errors": errors,
        }
    ]
    bulk = _section(render_report_html(report), "Bulk imports")
    assert ">bad 49<" in bulk and ">bad 50<" not in bulk
    assert "and 10 more" in bulk


def test_a_bucket_with_no_payments_breaks_the_latency_line(report: dict[str, Any]) -> None:
    latency = re.findall(r"<svg.*?</svg>", render_report_html(report), re.S)[2]
    # Buckets 0 and 10 paid, 20 is missing, 30 paid, 40 missing, 50 paid: per percentile
    # one polyline of two points and two lone points.
    assert latency.count("<polyline") == 2
    assert latency.count("<circle") == 4


def test_axis_tick_labels_are_short_and_keep_their_magnitude() -> None:
    assert [tick_label(v) for v in (0.0, 2.5, 1500.0, 25_000.0, 600_000.0)] == [
        "0",
        "2.5",
        "1,500",
        "25k",
        "600k",
    ]
    assert tick_label(2_500_000.0) == "2.5M"
    assert tick_label(-20_000.0) == "-20k"


def test_recoveries_get_a_table_only_when_there_were_some(report: dict[str, Any]) -> None:
    assert "<h2>Recoveries</h2>" not in render_report_html(report)
    lost = {"lp": "shard-0", "cause": "restarted", "window": 211, "replayed_windows": 6}
    table = _section(render_report_html({**report, "recoveries": [lost]}), "Recoveries")
    assert "shard-0" in table and "restarted" in table and "211" in table
