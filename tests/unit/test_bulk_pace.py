"""A CSV uploaded to a live run goes at the scenario's upload pace, so people can follow it;
a scenario's own bulk files (and so every batch run's digest) keep the batch pace."""

from __future__ import annotations

from pathlib import Path

import pytest

from actors.bulk_csv import BulkJob, parse_invoices_csv
from simulation.engine import build_layout
from simulation.live.dispatch import Router
from simulation.processes.layout import BULK_ROW_INTERVAL_S, BulkShare, bulk_shares
from simulation.processes.messages import ScheduleBulk
from simulation.scenario import load_scenario
from simulation.scenario.overrides import with_overrides
from simulation.scenario.reader import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
ROWS = "invoice_id,payer,merchant,amount,currency,method,due_date\n" + "".join(
    f"R-{n},ann,acme,1.00,USD,card,2030-01-01\n" for n in range(10)
)


def job(at_s: float = 60.0) -> BulkJob:
    parsed = parse_invoices_csv(ROWS.encode())
    return BulkJob.of(1, "ten.csv", at_s, "tempo", parsed)


def row_times(shares: list[tuple[int, BulkShare]]) -> list[float]:
    times: list[float] = []
    for _, share in shares:
        times += [share.at_s + i * share.row_interval_s for i in range(len(share.drafts))]
    return sorted(times)


def test_a_scenario_file_keeps_the_batch_pace_of_one_row_per_interval_per_shard() -> None:
    shares = bulk_shares(job(), 60.0, 2)
    assert [s.row_interval_s for _, s in shares] == [BULK_ROW_INTERVAL_S] * 2
    assert [s.at_s for _, s in shares] == [60.0, 60.0 + 1 * BULK_ROW_INTERVAL_S / 2]


@pytest.mark.parametrize("shards", [1, 2, 3])
def test_an_upload_pace_is_one_row_every_interval_across_the_shards(shards: int) -> None:
    times = row_times(bulk_shares(job(), 60.0, shards, row_interval_s=0.5))
    assert times == pytest.approx([60.0 + 0.5 * n for n in range(10)])


def test_the_live_router_paces_uploads_as_the_scenario_says() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "demo.yaml")
    assert scenario.upload_row_interval_s == 0.5
    layout = build_layout(scenario, 2)
    router = Router(layout, scenario.upload_row_interval_s)
    targets = router.targets(job(), 100.0)
    shares = [(0, command.share) for _, command in targets if isinstance(command, ScheduleBulk)]
    assert row_times(shares) == pytest.approx([100.0 + 0.5 * n for n in range(10)])
    unpaced = [c for _, c in Router(layout).targets(job(), 100.0) if isinstance(c, ScheduleBulk)]
    assert {c.share.row_interval_s for c in unpaced} == {BULK_ROW_INTERVAL_S}


def test_the_upload_pace_is_bounded() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "steady.yaml")
    assert scenario.upload_row_interval_s is None
    for wrong in (0, -1, 61):
        with pytest.raises(ScenarioError, match="upload_row_interval_s"):
            with_overrides(scenario, {"upload_row_interval_s": wrong})
