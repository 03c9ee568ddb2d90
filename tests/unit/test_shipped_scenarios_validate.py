from pathlib import Path

import pytest
from typer.testing import CliRunner

from actors.bulk_csv import parse_invoices_csv
from simulation.scenario import load_scenario
from ui.cli.app import app

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
EXPECTED = {
    "bulk",
    "failover_cascade",
    "reserve_drift",
    "steady",
    "tempo_flapping",
    "tempo_outage",
    "tempo_silent",
}


def test_the_expected_scenarios_are_shipped() -> None:
    assert {path.stem for path in SHIPPED} >= EXPECTED


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_validates_and_has_assertions(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.assertions
    assert scenario.provider_configs()
    assert scenario.routing_config()
    for fault in scenario.faults:
        if not fault.is_custodian:
            fault.to_fault()


def test_the_validate_command_accepts_every_shipped_scenario() -> None:
    result = CliRunner().invoke(app, ["validate", *map(str, SHIPPED)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ok  ") == len(SHIPPED)


def test_the_500_row_bulk_sample_has_about_25_bad_rows_of_every_kind() -> None:
    result = parse_invoices_csv((SCENARIOS / "samples" / "bulk_500.csv").read_bytes())
    assert result.rows_seen == 500
    assert 20 <= result.rows_rejected <= 30
    assert {e.column for e in result.errors} >= {
        "invoice_id",
        "amount",
        "method",
        "currency",
        "due_date",
        "payer",
    }


def test_the_10_row_bulk_sample_is_all_good() -> None:
    result = parse_invoices_csv((SCENARIOS / "samples" / "bulk_10.csv").read_bytes())
    assert (result.rows_seen, len(result.accepted), result.errors) == (10, 10, [])
