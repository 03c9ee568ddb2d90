"""The `invoicesim` command line: every command, declared here, each in a module of its own.

A command's module is imported only when that command runs, so ``invoicesim
--help`` and ``invoicesim version`` start in a fraction of a second and
``validate`` pays for the scenario model alone, not for Ray, SQLAlchemy, FastAPI,
Streamlit or Altair. The help page lists every command with the first paragraph
of its help, read from its module's source without importing it (``summary``);
``tests/unit/test_cli_app.py`` proves that this is what the command itself says.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path
from typing import Any

import typer
from typer import _click  # typer carries its own click; its groups take its types
from typer.core import TyperCommand, TyperGroup

# name: (module, attribute): a command function, or a Typer of subcommands. In --help order.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("ui.cli.validate", "validate_command"),
    "run": ("ui.cli.run", "run"),
    "db": ("ui.cli.db", "db_app"),
    "runs": ("ui.cli.runs", "runs_app"),
    "report": ("ui.cli.runs", "report_command"),
    "compare": ("ui.cli.runs", "compare_command"),
    "sweep": ("ui.cli.sweep", "sweep_command"),
    "fuzz": ("ui.cli.fuzz", "fuzz_command"),
    "token": ("ui.cli.token", "token_app"),
    "serve": ("ui.cli.serve", "serve_command"),
    "emulate": ("ui.cli.emulate", "emulate_command"),
    "orchestrator": ("ui.cli.orchestrator", "orchestrator_app"),
    "drive": ("ui.cli.drive", "drive_command"),
    "exercise": ("ui.cli.exercise", "exercise_command"),
    "ui": ("ui.cli.ui", "ui_command"),
    "demo": ("ui.cli.demo", "demo_command"),
}


def summary(module: str, attribute: str) -> str:
    """The help of ``module.attribute`` as written in its source: a function's docstring,
    or the ``help=`` of a ``typer.Typer(...)`` assigned to that name."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise LookupError(f"no module {module}")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"), spec.origin)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            return ast.get_docstring(node) or ""
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            for keyword in node.value.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    raise LookupError(f"{module}.{attribute} is neither a function nor a typer.Typer(help=...)")


def first_paragraph(text: str) -> str:
    """What the help page lists for a command: its help's first paragraph, on one line."""
    return " ".join(text.split("\n\n")[0].split())


def load(name: str) -> _click.Command:
    """The command ``name`` itself: its module imported, its Typer command built."""
    module, attribute = COMMANDS[name]
    found: Any = getattr(importlib.import_module(module), attribute)
    # Built inside a Typer of its own, as ``add_typer`` and ``command`` register them: a
    # Typer of one subcommand (``runs list``) stays a group.
    holder = typer.Typer()
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name)(found)
    holder.callback()(lambda: None)
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    command = group.commands[name]
    return command


class LazyCommands(TyperGroup):
    """Commands imported when they are run; listed on the help page from their source."""

    listing = False  # while the help page is written

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        if self.listing:
            return TyperCommand(cmd_name, help=first_paragraph(summary(*COMMANDS[cmd_name])))
        return load(cmd_name)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


app = typer.Typer(
    name="invoicesim",
    help="Simulation and demo engine for an invoice-first stablecoin payment platform.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyCommands,
)


@app.callback()
def invoicesim() -> None:
    # A callback makes the app a group even while ``version`` is its only eager command.
    pass


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as pkg_version

    typer.echo(pkg_version("invoicesim"))


def main() -> None:
    app()
