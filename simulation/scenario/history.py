"""History in a scenario file: days of ordinary business before the run's live part.

A run with ``history`` starts ``days`` before simulated t=0: invoices arrive in
``batches_per_day`` batches a day at ``invoices_per_day``, every payer pays at once
(or, a share of them, never), and the reserve is reconciled every
``reconcile_every_s``. Those days run on the virtual clock and are recorded like
the rest of the run; at t=0 the scenario's own load, faults and clock begin, so a
live demo opens with a month of reserves behind it. Batches keep the history
cheap: a day costs a few dozen windows, not one per invoice.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from actors.methods import PaymentMethod
from simulation.scenario.base import DAY_S, Currency, FieldProblems, Float, Int, Spec
from simulation.scenario.load import AmountSpec, Distribution, LoadPhase, MethodWeight

MAX_HISTORY_INVOICES = 200_000  # days x invoices_per_day, at most


def _history_methods() -> dict[PaymentMethod, float]:
    return {PaymentMethod.CARD: 0.5, PaymentMethod.BANK: 0.2, PaymentMethod.CRYPTO: 0.3}


class HistorySpec(Spec):
    days: Int = Field(default=30, ge=1, le=90)
    invoices_per_day: Int = Field(default=600, ge=1, le=20_000)
    batches_per_day: Int = Field(default=4, ge=1, le=96)
    reconcile_every_s: Float = Field(default=21_600.0, ge=600, le=DAY_S)
    currency: Currency = "USD"
    methods: dict[PaymentMethod, MethodWeight] = Field(default_factory=_history_methods)
    amount: AmountSpec = Field(
        default_factory=lambda: AmountSpec(
            distribution=Distribution.LOGNORMAL, median_minor=4500, sigma=0.6, min_minor=500,
            max_minor=50_000,
        )
    )  # fmt: skip
    never_pay_share: Float = Field(default=0.02, ge=0, le=1)

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        total = self.days * self.invoices_per_day
        if total > MAX_HISTORY_INVOICES:
            raise FieldProblems(
                [
                    (
                        ("invoices_per_day",),
                        f"days x invoices_per_day is {total:,}; a history holds at most "
                        f"{MAX_HISTORY_INVOICES:,} invoices",
                    )
                ]
            )
        return self

    @property
    def start_s(self) -> float:
        """Simulated time the history starts at (negative: before the live part)."""
        return -self.days * DAY_S

    @property
    def batch_every_s(self) -> float:
        return DAY_S / self.batches_per_day

    def payers(self) -> LoadPhase:
        """The history's payers, as a load phase (only its payer fields are read): they pay
        at once, or never."""
        return LoadPhase(
            duration_s=1.0,
            rate_per_s=0.0,
            methods=dict(self.methods),
            currency=self.currency,
            amount=self.amount,
            think_s=0.0,
            never_pay_share=self.never_pay_share,
        )
