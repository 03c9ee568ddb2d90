"""Scenario texts and helpers shared by the scenario tests: a good file, the least
that parses, a fault to vary, and writing or parsing a text."""

from __future__ import annotations

from pathlib import Path

from simulation.scenario import Scenario, parse_scenario

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
FAULT = "faults:\n  - target: tempo\n    kind: outage\n    start_s: 100\n"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def parse(text: str) -> Scenario:
    return parse_scenario(text)
