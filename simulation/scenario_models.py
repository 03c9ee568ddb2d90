"""The parts of a scenario file: pydantic models with their units, defaults and limits.

Every model forbids unknown keys and is frozen. Numbers are strict (``true``
is not 1, ``"5"`` is not 5) and never NaN or infinite. Defaults that the
domain already defines (breaker, health, routing) are read from the domain's
own config classes, so they are written once. Checks that span fields raise
``FieldProblems``, which carries a field path for each problem so the loader
can name the field and its line. ``Scenario`` at the end is the whole file
and converts itself into the domain's config objects.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from actors.breaker import BreakerConfig
from actors.errors import InputError
from actors.health import HealthConfig
from actors.methods import PaymentMethod
from actors.money import check_currency
from actors.orchestrator import RoutingConfig
from actors.provider_config import (
    DEFAULT_PROVIDERS,
    Fault,
    FaultKind,
    ProviderConfig,
    check_method_coverage,
)
from actors.reconciliation import Thresholds
from actors.routing import Policy

Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]
Loc = tuple[str | int, ...]

DAY_S = 86_400.0
MAX_RATE_PER_S = 100_000.0
MAX_AMOUNT_MINOR = 100_000_000  # 1,000,000.00 in a 2-decimal currency, as for bulk CSV rows
AmountMinor = Annotated[int, Strict(), Field(gt=0, le=MAX_AMOUNT_MINOR)]
MethodWeight = Annotated[float, Strict(), Field(ge=0, le=1_000_000)]

_BREAKER = BreakerConfig()
_HEALTH = HealthConfig()
_ROUTING = RoutingConfig()
_THRESHOLDS = Thresholds()


class FieldProblems(ValueError):
    """Problems found across fields; each path is relative to the model that raised it."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class Problems(list[tuple[Loc, str]]):
    """Problems collected by a validator, raised together."""

    def add(self, loc: Loc, message: str) -> None:
        self.append((loc, message))

    def raise_any(self) -> None:
        if self:
            raise FieldProblems(list(self))


