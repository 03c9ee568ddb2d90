"""The parts of a scenario file: pydantic models with their units, defaults and limits.

``Scenario`` here is the whole file: it checks what spans its parts (names of
providers, ends of phases and faults, assertion scopes) and converts itself
into the domain's config objects. The parts live beside it, one concept each:
``base`` (strict numbers, ``Spec``, ``FieldProblems``), ``routing`` (providers,
breaker, health, routing), ``load`` (load phases, bulk files), ``faults``,
``reconciliation`` and ``assertions``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from actors.errors import InputError
from actors.provider_config import DEFAULT_PROVIDERS, ProviderConfig, check_method_coverage
from actors.routing_config import RoutingConfig
from simulation.scenario.assertions import (
    FAULT_METRICS,
    AssertionSpec,
)
from simulation.scenario.base import (
    DAY_S,
    Day,
    Float,
    Int,
    Loc,
    Problems,
    Spec,
    one_of,
)
from simulation.scenario.faults import (
    CUSTODIAN,
    RESERVE_LP,
    SHARD_LP,
    FaultSpec,
)
from simulation.scenario.history import HistorySpec
from simulation.scenario.load import (
    BulkSpec,
    LoadPhase,
)
from simulation.scenario.reconciliation import ReconciliationSpec
from simulation.scenario.routing import ProviderOverride, RoutingSpec


class ClockMode(StrEnum):
    VIRTUAL = "virtual"  # as fast as possible
    PACED = "paced"  # wall clock x speed, for live demos


class ClockSpec(Spec):
    mode: ClockMode = ClockMode.VIRTUAL
    speed: Float = Field(default=1.0, gt=0, le=1000)


DEFAULT_START_DATE = date(2026, 1, 1)
DEFAULT_PROVIDER_NAMES = tuple(c.name for c in DEFAULT_PROVIDERS)
PROVIDER_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
_RESERVED_NAMES = frozenset({CUSTODIAN, "auto", RESERVE_LP})  # reserve: the reserve LP's name
_EPS_S = 1e-9  # float slack when comparing ends of phases and faults with duration_s


class Scenario(Spec):
    """One scenario file. Times are simulated seconds from the start of the run."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    seed: Int = Field(default=0, ge=0, le=2**63 - 1)
    # The calendar day of simulated t=0: due dates are checked against it. A live run
    # (serve, demo) starts on the day it starts (RunOptions.start_date).
    start_date: Day = DEFAULT_START_DATE
    duration_s: Float = Field(gt=0, le=DAY_S)
    drain_s: Float | None = Field(default=None, ge=0, le=DAY_S)  # None: wallet_ttl_s + 600
    clock: ClockSpec = ClockSpec()
    shards: Int = Field(default=1, ge=1, le=64)
    wallet_ttl_s: Float = Field(default=1800.0, gt=0, le=7 * DAY_S)
    providers: dict[Annotated[str, Field(pattern=PROVIDER_NAME_PATTERN)], ProviderOverride] = Field(
        default_factory=dict, max_length=16
    )
    routing: RoutingSpec = RoutingSpec()
    history: HistorySpec | None = None  # days of business before t=0 (the live part)
    load: list[LoadPhase] = Field(default_factory=list, max_length=100)
    bulk: list[BulkSpec] = Field(default_factory=list, max_length=20)
    # Simulated seconds between the rows of a CSV uploaded through the API while the scenario
    # runs live (serve, demo): a pace people can follow. None: as fast as the file's own
    # bulk jobs (100 rows a second per shard), which a batch run keeps.
    upload_row_interval_s: Float | None = Field(default=None, gt=0, le=60)
    faults: list[FaultSpec] = Field(default_factory=list, max_length=100)
    reconciliation: ReconciliationSpec = ReconciliationSpec()
    assertions: list[AssertionSpec] = Field(default_factory=list, max_length=200)
    _base_dir: Path | None = PrivateAttr(None)
    _source: str = PrivateAttr("<scenario>")

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Self:
        problems = Problems()
        self._check_providers(problems)
        if not problems:  # the rest names providers: check them against a sound list
            self._check_load_and_bulk(problems)
            self._check_faults(problems)
            self._check_assertions(problems)
        problems.raise_any()
        context = info.context or {}
        self._base_dir = context.get("base_dir")
        self._source = context.get("source", "<scenario>")
        for fault in self.faults:
            fault._run_end_s = self.duration_s
        return self

    # ---- cross-field checks -----------------------------------------------------
    def _check_providers(self, problems: Problems) -> None:
        for name, override in self.providers.items():
            if name in _RESERVED_NAMES or SHARD_LP.fullmatch(name):
                problems.add(("providers", name), f"{name!r} is reserved; pick another name")
            elif name not in DEFAULT_PROVIDER_NAMES:
                for field in ("priority", "methods"):
                    if getattr(override, field) is None:
                        problems.add(
                            ("providers", name, field), f"required for new provider {name}"
                        )
        known = one_of(self.provider_names)
        for name in self.routing.weights:
            if name not in self.provider_names:
                problems.add(("routing", "weights", name), f"unknown provider; known: {known}")
        if not problems:
            try:
                self.provider_configs()
            except InputError as exc:
                problems.add(("providers",), str(exc))

    def _check_load_and_bulk(self, problems: Problems) -> None:
        end = self.duration_s
        for i, phase in enumerate(self.load):
            if phase.end_s > end + _EPS_S:
                problems.add(
                    ("load", i, "duration_s"),
                    f"phase ends at {phase.end_s:g} s, after duration_s ({end:g} s)",
                )
        choices = one_of(("auto", *self.provider_names))
        for i, bulk in enumerate(self.bulk):
            if bulk.at_s >= end:
                problems.add(("bulk", i, "at_s"), f"must be < duration_s ({end:g})")
            if bulk.provider != "auto" and bulk.provider not in self.provider_names:
                problems.add(("bulk", i, "provider"), f"{bulk.provider!r} is not one of {choices}")

    def _check_faults(self, problems: Problems) -> None:
        end = self.duration_s
        targets = (*self.provider_names, CUSTODIAN)
        lps = (*self.provider_names, RESERVE_LP)
        for i, fault in enumerate(self.faults):
            if fault.is_actor_crash:
                if fault.target not in lps and not SHARD_LP.fullmatch(fault.target):
                    problems.add(
                        ("faults", i, "target"),
                        f"unknown logical process {fault.target!r}; use one of "
                        f"{one_of(lps)} or shard-N (N from 0 to shards - 1)",
                    )
            elif fault.target not in targets:
                problems.add(
                    ("faults", i, "target"),
                    f"unknown target {fault.target!r}; use one of {one_of(targets)}",
                )
            if fault.start_s >= end:
                problems.add(
                    ("faults", i, "start_s"),
                    f"{fault.start_s:g} s is not before duration_s ({end:g} s)",
                )
            elif fault.duration_s is not None and fault.start_s + fault.duration_s > end + _EPS_S:
                problems.add(
                    ("faults", i, "duration_s"),
                    f"the fault would end at {fault.start_s + fault.duration_s:g} s, after "
                    f"duration_s ({end:g} s); use null to last until the end",
                )

    def _check_assertions(self, problems: Problems) -> None:
        names: set[str] = set()
        for i, a in enumerate(self.assertions):
            at: Loc = ("assertions", i)
            if a.name is not None and a.name in names:
                problems.add((*at, "name"), f"duplicate assertion name {a.name!r}")
            names.add(a.name or "")
            if a.metric in FAULT_METRICS and a.fault >= len(self.faults):
                problems.add((*at, "fault"), f"no fault {a.fault}: there are {len(self.faults)}")
            elif a.metric in FAULT_METRICS and not self.faults[a.fault].is_provider_fault:
                problems.add(
                    (*at, "fault"),
                    f"fault {a.fault} is a {self.faults[a.fault].kind} fault; "
                    f"{a.metric} needs a provider fault",
                )
            if a.provider is not None and a.provider not in self.provider_names:
                known = one_of(self.provider_names)
                problems.add((*at, "provider"), f"unknown provider {a.provider!r}; known: {known}")
            if a.phase is not None and a.phase >= len(self.load):
                problems.add((*at, "phase"), f"no phase {a.phase}: load has {len(self.load)}")
            if a.window is not None and a.window.end_s > self.duration_s + _EPS_S:
                problems.add(
                    (*at, "window", "end_s"), f"must be <= duration_s ({self.duration_s:g})"
                )

    # ---- what the engine reads --------------------------------------------------
    @property
    def source(self) -> str:
        """Where the scenario was read from (a path, or ``<text>``)."""
        return self._source

    @property
    def base_dir(self) -> Path | None:
        """The scenario file's folder: bulk files are relative to it."""
        return self._base_dir

    @property
    def provider_names(self) -> tuple[str, ...]:
        extra = tuple(n for n in self.providers if n not in DEFAULT_PROVIDER_NAMES)
        return DEFAULT_PROVIDER_NAMES + extra

    @property
    def start_s(self) -> float:
        """Simulated time the run starts at: 0, or before it when it has a history."""
        return 0.0 if self.history is None else self.history.start_s

    @property
    def drain_limit_s(self) -> float:
        """Simulated time after duration_s that open invoices get to end."""
        return self.wallet_ttl_s + 600.0 if self.drain_s is None else self.drain_s

    def bulk_path(self, bulk: BulkSpec) -> Path:
        return Path(bulk.file) if self._base_dir is None else self._base_dir / bulk.file

    def provider_configs(self) -> tuple[ProviderConfig, ...]:
        """The default providers with the overrides applied, then the new ones."""
        configs = [
            replace(c, **self.providers[c.name].changes()) if c.name in self.providers else c
            for c in DEFAULT_PROVIDERS
        ]
        configs += [
            ProviderConfig(name=name, **override.changes())
            for name, override in self.providers.items()
            if name not in DEFAULT_PROVIDER_NAMES
        ]
        check_method_coverage(configs)
        return tuple(configs)

    def routing_config(self) -> RoutingConfig:
        r = self.routing
        return RoutingConfig(
            policy=r.policy,
            weights=dict(r.weights),
            max_attempts=r.max_attempts,
            status_timeout_ms=r.status_timeout_ms,
            status_retry_ms=r.status_retry_ms,
            max_status_checks=r.max_status_checks,
            # A payment in doubt must end (failed, held for review) while the run drains,
            # not be cut off open when the drain limit ends the run.
            doubt_limit_s=max(5.0, min(900.0, self.drain_limit_s / 2)),
            breaker=r.breaker.to_config(),
            health=r.health.to_config(r.health_interval_s),
        )

    def canonical_text(self) -> str:
        """Sorted-key JSON of every field, defaults included; provider overrides as written."""
        data = self.model_dump(mode="json")
        data["providers"] = {
            name: o.model_dump(mode="json", exclude_unset=True)
            for name, o in self.providers.items()
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """sha256 of ``canonical_text`` (bulk CSV contents are not part of it)."""
        return hashlib.sha256(self.canonical_text().encode()).hexdigest()
