"""A Ray worker killed under the live service: restored, replayed, and the service goes on.

The live engine runs on real Ray (two shards, with the services); a worker
process hosting logical processes is killed with SIGKILL while invoices are
being paid, as an operator's `kill -9` or the OOM killer would. The engine must
restore it from its checkpoint, keep taking commands, and record every invoice
exactly once; the read side (what the dashboards show) keeps answering.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from simulation.commands import CreateInvoice, PayInvoice
from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database
from storage.queries import provider_status
from tests.engine.live_helpers import QUIET, eventually, finished_row, recorded


def lp_host_pids() -> list[int]:
    """Ray worker processes hosting logical processes (Ray titles them ``ray::LpHost``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"ray::LpHost"):
            pids.append(int(entry.name))
    return pids


def pay(engine: LiveEngine, db: Database, run_id: str, amount_minor: int) -> Any:
    created = engine.submit(CreateInvoice(amount_minor=amount_minor, method="card"), 60.0)
    engine.submit(PayInvoice(created.invoice_id, "card"), 60.0)
    return eventually(lambda: finished_row(db, run_id, created.invoice_id), 60.0), created


def test_a_worker_killed_during_serve_is_restored_and_the_service_goes_on(
    ray_session: Any, migrated_database: Database
) -> None:
    engine = LiveEngine(migrated_database, runtime="ray", shards=2, speed=5.0)
    run_id = engine.start(parse_scenario(QUIET))
    try:
        before, first = pay(engine, migrated_database, run_id, 1100)
        assert before.state == "paid"
        import ray

        hosts = lp_host_pids()
        # two shards, and the services' host if there is a CPU to spare for it
        assert len(hosts) == (3 if ray.cluster_resources()["CPU"] > 2 else 2), hosts
        os.kill(hosts[-1], signal.SIGKILL)

        after = [pay(engine, migrated_database, run_id, 1200 + i) for i in range(4)]
        assert [row.state for row, _ in after] == ["paid"] * 4
        assert engine.status().running and engine.status().error is None
        shown = {p["provider"] for p in provider_status(migrated_database, run_id)}
        assert shown == {"tempo", "circle", "stripe"}  # what the health dashboard reads
        assert hosts[-1] not in lp_host_pids()  # a new worker process took its place
    finally:
        engine.stop()

    report = engine.last_report
    assert report is not None
    assert report["recoveries"], "the killed worker's logical processes were never restored"
    assert report["double_pays"] == 0 and report["lost"] == 0
    ids = [first.invoice_id] + [created.invoice_id for _, created in after]
    assert recorded(migrated_database, run_id, ids) == dict.fromkeys(ids, 1)