def one_of(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ClockMode(StrEnum):
    VIRTUAL = "virtual"  # as fast as possible
    PACED = "paced"  # wall clock x speed, for live demos


class ClockSpec(Spec):
    mode: ClockMode = ClockMode.VIRTUAL
    speed: Float = Field(default=1.0, gt=0, le=1000)


_NULLABLE_OVERRIDES = frozenset({"max_concurrency", "rate_limit_per_s"})  # null = no limit


class ProviderOverride(Spec):
    """Fields to change on a default provider, or the whole of a new one."""

    priority: Int | None = Field(default=None, ge=1, le=1000)
    enabled: Bool | None = None
    methods: list[PaymentMethod] | None = Field(default=None, min_length=1, max_length=3)
    fee_bp: Int | None = Field(default=None, ge=0, le=10_000)
    fee_fixed_minor: Int | None = Field(default=None, ge=0, le=1_000_000)
    latency_base_ms: Float | None = Field(default=None, ge=0, le=600_000)
    latency_jitter_ms: Float | None = Field(default=None, ge=0, le=600_000)
    network_ms: Float | None = Field(default=None, gt=0, le=60_000)
    connect_ms: Float | None = Field(default=None, gt=0, le=60_000)
    timeout_ms: Float | None = Field(default=None, gt=0, le=600_000)
    max_concurrency: Int | None = Field(default=None, ge=1, le=1_000_000)
    rate_limit_per_s: Float | None = Field(default=None, gt=0, le=1_000_000)
    decline_rate: Float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _nulls_only_for_limits(self) -> Self:
        problems = Problems()
        for name in sorted(self.model_fields_set - _NULLABLE_OVERRIDES):
            if getattr(self, name) is None:
                problems.add((name,), "must not be null (only max_concurrency, rate_limit_per_s)")
        problems.raise_any()
        return self

    def changes(self) -> dict[str, Any]:
        """The fields written in the file, as ``ProviderConfig`` keyword arguments."""
        out = {name: getattr(self, name) for name in sorted(self.model_fields_set)}
        if out.get("methods") is not None:
            out["methods"] = frozenset(out["methods"])
        return out


class BreakerSpec(Spec):
    failure_threshold: Int = Field(default=_BREAKER.failure_threshold, ge=1, le=10_000)
    window_s: Float = Field(default=_BREAKER.window_s, gt=0, le=3600)
    failure_rate: Float = Field(default=_BREAKER.failure_rate, gt=0, le=1)
    min_calls: Int = Field(default=_BREAKER.min_calls, ge=1, le=1_000_000)
    open_s: Float = Field(default=_BREAKER.open_s, gt=0, le=3600)
    half_open_probes: Int = Field(default=_BREAKER.half_open_probes, ge=1, le=1000)

    def to_config(self) -> BreakerConfig:
        return BreakerConfig(**self.model_dump())


class HealthSpec(Spec):
    probe_timeout_ms: Float = Field(default=_HEALTH.probe_timeout_ms, gt=0, le=60_000)
    degraded_latency_ms: Float = Field(default=_HEALTH.degraded_latency_ms, gt=0, le=600_000)
    degraded_success_rate: Float = Field(default=_HEALTH.degraded_success_rate, ge=0, le=1)
    min_calls: Int = Field(default=_HEALTH.min_calls, ge=1, le=1_000_000)
    down_after: Int = Field(default=_HEALTH.down_after, ge=1, le=100)
    up_after: Int = Field(default=_HEALTH.up_after, ge=1, le=100)

    def to_config(self, interval_s: float) -> HealthConfig:
        return HealthConfig(interval_s=interval_s, **self.model_dump())


class RoutingSpec(Spec):
    policy: Policy = _ROUTING.policy
    weights: dict[str, Annotated[int, Strict(), Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, max_length=16
    )
    max_attempts: Int = Field(default=_ROUTING.max_attempts, ge=1, le=10)
    status_timeout_ms: Float = Field(default=_ROUTING.status_timeout_ms, gt=0, le=60_000)
    status_retry_ms: Float = Field(default=_ROUTING.status_retry_ms, gt=0, le=60_000)
    max_status_checks: Int = Field(default=_ROUTING.max_status_checks, ge=1, le=10)
    health_interval_s: Float = Field(default=_HEALTH.interval_s, gt=0, le=3600)
    breaker: BreakerSpec = BreakerSpec()
    health: HealthSpec = HealthSpec()

    @model_validator(mode="after")
    def _weighted_needs_weights(self) -> Self:
        if self.policy is Policy.WEIGHTED and not any(w > 0 for w in self.weights.values()):
            raise FieldProblems([(("weights",), "policy weighted needs at least one weight > 0")])
        return self


class Shape(StrEnum):
    CONSTANT = "constant"
    RAMP = "ramp"  # rate_per_s to rate_end_per_s, linearly
    SPIKE = "spike"  # rate_per_s, with spike.rate_per_s for spike.duration_s from spike.at_s
    POISSON = "poisson"  # random gaps around rate_per_s


class SpikeSpec(Spec):
    at_s: Float = Field(ge=0, le=DAY_S)  # offset from the start of the phase
    duration_s: Float = Field(gt=0, le=DAY_S)
    rate_per_s: Float = Field(ge=0, le=MAX_RATE_PER_S)


class Distribution(StrEnum):
    FIXED = "fixed"
    UNIFORM = "uniform"
    LOGNORMAL = "lognormal"


_AMOUNT_NEEDS = {
    Distribution.FIXED: ("value_minor",),
    Distribution.UNIFORM: ("min_minor", "max_minor"),
    Distribution.LOGNORMAL: ("median_minor", "sigma"),
}
_AMOUNT_TAKES = {
    Distribution.FIXED: ("value_minor",),
    Distribution.UNIFORM: ("min_minor", "max_minor"),
    Distribution.LOGNORMAL: ("median_minor", "sigma", "min_minor", "max_minor"),
}


class AmountSpec(Spec):
    """Invoice amounts in minor units of the phase's currency (cents for USD)."""

    distribution: Distribution = Distribution.FIXED
    value_minor: AmountMinor | None = None
    min_minor: AmountMinor | None = None
    max_minor: AmountMinor | None = None
    median_minor: AmountMinor | None = None
    sigma: Float | None = Field(default=None, gt=0, le=5)

    @model_validator(mode="after")
    def _fields_fit_distribution(self) -> Self:
        d = self.distribution
        fields = ("value_minor", "min_minor", "max_minor", "median_minor", "sigma")
        given = {name for name in fields if getattr(self, name) is not None}
        problems = Problems()
        for name in _AMOUNT_NEEDS[d]:
            if name not in given:
                problems.add((name,), f"required for distribution {d}")
        for name in sorted(given - set(_AMOUNT_TAKES[d])):
            takes = one_of(_AMOUNT_TAKES[d])
            problems.add((name,), f"does not apply to distribution {d}; it takes {takes}")
        lo, hi = self.min_minor, self.max_minor
        if lo is not None and hi is not None and lo > hi:
            problems.add(("max_minor",), f"must be >= min_minor ({lo}), got {hi}")
        problems.raise_any()
        return self


def _default_methods() -> dict[PaymentMethod, float]:
    return {PaymentMethod.CARD: 0.5, PaymentMethod.BANK: 0.3, PaymentMethod.CRYPTO: 0.2}


class LoadPhase(Spec):
    start_s: Float = Field(default=0.0, ge=0, le=DAY_S)
    duration_s: Float = Field(gt=0, le=DAY_S)
    shape: Shape = Shape.CONSTANT
    rate_per_s: Float = Field(ge=0, le=MAX_RATE_PER_S)
    rate_end_per_s: Float | None = Field(default=None, ge=0, le=MAX_RATE_PER_S)
    spike: SpikeSpec | None = None
    methods: dict[PaymentMethod, MethodWeight] = Field(default_factory=_default_methods)
    currency: str = "USD"
    amount: AmountSpec = Field(default_factory=lambda: AmountSpec(value_minor=5000))
    think_s: Float = Field(default=5.0, ge=0, le=DAY_S)  # mean time before a payer pays
    never_pay_share: Float = Field(default=0.0, ge=0, le=1)
    late_pay_share: Float = Field(default=0.0, ge=0, le=1)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        try:
            return check_currency(value)
        except InputError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _shape_fields(self) -> Self:
        problems = Problems()
        ramp, spike = self.shape is Shape.RAMP, self.shape is Shape.SPIKE
        if ramp and self.rate_end_per_s is None:
            problems.add(("rate_end_per_s",), "required for shape ramp")
        if not ramp and self.rate_end_per_s is not None:
            problems.add(("rate_end_per_s",), f"applies to shape ramp only, not {self.shape}")
        if spike and self.spike is None:
            problems.add(("spike",), "required for shape spike (at_s, duration_s, rate_per_s)")
        if not spike and self.spike is not None:
            problems.add(("spike",), f"applies to shape spike only, not {self.shape}")
        if self.spike is not None and self.spike.at_s + self.spike.duration_s > self.duration_s:
            problems.add(
                ("spike",), f"must end within the phase's duration_s ({self.duration_s:g} s)"
            )
        if not any(weight > 0 for weight in self.methods.values()):
            problems.add(("methods",), "at least one method needs a weight > 0")
        shares = self.never_pay_share + self.late_pay_share
        if shares > 1:
            problems.add(
                ("late_pay_share",), f"never_pay_share + late_pay_share is {shares:g}; max 1"
            )
        problems.raise_any()
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class BulkSpec(Spec):
    at_s: Float = Field(ge=0, le=DAY_S)
    file: str = Field(min_length=1, max_length=1000)  # relative to the scenario file
    provider: str = "auto"  # or a provider name: every row is forced onto it

    @field_validator("file")
    @classmethod
    def _file_exists(cls, value: str, info: ValidationInfo) -> str:
        if Path(value).is_absolute():
            raise ValueError(f"{value!r} must be a path relative to the scenario file")
        base_dir = (info.context or {}).get("base_dir")
        if base_dir is not None and not (Path(base_dir) / value).is_file():
            raise ValueError(f"file {value!r} not found (looked for {Path(base_dir) / value})")
        return value


CUSTODIAN = "custodian"


class CustodianFaultKind(StrEnum):
    FEED_DELAY = "feed_delay"  # statements arrive delay_s late
    MISSING_DEPOSIT = "missing_deposit"  # deposits settling in the window never arrive


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
}
_REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {CustodianFaultKind.FEED_DELAY: ("delay_s",)}
_PROVIDER_KINDS = frozenset(k.value for k in FaultKind)
ALL_FAULT_KINDS: tuple[str, ...] = (*FaultKind, *CustodianFaultKind)


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
    target: str = Field(min_length=1, max_length=64)  # a provider name, or "custodian"
    kind: FaultKind | CustodianFaultKind
    start_s: Float = Field(ge=0, le=DAY_S)
    duration_s: Float | None = Field(default=None, gt=0, le=DAY_S)  # None: until the end of the run
    params: FaultParams = FaultParams()
    _run_end_s: float | None = PrivateAttr(None)  # set by the Scenario that holds this fault

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: object) -> object:
        if isinstance(value, str) and value in ALL_FAULT_KINDS:
            return FaultKind(value) if value in _PROVIDER_KINDS else CustodianFaultKind(value)
        raise ValueError(f"{value!r} is not one of {one_of(ALL_FAULT_KINDS)}")

    @model_validator(mode="after")
    def _kind_fits(self) -> Self:
        kind = self.kind
        problems = Problems()
        if self.target == CUSTODIAN and isinstance(kind, FaultKind):
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


