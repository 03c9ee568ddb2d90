"""Assertions in a scenario file: a metric, an operator and a limit, with an optional scope.

A metric is global, per fault (``fault``: an index into the faults) or per
provider (``provider``); some can be windowed to a time span or a load phase.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, field_validator, model_validator

from simulation.scenario.base import DAY_S, FieldProblems, Float, Int, Problems, Spec, one_of


class Metric(StrEnum):
    DOUBLE_PAYS = "double_pays"
    LOST = "lost"
    INVOICES_CREATED = "invoices_created"
    INVOICES_PAID = "invoices_paid"
    INVOICES_FAILED = "invoices_failed"
    INVOICES_EXPIRED = "invoices_expired"
    INVOICES_UNDERPAID = "invoices_underpaid"
    INVOICES_OVERPAID = "invoices_overpaid"
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
