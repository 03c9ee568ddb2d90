"""The command line's figures as people read them: `invoicesim run`'s summary, `compare`'s
figures; durations rounded, "—" for what does not apply with its reason as a footnote."""

from __future__ import annotations

import pytest

from tests.unit.reports import small_report
from ui.cli.run import summary_rows
from ui.run_list import figure_text


def test_the_run_summary_rounds_durations_and_footnotes_what_does_not_apply() -> None:
    rows, notes = summary_rows(small_report())
    shown = dict(rows)
    assert shown["invoices created / paid / failed / expired / open"] == "222 / 217 / 2 / 1 / 0"
    assert shown["latency p50 / p95 / p99"] == "200 ms / 350 ms / 400 ms"
    assert shown["simulated / wall time"] == "10 min / 1.99 s"
    assert shown["throughput (invoices/s of wall time)"] == "12,346"
    assert shown["tempo outage detect / failover / failback"] == "0.041 s / 0.38 s / 60.4 s"
    assert shown["circle rate limit detect / failover / failback"] == "1.99 s / —¹ / —²"
    assert notes == [
        "¹ no payment meant for circle succeeded on another provider",
        "² no traffic after the fault",
    ]
    assert not any("None" in value or "0.381696" in value for _, value in rows)


def test_a_run_without_payments_says_why_it_has_no_latency() -> None:
    report = small_report()
    report["latency_ms"] = {"p50": None, "p95": None, "p99": None}
    rows, notes = summary_rows(report)
    assert dict(rows)["latency p50 / p95 / p99"] == "—¹ / —¹ / —¹"
    assert notes[0] == "¹ no payment was made through a provider"


@pytest.mark.parametrize(
    ("figure", "value", "signed", "shown"),
    [
        ("latency_ms.p99", 812.664, False, "813 ms"),
        ("latency_ms.p99", -12.4, True, "-12 ms"),
        ("failover tempo outage at 120 s: time_to_failover_s", 0.381696, False, "0.38 s"),
        ("failover tempo outage at 120 s: time_to_failover_s", 1.5, True, "+1.5 s"),
        ("failover tempo outage at 120 s: time_to_failback_s", None, False, "—"),
        ("throughput_invoices_per_s", 3723.5, False, "3,724"),
        ("invoices.paid", 116160, False, "116,160"),
        ("invoices.paid", -10, True, "-10"),
        ("invoices.paid", 0, True, "0"),
        ("assertion paid", True, False, "pass"),
        ("assertion paid", False, False, "FAIL"),
    ],
)
def test_compared_figures_read_by_what_they_measure(
    figure: str, value: float | bool | None, signed: bool, shown: str
) -> None:
    assert figure_text(figure, value, signed) == shown
