"""Scenarios: start and stop a scenario, its speed and clock, inject and clear faults, the
failover timeline, past runs with their reports, and two runs compared."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.dashboard.charts import failover_chart
from ui.dashboard.models import Comparison
from ui.dashboard.session import attempt, connect, figure_text
from ui.dashboard.timeline import fault_marks
from ui.dashboard.widgets import REFRESH_S, fault_controls, live_health, run_line

st.title("Scenarios")
client = connect()


def control() -> None:
    with st.container(border=True, key="scenario-control"):
        scenarios = attempt(client.scenarios) or []
        names = [s["name"] for s in scenarios]
        about = {s["name"]: s for s in scenarios}
        left, mid, right = st.columns([3, 1, 1])
        name = left.selectbox("Scenario", names, key="scenario-name")
        if name:
            s = about[name]
            left.caption(f"{s['description']} · {s['duration_s']:g} s · {s['shards']} shards")
        if mid.button("Start", key="scenario-start", type="primary", disabled=not name):
            started = attempt(client.start_scenario, name)
            if started is not None:
                st.success(f"Started {started['scenario']}: run {started['run_id']}")
        if right.button("Stop", key="scenario-stop"):
            stopped = attempt(client.stop_scenario)
            if stopped is not None:
                st.success(f"Stopped run {stopped['run_id'] or '(none was running)'}")


@st.fragment(run_every=REFRESH_S)
def live() -> None:
    engine, health = live_health(client)
    run_line(engine)
    if engine is not None:
        st.metric(
            "Speed",
            f"{engine['speed']:g} simulated s per wall s",
            help="Set when the service starts: `invoicesim serve --speed N`.",
        )
    st.session_state["provider_names"] = [h["provider"] for h in health]
    if engine is None or not engine["run_id"]:
        return
    faults = attempt(client.faults) or []
    now_s = engine["sim_now_s"]
    marks = fault_marks(faults, [h["provider"] for h in health], now_s)
    with st.container(key="scenario-timeline"):
        st.subheader("Failover timeline (this run)")
        if not marks:
            st.caption("No provider fault has started in this run yet.")
            return
        rows = [
            {
                "provider": m["provider"],
                "fault_start_s": m["start_s"],
                "fault_end_s": now_s if m["end_s"] is None else m["end_s"],
            }
            for m in marks
        ]
        st.altair_chart(failover_chart(rows))
        st.caption(
            "Faults the scenario scheduled and faults injected through the API; "
            "a bar still open ends at the simulated now."
        )


def report_view(report: dict[str, Any]) -> None:
    invoices = report.get("invoices", {})
    cols = st.columns(4)
    cols[0].metric("Created", invoices.get("created", "—"))
    cols[1].metric("Paid", invoices.get("paid", "—"))
    cols[2].metric("Double pays", report.get("double_pays", "—"))
    cols[3].metric("Latency p99", f"{report.get('latency_ms', {}).get('p99', '—')} ms")
    failover = report.get("failover") or []
    if failover:
        st.altair_chart(failover_chart(failover))
        st.dataframe(failover, hide_index=True, key="run-failover-table")
    checks = report.get("assertions") or []
    if checks:
        st.dataframe(checks, hide_index=True, key="run-assertions-table")


def compared(comparison: Comparison) -> None:
    digests = (comparison["digest_a"] or "—")[:12], (comparison["digest_b"] or "—")[:12]
    same = "the same" if comparison["digests_equal"] else "different"
    st.caption(f"Digests {digests[0]} and {digests[1]}: {same}.")
    rows = [
        {"figure": f["figure"], "a": figure_text(f["a"]), "b": figure_text(f["b"]),
         "b - a": figure_text(f["difference"])}
        for f in comparison["figures"]
    ]  # fmt: skip
    st.dataframe(rows, hide_index=True, key="compare-table")


def past_runs() -> None:
    runs = attempt(client.runs) or []
    ended = [r["run_id"] for r in runs if r["ended_at"] is not None]
    with st.container(key="runs"):
        st.subheader("Past runs")
        st.dataframe(runs, hide_index=True, key="runs-table")
        chosen = st.selectbox("Report of run", ended, key="runs-report", index=None)
        if chosen:
            report = attempt(client.run_report, chosen)
            if report is not None:
                report_view(report)
    with st.container(key="compare"):
        st.subheader("Compare two runs")
        left, right = st.columns(2)
        a = left.selectbox("Run A", ended, key="compare-a", index=None)
        b = right.selectbox("Run B", ended, key="compare-b", index=None)
        if a and b:
            comparison = attempt(client.compare_runs, a, b)
            if comparison is not None:
                compared(comparison)


control()
live()
fault_controls(client, st.session_state.get("provider_names", []), "scenarios")
past_runs()
