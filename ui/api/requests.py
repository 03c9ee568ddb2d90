"""Request bodies: every field bounded, unknown fields refused, so a 422 names the field."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Method = Literal["card", "bank", "crypto"]
FaultKindName = Literal[
    "outage", "silent", "error_rate", "latency", "flapping", "late_success", "rate_limit"
]
DAY_S = 86_400.0


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewInvoice(Body):
    amount_minor: int = Field(gt=0, le=10**12, description="Integer minor units (cents).")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    method: Method = "crypto"
    payer: str = Field(default="api", min_length=1, max_length=200)


class Payment(Body):
    method: Method


class ProviderChange(Body):
    """Fields left out keep their value; at least one must be given."""

    priority: int | None = Field(default=None, ge=0, le=1_000)
    enabled: bool | None = None
    failure_threshold: int | None = Field(default=None, ge=1, le=10_000)
    open_s: float | None = Field(default=None, gt=0, le=DAY_S)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one of priority, enabled, failure_threshold, open_s")
        return self


class NewFault(Body):
    """A fault starting now, for ``duration_s`` (left out: until DELETE clears it)."""

    kind: FaultKindName
    duration_s: float | None = Field(default=None, gt=0, le=DAY_S)
    error_rate: float = Field(default=0.5, ge=0, le=1, description="kind error_rate")
    extra_latency_ms: float = Field(default=0.0, ge=0, le=600_000, description="kind latency")
    period_s: float = Field(default=20.0, gt=0, le=DAY_S, description="kind flapping")
    duty: float = Field(default=0.5, gt=0, le=1, description="kind flapping: share down")
    rate_limit_per_s: float = Field(default=10.0, gt=0, le=1e6, description="kind rate_limit")
