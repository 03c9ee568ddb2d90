import dataclasses

import pytest

from actors.breaker import BreakerConfig, BreakerState
from actors.errors import IllegalTransition, InputError
from actors.health import Health, HealthConfig
from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from actors.orchestrator import Orchestrator
from actors.orchestrator_records import CheckStatus, PaymentDone, SendAttempt, VoidAttempt
from actors.provider import (
    DEFAULT_PROVIDERS,
    Fault,
    FaultKind,
    Outcome,
    Provider,
    ProviderConfig,
    StatusState,
)
from actors.routing import Policy
from actors.routing_config import RoutingConfig
from tests.fake_runtime import FakeRuntime

CARD, BANK, CRYPTO = PaymentMethod.CARD, PaymentMethod.BANK, PaymentMethod.CRYPTO


def world(
    config: RoutingConfig | None = None, configs: tuple[ProviderConfig, ...] = DEFAULT_PROVIDERS
) -> FakeRuntime:
    rng = KeyedRandom(11)
    providers = {c.name: Provider(c, rng) for c in configs}
    return FakeRuntime(Orchestrator("shard-0", configs, config), providers)


def charges(rt: FakeRuntime) -> list[tuple[str, str]]:
    return sorted(
        (c.invoice_id, c.provider) for p in rt.providers.values() for c in p.take_charges()
    )


def test_priority_routing_sends_payments_to_tempo_first() -> None:
    rt = world()
    rt.pay(0.0, "i1", CARD, 10_000)
    [done] = rt.run()
    assert done.succeeded and done.provider == "tempo" and done.attempts == 1
    assert done.fee_minor == 10
    [decision] = rt.orchestrator.decisions
    assert decision.chosen == "tempo" and decision.skipped == ()


def test_a_refused_attempt_fails_over_to_circle_with_one_invoice_key() -> None:
    rt = world()
    rt.providers["tempo"].set_fault(0.0, Fault(FaultKind.OUTAGE))
    rt.pay(1.0, "i1", CARD, 10_000)
    [done] = rt.run()
    assert done.succeeded and done.provider == "circle" and done.attempts == 2
    first, second = rt.orchestrator.decisions
    assert first.chosen == "tempo"
    assert second.chosen == "circle"
    assert ("tempo", "already tried for this invoice") in second.skipped
    keys = {e.attempt.invoice_key for e in rt.orchestrator.events}  # type: ignore[union-attr]
    assert keys == {"inv:i1"}
    assert charges(rt) == [("i1", "circle")]


def test_breaker_opens_after_five_refusals_and_later_decisions_say_why_tempo_is_skipped() -> None:
    rt = world()
    rt.providers["tempo"].set_fault(0.0, Fault(FaultKind.OUTAGE))
    for i in range(8):
        rt.pay(i * 0.05, f"i{i}", BANK, 5_000)
    done = rt.run()
    assert all(d.succeeded and d.provider == "circle" for d in done)
    assert rt.orchestrator.breakers["tempo"].state is BreakerState.OPEN
    last = next(d for d in rt.orchestrator.decisions if d.invoice_id == "i7")
    assert last.chosen == "circle" and ("tempo", "breaker: open") in last.skipped


def test_a_silent_provider_is_never_failed_over_while_in_doubt_and_is_once_it_answers() -> None:
    rt = world()
    tempo = rt.providers["tempo"]
    tempo.set_fault(0.0, Fault(FaultKind.SILENT))
    rt.at(60.0, lambda now: tempo.set_fault(now, None))
    rt.pay(0.0, "i1", CRYPTO, 10_000)
    [done] = rt.run()
    statuses = [e for e in rt.orchestrator.events if type(e).__name__ == "StatusChecked"]
    results = [s.result for s in statuses]  # type: ignore[attr-defined]
    # Three checks, a void nobody answers, then a check every 5 s until Tempo answers.
    assert results[:3] == ["unknown"] * 3 and results[-1] == "not_found"
    assert {v.provider for v in rt.voids} == {"tempo"}
    assert done.succeeded and done.provider == "circle"
    assert 60.0 < done.latency_ms / 1000.0 < 66.0  # failed over only once Tempo answered
    assert charges(rt) == [("i1", "circle")]


