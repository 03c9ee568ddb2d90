"""``FailoverTracker``: the failover of one replica, and what it keeps meanwhile."""

from __future__ import annotations

from actors.orchestrator_records import PaymentDone
from actors.routing import Policy, RoutingDecision
from simulation.processes.failover import FailoverTracker

POLICY = next(iter(Policy))


def meant_for_tempo(at: float, invoice_id: str) -> RoutingDecision:
    return RoutingDecision(at, invoice_id, 1, POLICY, "tempo", ())


def done(at: float, invoice_id: str, provider: str, succeeded: bool = True) -> PaymentDone:
    return PaymentDone(at, invoice_id, succeeded, provider, 2, "", 0, 10.0)


def test_failover_is_the_first_success_elsewhere_of_an_invoice_meant_for_the_faulty_provider() -> (
    None
):
    tracker = FailoverTracker([("tempo", 100.0, 200.0)])
    tracker.on_window([], [], [meant_for_tempo(101.0, f"inv-{i}") for i in range(3)])
    tracker.on_done(done(101.5, "other", "circle"))  # never meant for tempo: not a failover
    assert tracker.tracks[0].failover_at is None
    tracker.on_done(done(102.0, "inv-1", "circle"))
    assert tracker.tracks[0].failover_at == 102.0


def test_once_the_failover_is_found_the_invoices_meant_for_the_provider_are_let_go() -> None:
    tracker = FailoverTracker([("tempo", 100.0, 200.0)])
    tracker.on_window([], [], [meant_for_tempo(101.0, f"inv-{i}") for i in range(1_000)])
    tracker.on_done(done(102.0, "inv-7", "circle"))
    assert tracker.tracks[0].meant == set()  # not 999 ids kept until each finishes
    tracker.on_window([], [], [meant_for_tempo(103.0, "inv-late")])
    assert tracker.tracks[0].meant == set()
    assert tracker.tracks[0].failover_at == 102.0
