"""Every shard has its own partition of every provider (#22): its share of the limits,
the provider's whole fault timeline, and no message crosses from one shard's side to
another's, so shards can run apart. Failover reads the same with 1 shard or 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actors.provider_config import DEFAULT_PROVIDERS, Fault, FaultKind
from simulation.commands import ClearFault, StartFault
from simulation.engine import RunOptions, build_layout, run_scenario
from simulation.live.dispatch import Router
from simulation.processes.base import WindowResult
from simulation.runtime.checkpoints import Window
from simulation.runtime.interface import Runtime
from simulation.scenario import load_scenario, with_overrides

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def test_a_partition_has_its_share_of_the_rate_and_concurrency_limits_and_nothing_else() -> None:
    tempo, circle = DEFAULT_PROVIDERS[0], DEFAULT_PROVIDERS[1]
    assert tempo.partition(1) is tempo
    assert tempo.partition(3).max_concurrency == 5000 // 3
    assert circle.partition(4).rate_limit_per_s == circle.rate_limit_per_s / 4  # type: ignore[operator]
    small = tempo.partition(10_000)
    assert small.max_concurrency == 1  # never none at all
    same = ("latency_base_ms", "latency_jitter_ms", "fee_bp", "timeout_ms", "decline_rate")
    assert all(getattr(small, f) == getattr(tempo, f) for f in same)


def test_a_rate_limit_fault_is_split_too_and_other_faults_are_the_same_everywhere() -> None:
    limited = Fault(FaultKind.RATE_LIMIT, rate_limit_per_s=100.0)
    assert limited.partition(4).rate_limit_per_s == 25.0
    outage = Fault(FaultKind.OUTAGE)
    assert outage.partition(4) is outage


def test_a_fault_by_command_reaches_every_partition_of_its_provider() -> None:
    scenario = load_scenario(SCENARIOS / "tempo_outage.yaml")
    layout = build_layout(scenario, 3)
    router = Router(layout)
    for command in (StartFault("circle", "outage"), ClearFault("circle")):
        targets = [index for index, _ in router.targets(command, 0.0)]
        assert targets == list(layout.providers["circle"]) and len(targets) == 3


class _Watching:
    """Wraps a runtime and notes every (source LP, destination LP) of every message."""

    def __init__(self, runtime: Runtime, seen: set[tuple[int, int]]) -> None:
        self._runtime, self._seen = runtime, seen
        self._advance = runtime.advance

    def __call__(self, windows: dict[int, Window]) -> dict[int, WindowResult]:
        results = self._advance(windows)
        for src, result in results.items():
            self._seen.update((src, dst) for dst, _ in result.outbox)
        return results


def test_no_message_crosses_from_one_shards_side_to_anothers() -> None:
    scenario = with_overrides(
        load_scenario(SCENARIOS / "tempo_outage.yaml"),
        {
            "clock.mode": "virtual",
            "duration_s": 150,
            "load.0.duration_s": 150,
            "faults.0.duration_s": 20,
        },
    )
    seen: set[tuple[int, int]] = set()

    def watch(runtime: Runtime) -> None:
        runtime.advance = _Watching(runtime, seen)  # type: ignore[method-assign]

    run_scenario(scenario, RunOptions(shards=2, on_start=watch))
    layout = build_layout(scenario, 2)
    side = {index: k for k, index in enumerate(layout.shards)}
    for partitions in layout.providers.values():
        side.update({index: k for k, index in enumerate(partitions)})
    assert seen, "messages were sent"
    crossing = [(s, d) for s, d in seen if d != layout.reserve and side[s] != side[d]]
    assert crossing == []
    assert {d for s, d in seen if d == layout.reserve}, "the reserve hears from the shards"


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["tempo_outage", "tempo_silent", "tempo_flapping"])
def test_failover_with_2_shards_is_within_10_percent_of_1_shard(stem: str) -> None:
    scenario = with_overrides(load_scenario(SCENARIOS / f"{stem}.yaml"), {"clock.mode": "virtual"})

    def failover(shards: int) -> dict[str, Any]:
        (first, *_) = run_scenario(scenario, RunOptions(shards=shards))["failover"]
        return dict(first)

    one, two = failover(1), failover(2)
    for figure in ("time_to_failover_s", "time_to_failback_s"):
        assert two[figure] == pytest.approx(one[figure], rel=0.10), figure


SMALL = """
name: small
seed: 5
duration_s: 4
routing: {health_interval_s: 5}
load:
  - {start_s: 0, duration_s: 4, shape: constant, rate_per_s: 20}
faults:
  - {target: tempo, kind: outage, start_s: 1, duration_s: 1}
"""


@pytest.mark.parametrize("shards", [1, 2])
def test_the_paced_and_the_virtual_clock_pay_the_same_invoices_and_book_every_one(
    shards: int,
) -> None:
    """Two ways of running that must agree: paced, the coordinator's windows are a
    lookahead; virtual, a second, the reserve trailing the cells by one and catching up
    at the end. The same invoices are paid and every payment reaches the reserve's
    books either way."""
    from simulation.scenario import parse_scenario

    scenario = parse_scenario(SMALL)
    virtual = run_scenario(scenario, RunOptions(shards=shards))
    paced = run_scenario(scenario, RunOptions(shards=shards, speed=20.0))
    for report in (virtual, paced):
        assert [i["name"] for i in report["invariants"] if not i["held"]] == []
    assert paced["invoices"] == virtual["invoices"]
    booked = ("minted_minor", "fees_minor", "review_minor")
    assert [paced["reserves"][k] for k in booked] == [virtual["reserves"][k] for k in booked]
