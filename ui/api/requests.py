"""Request bodies: every field bounded and strictly typed, unknown fields refused, so a 422
names the field."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from actors.invoice import MAX_AMOUNT_MINOR
from actors.money import CURRENCY_EXPONENTS
from simulation.commands import DEFAULT_MERCHANT

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


def _utf8_or_none(value: str | None) -> str | None:
    return None if value is None else _utf8(value)


_DATE = TypeAdapter(date)


class Body(BaseModel):
    """A JSON body taken as JSON types it: strict, so true is not 1, "100" is not 100, 0 is
    not false and 1.5 is not an integer; Literals are their exact strings. Two readings
    make up for FastAPI validating the parsed body in python mode, where a strict date is
    a date object only and a strict integer an int only:

    - a date field reads its text as strict JSON does (YYYY-MM-DD and nothing else);
    - an integer field takes a whole number written 9.0 as 9: JSON has one number type,
      and the schema's ``integer`` (JSON Schema's) is any whole number.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _as_json_reads(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _json_kinds(cls).get(info.field_name or "")
        if kind is date and isinstance(value, str):
            try:
                return _DATE.validate_strings(value, strict=True)
            except ValidationError as exc:
                first = exc.errors()[0]
                raise PydanticCustomError(first["type"], first["msg"]) from None
        if kind is int and type(value) is float and value.is_integer():
            return int(value)
        return value


@cache
def _json_kinds(model: type[Body]) -> dict[str, type]:
    """The fields that ``Body`` reads as JSON would, and as what (``date`` or ``int``)."""
    kinds: dict[str, type] = {}
    for name, field in model.model_fields.items():
        types = get_args(field.annotation) or (field.annotation,)
        kind = next((t for t in (date, int) if t in types), None)
        if kind is not None:
            kinds[name] = kind
    return kinds


class NewInvoice(Body):
    amount_minor: int = Field(gt=0, le=MAX_AMOUNT_MINOR, description="Integer minor units (cents).")
    currency: Currency = "USD"
    method: Method = "crypto"
    payer: Annotated[str, AfterValidator(_utf8)] = Field(
        default="api", min_length=1, max_length=200, pattern=PRINTABLE
    )
    invoice_id: Annotated[str | None, AfterValidator(_utf8_or_none)] = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=PRINTABLE,
        description="Your own id for the invoice; left out, the next free INV-000001.",
    )
    merchant: Annotated[str, AfterValidator(_utf8)] = Field(
        default=DEFAULT_MERCHANT, min_length=1, max_length=200, pattern=PRINTABLE
    )
    due_date: date | None = Field(
        default=None, description="Today or later; left out, 30 days from today."
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
