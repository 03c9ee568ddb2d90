from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actors.errors import InputError
from actors.methods import PaymentMethod
from actors.provider_config import DEFAULT_PROVIDERS, FaultKind
from actors.routing import Policy
from actors.routing_config import RoutingConfig
from simulation.scenario import (
    MAX_FILE_BYTES,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
    with_overrides,
)
from ui.cli import app

GOOD = """\
name: good
description: a small scenario
seed: 3
duration_s: 600
load:
  - start_s: 0
    duration_s: 600
    shape: poisson
    rate_per_s: 10
faults:
  - target: tempo
    kind: outage
    start_s: 100
    duration_s: 60
assertions:
  - {metric: double_pays, op: "==", limit: 0}
  - {metric: time_to_detect_s, op: "<=", limit: 1.0}
"""

BASE = "name: bad\nduration_s: 600\n"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str) -> ScenarioError:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def parse(text: str) -> Scenario:
    return parse_scenario(text)


# ---- good files ---------------------------------------------------------------------
def test_a_good_file_loads_with_its_values(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD))
    assert scenario.name == "good"
    assert scenario.seed == 3
    assert scenario.duration_s == 600
    assert scenario.load[0].shape == "poisson"
    assert scenario.faults[0].kind is FaultKind.OUTAGE
    assert scenario.faults[0].end_s == 160
    assert [a.metric for a in scenario.assertions] == ["double_pays", "time_to_detect_s"]
    assert scenario.source == str(tmp_path / "s.yaml")
    assert scenario.base_dir == tmp_path


def test_unwritten_fields_take_the_documented_defaults() -> None:
    scenario = parse(BASE)
    assert scenario.clock.mode == "virtual" and scenario.clock.speed == 1.0
    assert scenario.shards == 1
    assert scenario.wallet_ttl_s == 1800
    assert scenario.drain_limit_s == 1800 + 600
    assert scenario.provider_configs() == DEFAULT_PROVIDERS
    assert scenario.routing_config() == RoutingConfig()
    recon = scenario.reconciliation
    assert (recon.interval_s, recon.warning_bp, recon.breach_bp) == (300, 10, 50)
    assert recon.settlement_delay_s == {"card": 60, "bank": 30, "crypto": 2}


def test_a_load_phase_defaults_to_the_documented_mix_and_amount() -> None:
    phase = parse(BASE + "load:\n  - {duration_s: 10, rate_per_s: 1}\n").load[0]
    assert phase.methods == {"card": 0.5, "bank": 0.3, "crypto": 0.2}
    assert phase.currency == "USD"
    assert phase.amount.distribution == "fixed" and phase.amount.value_minor == 5000
    assert phase.think_s == 5


# ---- bad values: file, field path and line ------------------------------------------
FAULT = "faults:\n  - target: tempo\n    kind: outage\n    start_s: 100\n"
PHASE = "load:\n  - duration_s: 60\n    rate_per_s: 5\n"
BAD_CASES = {
    "unknown key at top level": (BASE + "colour: blue\n", "colour", "colour:", "unknown field"),
    "unknown key nested in a fault": (
        BASE + FAULT + "    severity: high\n",
        "faults[0].severity",
        "severity:",
        "unknown field 'severity'",
    ),
    "bad enum": (
        BASE + FAULT.replace("outage", "meltdown"),
        "faults[0].kind",
        "meltdown",
        "'meltdown' is not one of outage, silent",
    ),
    "negative rate": (
        BASE + PHASE.replace("rate_per_s: 5", "rate_per_s: -5"),
        "load[0].rate_per_s",
        "rate_per_s: -5",
        "greater than or equal to 0",
    ),
    "ramp without rate_end_per_s": (
        BASE + PHASE + "    shape: ramp\n",
        "load[0].rate_end_per_s",
        "- duration_s: 60",
        "required for shape ramp",
    ),
    "fault on an unknown provider": (
        BASE + FAULT.replace("tempo", "paypal"),
        "faults[0].target",
        "target: paypal",
        "unknown target 'paypal'",
    ),
    "custodian kind on a provider": (
        BASE + FAULT.replace("outage", "missing_deposit"),
        "faults[0].kind",
        "missing_deposit",
        "custodian fault",
    ),
    "provider kind on the custodian": (
        BASE + FAULT.replace("tempo", "custodian"),
        "faults[0].kind",
        "kind: outage",
        "provider fault",
    ),
    "fault starting after the end": (
        BASE + FAULT.replace("start_s: 100", "start_s: 900"),
        "faults[0].start_s",
        "start_s: 900",
        "not before duration_s",
    ),
    "assertion with an unknown metric": (
        BASE + "assertions:\n  - metric: throughput\n    op: '>'\n    limit: 1\n",
        "assertions[0].metric",
        "throughput",
        "unknown metric 'throughput'; valid metrics: double_pays, lost",
    ),
    "window and phase both given": (
        BASE
        + PHASE
        + "assertions:\n  - metric: success_rate\n    op: '>='\n    limit: 0.9\n"
        + "    window: {start_s: 0, end_s: 60}\n    phase: 0\n",
        "assertions[0].phase",
        "phase: 0",
        "not both",
    ),
    "shares summing over 1": (
        BASE + PHASE + "    never_pay_share: 0.7\n    late_pay_share: 0.5\n",
        "load[0].late_pay_share",
        "late_pay_share",
        "never_pay_share + late_pay_share is 1.2",
    ),
    "methods all zero": (
        BASE + PHASE + "    methods: {card: 0, bank: 0, crypto: 0}\n",
        "load[0].methods",
        "methods:",
        "at least one method needs a weight > 0",
    ),
    "bulk file missing": (
        BASE + "bulk:\n  - at_s: 10\n    file: missing.csv\n",
        "bulk[0].file",
        "missing.csv",
        "not found",
    ),
    "string where a number belongs": (
        BASE + "shards: '4'\n",
        "shards",
        "shards:",
        "valid integer",
    ),
}


