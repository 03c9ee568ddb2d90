"""The checkpoint schedule and the replay log kept between checkpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actors.errors import InputError
from simulation.processes.base import WindowResult
from simulation.processes.layout import Layout, LpSpec
from simulation.runtime.checkpoints import STRETCH_MAX, Checkpoints
from simulation.runtime.local import LocalRuntime

LAYOUT = Layout(providers={}, shards=(0,), reserve=1, lookahead_s=0.02)
DAY = date(2026, 1, 1)
SPECS = [
    LpSpec(kind=kind, index=i, name=name, scenario=None, layout=LAYOUT, start_date=DAY)  # type: ignore[arg-type]
    for i, (kind, name) in enumerate((("shard", "shard-0"), ("reserve", "reserve")))
]


def started(every: int) -> Checkpoints:
    checkpoints = Checkpoints(every)
    checkpoints.track(SPECS)
    return checkpoints


def run_windows(checkpoints: Checkpoints, n: int, snapshot_s: float = 0.0) -> list[int]:
    """Run n windows where only LP 0 is busy; return the windows that ended in a checkpoint."""
    taken = []
    for _ in range(n):
        due = checkpoints.due()
        checkpoints.completed({0: (checkpoints.window_no * 0.02, [])})
        if due:
            checkpoints.saved(0.0, {0: b"state-0", 1: b"state-1"}, snapshot_s)
            taken.append(checkpoints.window_no)
    return taken


def test_a_cheap_checkpoint_is_taken_every_k_windows() -> None:
    assert run_windows(started(every=10), 35) == [10, 20, 30]


def test_the_log_holds_only_the_windows_since_the_last_checkpoint() -> None:
    checkpoints = started(every=10)
    run_windows(checkpoints, 23)
    state, windows = checkpoints.replay_of(0)
    assert state == b"state-0" and len(windows) == 3
    assert checkpoints.replay_of(1) == (b"state-1", [])  # idle since: nothing to replay


def test_before_the_first_checkpoint_a_process_is_revived_from_its_spec() -> None:
    checkpoints = started(every=10)
    run_windows(checkpoints, 4)
    assert checkpoints.replay_of(0)[0] is None and len(checkpoints.replay_of(0)[1]) == 4


def test_a_costly_checkpoint_stretches_the_interval_within_a_bound() -> None:
    checkpoints = started(every=10)
    run_windows(checkpoints, 10, snapshot_s=60.0)  # a minute per checkpoint: far over budget
    assert checkpoints.interval == 10 * STRETCH_MAX


def test_with_checkpoints_off_nothing_is_logged_and_recovery_is_refused() -> None:
    checkpoints = started(every=0)
    assert run_windows(checkpoints, 5) == []
    with pytest.raises(InputError, match="checkpoints are off"):
        checkpoints.replay_of(0)


def test_an_interval_out_of_bounds_is_refused() -> None:
    with pytest.raises(InputError, match="checkpoint_every"):
        Checkpoints(-1)


def test_a_local_run_checkpoints_only_to_drill_a_crash() -> None:
    from simulation.runtime.checkpoints import (
        DEFAULT_EVERY,
        DEFAULT_EVERY_VIRTUAL,
        default_checkpoint_every,
    )
    from simulation.scenario import parse_scenario

    quiet = parse_scenario("name: q\nseed: 1\nduration_s: 60\n")
    crash = parse_scenario(
        "name: c\nseed: 1\nduration_s: 60\n"
        "faults: [{target: shard-0, kind: actor_crash, start_s: 10}]\n"
    )
    assert default_checkpoint_every("local", quiet) == 0  # nothing can be lost: no pauses
    assert default_checkpoint_every("local", crash) == DEFAULT_EVERY_VIRTUAL
    assert default_checkpoint_every("ray", quiet) == DEFAULT_EVERY_VIRTUAL  # actors can die
    # about as many simulated seconds apart on a paced clock, whose windows are shorter
    assert default_checkpoint_every("ray", quiet, paced=True) == DEFAULT_EVERY


def test_a_run_takes_checkpoints_by_that_rule_unless_told() -> None:
    from simulation.engine import RunOptions, run_scenario
    from simulation.runtime.checkpoints import DEFAULT_EVERY_VIRTUAL
    from simulation.scenario import parse_scenario

    text = "name: q\nseed: 1\nduration_s: 5\nload: [{start_s: 0, duration_s: 5, rate_per_s: 50}]\n"
    quiet = parse_scenario(text)
    crash = parse_scenario(text + "faults: [{target: shard-0, kind: actor_crash, start_s: 2}]\n")
    default = run_scenario(quiet)["checkpoints"]
    assert (default["every_windows"], default["taken"]) == (0, 0)
    told = run_scenario(quiet, RunOptions(checkpoint_every=10))["checkpoints"]
    assert told["every_windows"] == 10 and told["taken"] >= 1
    crashed = run_scenario(crash)  # the default for a drill: checkpoints on, the crash recovered
    assert crashed["checkpoints"]["every_windows"] == DEFAULT_EVERY_VIRTUAL
    assert [r["lp"] for r in crashed["recoveries"]] == ["shard-0"]


class _SnapshotSpy:
    """An LP that notes, when saved, which state of it the checkpoints still hold."""

    def __init__(self, index: int, checkpoints: Checkpoints, held: list[bytes | None]) -> None:
        self.index, self._checkpoints, self._held = index, checkpoints, held
        self.saves = 0

    def advance(self, until: float, inbox: list[Any]) -> WindowResult:
        return WindowResult([], None)

    def snapshot(self) -> bytes:
        self._held.append(self._checkpoints.replay_of(self.index)[0])
        self.saves += 1
        return b"state-%d-%d" % (self.index, self.saves)


def test_the_local_runtime_never_holds_an_old_state_beside_the_new_one() -> None:
    checkpoints = started(every=1)
    runtime = LocalRuntime(checkpoints)
    held: list[bytes | None] = []
    runtime.lps = {i: _SnapshotSpy(i, checkpoints, held) for i in (0, 1)}  # type: ignore[misc]
    for window in range(12):
        runtime.advance({0: (0.02 * (window + 1), [])})
    assert checkpoints.taken >= 2
    assert held == [None] * 2 * checkpoints.taken  # each released before its successor came
    assert checkpoints.replay_of(1)[0] == b"state-1-%d" % checkpoints.taken
