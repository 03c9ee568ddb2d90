"""Seeded fault fuzzing (``invoicesim fuzz``): random but valid scenarios (``cases``,
with bulk CSVs from ``bulk_files``), each run and checked (``runner``)."""

from simulation.fuzz.cases import generate_case
from simulation.fuzz.runner import FuzzPlan, FuzzResult, run_fuzz

__all__ = ["FuzzPlan", "FuzzResult", "generate_case", "run_fuzz"]
