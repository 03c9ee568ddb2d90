"""What every part of a scenario file is built from: strict numbers, ``Spec`` and problems.

Every model forbids unknown keys and is frozen. Numbers are strict (``true``
is not 1, ``"5"`` is not 5) and never NaN or infinite. Checks that span
fields raise ``FieldProblems``, which carries a field path for each problem so
the loader can name the field and its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Strict

from actors.errors import InputError
from actors.money import check_currency


def _date(value: object) -> object:
    """A date as YAML writes it (2026-01-31) or as ISO text; never a number of seconds."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD") from None
    raise ValueError(f"must be a date (YYYY-MM-DD), got {value!r}")


def _currency(value: str) -> str:
    try:
        return check_currency(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None


Int = Annotated[int, Strict()]
Currency = Annotated[str, AfterValidator(_currency)]  # a currency the engine knows
Day = Annotated[date, BeforeValidator(_date)]
Float = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]
Loc = tuple[str | int, ...]

DAY_S = 86_400.0


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
