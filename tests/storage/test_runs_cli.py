"""`invoicesim runs list`, `report` and `compare` on a real PostgreSQL, through typer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import insert
from typer.testing import CliRunner, Result

from storage.database import Database
from storage.schema import Run
from ui.cli.runs import compare_command, report_command, runs_app

# Registered as ui/cli/app.py registers them.
app = typer.Typer()
app.add_typer(runs_app, name="runs")
app.command("report")(report_command)
app.command("compare")(compare_command)


@pytest.fixture
def cli_env(migrated_database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = migrated_database.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")  # rich: wide enough not to wrap run ids
    return migrated_database


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def summary(paid: int, digest: str) -> dict[str, Any]:
    return {
        "scenario": "tempo_outage",
        "seed": 7,
        "runtime": "local",
        "shards": 2,
        "digest": digest,
        "invoices": {"created": 100, "paid": paid, "expired": 0, "failed": 100 - paid, "open": 0},
        "double_pays": 0,
        "lost": 0,
        "providers": {"tempo": {"attempts": 100, "succeeded": paid, "failed": 0, "timeouts": 0}},
        "latency_ms": {"p50": 200.0, "p95": 400.0, "p99": 900.0},
        "throughput_invoices_per_s": 1234.5,
        "invariants": [{"name": "no_invoice_paid_twice", "held": True}],
        "assertions": [{"name": "paid", "metric": "paid", "op": ">=", "limit": 90.0,
                        "value": float(paid), "passed": paid >= 90}],
    }  # fmt: skip


def add_run(db: Database, run_id: str, paid: int = 95, digest: str = "d" * 64) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            insert(Run).values(
                run_id=run_id,
                scenario_name="tempo_outage",
                scenario_hash="0" * 64,
                seed=7,
                shards=2,
                runtime="local",
                started_at=datetime(2031, 1, 1, tzinfo=UTC),
                ended_at=datetime(2031, 1, 1, 0, 1, tzinfo=UTC),
                status="passed",
                summary=summary(paid, digest),
                digest=digest,
            )
        )


def test_runs_list_shows_a_recorded_run_with_its_figures(cli_env: Database) -> None:
    add_run(cli_env, "cli-list-1")
    result = invoke("runs", "list", "--limit", "5")
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.stdout.splitlines() if "cli-list-1" in ln)
    for text in ("tempo_outage", "passed", "2031-01-01 00:00", "1,234", "dddddddd"):
        assert text in line
    assert "1,234.5" not in line  # invoices per second, whole


def test_runs_list_refuses_a_limit_above_a_thousand(cli_env: Database) -> None:
    assert invoke("runs", "list", "--limit", "1001").exit_code == 2


def test_report_rebuilds_a_self_contained_html_file_from_the_database(
    cli_env: Database, tmp_path: Path
) -> None:
    add_run(cli_env, "cli-report-1")
    out = tmp_path / "nested" / "report.html"
    result = invoke("report", "cli-report-1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "cli-report-1" in html  # the run id is in the header
    assert "tempo_outage" in html
    assert "<link" not in html and "src=" not in html and "@import" not in html


def test_report_writes_to_the_runs_folder_by_default(
    cli_env: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_run(cli_env, "cli-report-2")
    monkeypatch.chdir(tmp_path)
    result = invoke("report", "cli-report-2")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "cli-report-2" / "report.html").is_file()


def test_compare_prints_both_run_ids_the_differences_and_the_digests(cli_env: Database) -> None:
    add_run(cli_env, "cli-cmp-a", paid=95)
    add_run(cli_env, "cli-cmp-b", paid=85)
    result = invoke("compare", "cli-cmp-a", "cli-cmp-b")
    assert result.exit_code == 0, result.output
    assert "cli-cmp-a" in result.stdout and "cli-cmp-b" in result.stdout
    paid = next(ln for ln in result.stdout.splitlines() if "invoices paid" in ln)
    assert [cell.strip() for cell in paid.split("│")[2:5]] == ["95", "85", "-10"]
    assert (
        next(ln for ln in result.stdout.splitlines() if "assertion: paid" in ln).count("FAIL") == 1
    )
    p99 = next(ln for ln in result.stdout.splitlines() if "payment latency p99" in ln)
    assert [cell.strip() for cell in p99.split("│")[2:5]] == ["900 ms", "900 ms", "0 ms"]
    assert "digests equal" in result.stdout


def test_an_unknown_run_id_exits_2_and_says_how_to_list_runs(cli_env: Database) -> None:
    for args in (("report", "no-such-run"), ("compare", "no-such-run", "no-such-run")):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert "no run 'no-such-run'" in result.stderr
        assert "invoicesim runs list" in result.stderr


def test_an_unreachable_database_exits_2_without_showing_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bob:hunter2@no-such-host.invalid/sim")
    result = invoke("runs", "list")
    assert result.exit_code == 2
    assert "cannot connect to postgresql+psycopg://bob:***@no-such-host.invalid/sim" in (
        result.stderr
    )
    assert "hunter2" not in result.output
