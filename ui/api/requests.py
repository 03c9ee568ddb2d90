"""Request bodies: every field bounded, unknown fields refused, so a 422 names the field."""

from __future__ import annotations

from typing import Annotated, Literal, Self, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from actors.invoice import MAX_AMOUNT_MINOR
from actors.money import CURRENCY_EXPONENTS

# Ids and names are text without control characters: PostgreSQL's text refuses NUL, and a
# tab or newline is never part of an id.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Method = Literal["card", "bank", "crypto"]
Currency = Literal["EUR", "GBP", "JPY", "USD"]  # an enum in the schema: the engine's currencies
assert set(get_args(Currency)) == set(CURRENCY_EXPONENTS)
FaultKindName = Literal[
    "outage", "silent", "error_rate", "latency", "flapping", "late_success", "rate_limit"
]
DAY_S = 86_400.0


def _utf8(value: str) -> str:
    value.encode("utf-8")  # a lone surrogate ("\ud800" in JSON) raises: a ValueError, so a 422
    return value


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewInvoice(Body):
    amount_minor: int = Field(gt=0, le=MAX_AMOUNT_MINOR, description="Integer minor units (cents).")
    currency: Currency = "USD"
    method: Method = "crypto"
    payer: Annotated[str, AfterValidator(_utf8)] = Field(
        default="api", min_length=1, max_length=200, pattern=PRINTABLE
    )


class Payment(Body):
    method: Method


class ProviderChange(Body):
    """Fields left out keep their value; at least one must be given."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    priority: int | None = Field(default=None, ge=1, le=100)  # the engine's range
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
