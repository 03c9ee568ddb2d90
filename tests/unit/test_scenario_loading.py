"""Loading a scenario file: a good file and the documented defaults; a bad value
reported with file, field path and line; what is refused outright (bad YAML,
duplicate keys, tags, alias bombs, size, missing or empty files); where bulk files
are found; and a digest that follows content, not formatting."""

from pathlib import Path

import pytest

from actors.errors import InputError
from actors.provider_config import DEFAULT_PROVIDERS, FaultKind
from actors.routing_config import RoutingConfig
from simulation.scenario import MAX_FILE_BYTES, ScenarioError, load_scenario, with_overrides
from tests.unit.scenario_texts import BASE, FAULT, GOOD, parse, write


def error_for(tmp_path: Path, text: str) -> ScenarioError:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


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
    assert (phase.underpay_share, phase.overpay_share, phase.mispay_by) == (0, 0, 0.1)


# ---- bad values: file, field path and line ------------------------------------------
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
    "payer shares summing over 1": (
        BASE
        + PHASE
        + "    never_pay_share: 0.5\n    underpay_share: 0.3\n    overpay_share: 0.3\n",
        "load[0].overpay_share",
        "overpay_share",
        "never_pay_share + underpay_share + overpay_share is 1.1; together at most 1",
    ),
    "mispaying by too much": (
        BASE + PHASE + "    underpay_share: 0.1\n    mispay_by: 0.95\n",
        "load[0].mispay_by",
        "mispay_by",
        "less than or equal to 0.9",
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


def test_a_bulk_jobs_payer_shares_are_parts_of_one_whole(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("invoice_id,payer,merchant,amount,currency,method,due_date\n")
    job = "bulk:\n  - {at_s: 1, file: b.csv, underpay_share: 0.6, overpay_share: %s}\n"
    error = error_for(tmp_path, BASE + job % "0.9")
    assert f"{error.file}: bulk[0].overpay_share: " in str(error)
    assert "underpay_share + overpay_share is 1.5; together at most 1 (line 4)" in str(error)
    bulk = load_scenario(write(tmp_path, BASE + job % "0.4")).bulk[0]
    assert (bulk.underpay_share, bulk.overpay_share, bulk.mispay_by) == (0.6, 0.4, 0.1)


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


# ---- bulk files and the digest ------------------------------------------------------
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
