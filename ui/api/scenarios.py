"""The shipped scenarios a client may start, by name: ``scenarios_dir/NAME.yaml``.

A name is checked against a strict pattern and looked up in the folder's
listing, so a request can never name a file outside the folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from actors.errors import InputError, NotFoundError
from simulation.scenario import Scenario, ScenarioError, load_scenario
from ui.api.responses import ScenarioOut

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
MAX_SCENARIOS = 200


def scenario_files(folder: Path) -> dict[str, Path]:
    """The folder's scenario files by name (the file's stem), at most ``MAX_SCENARIOS``."""
    if not folder.is_dir():
        return {}
    files = sorted(folder.glob("*.yaml"))[:MAX_SCENARIOS]
    return {f.stem: f for f in files if NAME.match(f.stem)}


def list_scenarios(folder: Path) -> list[ScenarioOut]:
    """Every valid scenario of the folder, by name (an invalid file is left out)."""
    out = []
    for name, file in scenario_files(folder).items():
        try:
            scenario = load_scenario(file)
        except ScenarioError:
            continue
        out.append(
            ScenarioOut(
                name=name,
                file=file.name,
                description=scenario.description,
                duration_s=scenario.duration_s,
                shards=scenario.shards,
            )
        )
    return out


def find_scenario(folder: Path, name: str) -> Scenario:
    """Load scenario ``name``; ``NotFoundError`` naming the ones there are, or an
    ``InputError`` naming each problem of the file by the file's name (not the server's
    path to it)."""
    files = scenario_files(folder)
    if not NAME.match(name) or name not in files:
        known = ", ".join(files) or "none"
        raise NotFoundError(f"no scenario {name!r}; the scenarios are: {known} (GET /scenarios)")
    try:
        return load_scenario(files[name])
    except ScenarioError as error:
        raise InputError("\n".join(f"{files[name].name}: {e}" for e in error.errors)) from None
