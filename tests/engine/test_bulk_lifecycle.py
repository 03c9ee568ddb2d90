"""A bulk job's end in report.json: done when every accepted row ended, failed with the
reason when the run ended first; and a file given twice in one scenario is imported once."""

from __future__ import annotations

from pathlib import Path

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import parse_scenario

HEADER = "invoice_id,payer,merchant,amount,currency,method,due_date\n"
ROWS = "".join(f"J-{n},payer {n},Acme Corp,{n + 1}.50,USD,card,2026-03-01\n" for n in range(4))


def scenario(tmp_path: Path, at_s: float = 1, extra: str = "") -> str:
    (tmp_path / "jobs.csv").write_text(HEADER + ROWS)
    return f"""
name: lifecycle
seed: 4
duration_s: 30
bulk:
  - {{at_s: {at_s}, file: jobs.csv, provider: tempo}}
  - {{at_s: 29, file: jobs.csv}}
{extra}"""


def test_a_job_whose_rows_all_end_is_done_and_the_same_file_again_imports_nothing(
    tmp_path: Path,
) -> None:
    report = run_scenario(parse_scenario(scenario(tmp_path), base_dir=tmp_path), RunOptions())
    first, second = report["bulk"]
    assert (first["status"], first["accepted"], first["failure"]) == ("done", 4, None)
    assert 1.0 <= first["started_at_s"] < first["finished_at_s"]
    assert (second["status"], second["accepted"], second["rows"]) == ("done", 0, 4)
    assert {e["column"] for e in second["errors"]} == {"invoice_id"}
    assert all("job 0 (jobs.csv)" in e["reason"] for e in second["errors"])
    assert report["invoices"]["created"] == 4  # nothing paid twice


def test_a_job_cut_off_by_the_end_of_the_run_fails_with_the_reason(tmp_path: Path) -> None:
    # Tempo answers nothing from 27 s, and the run may not drain: the rows sent at 28 s
    # are still in doubt when it ends.
    cut = """drain_s: 0
faults:
  - {target: tempo, kind: silent, start_s: 27, duration_s: 3}
"""
    text = scenario(tmp_path, at_s=28, extra=cut)
    report = run_scenario(parse_scenario(text, base_dir=tmp_path), RunOptions())
    first = report["bulk"][0]
    assert first["status"] == "failed" and first["finished_at_s"] is None
    assert first["failure"] == "the run ended with 4 of 4 rows not finished"