def test_a_payment_in_doubt_past_the_limit_ends_failed_and_held_for_review() -> None:
    rt = world(RoutingConfig(doubt_limit_s=30.0))
    rt.providers["tempo"].set_fault(0.0, Fault(FaultKind.SILENT))
    rt.pay(0.0, "i1", CRYPTO, 10_000)
    [done] = rt.run()
    assert not done.succeeded and done.provider == "tempo" and done.attempts == 1
    assert "outcome unknown" in done.reason and "held for review" in done.reason
    assert [d.chosen for d in rt.orchestrator.decisions] == ["tempo"]  # never failed over
    assert charges(rt) == []


def test_a_charge_that_lands_before_the_void_ends_the_payment_paid_not_paid_twice() -> None:
    orchestrator = Orchestrator("shard-0", DEFAULT_PROVIDERS, RoutingConfig(max_status_checks=1))
    [send] = orchestrator.begin(0.0, "i1", CARD, 10_000)
    key = send.attempt_key  # type: ignore[union-attr]
    [check] = orchestrator.on_timeout(2.0, key)
    [void] = orchestrator.on_status(2.1, key, check.check_no, StatusState.PROCESSING)  # type: ignore[union-attr]
    assert isinstance(void, VoidAttempt) and void.provider == "tempo"
    [done] = orchestrator.on_void(2.2, key, void.void_no, StatusState.CHARGED)
    assert isinstance(done, PaymentDone)
    assert done.succeeded and done.provider == "tempo" and done.attempts == 1
    assert done.reason == "paid (the charge took effect before the void)"
    assert [d.chosen for d in orchestrator.decisions] == ["tempo"]  # never sent to Circle


def test_a_success_answer_arriving_while_a_void_is_out_waits_for_the_void() -> None:
    # Found by the fuzzer (seed 87): Circle answered "succeeded" just after the void went
    # out; the void cancelled that charge, yet the payment was taken as paid, with nothing
    # charged. Only the void's answer can settle the attempt.
    orchestrator = Orchestrator("shard-0", DEFAULT_PROVIDERS, RoutingConfig(max_status_checks=1))
    [send] = orchestrator.begin(0.0, "i1", CARD, 10_000)
    key = send.attempt_key  # type: ignore[union-attr]
    [check] = orchestrator.on_timeout(2.0, key)
    [void] = orchestrator.on_status(2.1, key, check.check_no, StatusState.PROCESSING)  # type: ignore[union-attr]
    assert orchestrator.on_reply(2.15, key, Outcome.SUCCEEDED, 30) == ()
    [after] = orchestrator.on_void(2.2, key, void.void_no, StatusState.NOT_FOUND)  # type: ignore[union-attr]
    assert isinstance(after, SendAttempt) and after.provider == "circle"  # nothing was charged


def test_a_void_answered_not_found_fails_over_and_an_unanswered_one_does_not() -> None:
    orchestrator = Orchestrator("shard-0", DEFAULT_PROVIDERS, RoutingConfig(max_status_checks=1))
    for invoice, answer in (("i1", StatusState.NOT_FOUND), ("i2", None)):
        [send] = orchestrator.begin(0.0, invoice, CARD, 10_000)
        key = send.attempt_key  # type: ignore[union-attr]
        [check] = orchestrator.on_timeout(2.0, key)
        [void] = orchestrator.on_status(2.1, key, check.check_no, None)  # type: ignore[union-attr]
        [after] = orchestrator.on_void(2.4, key, void.void_no, answer)  # type: ignore[union-attr]
        if answer is StatusState.NOT_FOUND:
            assert isinstance(after, SendAttempt) and after.provider == "circle"
        else:
            assert isinstance(after, CheckStatus) and after.send_at == 2.4 + 5.0  # in doubt


