"""Which charges each invoice of a shard got, and the verdict once no more can come.

Providers tell the owning shard about every charge that takes effect. While an
invoice is open its charges are counted; once it ends it is remembered for
``RECENT_S`` more, because a charge can still arrive (a late answer, a void that
came too late). Then the verdict: paid with more than one charge is a double
pay; paid with none, or a charge on an invoice that did not end paid, is lost
money. A charge for an invoice forgotten already is lost too.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class ChargeBook:
    __slots__ = ("_open", "_recent")

    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        # id -> [end state, charges, ended_at], oldest first. An OrderedDict because it is
        # consumed from the front: a plain dict rescans every deleted slot on each
        # next(iter(...)), which made settling quadratic in the invoices per minute.
        self._recent: OrderedDict[str, list[Any]] = OrderedDict()

    def charged(self, invoice_id: str, is_open: bool, extra: dict[str, int]) -> None:
        """A charge took effect for ``invoice_id`` (``is_open``: the invoice has not ended)."""
        if is_open:
            self._open[invoice_id] = self._open.get(invoice_id, 0) + 1
        elif invoice_id in self._recent:
            self._recent[invoice_id][1] += 1
        else:
            extra["lost"] += 1  # a charge for an invoice long finished

    def ended(self, invoice_id: str, state: str, now: float) -> None:
        self._recent[invoice_id] = [state, self._open.pop(invoice_id, 0), now]

    def state(self, invoice_id: str) -> str | None:
        """The end state of an invoice that ended within the remembered time."""
        ended = self._recent.get(invoice_id)
        return None if ended is None else str(ended[0])

    def settle(self, before: float, extra: dict[str, int]) -> None:
        """Judge every invoice that ended before ``before``: double pays and lost money."""
        recent = self._recent
        while recent:
            invoice_id = next(iter(recent))
            state, charges, ended_at = recent[invoice_id]
            if ended_at >= before:
                break
            recent.popitem(last=False)
            if state == "paid":
                if charges > 1:
                    extra["double_pays"] += 1
                elif charges == 0:
                    extra["lost"] += 1
            elif charges > 0:
                extra["lost"] += 1
