"""An emulator decides as the simulation's provider does: same outcome, same delay, for the
same requests at the same simulated times (no HTTP here: the decisions alone)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from actors.provider import DEFAULT_PROVIDERS, Fault, FaultKind, Outcome, Provider
from exercise.emulators import ProviderBehaviour, fault_timeline
from exercise.emulators import behaviour as behaviour_module
from exercise.emulators.behaviour import ChargeRequest
from tests.exercise.helpers import scenario

CARD = PaymentMethod.CARD
TEMPO = replace(DEFAULT_PROVIDERS[0], decline_rate=0.2, rate_limit_per_s=40.0, max_concurrency=12)
FAULTS = [
    (3.0, Fault(FaultKind.ERROR_RATE, error_rate=0.3)),
    (5.0, Fault(FaultKind.LATENCY, extra_latency_ms=250.0)),
    (7.0, Fault(FaultKind.LATE_SUCCESS, late_by_ms=500.0)),
    (8.0, None),
]
STATUS_OF = {
    Outcome.SUCCEEDED: 201,
    Outcome.DECLINED: 402,
    Outcome.ERROR: 500,
    Outcome.RATE_LIMITED: 429,
}


def test_an_emulator_answers_as_the_simulated_provider_decides_with_the_same_seed() -> None:
    behaviour = ProviderBehaviour(TEMPO, seed=42, speed=1.0)
    provider = Provider(TEMPO, KeyedRandom(42))
    faults = list(FAULTS)
    seen = set()
    for n in range(800):  # 100 a second for 8 s: through every fault and the rate limit
        now = n / 100
        while faults and faults[0][0] <= now:
            at, fault = faults.pop(0)
            behaviour.set_fault(at, fault)
            provider.set_fault(at, fault)
        key, invoice = f"inv:{n % 700}", f"I-{n % 700}"  # the last 100 come again
        answer = behaviour.create(now, ChargeRequest(key, invoice, 1_000, "USD", CARD))
        view = behaviour.view(now, key)
        assert view is not None
        # The simulation's provider, asked the same: attempt n of the key is "<key>#<n>".
        expected = provider.submit(now, invoice, key, f"{key}#{view.attempts}", 1_000, CARD)
        assert answer.status == (200 if answer.replayed else STATUS_OF[expected.outcome]), n
        assert answer.after_s is not None and expected.reply_after_ms is not None
        assert abs(answer.after_s * 1000 - expected.reply_after_ms) < 1e-9, n
        seen.add(answer.status)
    assert seen == {200, 201, 402, 429, 500}


def test_a_key_is_forgotten_a_retention_after_its_last_use_and_its_charge() -> None:
    config = replace(TEMPO, idempotency_retention_s=10.0, decline_rate=0.0, rate_limit_per_s=None)
    behaviour = ProviderBehaviour(config, seed=1, speed=1.0)
    behaviour.create(0.0, ChargeRequest("k", "I-1", 500, "USD", CARD))
    assert behaviour.status(9.0, "k").status == 200  # used again at 9 s
    behaviour.create(9.5, ChargeRequest("other", "I-2", 500, "USD", CARD))
    assert behaviour.view(18.9, "k") is not None
    behaviour.create(19.5, ChargeRequest("third", "I-3", 500, "USD", CARD))  # forgets on use
    assert behaviour.view(19.5, "k") is None
    assert behaviour.status(19.5, "k").status == 404


def test_past_its_bound_on_keys_an_emulator_refuses_new_ones_with_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(behaviour_module, "MAX_KEYS", 3)
    behaviour = ProviderBehaviour(replace(TEMPO, rate_limit_per_s=None), seed=1, speed=1.0)
    answers = [
        behaviour.create(0.0, ChargeRequest(f"k{n}", "I", 500, "USD", CARD)) for n in range(4)
    ]
    assert [a.status for a in answers][3] == 503
    assert answers[3].retry_after_s == 1


def test_a_flapping_fault_switches_at_each_phase_boundary() -> None:
    behaviour = ProviderBehaviour(TEMPO, seed=1, speed=1.0)
    behaviour.set_fault(10.0, Fault(FaultKind.FLAPPING, period_s=4.0, duty=0.25))
    assert behaviour.is_down(10.5) and behaviour.next_switch_s(10.5) == 11.0
    assert not behaviour.is_down(11.0) and behaviour.next_switch_s(11.0) == 14.0
    assert behaviour.is_down(14.2)


def test_fault_changes_at_one_time_run_in_the_order_a_simulated_provider_runs_them() -> None:
    outage = "{target: tempo, kind: outage, start_s: 0, duration_s: 10}"
    latency = "{target: tempo, kind: latency, start_s: 10, duration_s: 10}"
    # The simulation's timers run by time, then as scheduled: each fault's start, its end.
    for listed, on_at_10 in (([outage, latency], FaultKind.LATENCY), ([latency, outage], None)):
        faults = "".join(f"  - {fault}\n" for fault in listed)
        changes = fault_timeline(scenario(f"faults:\n{faults}"), "tempo")
        at_10 = [change.fault for change in changes if change.at_s == 10]
        assert (at_10[-1].kind if at_10[-1] else None) == on_at_10
