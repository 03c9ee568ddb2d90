"""The API section of BENCHMARKS.md: latency targets, sustained load, and the anchors.

One ``invoicesim serve`` (``bench.api_load.load_server``) whose scenario pays
100 invoices/s, then, one after another:

- the two latency targets of the API issue (``bench.api_load.targets``):
  ``GET /providers/health`` alone at 1,000 requests/s (p99 <= 10 ms) and
  ``POST /invoices`` alone at 200 requests/s (p99 <= 25 ms);
- the reliability figure: the dashboards' and programs' mix at 1,000 requests/s
  for 60 s: errors (must be none), the rate served, and the server's memory at
  the start and the end of the load.

Beside them the anchors: the original system promised health answers under
200 ms and a wallet in under 2 s; a public orchestrator's routing engine serves
835 requests/s on a 2-core pod.
"""

from __future__ import annotations

import sys
from typing import Any

from bench import api_load

SUSTAINED_RATE = 1_000.0
SUSTAINED_S = 60.0
TARGET_S = 30.0  # seconds of each latency target
ANCHORS = {
    "health": "original system: health < 200 ms",
    "create": "original system: wallet < 2 s",
}
ORCHESTRATOR_ANCHOR = "835 requests/s (a public orchestrator's routing engine, 2-core pod)"


def measure(quick: bool) -> dict[str, Any]:
    """The targets and the sustained mix, on one server."""
    target_s, sustained_s = (5.0, 10.0) if quick else (TARGET_S, SUSTAINED_S)
    with api_load.load_server(api_load.TARGET_SCENARIO_RATE) as (url, tokens, pid):
        report = api_load.targets(url, tokens, target_s, pid)
        report["mixed"] = api_load.drive(url, tokens, SUSTAINED_RATE, sustained_s, pid).summary()
    print(f"bench: api: {report}", file=sys.stderr)
    return report


def render(report: dict[str, Any]) -> list[str]:
    lines = [
        "## The API under load",
        "",
        "`invoicesim serve` (local runtime) while its scenario pays 100 invoices/s; requests",
        "leave on an open-loop schedule over keep-alive connections (`bench/api_load.py`).",
        "",
        "| figure | rate asked | rate served | p50 ms | p99 ms | errors | target | anchor |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for mix, label in (("health", "`GET /providers/health`"), ("create", "`POST /invoices`")):
        s = report[mix]
        verdict = "met" if s["met"] else "missed"
        lines.append(
            f"| {label} | {s['rate_asked_per_s']:,.0f}/s | {s['rate_done_per_s']:,.0f}/s "
            f"| {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['errors']} "
            f"| p99 ≤ {s['p99_target_ms']:g} ms: {verdict} | {ANCHORS[mix]} |"
        )
    m = report["mixed"]
    rss = m["rss_mib"]
    first, last = (rss[0][1], rss[-1][1]) if rss else (float("nan"), float("nan"))
    lines += [
        f"| the dashboards' mix for {m['duration_s']:g} s | {m['rate_asked_per_s']:,.0f}/s "
        f"| {m['rate_done_per_s']:,.0f}/s | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} "
        f"| {m['errors']} | no errors: {'met' if m['errors'] == 0 else 'missed'} "
        f"| {ORCHESTRATOR_ANCHOR} |",
        "",
        f"Server memory during the mix: {first:,.0f} MiB at the start, {last:,.0f} MiB at the "
        f"end ({last / first:.2f}x).",
        "",
    ]
    return lines
