"""Scenario fields changed by dotted path, the result validated again.

``with_overrides`` sets fields such as ``routing.breaker.open_s`` or
``load.0.rate_per_s``: ``--seed``, parameter sweeps and the fuzzer use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulation.scenario.model import Scenario
from simulation.scenario.paths import path_text, set_path
from simulation.scenario.reader import ScenarioError, validate_data


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with fields set by dotted path, validated again."""
    data = scenario.model_dump(mode="json", exclude_unset=True)
    problems = [
        f"override {path!r}: {problem}"
        for path, value in overrides.items()
        if (problem := set_path(data, path, value)) is not None
    ]
    if problems:
        raise ScenarioError(scenario.source, problems)
    shown = {
        path_text(tuple(int(p) if p.isdigit() else p for p in o.split("."))) for o in overrides
    }
    return validate_data(data, scenario.source, scenario.base_dir, None, shown)
