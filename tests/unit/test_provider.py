import dataclasses
import pickle

import pytest

from actors.errors import InputError
from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from actors.provider import (
    DEFAULT_PROVIDERS,
    Fault,
    FaultKind,
    Outcome,
    Provider,
    ProviderConfig,
    StatusState,
)
from actors.provider_config import check_method_coverage

CARD = PaymentMethod.CARD


def tempo(**changes: object) -> Provider:
    config = dataclasses.replace(DEFAULT_PROVIDERS[0], **changes)  # type: ignore[arg-type]
    return Provider(config, KeyedRandom(1))


def pay(p: Provider, now: float, n: int, amount: int = 10_000):  # type: ignore[no-untyped-def]
    return p.submit(now, f"i{n}", f"inv:i{n}", f"i{n}#1", amount, CARD)


def test_defaults_put_tempo_first_and_serve_every_method_twice() -> None:
    assert [(c.name, c.priority) for c in DEFAULT_PROVIDERS] == [
        ("tempo", 1),
        ("circle", 2),
        ("stripe", 3),
    ]
    check_method_coverage(DEFAULT_PROVIDERS)
    for method in PaymentMethod:
        assert sum(method in c.methods for c in DEFAULT_PROVIDERS) >= 2


def test_coverage_check_names_a_method_served_by_one_provider() -> None:
    only_tempo = [c for c in DEFAULT_PROVIDERS if c.name != "circle"]
    with pytest.raises(InputError, match="'crypto' is served by \\['tempo'\\]"):
        check_method_coverage(only_tempo)


def test_a_healthy_provider_charges_once_after_its_latency() -> None:
    p = tempo()
    reply = pay(p, 0.0, 1)
    assert reply.outcome is Outcome.SUCCEEDED
    assert reply.reply_after_ms is not None and reply.reply_after_ms >= 150.0
    assert reply.fee_minor == 10  # 10 bp of 100.00
    assert p.status(0.0, "inv:i1") is not None
    assert p.status(0.0, "inv:i1").state is StatusState.PROCESSING  # type: ignore[union-attr]
    p.advance(reply.reply_after_ms / 1000.0)
    charges = p.take_charges()
    assert [(c.invoice_id, c.amount_minor) for c in charges] == [("i1", 10_000)]
    assert p.status(1.0, "inv:i1").state is StatusState.CHARGED  # type: ignore[union-attr]


def test_the_same_invoice_key_never_charges_twice_at_one_provider() -> None:
    p = tempo()
    pay(p, 0.0, 1)
    again = p.submit(0.5, "i1", "inv:i1", "i1#2", 10_000, CARD)
    assert again.outcome is Outcome.SUCCEEDED
    p.advance(5.0)
    assert len(p.take_charges()) == 1


def test_an_outage_refuses_at_once() -> None:
    p = tempo()
    p.set_fault(0.0, Fault(FaultKind.OUTAGE))
    reply = pay(p, 1.0, 1)
    assert reply.outcome is Outcome.REFUSED
    assert reply.reply_after_ms == p.config.connect_ms
    assert p.probe(1.0) is None
    assert p.status(1.0, "inv:i1") is None
    p.set_fault(2.0, None)
    assert pay(p, 2.0, 2).outcome is Outcome.SUCCEEDED


def test_a_silent_provider_never_answers_and_never_charges_new_requests() -> None:
    p = tempo()
    in_flight = pay(p, 0.0, 1)  # already being processed when the silence starts
    p.set_fault(0.01, Fault(FaultKind.SILENT))
    reply = pay(p, 0.02, 2)
    assert reply.reply_after_ms is None
    assert in_flight.reply_after_ms is not None
    assert p.status(0.5, "inv:i2") is None
    assert p.probe(0.5) is None
    p.advance(10.0)
    assert [c.invoice_id for c in p.take_charges()] == ["i1"]


def test_an_error_rate_fault_fails_about_that_share() -> None:
    p = tempo()
    p.set_fault(0.0, Fault(FaultKind.ERROR_RATE, error_rate=0.3))
    errors = sum(pay(p, i * 0.001, i).outcome is Outcome.ERROR for i in range(2000))
    assert 500 < errors < 700


def test_a_latency_fault_adds_to_every_answer() -> None:
    p = tempo()
    base = pay(p, 0.0, 1).reply_after_ms
    q = tempo()
    q.set_fault(0.0, Fault(FaultKind.LATENCY, extra_latency_ms=3000.0))
    slow = pay(q, 0.0, 1).reply_after_ms
    assert base is not None and slow is not None
    assert slow == pytest.approx(base + 3000.0)


def test_flapping_is_down_for_the_duty_share_of_each_period() -> None:
    p = tempo()
    p.set_fault(100.0, Fault(FaultKind.FLAPPING, period_s=10.0, duty=0.3))
    assert p.is_down(100.0) and p.is_down(102.9)
    assert not p.is_down(103.1) and not p.is_down(109.9)
    assert p.is_down(110.5)


