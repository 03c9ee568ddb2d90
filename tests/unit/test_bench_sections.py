"""Sections of BENCHMARKS.md: failover figures over seeds (worst seed), the demo figures."""

from __future__ import annotations

from typing import Any

from bench import failover


def _report(
    detect: float,
    over: float | None,
    back: float | None,
    pays: int = 0,
    provider: str = "tempo",
    routed_after_end: int = 50,
) -> dict[str, Any]:
    row = {
        "provider": provider,
        "kind": "silent",
        "fault_start_s": 100.0,
        "fault_end_s": 200.0,
        "time_to_detect_s": detect,
        "time_to_failover_s": over,
        "time_to_failback_s": back,
        "failed_during_fault": 0,
    }
    return {
        "failover": [row],
        "double_pays": pays,
        "lost": 0,
        "health_interval_s": 5.0,
        "primary": "tempo",
        "routed_after_end": [routed_after_end],
    }


def test_a_target_is_met_only_when_every_seed_meets_it() -> None:
    jobs = [("tempo_silent", 1), ("tempo_silent", 2), ("tempo_silent", 3)]
    faults = failover._faults(jobs, [_report(2, 2.4, 4), _report(2, 3.5, 4), _report(2, 2.5, 4)])
    lines = failover.render(faults)
    over = next(line for line in lines if "time_to_failover_s" in line)
    assert "2.50 s (2.40 to 3.50)" in over
    assert over.endswith("| missed |")
    back = next(line for line in lines if "time_to_failback_s" in line)
    assert "≤ 6 s (health interval + 1 s)" in back and back.endswith("| met |")


def test_a_failover_that_never_happened_misses_its_target() -> None:
    faults = failover._faults([("tempo_silent", 1)], [_report(2, None, 4)])
    over = next(line for line in failover.render(faults) if "time_to_failover_s" in line)
    assert "never" in over and over.endswith("| missed |")


def test_double_pays_are_counted_once_per_run_and_the_silent_anchor_is_shown() -> None:
    jobs = [("tempo_silent", 1), ("tempo_silent", 2)]
    lines = failover.render(
        failover._faults(jobs, [_report(2, 2.4, 4, pays=1), _report(2, 2.6, 4)])
    )
    assert "Double pays over these runs: 1; lost: 0." in lines
    anchor = next(line for line in lines if line.startswith("| failover from a silent provider"))
    assert "91-97 s" in anchor and "2.60 s worst seed" in anchor


def test_the_demo_staleness_bound_adds_the_worst_page_lag_and_the_worst_row_lag() -> None:
    from bench.demo_ready import DemoFigures, render

    figures = DemoFigures(ready_s=[12.0, 30.0, 14.0], page_lag_s=[0.2, 0.9, 0.6], row_lag_s=[0.3])
    lines = render(figures)
    ready = next(line for line in lines if line.startswith("| ready"))
    assert "14.0 s (median of 3; 12.0 to 30.0 s)" in ready and ready.endswith("| 0.70 |")
    bound = next(line for line in lines if "staleness bound" in line)
    assert "| 1.20 s |" in bound and bound.endswith("| 0.80 |")  # against 1.5 s


def test_the_matrix_compares_every_cell_with_the_plain_local_one_and_checks_digests() -> None:
    from types import SimpleNamespace

    from bench import matrix

    def run(rate: float, digest: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(scenario="t", simulated_s=60.0, invoices_per_s=rate,
                                wall_s=1.0, cpu_s=1.0, digest=digest)]  # fmt: skip

    cells = [("local", 1, False, run(4000, "a")), ("local", 1, True, run(1000, "a")),
             ("ray", 2, True, run(500, "b")), ("local", 2, False, run(3000, "b"))]  # fmt: skip
    lines = matrix.render(cells)
    persisted = next(line for line in lines if line.startswith("| local | 1 | on"))
    assert "| 1,000 | one run | 1 |" in persisted and "| 0.25 |" in persisted
    assert any("what is simulated): yes." in line for line in lines)
    cells.append(("ray", 2, "hosts", run(600, "b")))
    by_hosts = next(line for line in matrix.render(cells) if "each host writes" in line)
    assert by_hosts.startswith("| ray | 2 | on, each host writes | 600 |")
    cells[1] = ("local", 1, True, run(1000, "c"))
    assert any("what is simulated): NO." in line for line in matrix.render(cells))


def _fallback(backs: list[float | None], routed: list[int]) -> list[str]:
    """The failback row of a fallback (circle) over one seed per value."""
    jobs = [("failover_cascade", seed) for seed in range(1, len(backs) + 1)]
    reports = [
        _report(1.3, 1.8, back, provider="circle", routed_after_end=n)
        for back, n in zip(backs, routed, strict=True)
    ]
    return failover.render(failover._faults(jobs, reports))


def test_a_fallback_sent_nothing_after_its_fault_has_no_failback_to_time() -> None:
    lines = _fallback([0.91, None, 1.03], routed=[40, 0, 35])
    back = next(line for line in lines if "time_to_failback_s" in line)
    assert "0.97 s (0.91 to 1.03); no traffic after the fault (not the primary) in 1 of 3" in back
    assert "never" not in back and back.endswith("| met |")
    assert any("does not apply to that seed" in line for line in lines)


def test_a_fallback_sent_payments_after_its_fault_without_a_success_still_misses() -> None:
    back = next(line for line in _fallback([0.91, None], routed=[40, 12]) if "failback" in line)
    assert "never in 1 of 2" in back and "no traffic" not in back
    assert back.endswith("| missed |")


def test_a_fallback_never_sent_anything_after_its_fault_does_not_apply() -> None:
    back = next(line for line in _fallback([None, None], routed=[0, 0]) if "failback" in line)
    assert "no traffic after the fault (not the primary) in 2 of 2" in back
    assert back.endswith("| does not apply |")


def test_the_primary_without_a_failback_misses_even_when_sent_nothing() -> None:
    jobs = [("tempo_outage", 1), ("tempo_outage", 2)]
    reports = [
        _report(0.1, 0.4, 4.2, routed_after_end=0),
        _report(0.1, 0.4, None, routed_after_end=0),
    ]
    lines = failover.render(failover._faults(jobs, reports))
    back = next(line for line in lines if "time_to_failback_s" in line)
    assert "never in 1 of 2" in back and back.endswith("| missed |")
    assert not any("does not apply to that seed" in line for line in lines)


def test_the_throughput_anchor_puts_the_median_rate_per_minute_beside_the_original_claim() -> None:
    from bench.render import _throughput_anchor
    from bench.runs import Run

    runs = [
        Run("throughput_1000", 600, invoices, 100.0, 90.0, 700.0, "d", True)
        for invoices in (200_000, 300_000, 900_000)  # 2,000, 3,000 and 9,000/s
    ]
    row = _throughput_anchor(runs)[2]
    assert "100+ per minute" in row
    assert "180,000 per minute (3,000/s" in row  # the median run's rate, times 60
