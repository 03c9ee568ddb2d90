"""`invoicesim run`: output files, exit codes 0 / 1 / 2, and the paced clock."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from storage.database import Database
from ui.cli.app import app

SMALL = """
name: small
seed: 5
duration_s: 20
routing: {health_interval_s: 5}
load:
  - {start_s: 0, duration_s: 20, shape: constant, rate_per_s: 20}
faults:
  - {target: tempo, kind: outage, start_s: 5, duration_s: 5}
assertions:
  - {metric: double_pays, op: "==", limit: 0}
  - {metric: time_to_failover_s, fault: 0, op: "<=", limit: 1.0}
"""


@pytest.fixture(autouse=True)
def database(migrated_database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Runs persist by default: point them at this module's test database."""
    url = migrated_database.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    return migrated_database


def invoke(args: list[str]) -> Result:
    """`invoicesim ARGS` on the local runtime unless ARGS name one (Ray has tests of its own)."""
    return CliRunner().invoke(app, args if "--runtime" in args else [*args, "--runtime", "local"])


def write(tmp_path: Path, body: str, name: str = "small.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def counts(db: Database, run_id: str) -> dict[str, int]:
    tables = (
        "invoices", "ephemeral_wallets", "payment_attempts", "routing_decisions",
        "wallet_destruction_logs", "ledger_transfers", "ledger_entries", "provider_health",
    )  # fmt: skip
    with db.engine.connect() as connection:
        return {
            t: int(
                connection.execute(
                    text(f"SELECT count(*) FROM {t} WHERE run_id = :r"), {"r": run_id}
                ).scalar_one()
            )
            for t in tables
        }


def test_a_passing_run_writes_the_report_files_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(["run", str(write(tmp_path, SMALL)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    for key in (
        "scenario", "seed", "runtime", "shards", "digest", "simulated_s", "wall_s",
        "throughput_invoices_per_s", "invoices", "double_pays", "lost", "providers",
        "failover", "latency_ms", "reserves", "invariants", "assertions",
    ):  # fmt: skip
        assert key in report, key
    assert report["runtime"] == "local" and report["scenario"] == "small"
    html = (out / "report.html").read_text()
    assert "small" in html and "https://" not in html
    with (out / "invoices.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == report["invoices"]["created"] == 400
    assert {r["status"] for r in rows} == {"paid"}


def test_a_persisted_run_has_as_many_rows_as_its_report_counts(
    tmp_path: Path, database: Database
) -> None:
    out = tmp_path / "out"
    result = invoke(["run", str(write(tmp_path, SMALL)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    run_id = report["run_id"]
    rows = counts(database, run_id)
    created = report["invoices"]["created"]
    attempts = sum(p["attempts"] for p in report["providers"].values())
    assert rows["invoices"] == rows["ephemeral_wallets"] == created
    assert rows["wallet_destruction_logs"] == created  # every wallet ended destroyed
    assert rows["payment_attempts"] == attempts
    assert rows["routing_decisions"] >= attempts
    assert rows["ledger_entries"] == 2 * rows["ledger_transfers"] > 0
    assert rows["provider_health"] > 0  # the outage tripped something
    with database.engine.connect() as connection:
        status, digest, paid = connection.execute(
            text(
                "SELECT status, digest, (SELECT count(*) FROM invoices i WHERE i.run_id = r.run_id"
                " AND i.status = 'paid') FROM runs r WHERE run_id = :r"
            ),
            {"r": run_id},
        ).one()
    assert (status, digest, paid) == ("passed", report["digest"], report["invoices"]["paid"])


def test_no_persist_records_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", str(write(tmp_path, SMALL)), "--out", str(out), "--no-persist"]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert "run_id" not in json.loads((out / "report.json").read_text())


def test_seed_and_shards_options_reach_the_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", str(write(tmp_path, SMALL)), "--out", str(out), "--seed", "9", "--shards", "2"]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["seed"] == 9 and report["shards"] == 2


def test_a_failed_assertion_exits_1_and_names_it(tmp_path: Path) -> None:
    body = SMALL + "  - {name: impossible, metric: invoices_paid, op: '>', limit: 1000000}\n"
    result = invoke(["run", str(write(tmp_path, body)), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAILED impossible" in result.output


def test_a_broken_scenario_exits_2_and_names_the_field(tmp_path: Path) -> None:
    broken = SMALL.replace("rate_per_s: 20", "rate_per_s: -1")
    result = invoke(["run", str(write(tmp_path, broken)), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "load[0].rate_per_s" in result.output


def test_an_unknown_runtime_exits_2(tmp_path: Path) -> None:
    args = ["run", str(write(tmp_path, SMALL)), "--out", str(tmp_path), "--runtime", "spark"]
    result = invoke(args)
    assert result.exit_code == 2
    assert "unknown runtime 'spark'; use one of: local, ray" in result.output


@pytest.mark.parametrize(
    ("writers", "says"),
    [
        ("bogus", "--row-writers must be one of auto, driver, hosts, got 'bogus'"),
        ("hosts", "--row-writers hosts needs --runtime ray: the local runtime has no hosts"),
    ],
)
def test_a_row_writers_value_that_cannot_work_exits_2_before_anything_is_recorded(
    tmp_path: Path, database: Database, writers: str, says: str
) -> None:
    with database.engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM runs")).scalar_one()
    args = ["run", str(write(tmp_path, SMALL)), "--out", str(tmp_path), "--row-writers", writers]
    result = invoke(args)
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM runs")).scalar_one() == before


def test_the_paced_clock_follows_the_wall_clock_and_reports_drift(tmp_path: Path) -> None:
    body = SMALL.replace("duration_s: 20", "duration_s: 4").replace(
        "{start_s: 0, duration_s: 20,", "{start_s: 0, duration_s: 4,"
    )
    body = body.replace("start_s: 5, duration_s: 5", "start_s: 1, duration_s: 1")
    out = tmp_path / "out"
    result = invoke(
        ["run", str(write(tmp_path, body)), "--out", str(out), "--speed", "4", "--no-persist"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    clock = report["clock"]
    assert clock["mode"] == "paced" and clock["speed"] == 4.0
    # 4 simulated seconds (plus the drain) at 4x take at least about a second of wall time.
    assert report["wall_s"] >= report["simulated_s"] / 4.0 * 0.95
    assert clock["drift_max_s"] is not None and clock["drift_max_s"] < 1.0


def test_an_actor_crash_drill_recovers_and_an_actor_crash_without_checkpoints_exits_2(
    tmp_path: Path,
) -> None:
    outage = "  - {target: tempo, kind: outage, start_s: 5, duration_s: 5}\n"
    crash = "  - {target: shard-0, kind: actor_crash, start_s: 8}\n"
    drill = write(tmp_path, SMALL.replace(outage, outage + crash))
    out = tmp_path / "out"
    args = ["run", str(drill), "--no-persist", "--out", str(out)]
    result = invoke([*args, "--checkpoint-every", "50"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert [r["lp"] for r in report["recoveries"]] == ["shard-0"]
    refused = invoke([*args, "--checkpoint-every", "0"])
    assert refused.exit_code == 2
    assert "checkpoint_every is 0" in refused.output
