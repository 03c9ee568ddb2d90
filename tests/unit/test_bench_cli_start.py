"""The command-line start section of BENCHMARKS.md: medians against their targets."""

from __future__ import annotations

from bench.cli_start import Start, render


def test_a_start_is_met_when_its_median_is_within_the_target() -> None:
    lines = render(
        [
            Start("invoicesim version", 0.3, (0.12, 0.13, 0.5)),
            Start("invoicesim validate x.yaml", 0.8, (0.9, 1.0, 1.1)),
        ]
    )
    version = next(line for line in lines if "`invoicesim version`" in line)
    assert "| 0.13 s |" in version and "≤ 0.3 s" in version and "not met" not in version
    validate = next(line for line in lines if "validate" in line and line.startswith("| `"))
    assert "| 1.00 s |" in validate and "**not met**" in validate
