"""Run queries on a real PostgreSQL: the list of runs with figures of their reports,
one run and its report, and the comparison of two runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from storage.database import Database, upgrade
from storage.queries import NotFound, compare_runs, get_run, list_runs, run_report
from tests.storage.recorded import add_run, report, run_in


# ---- runs ------------------------------------------------------------------------------
def test_runs_are_listed_newest_first_with_figures_of_their_report(
    empty_database: Database,
) -> None:
    db = empty_database
    upgrade(db)
    add_run(db, "run-old", 1, summary=report(90, 200.0, 4.0, True, "d1"), digest="d1")
    add_run(db, "run-new", 3, status="running")
    add_run(db, "run-mid", 2, status="failed", ended_at=datetime(2030, 1, 2, 1, tzinfo=UTC))
    runs = list_runs(db)
    assert [r["run_id"] for r in runs] == ["run-new", "run-mid", "run-old"]
    old = runs[2]
    assert (old["created"], old["paid"], old["double_pays"]) == (100, 90, 0)
    assert (old["throughput_invoices_per_s"], old["digest"]) == (50.0, "d1")
    assert old["started_at"] == "2030-01-01T00:00:00+00:00"
    assert runs[1]["ended_at"] == "2030-01-02T01:00:00+00:00"
    assert (runs[0]["created"], runs[0]["status"], runs[0]["ended_at"]) == (None, "running", None)
    assert [r["run_id"] for r in list_runs(db, limit=1)] == ["run-new"]
    with pytest.raises(ValueError, match="limit"):
        list_runs(db, limit=0)
    json.dumps(runs)  # JSON-ready as returned


def test_get_run_returns_the_row_with_its_summary(migrated_database: Database) -> None:
    summary = report(90, 200.0, 4.0, True, "d1")
    add_run(migrated_database, "run-get", 5, summary=summary, digest="d1")
    run = get_run(migrated_database, "run-get")
    assert (run["run_id"], run["status"], run["digest"], run["seed"]) == (
        "run-get", "passed", "d1", 7)  # fmt: skip
    assert run["summary"] == summary
    assert run["options"] == {}
    assert run_report(migrated_database, "run-get") == summary | {"run_id": "run-get"}


def test_an_unknown_run_is_not_found_and_the_message_says_how_to_list_runs(
    migrated_database: Database,
) -> None:
    with pytest.raises(NotFound, match="no run 'run-nope'") as raised:
        get_run(migrated_database, "run-nope")
    assert "invoicesim runs list" in str(raised.value)


def test_a_run_still_running_has_no_report_yet(migrated_database: Database) -> None:
    run_id = run_in(migrated_database)
    with pytest.raises(NotFound, match=r"has no report yet \(status running\)"):
        run_report(migrated_database, run_id)


def test_comparing_two_runs_gives_b_minus_a_and_whether_the_digests_match(
    migrated_database: Database,
) -> None:
    db = migrated_database
    add_run(db, "cmp-a", 6, summary=report(90, 200.0, 4.0, True, "same"), digest="same")
    add_run(db, "cmp-b", 7, summary=report(95, 180.5, 3.5, False, "same"), digest="same")
    add_run(db, "cmp-c", 8, summary=report(90, 200.0, 4.0, True, "other"), digest="other")
    found = compare_runs(db, "cmp-a", "cmp-b")
    assert (found["run_a"], found["run_b"], found["digests_equal"]) == ("cmp-a", "cmp-b", True)
    rows = {f["figure"]: (f["a"], f["b"], f["difference"]) for f in found["figures"]}
    assert rows["invoices.paid"] == (90, 95, 5)
    assert rows["invoices.failed"] == (10, 5, -5)
    assert rows["invoices.created"] == (100, 100, 0)
    assert rows["latency_ms.p50"] == (200.0, 180.5, -19.5)
    assert rows["double_pays"] == (0, 0, 0)
    fault = "failover tempo outage at 60 s: "
    assert rows[fault + "time_to_detect_s"] == (4.0, 3.5, -0.5)
    assert rows[fault + "time_to_failback_s"] == (None, None, None)
    assert rows["assertion detect within 5 s"] == (True, False, None)
    assert rows["invariant no_invoice_paid_twice"] == (True, True, None)
    other = compare_runs(db, "cmp-a", "cmp-c")
    assert (other["digest_a"], other["digest_b"], other["digests_equal"]) == (
        "same", "other", False)  # fmt: skip
    with pytest.raises(NotFound, match="no run 'cmp-x'"):
        compare_runs(db, "cmp-a", "cmp-x")
