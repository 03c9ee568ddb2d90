"""Where a bulk job stands: queued, running, done or failed, and when it got there.

A job's rows are dealt out over the shards. Each shard counts its share
(``JobShare``: rows, rows ended, when its first row started and its last one
ended) and hands the shares that changed back after a window. The driver keeps
every share of every job (``BulkBoard``) and derives the job's state with one
rule, ``job_state``, for the live service (which records each change as it
happens) and for the report (at the end of the run):

    queued ──► running (its first row started) ──► done (every accepted row ended)
       └──────────┴──► failed (the run ended first, with the reason)

A row has ended once its invoice reached an end state, whichever: paid, failed,
expired, or held for review (underpaid, overpaid). A job with no accepted row is
done when it is submitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from actors.bulk_csv import BulkJob

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(slots=True)
class JobShare:
    """One shard's rows of one bulk job."""

    rows: int = 0
    ended: int = 0
    first_started_s: float | None = None
    last_ended_s: float | None = None

    def started(self, now: float) -> None:
        if self.first_started_s is None:
            self.first_started_s = now

    def ended_one(self, now: float) -> None:
        self.ended += 1
        self.last_ended_s = now

    def copy(self) -> JobShare:
        return JobShare(self.rows, self.ended, self.first_started_s, self.last_ended_s)


@dataclass(frozen=True, slots=True)
class JobState:
    status: str
    started_at_s: float | None
    finished_at_s: float | None
    reason: str | None = None


def job_state(job: BulkJob, shares: Iterable[JobShare], run_over: bool) -> JobState:
    """The state of ``job`` given its shards' shares; ``run_over``: no row can start or end
    any more (the run has ended)."""
    started = [s.first_started_s for s in shares if s.first_started_s is not None]
    ends = [s.last_ended_s for s in shares if s.last_ended_s is not None]
    ended = sum(s.ended for s in shares)
    first = min(started) if started else None
    if job.accepted == 0:
        return JobState(DONE, None, job.at_s)
    if ended >= job.accepted:
        return JobState(DONE, first, max(ends))
    if not run_over:
        return JobState(QUEUED if first is None else RUNNING, first, None)
    open_rows = job.accepted - ended
    if first is None:
        return JobState(FAILED, None, None, "the run ended before the job's first row started")
    return JobState(
        FAILED,
        first,
        None,
        f"the run ended with {open_rows:,} of {job.accepted:,} rows not finished",
    )


@dataclass
class BulkBoard:
    """Every share of every bulk job of a run, kept by the driver; ``on_change`` hears a
    job's new state whenever its status changes."""

    on_change: Callable[[BulkJob, JobState], None] | None = None
    jobs: dict[int, BulkJob] = field(default_factory=dict)
    shares: dict[int, dict[int, JobShare]] = field(default_factory=dict)  # job -> shard -> share
    states: dict[int, JobState] = field(default_factory=dict)

    def add(self, job: BulkJob) -> None:
        self.jobs[job.job] = job
        self.shares.setdefault(job.job, {})
        self._judge(job.job, run_over=False)

    def update(self, shard: int, changed: dict[int, JobShare]) -> None:
        for job_no, share in changed.items():
            self.shares.setdefault(job_no, {})[shard] = share
            if job_no in self.jobs:
                self._judge(job_no, run_over=False)

    def finish(self) -> None:
        for job_no in self.jobs:
            self._judge(job_no, run_over=True)

    def summary(self, job_no: int) -> dict[str, Any]:
        """The job's state as the report shows it."""
        state = self.states[job_no]
        return {
            "status": state.status,
            "started_at_s": state.started_at_s,
            "finished_at_s": state.finished_at_s,
            "failure": state.reason,
        }

    def _judge(self, job_no: int, run_over: bool) -> None:
        job = self.jobs[job_no]
        state = job_state(job, self.shares[job_no].values(), run_over)
        before = self.states.get(job_no)
        self.states[job_no] = state
        # A job is recorded as queued when it is submitted: only what follows is news.
        known = QUEUED if before is None else before.status
        if self.on_change is not None and state.status != known:
            self.on_change(job, state)
