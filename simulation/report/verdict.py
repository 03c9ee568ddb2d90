"""A run's verdict, and what failed in words: each assertion with its value and limit
("failed over: time_to_failover_s 4.39 > 3.0"), each invariant with what was found.

The sweep keeps these lines in its row of each run (the report itself stays in the
task that ran it), the fuzzer prints them for a failing seed, ``invoicesim run``
after its table. Figures are written plainly (``4.39``, ``116160``): these lines go
to terminals, CSV cells and logs as well as pages.
"""

from __future__ import annotations

from typing import Any

# An assertion fails when ``value op limit`` is false: what held instead.
BROKEN = {"<": ">=", "<=": ">", "==": "!=", "!=": "==", ">=": "<", ">": "<="}
MAX_FAILURES = 20  # lines of one run; the rest are counted


def verdict(report: dict[str, Any]) -> bool:
    """PASS when every invariant held and every assertion passed."""
    held = all(bool(i.get("held")) for i in report.get("invariants") or [])
    return held and all(bool(a.get("passed")) for a in report.get("assertions") or [])


def plain(value: float | int | None) -> str:
    """A figure for a line of text: whole numbers without decimals, others to at most
    three (``4.390123`` -> ``4.39``); None is ``not measured``."""
    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return str(value).lower()
    if float(value).is_integer():
        return str(int(value))
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{float(value):.3g}"


def assertion_failure(assertion: dict[str, Any]) -> str:
    """``failed over: time_to_failover_s 4.39 > 3.0``; a metric that could not be measured
    says so, with the limit it was held to."""
    name, metric = str(assertion.get("name")), str(assertion.get("metric"))
    op, limit, value = str(assertion.get("op")), assertion.get("limit"), assertion.get("value")
    limit_text = plain(limit) if isinstance(limit, int | float) else str(limit)
    if isinstance(limit, float) and limit.is_integer() and abs(limit) < 1e6:
        limit_text += ".0"  # a limit as the scenario holds it: a number, 3.0
    if value is None:
        return f"{name}: {metric} not measured (must be {op} {limit_text})"
    return f"{name}: {metric} {plain(value)} {BROKEN.get(op, 'fails ' + op)} {limit_text}"


def invariant_failure(invariant: dict[str, Any]) -> str:
    """``invariant nothing_lost did not hold: lost 2 (must be 0)``."""
    detail = invariant.get("detail")
    return f"invariant {invariant.get('name')} did not hold" + (f": {detail}" if detail else "")


def failures(report: dict[str, Any]) -> list[str]:
    """Every invariant that did not hold, then every assertion that failed, one line each
    (at most ``MAX_FAILURES``, then how many more)."""
    found = [invariant_failure(i) for i in report.get("invariants") or [] if not i.get("held")]
    found += [assertion_failure(a) for a in report.get("assertions") or [] if not a.get("passed")]
    if len(found) > MAX_FAILURES:
        found = [*found[:MAX_FAILURES], f"and {len(found) - MAX_FAILURES} more"]
    return found
