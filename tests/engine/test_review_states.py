"""Payers who send the wrong amount straight to the wallet: their invoices end underpaid
or overpaid, the money is held for review, every invariant holds, and a persisted run
writes the new states into PostgreSQL (invoices, bulk rows, wallets, the ledger)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from simulation.engine import RunOptions, run_scenario
from simulation.export import INVOICE_COLUMNS
from simulation.scenario import Scenario, parse_scenario
from storage.database import Database
from ui.cli.app import app

HEADER = "invoice_id,payer,merchant,amount,currency,method,due_date\n"
# Ten crypto rows (their payers may get the amount wrong) and ten card rows (charged the
# amount by a provider, whatever the job's shares say).
ROWS = "".join(
    f"R-{n},payer {n},Acme Corp,10.00,USD,{'crypto' if n % 2 else 'card'},2026-03-01\n"
    for n in range(20)
)
SCENARIO = """
name: review
seed: 5
duration_s: 60
load:
  - duration_s: 60
    rate_per_s: 10
    underpay_share: 0.1
    overpay_share: 0.15
    amount: {distribution: fixed, value_minor: 4500}
bulk:
  - {at_s: 2, file: rows.csv, underpay_share: 0.5, overpay_share: 0.5}
assertions:
  - {metric: invoices_underpaid, op: ">", limit: 0}
  - {metric: invoices_overpaid, op: ">", limit: 0}
"""
LOAD = 4500  # 45.00 USD: an underpayer sends 40.50, an overpayer 49.50 (mispay_by 0.1)
BULK = 1000  # 10.00 USD: every crypto row is off by 1.00 (underpays or overpays, 0.5 each)


def scenario(tmp_path: Path) -> Scenario:
    (tmp_path / "rows.csv").write_text(HEADER + ROWS)
    return parse_scenario(SCENARIO, base_dir=tmp_path)


def by_status(rows: list[tuple[Any, ...]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        named = dict(zip(INVOICE_COLUMNS, row, strict=True))
        out.setdefault(named["status"], []).append(named)
    return out


def held_and_applied(invoices: dict[str, list[dict[str, Any]]]) -> tuple[int, int]:
    """What the underpaid and overpaid invoices leave held for review, and applied."""
    held = applied = 0
    for row in invoices.get("underpaid", []):
        amount = 100 * int(row["amount"].split(".")[0])
        held += amount - (BULK // 10 if amount == BULK else LOAD // 10)
    for row in invoices.get("overpaid", []):
        amount = 100 * int(row["amount"].split(".")[0])
        held += BULK // 10 if amount == BULK else LOAD // 10
        applied += amount
    return held, applied


@pytest.mark.parametrize("shards", [1, 2])
def test_mispaying_payers_end_underpaid_or_overpaid_with_the_money_held_for_review(
    tmp_path: Path, shards: int
) -> None:
    rows: list[tuple[Any, ...]] = []
    report = run_scenario(scenario(tmp_path), RunOptions(shards=shards, sink=rows.extend))
    counts = report["invoices"]
    assert not [i for i in report["invariants"] if not i["held"]], report["invariants"]
    assert all(a["passed"] for a in report["assertions"]), report["assertions"]
    invoices = by_status(rows)
    assert {state: len(found) for state, found in invoices.items()} == {
        state: n for state, n in counts.items() if state not in ("created", "open") and n
    }
    assert counts["created"] == len(rows) == 620 and counts["open"] == 0
    # Every crypto row of the file mispaid, every card row was paid by a provider.
    bulk = [r for found in invoices.values() for r in found if r["invoice_id"].startswith("R-")]
    assert {r["status"] for r in bulk if r["method"] == "card"} == {"paid"}
    assert {r["status"] for r in bulk if r["method"] == "crypto"} <= {"underpaid", "overpaid"}
    assert report["bulk"][0]["status"] == "done"
    for row in invoices["underpaid"] + invoices["overpaid"]:
        assert (row["method"], row["provider"], row["fee"]) == ("crypto", "", "0.00")
        assert row["reason"].endswith("held for review")
    assert "underpaid: 40.50 of 45.00 USD received; held for review" in {
        r["reason"] for r in invoices["underpaid"]
    }
    assert "overpaid: 49.50 of 45.00 USD received; 45.00 applied, 4.50 held for review" in {
        r["reason"] for r in invoices["overpaid"]
    }
    held, applied = held_and_applied(invoices)
    reserves = report["reserves"]
    assert reserves["review_minor"] == held > 0
    paid = sum(100 * int(r["amount"].split(".")[0]) for r in invoices["paid"])
    assert reserves["minted_minor"] + reserves["fees_minor"] == paid + applied


def test_a_persisted_run_writes_the_review_states_in_every_table(
    tmp_path: Path, migrated_database: Database
) -> None:
    db = migrated_database
    report = run_scenario(scenario(tmp_path), RunOptions(persist=True, database=db))
    assert not [i for i in report["invariants"] if not i["held"]], report["invariants"]
    run = {"r": report["run_id"]}
    with db.engine.connect() as connection:

        def query(sql: str) -> list[Any]:
            return list(connection.execute(text(sql), run))

        statuses = dict(query("SELECT status, count(*) FROM invoices WHERE run_id = :r GROUP BY 1"))
        expected = report["invoices"]
        assert {s: statuses.get(s, 0) for s in ("underpaid", "overpaid")} == {
            s: expected[s] for s in ("underpaid", "overpaid")
        }
        bulk_rows = dict(
            query("SELECT status, count(*) FROM bulk_job_rows WHERE run_id = :r GROUP BY 1")
        )
        assert set(bulk_rows) == {"paid", "underpaid", "overpaid"}
        assert bulk_rows["underpaid"] + bulk_rows["overpaid"] == 10
        wallets = query(
            "SELECT i.status, w.state, w.received_minor, w.accepted_minor, w.expected_minor,"
            " w.destroy_reason FROM invoices i JOIN ephemeral_wallets w"
            " ON w.run_id = i.run_id AND w.address = i.wallet_address"
            " WHERE i.run_id = :r AND i.status IN ('underpaid', 'overpaid')"
        )
        assert len(wallets) == expected["underpaid"] + expected["overpaid"]
        for status, state, received, accepted, due, reason in wallets:
            assert state == "destroyed" and reason == f"{status}: held for review"
            if status == "underpaid":
                assert (accepted, 0 < received < due) == (0, True)
            else:
                assert (accepted, received > due) == (due, True)
        (held,) = query(
            "SELECT coalesce(sum(amount_minor), 0) FROM ledger_transfers"
            " WHERE run_id = :r AND kind = 'review_hold'"
        )
        assert held[0] == report["reserves"]["review_minor"] > 0


def test_invoicesim_run_counts_them_in_its_summary_and_lists_them_in_invoices_csv(
    tmp_path: Path,
) -> None:
    scenario(tmp_path)
    (tmp_path / "review.yaml").write_text(SCENARIO)
    out = tmp_path / "out"
    args = ["run", str(tmp_path / "review.yaml"), "--out", str(out), "--no-persist"]
    result = CliRunner().invoke(app, [*args, "--runtime", "local"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    invoices = json.loads((out / "report.json").read_text())["invoices"]
    held = f"{invoices['underpaid']} / {invoices['overpaid']}"
    assert "invoices underpaid / overpaid (held for review)" in result.output
    assert held in result.output
    with (out / "invoices.csv").open() as f:
        statuses = [row["status"] for row in csv.DictReader(f)]
    assert statuses.count("underpaid") == invoices["underpaid"] > 0
    assert statuses.count("overpaid") == invoices["overpaid"] > 0
