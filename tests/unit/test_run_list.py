"""Recorded runs as people read them: kinds, results, table rows, labels and compared
figures in words, on the dashboards and the command line alike."""

from __future__ import annotations

from typing import Any

import pytest

from ui.run_list import compared_rows, figure_name, run_kind, run_label, run_row


def summary(**changes: Any) -> dict[str, Any]:
    run = {
        "run_id": "cba4702778d74762afa6fedec8609a70",
        "scenario_name": "tempo_outage",
        "seed": 1,
        "shards": 1,
        "runtime": "exercise",
        "status": "passed",
        "started_at": "2026-12-05T17:45:08.348122+00:00",
        "ended_at": "2026-12-05T17:48:12.568390+00:00",
        "digest": None,
        "created": 35865,
        "paid": 35865,
        "double_pays": 0,
        "throughput_invoices_per_s": 195.2,
    }
    return run | changes


@pytest.mark.parametrize(
    ("runtime", "shards", "kind"),
    [
        ("local", 1, "simulated"),
        ("local", 4, "simulated, 4 shards"),
        ("ray", 2, "simulated on Ray, 2 shards"),
        ("ray", 1, "simulated on Ray, 1 shard"),
        ("exercise", 1, "exercised over HTTP"),
        ("emulators", 1, "emulators only"),
        ("some_new", 1, "some new"),
    ],
)
def test_a_runs_kind_is_said_in_words(runtime: str, shards: int, kind: str) -> None:
    assert run_kind(runtime, shards) == kind


def test_a_run_is_a_row_of_words_and_figures_with_its_short_id() -> None:
    assert run_row(summary()) == {
        "Scenario": "tempo_outage",
        "Kind": "exercised over HTTP",
        "Result": "passed",
        "Started": "2026-12-05 17:45 UTC",
        "Took": "3 min 4 s",
        "Invoices": "35,865",
        "Paid": "35,865",
        "Double charges": "0",
        "Invoices/s": "195",
        "Run": "cba47027",
    }
    running = run_row(summary(status="running", ended_at=None, created=None, runtime="ray"))
    assert (running["Result"], running["Took"], running["Invoices"]) == ("running", "running", "—")
    assert run_row(summary(status="error"))["Result"] == "stopped by an error"


def test_a_run_to_pick_is_labelled_by_what_a_person_knows_of_it() -> None:
    assert run_label(summary()) == (
        "tempo_outage · exercised over HTTP · 2026-12-05 17:45 UTC · passed · cba47027"
    )


@pytest.mark.parametrize(
    ("figure", "name"),
    [
        ("invoices.created", "invoices created"),
        ("latency_ms.p99", "payment latency p99"),
        ("throughput_invoices_per_s", "throughput (invoices/s)"),
        ("double_pays", "double charges"),
        ("lost", "lost invoices"),
        ("failover tempo outage at 121.3 s: time_to_detect_s",
         "tempo outage at 121.3 s: time to detect"),
        ("failover circle rate_limit at 30 s: time_to_failback_s",
         "circle rate limit at 30 s: time to fail back"),
        ("invariant money_conserved", "invariant: money conserved"),
        ("assertion failed over", "assertion: failed over"),
    ],
)  # fmt: skip
def test_a_compared_figure_is_named_in_words(figure: str, name: str) -> None:
    assert figure_name(figure) == name


def test_compared_rows_write_each_value_by_what_it_measures() -> None:
    rows = compared_rows(
        [
            {"figure": "latency_ms.p50", "a": 243.2, "b": 182.0, "difference": -61.2},
            {"figure": "invariant nothing_lost", "a": True, "b": None, "difference": None},
        ]
    )
    assert rows == [
        {"Figure": "payment latency p50", "Run A": "243 ms", "Run B": "182 ms", "B - A": "-61 ms"},
        {"Figure": "invariant: nothing lost", "Run A": "pass", "Run B": "—", "B - A": "—"},
    ]
