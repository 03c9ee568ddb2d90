"""Scenario to domain: provider overrides become provider configs, routing becomes a
routing config, faults become domain faults; with the checks each conversion needs."""

from dataclasses import replace

import pytest

from actors.errors import InputError
from actors.methods import PaymentMethod
from actors.provider_config import DEFAULT_PROVIDERS, FaultKind
from actors.routing import Policy
from actors.routing_config import RoutingConfig
from simulation.scenario import ScenarioError
from tests.unit.scenario_texts import BASE, parse


# ---- conversions to the domain -------------------------------------------------------
def test_provider_overrides_reach_provider_configs() -> None:
    scenario = parse(
        BASE
        + "providers:\n"
        + "  tempo: {fee_bp: 5, timeout_ms: 800, max_concurrency: null}\n"
        + "  adyen: {priority: 4, methods: [card], fee_bp: 150}\n"
    )
    by_name = {c.name: c for c in scenario.provider_configs()}
    tempo = by_name["tempo"]
    assert (tempo.fee_bp, tempo.timeout_ms, tempo.max_concurrency) == (5, 800, None)
    assert tempo.latency_base_ms == DEFAULT_PROVIDERS[0].latency_base_ms
    assert by_name["adyen"].methods == frozenset({PaymentMethod.CARD})
    assert by_name["circle"] == DEFAULT_PROVIDERS[1]
    assert scenario.provider_names == ("tempo", "circle", "stripe", "adyen")


def test_disabling_circle_and_stripe_fails_the_coverage_check() -> None:
    with pytest.raises(ScenarioError, match="providers: method 'card' is served by"):
        parse(BASE + "providers:\n  circle: {enabled: false}\n  stripe: {enabled: false}\n")


def test_a_new_provider_needs_priority_and_methods() -> None:
    with pytest.raises(ScenarioError) as info:
        parse(BASE + "providers:\n  adyen: {fee_bp: 1}\n")
    assert "providers.adyen.priority: required" in str(info.value)
    assert "providers.adyen.methods: required" in str(info.value)


def test_null_is_only_allowed_for_limits() -> None:
    with pytest.raises(ScenarioError, match=r"providers\.tempo\.fee_bp: must not be null"):
        parse(BASE + "providers:\n  tempo: {fee_bp: null}\n")


def test_routing_config_carries_the_health_interval_and_breaker() -> None:
    scenario = parse(
        BASE
        + "routing:\n  policy: weighted\n  weights: {tempo: 3, circle: 1}\n"
        + "  health_interval_s: 5\n  breaker: {failure_threshold: 2}\n  health: {up_after: 2}\n"
    )
    config = scenario.routing_config()
    assert config.policy is Policy.WEIGHTED and config.weights == {"tempo": 3, "circle": 1}
    assert config.health.interval_s == 5 and config.health.up_after == 2
    assert config.breaker == replace(RoutingConfig().breaker, failure_threshold=2)


def test_weights_must_name_known_providers() -> None:
    with pytest.raises(ScenarioError, match=r"routing\.weights\.paypal: unknown provider"):
        parse(BASE + "routing: {policy: weighted, weights: {paypal: 1}}\n")


def test_a_provider_fault_converts_to_a_domain_fault() -> None:
    scenario = parse(
        BASE + "faults:\n  - {target: tempo, kind: flapping, start_s: 10, duration_s: 90,"
        " params: {period_s: 20, duty: 0.25}}\n"
    )
    fault = scenario.faults[0].to_fault()
    assert (fault.kind, fault.started_at, fault.period_s, fault.duty) == (
        FaultKind.FLAPPING,
        10,
        20,
        0.25,
    )
    assert fault.error_rate == 0.5  # the domain default for what was not written


def test_an_open_ended_fault_ends_with_the_scenario() -> None:
    scenario = parse(BASE + "faults:\n  - {target: tempo, kind: silent, start_s: 10}\n")
    assert scenario.faults[0].end_s == 600


def test_a_custodian_fault_has_no_provider_fault() -> None:
    scenario = parse(
        BASE + "faults:\n  - {target: custodian, kind: feed_delay, start_s: 1,"
        " params: {delay_s: 30}}\n"
    )
    with pytest.raises(InputError, match="custodian fault"):
        scenario.faults[0].to_fault()


def test_a_parameter_of_another_kind_is_an_error() -> None:
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.params\.duty: does not apply"):
        parse(BASE + "faults:\n  - {target: tempo, kind: outage, start_s: 1, params: {duty: 1}}\n")


def test_feed_delay_needs_delay_s() -> None:
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.params\.delay_s: required"):
        parse(BASE + "faults:\n  - {target: custodian, kind: feed_delay, start_s: 1}\n")


def test_a_fault_ending_after_the_run_is_an_error() -> None:
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.duration_s: .*use null"):
        parse(BASE + "faults:\n  - {target: tempo, kind: outage, start_s: 500, duration_s: 200}\n")
