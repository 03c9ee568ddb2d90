"""What a run reports: ``report.json`` (``build``), its assertions and invariants
(``assertions``), and its verdict with what failed in words (``verdict``). The pages
people read are drawn from ``report.json`` in ``ui/report/``."""

from simulation.report.assertions import evaluate_assertions
from simulation.report.build import build_report
from simulation.report.verdict import failures, verdict

__all__ = ["build_report", "evaluate_assertions", "failures", "verdict"]
