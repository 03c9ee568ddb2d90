"""The API section of BENCHMARKS.md: latency targets, sustained load, and the anchors.

One ``invoicesim serve`` (``bench.api_load.load_server``) whose scenario pays
100 invoices/s, then, one after another:

- the two latency targets of the API issue (``bench.api_load.targets``):
  ``GET /providers/health`` alone at 1,000 requests/s (p99 <= 10 ms) and
  ``POST /invoices`` alone at 200 requests/s (p99 <= 25 ms);
- the reliability figure: the dashboards' and programs' mix at 1,000 requests/s
  for 60 s: errors (must be none), the rate served, and the server's memory at
  the start and the end of the load;

then, on a second server whose scenario opens with the demo's 30 days of
history, the reserves' history target (``bench.api_load.history_target``): 8
clients at once reading ``GET /reserves/history`` of 7 and 30 days in turn, each
as fast as it is answered (p99 <= 50 ms). ``measure_history`` measures only it.

All of it is measured ``reps`` times (``--reps``), each on a fresh server (a new
scratch database), one after another; each figure is the median of the reps,
min to max the spread, and a target is met in k of the reps.

Beside them the anchors: the original system promised health answers under
200 ms and a wallet in under 2 s; a public orchestrator's routing engine serves
835 requests/s on a 2-core pod.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import api_load
from bench.stats import median, median_and_spread

SUSTAINED_RATE = 1_000.0
SUSTAINED_S = 60.0
TARGET_S = 30.0  # seconds of each latency target
ANCHORS = {
    "health": "original system: health < 200 ms",
    "create": "original system: wallet < 2 s",
    "history": "uncached, before #18: about 790 ms p50 with 4 clients",
}
ORCHESTRATOR_ANCHOR = "835 requests/s (a public orchestrator's routing engine, 2-core pod)"


def measure(quick: bool, reps: int = 1) -> list[dict[str, Any]]:
    """The targets and the sustained mix, ``reps`` times, each on a fresh server."""
    return [_measure_once(quick, rep, reps) for rep in range(reps)]


def _measure_once(quick: bool, rep: int, reps: int) -> dict[str, Any]:
    target_s, sustained_s = (5.0, 10.0) if quick else (TARGET_S, SUSTAINED_S)
    with api_load.load_server(api_load.TARGET_SCENARIO_RATE) as (url, tokens, pid):
        report = api_load.targets(url, tokens, target_s, pid)
        report["mixed"] = api_load.drive(url, tokens, SUSTAINED_RATE, sustained_s, pid).summary()
    report["history"] = _history_once(target_s)
    print(f"bench: api run {rep + 1}/{reps}: {report}", file=sys.stderr)
    return report


def measure_history(quick: bool, reps: int = 1) -> list[dict[str, Any]]:
    """The history target alone, ``reps`` times, each on a fresh server: the reports
    ``history_row`` renders."""
    target_s = 5.0 if quick else TARGET_S
    reports = []
    for rep in range(reps):
        reports.append({"history": _history_once(target_s)})
        print(f"bench: history run {rep + 1}/{reps}: {reports[-1]}", file=sys.stderr)
    return reports


def _history_once(duration_s: float) -> dict[str, Any]:
    rate = api_load.TARGET_SCENARIO_RATE
    with api_load.load_server(rate, history=True) as (url, tokens, pid):
        return api_load.history_target(url, tokens, duration_s, pid)


def render(reports: list[dict[str, Any]]) -> list[str]:
    """The section: one row per figure, each the median (min to max) of the reps."""
    n = len(reports)
    lines = [
        "## The API under load",
        "",
        "`invoicesim serve` (local runtime) while its scenario pays 100 invoices/s; requests",
        "leave on an open-loop schedule over keep-alive connections (`bench/api_load.py`),",
        "except the history's: its clients each send the next request once the last is",
        "answered, on a second server whose scenario opens with the demo's 30 days of history.",
        f"Each figure is the median of {n} rep(s), each on a fresh server, with min to max in",
        "brackets; errors are the sum over the reps; a target is met in k of the reps.",
        "",
        "| figure | rate asked | rate served | p50 ms | p99 ms | errors | target | anchor |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for mix, label in (("health", "`GET /providers/health`"), ("create", "`POST /invoices`")):
        runs = [r[mix] for r in reports]
        met = sum(bool(s["met"]) for s in runs)
        lines.append(
            f"| {label} {_row(runs)} | p99 ≤ {runs[0]['p99_target_ms']:g} ms: "
            f"{_verdict(met, n)} | {ANCHORS[mix]} |"
        )
    lines.append(history_row(reports))
    mixed = [r["mixed"] for r in reports]
    clean = sum(m["errors"] == 0 for m in mixed)
    lines += [
        f"| the dashboards' mix for {mixed[0]['duration_s']:g} s {_row(mixed)} "
        f"| no errors: {_verdict(clean, n)} | {ORCHESTRATOR_ANCHOR} |",
        "",
        *_memory(mixed),
        "",
    ]
    return lines


def history_row(reports: list[dict[str, Any]]) -> str:
    """The table's row of the history target: clients at once instead of a rate asked."""
    runs = [r["history"] for r in reports]
    met = sum(bool(s["met"]) for s in runs)
    return (
        f"| `GET /reserves/history` (7 and 30 days in turn; the demo's 30-day history) "
        f"| {runs[0]['clients']} clients at once "
        f"| {median_and_spread([s['rate_done_per_s'] for s in runs], ',.0f', '/s')} "
        f"| {median_and_spread([s['p50_ms'] for s in runs], '.2f')} "
        f"| {median_and_spread([s['p99_ms'] for s in runs], '.2f')} "
        f"| {sum(int(s['errors']) for s in runs)} "
        f"| p99 ≤ {runs[0]['p99_target_ms']:g} ms: {_verdict(met, len(runs))} "
        f"| {ANCHORS['history']} |"
    )


def _row(runs: list[dict[str, Any]]) -> str:
    """The cells from rate asked to errors, after the label."""
    return (
        f"| {runs[0]['rate_asked_per_s']:,.0f}/s "
        f"| {median_and_spread([s['rate_done_per_s'] for s in runs], ',.0f', '/s')} "
        f"| {median_and_spread([s['p50_ms'] for s in runs], '.2f')} "
        f"| {median_and_spread([s['p99_ms'] for s in runs], '.2f')} "
        f"| {sum(int(s['errors']) for s in runs)}"
    )


def _verdict(met: int, n: int) -> str:
    if n == 1:
        return "met" if met else "missed"
    return f"met in {met} of {n}"


def _memory(mixed: list[dict[str, Any]]) -> list[str]:
    pairs = [(m["rss_mib"][0][1], m["rss_mib"][-1][1]) for m in mixed if m["rss_mib"]]
    if not pairs:
        return ["Server memory during the mix: not measured."]
    first, last = median([a for a, _ in pairs]), median([b for _, b in pairs])
    growth = median_and_spread([b / a for a, b in pairs], ".2f", "x")
    return [
        f"Server memory during the mix: {first:,.0f} MiB at the start, {last:,.0f} MiB at the "
        f"end (medians); growth end over start {growth}."
    ]
