"""Reserve reconciliation in a scenario file: how often, alert thresholds, settlement delays."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, Strict, field_validator, model_validator

from actors.methods import PaymentMethod
from actors.reconciliation import Thresholds
from simulation.scenario.base import DAY_S, FieldProblems, Float, Int, Spec

_THRESHOLDS = Thresholds()
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
