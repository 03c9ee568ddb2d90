"""Scenarios: start and stop a scenario, its speed and clock, inject and clear faults, the
failover timeline, past runs with their reports, and two runs compared."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.dashboard.charts import failover_chart
from ui.dashboard.compare import compare_reports
from ui.dashboard.session import attempt, connect
from ui.dashboard.timeline import down_intervals
from ui.dashboard.widgets import REFRESH_S, fault_controls, injected_marks, live_health, run_line

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
                st.session_state.pop("health_samples", None)
                st.success(f"Started {started['scenario']}: run {started['run_id']}")
        if right.button("Stop", key="scenario-stop"):
            stopped = attempt(client.stop_scenario)
            if stopped is not None:
                st.success(f"Stopped run {stopped['run_id'] or '(none was running)'}")


@st.fragment(run_every=REFRESH_S)
def live() -> None:
    engine, health, samples = live_health(client)
    run_line(engine)
    if engine is not None:
        st.metric(
            "Speed",
            f"{engine['speed']:g} simulated s per wall s",
            help="Set when the service starts: `invoicesim serve --speed N`.",
        )
    marks = down_intervals(samples) + injected_marks()
    with st.container(key="scenario-timeline"):
        st.subheader("Failover timeline (this run, as sampled here)")
        if not marks:
            st.caption("No fault seen yet in this run.")
            return
        now_s = engine["sim_now_s"] if engine else 0.0
        rows = [
            {
                "provider": m["provider"],
                "fault_start_s": m["start_s"],
                "fault_end_s": now_s if m["end_s"] is None else m["end_s"],
            }
            for m in marks
        ]
        st.altair_chart(failover_chart(rows))
    st.session_state["provider_names"] = [h["provider"] for h in health]


def report_view(report: dict[str, Any]) -> None:
    inv = report.get("invoices", {})
    cols = st.columns(4)
    cols[0].metric("Created", inv.get("created", "—"))
    cols[1].metric("Paid", inv.get("paid", "—"))
    cols[2].metric("Double pays", report.get("double_pays", "—"))
    cols[3].metric("Latency p99", f"{report.get('latency_ms', {}).get('p99', '—')} ms")
    failover = report.get("failover") or []
    if failover:
        st.altair_chart(failover_chart(failover))
        st.dataframe(failover, hide_index=True, key="run-failover-table")
    checks = report.get("assertions") or []
    if checks:
        st.dataframe(checks, hide_index=True, key="run-assertions-table")


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
            ra, rb = attempt(client.run_report, a), attempt(client.run_report, b)
            if ra is not None and rb is not None:
                st.dataframe(compare_reports(ra, rb), hide_index=True, key="compare-table")


control()
live()
fault_controls(client, st.session_state.get("provider_names", []), "scenarios")
past_runs()