def test_a_late_success_is_found_by_the_status_check_and_not_paid_again() -> None:
    rt = world()
    rt.providers["tempo"].set_fault(0.0, Fault(FaultKind.LATE_SUCCESS))
    rt.pay(0.0, "i1", CARD, 10_000)
    [done] = rt.run()
    assert done.succeeded and done.provider == "tempo" and done.attempts == 1
    assert done.reason == "paid (confirmed by status check)"
    assert done.fee_minor == 10
    assert charges(rt) == [("i1", "tempo")]


def test_a_slow_provider_is_asked_again_while_processing_and_ends_paid_once() -> None:
    rt = world()
    rt.providers["tempo"].set_fault(0.0, Fault(FaultKind.LATENCY, extra_latency_ms=2200.0))
    rt.pay(0.0, "i1", CARD, 10_000)
    [done] = rt.run()
    results = [e.result for e in rt.orchestrator.events if type(e).__name__ == "StatusChecked"]  # type: ignore[attr-defined]
    assert results[0] == "processing"
    assert done.succeeded and done.provider == "tempo"
    assert charges(rt) == [("i1", "tempo")]


def test_an_attempt_still_processing_after_every_check_is_voided_before_failing_over() -> None:
    rt = world(RoutingConfig(max_status_checks=2))
    rt.providers["tempo"].set_fault(0.0, Fault(FaultKind.LATENCY, extra_latency_ms=10_000.0))
    rt.pay(0.0, "i1", CARD, 10_000)
    [done] = rt.run()
    assert done.succeeded and done.provider == "circle"
    assert [v.provider for v in rt.voids] == ["tempo"]
    assert charges(rt) == [("i1", "circle")]


def test_a_decline_is_an_outcome_and_is_not_retried_elsewhere() -> None:
    configs = tuple(dataclasses.replace(c, decline_rate=1.0) for c in DEFAULT_PROVIDERS)
    rt = world(configs=configs)
    rt.pay(0.0, "i1", CARD, 10_000)
    [done] = rt.run()
    assert not done.succeeded and done.reason == "declined by tempo" and done.attempts == 1
    assert rt.orchestrator.breakers["tempo"].state is BreakerState.CLOSED


def test_retries_stop_at_max_attempts() -> None:
    rt = world(RoutingConfig(max_attempts=2))
    for p in rt.providers.values():
        p.set_fault(0.0, Fault(FaultKind.ERROR_RATE, error_rate=1.0))
    rt.pay(0.0, "i1", BANK, 10_000)
    [done] = rt.run()
    assert not done.succeeded and done.reason == "failed after 2 attempts"
    assert [d.chosen for d in rt.orchestrator.decisions] == ["tempo", "circle"]


def test_no_eligible_provider_fails_the_payment_and_records_every_reason() -> None:
    configs = (
        DEFAULT_PROVIDERS[0],
        dataclasses.replace(DEFAULT_PROVIDERS[1], enabled=False),
        DEFAULT_PROVIDERS[2],
    )
    rt = world(configs=configs)
    rt.orchestrator.breaker("tempo").force_open(0.0)
    rt.pay(0.0, "i1", CRYPTO, 10_000)
    [done] = rt.run()
    assert not done.succeeded
    assert done.reason == (
        "no eligible provider (tempo: breaker: forced_open; circle: disabled; "
        "stripe: does not support crypto)"
    )
    [decision] = rt.orchestrator.decisions
    assert decision.chosen is None
    assert dict(decision.skipped) == {
        "tempo": "breaker: forced_open",
        "circle": "disabled",
        "stripe": "does not support crypto",
    }


def test_weighted_routing_splits_by_invoice_id_deterministically() -> None:
    routing = RoutingConfig(policy=Policy.WEIGHTED, weights={"tempo": 70, "circle": 30})
    rt1, rt2 = world(routing), world(routing)
    for rt in (rt1, rt2):
        for i in range(1000):
            rt.pay(i * 0.01, f"inv-{i}", BANK, 1_000)
        rt.run()
    firsts1 = [d.chosen for d in rt1.orchestrator.decisions]
    firsts2 = [d.chosen for d in rt2.orchestrator.decisions]
    assert firsts1 == firsts2
    share = firsts1.count("tempo") / len(firsts1)
    assert 0.65 < share < 0.75
    assert "stripe" not in firsts1


