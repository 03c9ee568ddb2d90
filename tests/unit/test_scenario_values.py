"""Checks on a scenario's values that span fields: what each assertion needs (a
provider, a fault, a windowable metric, a known operator) and a load phase's
currency, amount distribution and timing."""

import pytest

from simulation.scenario import ScenarioError
from tests.unit.scenario_texts import BASE, parse


# ---- assertions ------------------------------------------------------------------
def test_a_per_provider_metric_needs_a_known_provider() -> None:
    with pytest.raises(ScenarioError, match=r"assertions\[0\]\.provider: required"):
        parse(BASE + "assertions:\n  - {metric: provider_share, op: '>', limit: 0}\n")
    with pytest.raises(ScenarioError, match="unknown provider 'paypal'"):
        parse(
            BASE
            + "assertions:\n  - {metric: provider_share, provider: paypal, op: '>', limit: 0}\n"
        )


def test_a_per_fault_metric_needs_an_existing_provider_fault() -> None:
    with pytest.raises(ScenarioError, match=r"assertions\[0\]\.fault: no fault 0"):
        parse(BASE + "assertions:\n  - {metric: time_to_detect_s, op: '<', limit: 1}\n")
    with pytest.raises(ScenarioError, match="needs a provider fault"):
        parse(
            BASE + "faults:\n  - {target: custodian, kind: missing_deposit, start_s: 1}\n"
            "assertions:\n  - {metric: time_to_detect_s, op: '<', limit: 1}\n"
        )


def test_only_some_metrics_can_be_windowed() -> None:
    with pytest.raises(ScenarioError, match=r"assertions\[0\]\.window: double_pays cannot be"):
        parse(
            BASE + "assertions:\n  - {metric: double_pays, op: '==', limit: 0,"
            " window: {start_s: 0, end_s: 10}}\n"
        )


def test_a_bad_operator_lists_the_valid_ones() -> None:
    with pytest.raises(ScenarioError, match=r"assertions\[0\]\.op: '=>' is not one of <, <="):
        parse(BASE + "assertions:\n  - {metric: lost, op: '=>', limit: 0}\n")


# ---- load phases ---------------------------------------------------------------------
def test_an_unknown_currency_is_rejected() -> None:
    with pytest.raises(ScenarioError, match=r"load\[0\]\.currency: unknown currency 'XYZ'"):
        parse(BASE + "load:\n  - {duration_s: 10, rate_per_s: 1, currency: XYZ}\n")


def test_amount_fields_must_fit_the_distribution() -> None:
    with pytest.raises(ScenarioError, match=r"amount\.max_minor: must be >= min_minor"):
        parse(
            BASE + "load:\n  - {duration_s: 10, rate_per_s: 1,"
            " amount: {distribution: uniform, min_minor: 500, max_minor: 100}}\n"
        )
    with pytest.raises(ScenarioError, match=r"amount\.sigma: required for distribution lognormal"):
        parse(
            BASE + "load:\n  - {duration_s: 10, rate_per_s: 1,"
            " amount: {distribution: lognormal, median_minor: 500}}\n"
        )


def test_a_phase_must_end_within_the_run() -> None:
    with pytest.raises(ScenarioError, match=r"load\[0\]\.duration_s: phase ends at 700 s"):
        parse(BASE + "load:\n  - {start_s: 100, duration_s: 600, rate_per_s: 1}\n")
