"""Scenario files: what a run simulates, validated, with every problem on its line.

- ``reader``: YAML in, a ``Scenario`` out (``load_scenario``, ``parse_scenario``);
- ``model``: the whole file (``Scenario``); its sections are ``load`` (phases of
  invoices, bulk files), ``faults``, ``routing``, ``reconciliation`` and
  ``assertions``, each built from ``base`` (strict numbers, problems);
- ``overrides``: fields changed by dotted path (``--seed``, sweeps, the fuzzer),
  walking the models with ``paths``.
"""

from simulation.scenario.faults import ALL_FAULT_KINDS, SHARD_LP, FaultSpec
from simulation.scenario.model import Scenario
from simulation.scenario.overrides import with_overrides
from simulation.scenario.reader import MAX_FILE_BYTES, ScenarioError, load_scenario, parse_scenario

__all__ = [
    "ALL_FAULT_KINDS",
    "MAX_FILE_BYTES",
    "SHARD_LP",
    "FaultSpec",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "with_overrides",
]
