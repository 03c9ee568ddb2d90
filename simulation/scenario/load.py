"""Load in a scenario file: phases of invoices (shape, rate, methods, amounts) and bulk files."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, Strict, ValidationInfo, field_validator, model_validator

from actors.invoice import MAX_AMOUNT_MINOR
from actors.methods import PaymentMethod
from simulation.scenario.base import DAY_S, Currency, Float, Problems, Spec, one_of

MAX_RATE_PER_S = 100_000.0
AmountMinor = Annotated[int, Strict(), Field(gt=0, le=MAX_AMOUNT_MINOR)]
MethodWeight = Annotated[float, Strict(), Field(ge=0, le=1_000_000)]
# A share of payers: 0..1.
Share = Annotated[float, Strict(), Field(ge=0, le=1)]
# How far off a payer who gets the amount wrong is, as a share of the amount: an
# underpayer always sends something, an overpayer less than twice the amount.
MAX_MISPAY_BY = 0.9
DEFAULT_MISPAY_BY = 0.1
MispayBy = Annotated[float, Strict(), Field(gt=0, le=MAX_MISPAY_BY)]


def check_payer_shares(problems: Problems, shares: dict[str, float]) -> None:
    """Payer shares (never, late, underpay, overpay...) are parts of one whole: together
    at most 1. The problem names the shares given and sits on the last of them."""
    total = sum(shares.values())
    if total > 1:
        given = [name for name, share in shares.items() if share > 0]
        problems.add((given[-1],), f"{' + '.join(given)} is {total:g}; together at most 1")


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
    currency: Currency = "USD"
    amount: AmountSpec = Field(default_factory=lambda: AmountSpec(value_minor=5000))
    think_s: Float = Field(default=5.0, ge=0, le=DAY_S)  # mean time before a payer pays
    never_pay_share: Share = 0.0
    late_pay_share: Share = 0.0
    # Payers who send the wrong amount straight to the wallet (the crypto-native path).
    underpay_share: Share = 0.0
    overpay_share: Share = 0.0
    mispay_by: MispayBy = DEFAULT_MISPAY_BY

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
        shares = {
            "never_pay_share": self.never_pay_share,
            "late_pay_share": self.late_pay_share,
            "underpay_share": self.underpay_share,
            "overpay_share": self.overpay_share,
        }
        check_payer_shares(problems, shares)
        problems.raise_any()
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class BulkSpec(Spec):
    at_s: Float = Field(ge=0, le=DAY_S)
    file: str = Field(min_length=1, max_length=1000)  # relative to the scenario file
    provider: str = "auto"  # or a provider name: every row is forced onto it
    # Of the file's crypto rows, payers who send the wrong amount straight to the wallet.
    underpay_share: Share = 0.0
    overpay_share: Share = 0.0
    mispay_by: MispayBy = DEFAULT_MISPAY_BY

    @field_validator("file")
    @classmethod
    def _file_exists(cls, value: str, info: ValidationInfo) -> str:
        if Path(value).is_absolute():
            raise ValueError(f"{value!r} must be a path relative to the scenario file")
        base_dir = (info.context or {}).get("base_dir")
        if base_dir is not None and not (Path(base_dir) / value).is_file():
            raise ValueError(f"file {value!r} not found (looked for {Path(base_dir) / value})")
        return value

    @model_validator(mode="after")
    def _shares(self) -> Self:
        problems = Problems()
        shares = {"underpay_share": self.underpay_share, "overpay_share": self.overpay_share}
        check_payer_shares(problems, shares)
        problems.raise_any()
        return self
