"""Faults in a scenario file: on a provider (outage, latency, ...), on the custodian, or on
the engine itself (``actor_crash``: a logical process is lost and recovered mid-run)."""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Self

from pydantic import Field, PrivateAttr, field_validator, model_validator

from actors.errors import InputError
from actors.provider_config import Fault, FaultKind
from simulation.scenario.base import DAY_S, Float, Problems, Spec, one_of

CUSTODIAN = "custodian"
RESERVE_LP = "reserve"
SHARD_LP = re.compile(r"shard-(0|[1-9][0-9]?)")  # shard-N, N < 64 (the limit on shards)


class CustodianFaultKind(StrEnum):
    FEED_DELAY = "feed_delay"  # statements arrive delay_s late
    MISSING_DEPOSIT = "missing_deposit"  # deposits settling in the window never arrive


class EngineFaultKind(StrEnum):
    ACTOR_CRASH = "actor_crash"  # the LP's host is lost at start_s, then restored and replayed


_PARAMS_OF: dict[str, tuple[str, ...]] = {
    FaultKind.OUTAGE: (),
    FaultKind.SILENT: (),
    FaultKind.ERROR_RATE: ("error_rate",),
    FaultKind.LATENCY: ("extra_latency_ms",),
    FaultKind.FLAPPING: ("period_s", "duty"),
    FaultKind.LATE_SUCCESS: ("late_by_ms",),
    FaultKind.RATE_LIMIT: ("rate_limit_per_s",),
    CustodianFaultKind.FEED_DELAY: ("delay_s",),
    CustodianFaultKind.MISSING_DEPOSIT: (),
    EngineFaultKind.ACTOR_CRASH: (),
}
_REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {CustodianFaultKind.FEED_DELAY: ("delay_s",)}
_PROVIDER_KINDS = frozenset(k.value for k in FaultKind)
_CUSTODIAN_KINDS = frozenset(k.value for k in CustodianFaultKind)
ALL_FAULT_KINDS: tuple[str, ...] = (*FaultKind, *CustodianFaultKind, *EngineFaultKind)


class FaultParams(Spec):
    """Parameters of a fault; which ones a kind takes is checked by ``FaultSpec``."""

    error_rate: Float | None = Field(default=None, ge=0, le=1)
    extra_latency_ms: Float | None = Field(default=None, ge=0, le=600_000)
    period_s: Float | None = Field(default=None, gt=0, le=DAY_S)
    duty: Float | None = Field(default=None, ge=0, le=1)
    late_by_ms: Float | None = Field(default=None, ge=0, le=600_000)
    rate_limit_per_s: Float | None = Field(default=None, gt=0, le=1_000_000)
    delay_s: Float | None = Field(default=None, gt=0, le=DAY_S)

    def given(self) -> dict[str, float]:
        return {n: v for n in sorted(self.model_fields_set) if (v := getattr(self, n)) is not None}


class FaultSpec(Spec):
    # A provider name or "custodian"; for actor_crash an LP: a provider, reserve or shard-N.
    target: str = Field(min_length=1, max_length=64)
    kind: FaultKind | CustodianFaultKind | EngineFaultKind
    start_s: Float = Field(ge=0, le=DAY_S)
    duration_s: Float | None = Field(default=None, gt=0, le=DAY_S)  # None: until the end of the run
    params: FaultParams = FaultParams()
    _run_end_s: float | None = PrivateAttr(None)  # set by the Scenario that holds this fault

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: object) -> object:
        if isinstance(value, str) and value in ALL_FAULT_KINDS:
            if value in _PROVIDER_KINDS:
                return FaultKind(value)
            return (
                CustodianFaultKind(value) if value in _CUSTODIAN_KINDS else EngineFaultKind(value)
            )
        raise ValueError(f"{value!r} is not one of {one_of(ALL_FAULT_KINDS)}")

    @model_validator(mode="after")
    def _kind_fits(self) -> Self:
        kind = self.kind
        problems = Problems()
        if isinstance(kind, EngineFaultKind):
            if self.target == CUSTODIAN:
                problems.add(
                    ("target",), f"{kind} takes a logical process: a provider, reserve or shard-N"
                )
            if self.duration_s is not None:
                problems.add(("duration_s",), f"{kind} happens at start_s; leave duration_s out")
        elif self.target == CUSTODIAN and isinstance(kind, FaultKind):
            problems.add(
                ("kind",),
                f"{kind} is a provider fault; the custodian takes {one_of(CustodianFaultKind)}",
            )
        elif self.target != CUSTODIAN and isinstance(kind, CustodianFaultKind):
            problems.add(
                ("kind",),
                f"{kind} is a custodian fault (target: custodian); a provider takes "
                f"{one_of(FaultKind)}",
            )
        takes = _PARAMS_OF[kind]
        given = self.params.given()
        for name in sorted(set(given) - set(takes)):
            said = one_of(takes) if takes else "no parameters"
            problems.add(("params", name), f"does not apply to kind {kind}; it takes {said}")
        for name in _REQUIRED_PARAMS.get(kind, ()):
            if name not in given:
                problems.add(("params", name), f"required for kind {kind}")
        problems.raise_any()
        return self

    @property
    def is_custodian(self) -> bool:
        return self.target == CUSTODIAN

    @property
    def is_provider_fault(self) -> bool:
        """A fault of a payment provider: the ones the failover table and assertions measure."""
        return isinstance(self.kind, FaultKind)

    @property
    def is_actor_crash(self) -> bool:
        return self.kind is EngineFaultKind.ACTOR_CRASH

    @property
    def end_s(self) -> float:
        """start_s + duration_s; when open-ended, the scenario's duration_s (inf if standalone)."""
        if self.duration_s is not None:
            return self.start_s + self.duration_s
        return math.inf if self._run_end_s is None else self._run_end_s

    def to_fault(self) -> Fault:
        """The provider's ``Fault``; a custodian fault has none."""
        if not isinstance(self.kind, FaultKind):
            raise InputError(f"{self.kind} is a custodian fault; it has no provider Fault")
        return Fault(kind=self.kind, started_at=self.start_s, **self.params.given())
