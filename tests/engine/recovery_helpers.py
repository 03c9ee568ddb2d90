"""What the recovery tests share: a short two-shard scenario, crash faults, row counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from simulation.engine import RunOptions, run_scenario
from simulation.runtime.coordinator import Progress
from simulation.scenario import parse_scenario
from storage.schema import COPY_COLUMNS


def short_outage(name: str, seed: int) -> str:
    """12 s of load at 30 invoices/s with a Tempo outage from 4 s to 7 s."""
    return f"""
name: {name}
seed: {seed}
duration_s: 12
wallet_ttl_s: 20
drain_s: 60
routing: {{health_interval_s: 3}}
load:
  - {{start_s: 0, duration_s: 12, shape: poisson, rate_per_s: 30, never_pay_share: 0.1}}
faults:
  - {{target: tempo, kind: outage, start_s: 4, duration_s: 3}}
"""


# About 20 windows of a second (each cell runs some 50 of a lookahead inside each), so a
# checkpoint every 3 windows leaves logged windows to replay at any moment.
SCENARIO = short_outage("recovery", 5)
EVERY = 3
CRASH_AT_S = 6.0


def scenario(*crash_targets: str) -> Any:
    crashes = "".join(
        f"  - {{target: {target}, kind: actor_crash, start_s: {CRASH_AT_S}}}\n"
        for target in crash_targets
    )
    return parse_scenario(SCENARIO + crashes)


def run(scenario: Any, progress: Progress | None = None, **options: Any) -> dict[str, Any]:
    options.setdefault("checkpoint_every", EVERY)
    return run_scenario(scenario, RunOptions(shards=2, **options), progress)


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """The summary figures a recovery must leave untouched."""
    keys = ("digest", "invoices", "double_pays", "lost", "late_payments", "providers")
    return {k: report[k] for k in (*keys, "failover", "latency_ms", "reserves", "simulated_s")}


def checkpoints_per_lp(db: Any, run_id: str) -> dict[str, int]:
    with db.engine.connect() as connection:
        sql = text("SELECT lp, count(*) FROM checkpoints WHERE run_id = :r GROUP BY lp")
        return {lp: int(n) for lp, n in connection.execute(sql, {"r": run_id})}


# Columns of wall time (when the driver saw a bulk job start): they differ from run to run.
WALL_CLOCK = {"started_at", "finished_at"}


def table_contents(db: Any, run_id: str) -> dict[str, tuple[int, str]]:
    """Every table's rows of one run (but the checkpoints), as (count, md5 of the rows in
    order): two runs that recorded the same rows have the same contents, whatever wrote
    them, in which batches, and how often."""
    contents = {}
    with db.engine.connect() as connection:
        for table, columns in COPY_COLUMNS.items():
            if table == "checkpoints":
                continue
            kept = ", ".join(c for c in columns if c != "run_id" and c not in WALL_CLOCK)
            sql = text(  # table and column names: ours
                f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), ''))"
                f" FROM (SELECT {kept} FROM {table} WHERE run_id = :r) AS r"
            )
            count, digest = connection.execute(sql, {"r": run_id}).one()
            contents[table] = (int(count), str(digest))
    return contents