# How long after a payment its fiat reaches the custodian, by method.
_SETTLEMENT_DELAY_S = {
    PaymentMethod.CARD: 60.0,
    PaymentMethod.BANK: 30.0,
    PaymentMethod.CRYPTO: 2.0,
}


class ReconciliationSpec(Spec):
    interval_s: Float = Field(default=300.0, gt=0, le=DAY_S)
    warning_bp: Int = Field(default=_THRESHOLDS.warning_bp, ge=1, le=10_000)
    breach_bp: Int = Field(default=_THRESHOLDS.breach_bp, ge=1, le=10_000)
    settlement_delay_s: dict[PaymentMethod, Annotated[float, Strict(), Field(ge=0, le=DAY_S)]] = (
        Field(default_factory=lambda: dict(_SETTLEMENT_DELAY_S))
    )
    max_statement_age_s: Float = Field(default=600.0, gt=0, le=7 * DAY_S)
    alert_period_s: Float = Field(default=3600.0, gt=0, le=7 * DAY_S)

    @field_validator("settlement_delay_s")
    @classmethod
    def _fill_missing_methods(cls, value: dict[PaymentMethod, float]) -> dict[PaymentMethod, float]:
        return {m: value.get(m, _SETTLEMENT_DELAY_S[m]) for m in PaymentMethod}

    @model_validator(mode="after")
    def _breach_above_warning(self) -> Self:
        if self.breach_bp <= self.warning_bp:
            raise FieldProblems(
                [
                    (
                        ("breach_bp",),
                        f"must be > warning_bp ({self.warning_bp}), got {self.breach_bp}",
                    )
                ]
            )
        return self

    def thresholds(self) -> Thresholds:
        return Thresholds(warning_bp=self.warning_bp, breach_bp=self.breach_bp)


