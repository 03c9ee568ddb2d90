"""What failed, in words: each assertion with its value and limit, each invariant with what
was found; the lines the sweep, the fuzzer and `invoicesim run` print."""

from __future__ import annotations

from typing import Any

import pytest

from simulation.report.verdict import (
    MAX_FAILURES,
    assertion_failure,
    failures,
    plain,
    verdict,
)


def assertion(
    op: str, limit: float, value: float | None, name: str = "failed over"
) -> dict[str, Any]:
    return {"name": name, "metric": "time_to_failover_s", "op": op, "limit": limit,
            "value": value, "passed": False}  # fmt: skip


@pytest.mark.parametrize(
    ("op", "limit", "value", "said"),
    [
        ("<=", 3.0, 4.390123, "failed over: time_to_failover_s 4.39 > 3.0"),
        ("<", 3.0, 3.0, "failed over: time_to_failover_s 3 >= 3.0"),
        (">=", 0.95, 0.9412, "failed over: time_to_failover_s 0.941 < 0.95"),
        (">", 0.0, 0.0, "failed over: time_to_failover_s 0 <= 0.0"),
        ("==", 0.0, 2.0, "failed over: time_to_failover_s 2 != 0.0"),
        ("!=", 5.0, 5.0, "failed over: time_to_failover_s 5 == 5.0"),
        ("<=", 3.0, None, "failed over: time_to_failover_s not measured (must be <= 3.0)"),
    ],
)
def test_a_failed_assertion_names_its_value_and_the_limit_it_broke(
    op: str, limit: float, value: float | None, said: str
) -> None:
    assert assertion_failure(assertion(op, limit, value)) == said


def test_figures_are_plain_numbers_in_a_line_of_text() -> None:
    assert [plain(v) for v in (116160, 116160.0, 0.968, 4.390123, 0.000123, None)] == [
        "116160", "116160", "0.968", "4.39", "0.000123", "not measured"
    ]  # fmt: skip


def test_failures_list_invariants_then_assertions_and_stop_at_a_limit() -> None:
    report = {
        "invariants": [
            {"name": "nothing_lost", "held": False, "detail": "lost 2 (must be 0)"},
            {"name": "transfers_balanced", "held": False},
            {"name": "money_conserved", "held": True, "detail": "fine"},
        ],
        "assertions": [assertion("<=", 3.0, 4.39), {**assertion("<=", 3.0, 1.0), "passed": True}],
    }
    assert not verdict(report)
    assert failures(report) == [
        "invariant nothing_lost did not hold: lost 2 (must be 0)",
        "invariant transfers_balanced did not hold",
        "failed over: time_to_failover_s 4.39 > 3.0",
    ]
    many = {"invariants": [], "assertions": [assertion("<=", 1.0, 2.0)] * (MAX_FAILURES + 5)}
    found = failures(many)
    assert len(found) == MAX_FAILURES + 1 and found[-1] == "and 5 more"


def test_a_run_whose_checks_all_held_passes_with_nothing_to_say() -> None:
    report = {"invariants": [{"name": "x", "held": True}], "assertions": []}
    assert verdict(report) and failures(report) == []
