"""``invoicesim validate``: exit 0 and a summary for good files, exit 2 naming the
field or the missing file for bad ones, every file checked."""

from pathlib import Path

from typer.testing import CliRunner

from tests.unit.scenario_texts import BASE, FAULT, GOOD, write
from ui.cli.app import app


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