def test_late_success_charges_on_time_but_answers_after_the_timeout() -> None:
    p = tempo()
    p.set_fault(0.0, Fault(FaultKind.LATE_SUCCESS, late_by_ms=1500.0))
    reply = pay(p, 0.0, 1)
    assert reply.outcome is Outcome.SUCCEEDED
    assert reply.reply_after_ms == p.config.timeout_ms + 1500.0
    status = p.status(p.config.timeout_ms / 1000.0, "inv:i1")
    assert status is not None and status.state is StatusState.CHARGED


def test_a_rate_limit_fault_answers_429_above_the_rate() -> None:
    p = tempo()
    p.set_fault(0.0, Fault(FaultKind.RATE_LIMIT, rate_limit_per_s=10.0))
    outcomes = [pay(p, 1.0 + i * 0.001, i).outcome for i in range(30)]
    assert outcomes.count(Outcome.RATE_LIMITED) == 20
    later = pay(p, 3.0, 99)
    assert later.outcome is Outcome.SUCCEEDED


def test_concurrency_above_capacity_is_rate_limited() -> None:
    p = tempo(max_concurrency=2)
    assert pay(p, 0.0, 1).outcome is Outcome.SUCCEEDED
    assert pay(p, 0.0, 2).outcome is Outcome.SUCCEEDED
    assert pay(p, 0.0, 3).outcome is Outcome.RATE_LIMITED
    assert pay(p, 5.0, 4).outcome is Outcome.SUCCEEDED


def test_a_void_cancels_a_charge_not_yet_effective_and_says_nothing_will_be_charged() -> None:
    p = tempo(latency_base_ms=1000.0)
    pay(p, 0.0, 1)
    assert p.void(0.5, "inv:i1").state is StatusState.NOT_FOUND  # type: ignore[union-attr]
    assert p.status(0.6, "inv:i1").state is StatusState.NOT_FOUND  # type: ignore[union-attr]
    p.advance(5.0)
    assert p.take_charges() == []
    assert p.void(6.0, "inv:i1").state is StatusState.NOT_FOUND  # type: ignore[union-attr]


def test_a_void_that_comes_too_late_says_the_charge_stands() -> None:
    p = tempo(latency_base_ms=100.0, latency_jitter_ms=0.0)
    pay(p, 0.0, 1)
    assert p.void(0.5, "inv:i1").state is StatusState.CHARGED  # type: ignore[union-attr]
    p.advance(1.0)
    assert [c.invoice_id for c in p.take_charges()] == ["i1"]


def test_a_silent_or_down_provider_does_not_answer_a_void() -> None:
    p = tempo(latency_base_ms=1000.0)
    pay(p, 0.0, 1)
    p.set_fault(0.1, Fault(FaultKind.SILENT))
    assert p.void(0.2, "inv:i1") is None
    p.set_fault(0.3, Fault(FaultKind.OUTAGE))
    assert p.void(0.4, "inv:i1") is None


def test_declines_are_outcomes_drawn_per_attempt() -> None:
    p = tempo(decline_rate=0.5)
    outcomes = [pay(p, i * 0.01, i).outcome for i in range(400)]
    assert 150 < outcomes.count(Outcome.DECLINED) < 250
    q = tempo(decline_rate=0.5)
    assert outcomes == [pay(q, i * 0.01, i).outcome for i in range(400)]


def test_idempotency_keys_are_forgotten_after_retention() -> None:
    p = tempo(idempotency_retention_s=60.0)
    pay(p, 0.0, 1)
    p.advance(30.0)
    assert p.status(30.0, "inv:i1").state is StatusState.CHARGED  # type: ignore[union-attr]
    p.advance(100.0)
    assert p.status(100.0, "inv:i1").state is StatusState.NOT_FOUND  # type: ignore[union-attr]


def test_bad_provider_and_fault_settings_name_the_field() -> None:
    with pytest.raises(InputError, match="timeout_ms"):
        ProviderConfig("x", 1, frozenset({CARD}), timeout_ms=0)
    with pytest.raises(InputError, match="at least one method"):
        ProviderConfig("x", 1, frozenset())
    with pytest.raises(InputError, match="error_rate"):
        Fault(FaultKind.ERROR_RATE, error_rate=2.0)


def test_a_provider_restored_from_a_checkpoint_keeps_every_key_and_void() -> None:
    p = tempo()
    for n in range(5):
        pay(p, n * 0.1, n)
    assert p.void(0.41, "inv:i4") is not None
    restored = pickle.loads(pickle.dumps(p))
    for n in range(5):
        assert restored.status(0.45, f"inv:i{n}") == p.status(0.45, f"inv:i{n}")
    assert restored.status(0.45, "inv:i4").state is StatusState.NOT_FOUND
    restored.advance(10.0)
    p.advance(10.0)
    assert restored.take_charges() == p.take_charges()
