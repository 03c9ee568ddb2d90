"""The run report page: one self-contained file, its figures as report.json has them written
for people, what failed named, every string escaped."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from tests.unit.reports import small_report
from ui.formatting import RANGE_DASH as DASH
from ui.report import render_report_html

XSS = "<script>alert(1)</script>"
CHARTS = 4  # the run over time, a failover panel per provider fault (2), the reserves


@pytest.fixture
def report() -> dict[str, Any]:
    return small_report()


def _verdict(page: str) -> str:
    found = re.search(r'class="verdict (\w+)">(\w+)<', page)
    assert found is not None
    return found.group(2)


def _section(page: str, title: str) -> str:
    start = page.index(f"<h2>{title}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start : end if end != -1 else len(page)]


def _text(html: str) -> str:
    """The words of some HTML, without its tags and charts."""
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_report_renders_as_one_page_with_its_charts_inline(report: dict[str, Any]) -> None:
    page = render_report_html(report)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "tempo_outage" in page and "abc123" in page
    assert _verdict(page) == "PASS"
    assert page.count("<svg") == CHARTS
    keys = re.findall(r'<svg data-chart="([^"]+)"', page)
    assert keys == ["timeline", "failover-0", "failover-1", "reserves"]


def test_the_page_loads_nothing_from_outside(report: dict[str, Any]) -> None:
    page = render_report_html(report).lower()
    for needle in ("<script", "<link", "@import", "src=", "<iframe", "<object"):
        assert needle not in page
    # SVG's namespace names a URI but fetches nothing; every url() points inside the page.
    assert set(re.findall(r"url\(([^)]*)\)", page)) <= {
        f"#{i}" for i in re.findall(r'id="([^"]+)"', page)
    }
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert set(re.findall(r"https?://[^\"' ]+", page)) <= namespaces


def test_each_chart_keeps_its_clip_paths_to_itself(report: dict[str, Any]) -> None:
    page = render_report_html(report)
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id used twice in one page"
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        key = re.search(r'data-chart="([^"]+)"', svg)
        assert key is not None
        for target in re.findall(r"url\(#([^)]*)\)", svg):
            assert target.startswith(key.group(1) + "-")


def test_figures_read_as_report_json_has_them_written_for_people(report: dict[str, Any]) -> None:
    page = render_report_html(report)
    tiles = _text(page[page.index('<section class="tiles">') : page.index("</section>")])
    for shown in ("10 min", "1.99 s", "12,346 invoices/s", "222", "217", "200 ms", "350 ms"):
        assert shown in tiles, shown
    failover = _text(_section(page, "Failover"))
    assert f"tempo outage, 00:10{DASH}00:20" in failover
    assert "0.041 s" in failover and "0.38 s" in failover and "60.4 s" in failover
    assert "1.99 s" in failover  # circle's time to detect
    reserves = _text(_section(page, "Reserves"))
    for shown in ("5,051,882.30 USD", "5.00 USD", "0.10 USD", "1.00 : 1", "12 bp (0.12 %)"):
        assert shown in reserves, shown
    assert "5051882.30" not in page and "505188230" not in page
    assertions = _text(_section(page, "Assertions"))
    assert "≥ 95 %" in assertions and "98.23 %" in assertions


def test_a_figure_that_does_not_apply_reads_a_dash_with_its_reason(
    report: dict[str, Any],
) -> None:
    failover = _text(_section(render_report_html(report), "Failover"))
    circle = failover[failover.index("circle rate limit") :]
    assert "—¹" in failover and "—²" in failover
    assert "¹ no payment meant for circle succeeded on another provider" in failover
    assert "² no traffic after the fault" in failover
    assert "None" not in circle and "not measured" not in circle


def test_markup_in_any_report_string_is_escaped(report: dict[str, Any]) -> None:
    report["scenario"] = XSS
    report["reserves"]["alerts"][0]["message"] = XSS
    report["reserves"]["reconciliation_errors"] = [XSS]
    report["failover"][0]["kind"] = XSS
    report["faults"][0]["kind"] = XSS
    report["invariants"][0]["detail"] = XSS
    report["bulk"] = [
        {"job": 0, "file": XSS, "at_s": 1.0, "provider": None, "rows": 1, "accepted": 0,
         "errors": [{"line": 2, "column": XSS, "reason": XSS}]}
    ]  # fmt: skip
    page = render_report_html(report)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_failing_assertion_fails_the_verdict_and_is_named_with_value_and_limit(
    report: dict[str, Any],
) -> None:
    failing = copy.deepcopy(report)
    failing["assertions"].append(
        {"name": "failed over", "metric": "time_to_failover_s", "op": "<=", "limit": 3.0,
         "value": 4.390123, "passed": False}
    )  # fmt: skip
    page = render_report_html(failing)
    assert _verdict(page) == "FAIL"
    assert "failed over: time_to_failover_s 4.39 &gt; 3.0" in page
    assert '<tr class="fail"><td>failed over</td>' in page


def test_a_broken_invariant_fails_the_verdict_and_says_what_was_found(
    report: dict[str, Any],
) -> None:
    report["invariants"][1] = {"name": "nothing_lost", "held": False,
                               "detail": "lost 2 (must be 0)"}  # fmt: skip
    page = render_report_html(report)
    assert _verdict(page) == "FAIL"
    assert "invariant nothing_lost did not hold: lost 2 (must be 0)" in page
    assert '<tr class="fail"><td>nothing_lost</td>' in page


def test_unmeasured_latency_reads_a_dash_with_its_reason(report: dict[str, Any]) -> None:
    report["latency_ms"] = {"p50": None, "p95": None, "p99": None}
    tiles = _text(render_report_html(report).split("Over simulated time")[0])
    assert tiles.count("—¹") == 3
    assert "¹ no payment was made through a provider" in tiles
    assert "None" not in tiles


def test_each_provider_keeps_its_dashboard_colour_in_the_tables(report: dict[str, Any]) -> None:
    expected = {"tempo": "#0072B2", "circle": "#009E73", "stripe": "#CC79A7",
                "acme": "#E69F00", "zeta": "#56B4E9"}  # fmt: skip
    page = render_report_html(report)
    seen: dict[str, set[str]] = {}
    for tag in re.findall(r"<span[^>]*data-provider=[^>]*>", page):
        name = re.search(r'data-provider="([^"]*)"', tag)
        assert name is not None
        seen.setdefault(name.group(1), set()).update(re.findall(r"#[0-9A-Fa-f]{6}", tag))
    assert seen == {name: {colour} for name, colour in expected.items()}


def test_a_run_without_invoices_or_reconciliations_says_so_instead_of_drawing(
    report: dict[str, Any],
) -> None:
    report["series"] = {"bucket_s": 1.0, "rows": []}
    report["reserve_history"] = []
    page = render_report_html(report)
    assert "<svg" not in page
    assert "no invoices: nothing to draw" in page
    assert "no reconciliation during the run" in page


def test_a_report_from_before_faults_were_kept_draws_its_provider_faults(
    report: dict[str, Any],
) -> None:
    del report["faults"]
    del report["reserves"]["currency"]
    page = render_report_html(report)
    assert "tempo outage" in page and "circle rate limit" in page
    assert "5,051,882.30 USD" in page


def test_only_the_first_fifty_row_errors_of_a_job_are_listed(report: dict[str, Any]) -> None:
    errors = [{"line": i + 2, "column": "amount", "reason": f"bad {i}"} for i in range(60)]
    report["bulk"] = [
        {"job": 0, "file": "a.csv", "at_s": 5.0, "provider": "tempo", "rows": 70,
         "accepted": 10, "errors": errors}
    ]  # fmt: skip
    bulk = _section(render_report_html(report), "Bulk imports")
    assert ">bad 49<" in bulk and ">bad 50<" not in bulk
    assert "and 10 more" in bulk


def test_recoveries_get_a_table_only_when_there_were_some(report: dict[str, Any]) -> None:
    assert "<h2>Recoveries</h2>" not in render_report_html(report)
    lost = {"lp": "shard-0", "cause": "restarted", "window": 211, "replayed_windows": 6}
    table = _section(render_report_html({**report, "recoveries": [lost]}), "Recoveries")
    assert "shard-0" in table and "restarted" in table and "211" in table


def test_a_run_stopped_before_a_scheduled_fault_says_it_never_reached_it(
    report: dict[str, Any],
) -> None:
    """The circle rate limit comes at 00:30; a run stopped at 00:25 never saw it: no row,
    no fault band, no failover panel for it, and the page says so."""
    report["simulated_s"] = 25.0
    page = render_report_html(report)
    failover = _text(_section(page, "Failover"))
    assert "Not reached: circle rate limit at 00:30 (the run ended at 00:25, before)." in failover
    assert "tempo" in failover and "rate limit" not in failover.replace(
        "Not reached: circle rate limit", ""
    )
    assert page.count("<svg") == CHARTS - 1  # the run over time, tempo's panel, the reserves
