"""How every page, export and summary meant for people writes a figure.

One module for the dashboards, the run report, the sweep page and the command
line: money as money ("10,756.44 USD", never minor units), percentages with at
most two decimals, latency in whole milliseconds, simulated time as a clock,
counts with thousands separators, and "—" for a value that is missing. Plain
functions of plain values: no Streamlit, no HTML.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from actors.money import CURRENCY_EXPONENTS, Money, readable_amount
from actors.sim_time import MISSING as MISSING
from actors.sim_time import clock as clock
from actors.sim_time import run_time as run_time

RANGE_DASH = "\u2013"  # an en dash, between the two ends of a span
_COMPACT = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def money(minor: int | None, currency: str = "USD") -> str:
    """``8419`` USD -> ``84.19 USD``; ``1075644`` -> ``10,756.44 USD``; JPY has no decimals."""
    return MISSING if minor is None else readable_amount(int(minor), currency)


def decimal_amount(minor: int | None, currency: str = "USD") -> str | None:
    """Money as a plain decimal for a spreadsheet cell (the currency in its own column):
    ``8419`` -> ``84.19``; None stays None."""
    return None if minor is None else Money(int(minor), currency).decimal_text()


def money_compact(minor: int | None, currency: str = "USD", significant: int = 3) -> str:
    """Money where space is short: ``10.8k USD``, ``2.35M USD``; below 1,000 as ``money``.
    ``significant=4`` keeps one digit more (``949.7k USD``), for figures read side by side."""
    if minor is None:
        return MISSING
    value = int(minor) / 10 ** CURRENCY_EXPONENTS.get(currency, 2)
    for size, suffix in _COMPACT:
        if abs(value) >= size:
            return f"{_short(value / size, significant)}{suffix} {currency}"
    return money(minor, currency)


def money_text(amount: str | None, currency: str | None) -> str:
    """A decimal amount as written in a file or export (``"1234.5"``) as money:
    ``1,234.50 USD``; empty or unreadable text is "—" (it is shown, not computed with)."""
    if not amount or not currency:
        return MISSING
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        return MISSING
    if not value.is_finite():
        return MISSING
    return money(int(value.scaleb(CURRENCY_EXPONENTS.get(currency, 2))), currency)


def _short(value: float, significant: int = 3) -> str:
    """``significant`` digits, no trailing zeros: 10.76 -> 10.8, 2.0 -> 2."""
    digits = max(0, significant - 1 - math.floor(math.log10(abs(value)))) if value else 0
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(n: int | float | None) -> str:
    """A count with thousands separators: ``12345`` -> ``12,345``."""
    if n is None:
        return MISSING
    return f"{round(n):,}"


def percent(share: float | None, digits: int = 1) -> str:
    """A share of one as a percentage, at most two decimals: ``0.8261`` -> ``82.6 %``."""
    if share is None or math.isnan(share):
        return MISSING
    text = f"{share * 100:.{min(digits, 2)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} %"


def ratio(bp: int | None) -> str:
    """Basis points as a ratio to one: ``10000`` -> ``1.00 : 1``; ``9950`` -> ``0.995 : 1``."""
    if bp is None:
        return MISSING
    value = bp / 10_000
    text = f"{value:.3f}".rstrip("0")
    if text.endswith("."):
        text += "00"
    elif len(text.split(".")[1]) < 2:
        text += "0"
    return f"{text} : 1"


def basis_points(bp: int | None) -> str:
    """A discrepancy in basis points, in words: ``12`` -> ``12 bp (0.12 %)``."""
    if bp is None:
        return MISSING
    return f"{bp:,} bp ({percent(bp / 10_000, 2)})"


def latency(ms: float | None) -> str:
    """Latency in whole milliseconds: ``839.3002`` -> ``839 ms``; seconds from 10 s up."""
    if ms is None or math.isnan(ms):
        return MISSING
    if ms >= 10_000:
        return f"{ms / 1000:,.1f} s"
    return f"{round(ms):,} ms"


def duration(seconds: float | None) -> str:
    """A span of time in words: ``0.4`` -> ``0.4 s``; ``95`` -> ``1 min 35 s``; ``7200`` ->
    ``2 h``; from a day on, days and hours: ``2_599_200`` -> ``30 days 2 h``."""
    if seconds is None or math.isnan(seconds):
        return MISSING
    if seconds < 10:
        return f"{seconds:.1f} s".replace(".0 s", " s")
    whole = round(seconds)
    if whole >= 86_400:
        days, rest = divmod(whole, 86_400)
        hours = rest // 3600
        return f"{days} day{'' if days == 1 else 's'}" + (f" {hours} h" if hours else "")
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs or not (hours or minutes) else "")
    return " ".join(p for p in parts if p)


def seconds(value: float | None) -> str:
    """A measured span in seconds, as precise as is worth reading: below a second two
    significant digits (``0.041`` -> ``0.041 s``, ``0.381696`` -> ``0.38 s``), then two
    decimals (``1.989311`` -> ``1.99 s``), from 10 s one (``60.420322`` -> ``60.4 s``), from
    100 s in words (``125`` -> ``2 min 5 s``). A difference keeps its sign."""
    if value is None or math.isnan(value):
        return MISSING
    size, sign = abs(value), "-" if value < 0 else ""
    if size >= 100:
        return sign + duration(size)
    if size == 0:
        return "0 s"
    digits = max(0, 1 - math.floor(math.log10(size))) if size < 1 else 2 if size < 10 else 1
    text = f"{size:.{digits}f}"
    return f"{sign}{text.rstrip('0').rstrip('.') if '.' in text else text} s"


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def note_mark(number: int) -> str:
    """A footnote's mark: ``1`` -> ``¹``; ``12`` -> ``¹²``."""
    return str(number).translate(_SUPERSCRIPTS)


def ago(seconds: float | None) -> str:
    """How long ago: ``12`` -> ``12 s ago``; ``4.7`` -> ``5 s ago``; ``0.3`` -> ``just now``."""
    if seconds is None or math.isnan(seconds):
        return MISSING
    if seconds < 1:
        return "just now"
    return f"{duration(round(seconds))} ago"  # an age in whole seconds: "5 s ago"


def words(name: str | None) -> str:
    """A machine name as words: ``half_open`` -> ``half open``; ``None`` -> "—"."""
    if not name:
        return MISSING
    return name.replace("_", " ").replace("-", " ")


def clock_span(start_s: float | None, end_s: float | None) -> str:
    """A span of simulated time as two clocks joined by an en dash: ``04:00``, dash, ``05:30``;
    open-ended, ``now`` for the end."""
    if start_s is None:
        return MISSING
    return f"{clock(start_s)}{RANGE_DASH}{'now' if end_s is None else clock(end_s)}"


def cell(value: object) -> str:
    """Any value as a cell: ``None`` and empty text as "—", booleans as yes / no."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)