class Metric(StrEnum):
    DOUBLE_PAYS = "double_pays"
    LOST = "lost"
    INVOICES_CREATED = "invoices_created"
    INVOICES_PAID = "invoices_paid"
    INVOICES_FAILED = "invoices_failed"
    INVOICES_EXPIRED = "invoices_expired"
    INVOICES_OPEN = "invoices_open"
    SUCCESS_RATE = "success_rate"
    LATENCY_P50_MS = "latency_p50_ms"
    LATENCY_P95_MS = "latency_p95_ms"
    LATENCY_P99_MS = "latency_p99_ms"
    ALERTS_WARNING = "alerts_warning"
    ALERTS_BREACH = "alerts_breach"
    RESERVE_DISCREPANCY_BP = "reserve_discrepancy_bp"
    TIME_TO_DETECT_S = "time_to_detect_s"
    TIME_TO_FAILOVER_S = "time_to_failover_s"
    TIME_TO_FAILBACK_S = "time_to_failback_s"
    FAILED_DURING_FAULT = "failed_during_fault"
    PROVIDER_ATTEMPTS = "provider_attempts"
    PROVIDER_SUCCEEDED = "provider_succeeded"
    PROVIDER_FAILED = "provider_failed"
    PROVIDER_TIMEOUTS = "provider_timeouts"
    PROVIDER_SHARE = "provider_share"


M = Metric
_METRIC_NAMES = frozenset(m.value for m in Metric)
FAULT_METRICS = frozenset(
    {M.TIME_TO_DETECT_S, M.TIME_TO_FAILOVER_S, M.TIME_TO_FAILBACK_S, M.FAILED_DURING_FAULT}
)
PROVIDER_METRICS = frozenset(
    {
        M.PROVIDER_ATTEMPTS,
        M.PROVIDER_SUCCEEDED,
        M.PROVIDER_FAILED,
        M.PROVIDER_TIMEOUTS,
        M.PROVIDER_SHARE,
    }
)
GLOBAL_METRICS = frozenset(Metric) - FAULT_METRICS - PROVIDER_METRICS
WINDOWED_METRICS = frozenset(
    {
        M.SUCCESS_RATE,
        M.LATENCY_P50_MS,
        M.LATENCY_P95_MS,
        M.LATENCY_P99_MS,
        M.INVOICES_CREATED,
        M.INVOICES_PAID,
        M.INVOICES_FAILED,
        M.PROVIDER_SHARE,
    }
)


