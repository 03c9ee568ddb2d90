"""The command line starts fast: a command's module is imported only when it runs, and the
help page lists each command with what the command itself says (read from its source)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli.app import COMMANDS, app, first_paragraph, load, summary

ROOT = Path(__file__).parents[2]
HEAVY = ("ray", "sqlalchemy", "streamlit", "altair", "fastapi", "uvicorn", "vl_convert",
         "pandas", "psycopg", "alembic", "simulation.engine", "storage.database")  # fmt: skip


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_help_page_lists_what_each_command_says_of_itself(name: str) -> None:
    command = load(name)
    assert first_paragraph(summary(*COMMANDS[name])) == first_paragraph(command.help or "")
    assert command.name == name


def test_the_help_page_lists_every_command_in_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line.strip("│ ").split(" ")[0] for line in result.output.splitlines()]
    listed = [word for word in lines if word in {"version", *COMMANDS}]
    assert listed == ["version", *COMMANDS]


def imported_by(args: list[str]) -> list[str]:
    """The heavy modules loaded by ``invoicesim ARGS``, run in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from ui.cli.app import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return list(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize(
    "args", [["--help"], ["version"], ["validate", "scenarios/steady.yaml"], ["run", "--help"]]
)
def test_starting_a_light_command_imports_nothing_heavy(args: list[str]) -> None:
    assert imported_by(args) == []


def test_an_unknown_command_is_refused_with_exit_code_2() -> None:
    result = CliRunner().invoke(app, ["frobnicate"])
    assert result.exit_code == 2