def test_cost_routing_picks_the_cheapest_eligible_provider() -> None:
    routing = RoutingConfig(policy=Policy.COST)
    rt = world(routing)
    rt.orchestrator.breaker("tempo").disable(0.0)
    rt.pay(0.0, "i1", CARD, 10_000)
    [done] = rt.run()
    assert done.provider == "circle"  # 50 bp beats Stripe's 290 bp + 30
    assert dict(rt.orchestrator.decisions[0].skipped) == {"tempo": "breaker: disabled"}


def test_a_forced_provider_is_never_failed_over() -> None:
    rt = world()
    rt.providers["stripe"].set_fault(0.0, Fault(FaultKind.OUTAGE))
    rt.pay(0.0, "i1", CARD, 10_000, forced="stripe")
    [done] = rt.run()
    assert not done.succeeded and done.provider == "stripe"
    second = rt.orchestrator.decisions[1]
    assert second.chosen is None
    assert ("tempo", "provider forced to stripe") in second.skipped


def test_unknown_forced_provider_is_an_input_error() -> None:
    rt = world()
    with pytest.raises(InputError, match="unknown provider 'paypal'"):
        rt.orchestrator.begin(0.0, "i1", CARD, 100, forced="paypal")


def test_one_invoice_cannot_have_two_payments_in_flight() -> None:
    rt = world()
    rt.orchestrator.begin(0.0, "i1", CARD, 100)
    with pytest.raises(IllegalTransition, match="already has a payment in flight"):
        rt.orchestrator.begin(0.0, "i1", CARD, 100)


def test_probes_take_a_down_provider_out_and_bring_it_back_for_failback() -> None:
    routing = RoutingConfig(
        health=HealthConfig(interval_s=5.0), breaker=BreakerConfig(open_s=600.0)
    )
    rt = world(routing)
    tempo = rt.providers["tempo"]
    tempo.set_fault(0.0, Fault(FaultKind.OUTAGE))
    for i in range(6):
        rt.pay(0.1 + i * 0.01, f"a{i}", CARD, 1_000)
    for t in (0.0, 5.0, 10.0):
        rt.probe_all(t)
    rt.run(until=10.0)
    orchestrator = rt.orchestrator
    assert orchestrator.health["tempo"].status is Health.DOWN
    assert not orchestrator.routes_to(10.0, "tempo")
    tempo.set_fault(12.0, None)
    rt.probe_all(15.0)
    rt.pay(15.5, "b1", CARD, 1_000)
    rt.pay(16.5, "b2", CARD, 1_000)
    rt.run()
    assert orchestrator.health["tempo"].status is Health.HEALTHY
    assert (
        orchestrator.breakers["tempo"].state is BreakerState.CLOSED
    )  # probe -> half-open -> trial ok
    assert [d.provider for d in rt.done[-2:]] == ["tempo", "tempo"]


def test_a_stale_timeout_after_a_reply_does_nothing() -> None:
    rt = world()
    rt.pay(0.0, "i1", CARD, 10_000)
    rt.run()
    assert rt.orchestrator.on_timeout(5.0, "i1#1") == ()
    assert rt.orchestrator.in_flight == 0


def test_views_list_providers_in_priority_order_with_their_state() -> None:
    rt = world()
    rt.orchestrator.breaker("stripe").force_open(0.0)
    views = rt.orchestrator.views(1.0)
    assert [(v.name, v.breaker) for v in views] == [
        ("tempo", BreakerState.CLOSED),
        ("circle", BreakerState.CLOSED),
        ("stripe", BreakerState.FORCED_OPEN),
    ]


def test_updating_a_provider_takes_effect_at_the_next_decision() -> None:
    rt = world()
    circle = dataclasses.replace(DEFAULT_PROVIDERS[1], priority=0)
    rt.orchestrator.update_provider(circle)
    rt.pay(0.0, "i1", CARD, 1_000)
    [done] = rt.run()
    assert done.provider == "circle"
    with pytest.raises(InputError, match="unknown provider"):
        rt.orchestrator.update_provider(dataclasses.replace(circle, name="paypal"))