def _in_order(metrics: frozenset[Metric]) -> str:
    return one_of(m for m in Metric if m in metrics)


class Op(StrEnum):
    LT = "<"
    LE = "<="
    EQ = "=="
    NE = "!="
    GE = ">="
    GT = ">"


class WindowSpec(Spec):
    start_s: Float = Field(ge=0, le=DAY_S)
    end_s: Float = Field(gt=0, le=DAY_S)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_s <= self.start_s:
            raise FieldProblems([(("end_s",), f"must be > start_s ({self.start_s:g})")])
        return self


class AssertionSpec(Spec):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    metric: Metric
    op: Op
    limit: Float
    fault: Int = Field(default=0, ge=0)  # per-fault metrics: index into faults
    provider: str | None = Field(default=None, min_length=1, max_length=64)  # per-provider metrics
    window: WindowSpec | None = None  # absolute simulated time
    phase: Int | None = Field(default=None, ge=0)  # the window of load[phase]

    @field_validator("metric", mode="before")
    @classmethod
    def _known_metric(cls, value: object) -> object:
        if isinstance(value, str) and value in _METRIC_NAMES:
            return value
        raise ValueError(f"unknown metric {value!r}; valid metrics: {one_of(Metric)}")

    @model_validator(mode="after")
    def _scope_fits_metric(self) -> Self:
        metric = self.metric
        problems = Problems()
        if self.window is not None and self.phase is not None:
            problems.add(("phase",), "give window or phase, not both")
        for name in ("window", "phase"):
            if getattr(self, name) is not None and metric not in WINDOWED_METRICS:
                problems.add(
                    (name,), f"{metric} cannot be windowed; only {_in_order(WINDOWED_METRICS)}"
                )
        if "fault" in self.model_fields_set and metric not in FAULT_METRICS:
            problems.add(("fault",), f"applies only to {_in_order(FAULT_METRICS)}")
        if self.provider is not None and metric not in PROVIDER_METRICS:
            problems.add(("provider",), f"applies only to {_in_order(PROVIDER_METRICS)}")
        if self.provider is None and metric in PROVIDER_METRICS:
            problems.add(("provider",), f"required for metric {metric}")
        problems.raise_any()
        return self


DEFAULT_PROVIDER_NAMES = tuple(c.name for c in DEFAULT_PROVIDERS)
_PROVIDER_NAME = r"^[a-z][a-z0-9_-]{0,31}$"
_RESERVED_NAMES = frozenset({CUSTODIAN, "auto"})
_EPS_S = 1e-9  # float slack when comparing ends of phases and faults with duration_s


class Scenario(Spec):
    """One scenario file. Times are simulated seconds from the start of the run."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    seed: Int = Field(default=0, ge=0, le=2**63 - 1)
    duration_s: Float = Field(gt=0, le=DAY_S)
    drain_s: Float | None = Field(default=None, ge=0, le=DAY_S)  # None: wallet_ttl_s + 600
    clock: ClockSpec = ClockSpec()
    shards: Int = Field(default=1, ge=1, le=64)
    wallet_ttl_s: Float = Field(default=1800.0, gt=0, le=7 * DAY_S)
    providers: dict[Annotated[str, Field(pattern=_PROVIDER_NAME)], ProviderOverride] = Field(
        default_factory=dict, max_length=16
    )
    routing: RoutingSpec = RoutingSpec()
    load: list[LoadPhase] = Field(default_factory=list, max_length=100)
    bulk: list[BulkSpec] = Field(default_factory=list, max_length=20)
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
            if name in _RESERVED_NAMES:
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
        for i, fault in enumerate(self.faults):
            if fault.target not in targets:
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
            elif a.metric in FAULT_METRICS and self.faults[a.fault].is_custodian:
                problems.add(
                    (*at, "fault"),
                    f"fault {a.fault} is on the custodian; {a.metric} needs a provider fault",
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