@pytest.mark.parametrize(
    ("text", "field", "needle", "message"), BAD_CASES.values(), ids=list(BAD_CASES)
)
def test_a_bad_value_is_reported_with_file_field_path_and_line(
    tmp_path: Path, text: str, field: str, needle: str, message: str
) -> None:
    error = error_for(tmp_path, text)
    assert isinstance(error, InputError)
    assert error.file == str(tmp_path / "s.yaml")
    expected = f"{error.file}: {field}: "
    lines = [line for line in str(error).splitlines() if line.startswith(expected)]
    assert lines, str(error)
    assert message in lines[0]
    assert lines[0].endswith(f"(line {line_of(text, needle)})")


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    error = error_for(tmp_path, BASE + "shards: 0\nseed: -1\n")
    assert len(error.errors) == 2
    assert {e.split(":")[0] for e in error.errors} == {"seed", "shards"}


def test_a_yaml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    text = BASE + "load: [\n  - x: 1\n"
    error = error_for(tmp_path, text)
    assert "not valid YAML" in str(error)
    assert str(error).endswith(f"(line {line_of(text, '- x: 1')})")


def test_a_duplicate_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, BASE + "seed: 1\nseed: 2\n")
    assert "duplicate key 'seed' (line 4)" in str(error)


def test_python_tags_are_refused_as_with_safe_load(tmp_path: Path) -> None:
    error = error_for(tmp_path, BASE + "seed: !!python/object/apply:os.getpid []\n")
    assert "not valid YAML" in str(error) and "(line 3)" in str(error)


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    with pytest.raises(ScenarioError, match="expands to over"):
        parse(BASE + "\n".join(lines) + "\n")


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "description: '" + "x" * MAX_FILE_BYTES + "'\n")
    with pytest.raises(ScenarioError, match="bytes; a scenario must be smaller"):
        load_scenario(path)


def test_a_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_an_empty_file_or_a_list_is_not_a_scenario() -> None:
    with pytest.raises(ScenarioError, match="empty"):
        parse("")
    with pytest.raises(ScenarioError, match="is a mapping"):
        parse("- name: x\n")


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(ScenarioError, match="duration_s: required field is missing"):
        parse("name: x\n")


# ---- overrides -----------------------------------------------------------------------
def test_with_overrides_sets_nested_fields_and_keeps_the_rest() -> None:
    scenario = parse(GOOD)
    changed = with_overrides(scenario, {"routing.breaker.failure_threshold": 3, "seed": 7})
    assert changed.seed == 7
    assert changed.routing_config().breaker.failure_threshold == 3
    assert changed.routing.breaker.window_s == scenario.routing.breaker.window_s
    assert changed.faults == scenario.faults
    assert scenario.seed == 3  # the original is untouched


def test_with_overrides_indexes_lists_and_reaches_provider_fields() -> None:
    changed = with_overrides(
        parse(GOOD), {"load.0.rate_per_s": 50.0, "providers.tempo.timeout_ms": 500.0}
    )
    assert changed.load[0].rate_per_s == 50
    assert changed.provider_configs()[0].timeout_ms == 500


@pytest.mark.parametrize(
    "path", ["routing.nope", "load.3.rate_per_s", "seed.x", "load.first.rate_per_s", "a..b"]
)
def test_with_overrides_rejects_a_bad_path_naming_it(path: str) -> None:
    with pytest.raises(ScenarioError) as info:
        with_overrides(parse(GOOD), {path: 1})
    assert f"override {path!r}" in str(info.value)


def test_with_overrides_validates_the_new_values() -> None:
    with pytest.raises(ScenarioError, match=r"routing\.breaker\.failure_threshold: .*override"):
        with_overrides(parse(GOOD), {"routing.breaker.failure_threshold": 0})


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


# ---- other values --------------------------------------------------------------------
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


def test_parse_without_a_base_dir_does_not_look_for_bulk_files() -> None:
    scenario = parse(BASE + "bulk:\n  - {at_s: 1, file: elsewhere.csv}\n")
    assert scenario.bulk_path(scenario.bulk[0]) == Path("elsewhere.csv")


def test_bulk_files_are_found_beside_the_scenario(tmp_path: Path) -> None:
    write(tmp_path, "invoice_id\n", name="rows.csv")
    scenario = load_scenario(write(tmp_path, BASE + "bulk:\n  - {at_s: 1, file: rows.csv}\n"))
    assert scenario.bulk_path(scenario.bulk[0]) == tmp_path / "rows.csv"


def test_the_digest_follows_the_content_not_the_formatting() -> None:
    compact = parse(GOOD)
    spaced = parse(GOOD.replace("duration_s: 600\nload", "duration_s: 600.0\n\n\nload"))
    assert compact.digest() == spaced.digest()
    assert with_overrides(compact, {"seed": 4}).digest() != compact.digest()


# ---- the validate command ------------------------------------------------------------
def test_validate_cli_returns_0_and_a_summary_for_a_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"ok  {path}  (good, 600 s, 1 fault, 2 assertions)" in result.stdout


def test_validate_cli_returns_2_and_names_the_field_for_a_bad_file(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD, name="good.yaml")
    bad = write(tmp_path, BASE + FAULT.replace("outage", "meltdown"), name="bad.yaml")
    result = CliRunner().invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: faults[0].kind: 'meltdown' is not one of" in result.stderr
    assert "ok  " in result.stdout  # the good file is still checked and reported


def test_validate_cli_returns_2_for_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr
