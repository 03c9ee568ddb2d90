"""Scenarios: start and stop a scenario, its speed and clock, inject and clear faults, the
failover timeline, past runs with their reports, and two runs compared."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui import formatting as fmt
from ui.dashboard.charts import failover_chart
from ui.dashboard.models import Comparison, RunSummary
from ui.dashboard.session import attempt, connect
from ui.dashboard.timeline import fault_marks
from ui.dashboard.widgets import REFRESH_S, fault_controls, live_health, run_line
from ui.report import render_report_html
from ui.run_list import SHORT_ID, compared_rows, result_text, run_label, run_row

REPORT_HEIGHT = 900  # px: the report page scrolls inside

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


@st.cache_data(max_entries=8, show_spinner="Drawing the report")
def report_html(run_id: str, _report: dict[str, Any]) -> str:
    """An ended run's report page, as ``invoicesim report`` writes it; an ended run's
    report does not change, so it is drawn once per run id (the report is not hashed)."""
    return render_report_html(_report)


def report_view(run: RunSummary) -> None:
    cols = st.columns(4)
    cols[0].metric("Invoices created", fmt.count(run["created"]))
    cols[1].metric("Paid", fmt.count(run["paid"]))
    cols[2].metric("Double charges", fmt.count(run["double_pays"]))
    cols[3].metric("Result", result_text(run["status"]))
    report = attempt(client.run_report, run["run_id"])  # a failure is shown, not kept
    if report is not None:
        page = report_html(run["run_id"], report)
        st.iframe(page, height=REPORT_HEIGHT)
        st.download_button(
            "Download the report (HTML)",
            page,
            file_name=f"report-{run['scenario_name']}-{run['run_id'][:SHORT_ID]}.html",
            mime="text/html",
            key="runs-report-download",
        )


def compared(comparison: Comparison, a: RunSummary, b: RunSummary) -> None:
    same = "the same" if comparison["digests_equal"] else "different"
    st.caption(
        f"Run A: {run_label(a)}. Run B: {run_label(b)}. Their digests are {same} "
        "(the same only when both ran the same scenario and seed to the same end). "
        "A dash: that run did not measure the figure."
    )
    st.dataframe(compared_rows(comparison["figures"]), hide_index=True, key="compare-table")


def past_runs() -> None:
    runs = attempt(client.runs) or []
    ended = {r["run_id"]: r for r in runs if r["ended_at"] is not None}
    with st.container(key="runs"):
        st.subheader("Past runs")
        if not runs:
            st.caption("No run recorded yet: start a scenario above.")
        st.dataframe([run_row(r) for r in runs], hide_index=True, key="runs-table")
        st.caption(
            "Simulated runs, and exercises of a real orchestrator against emulated providers "
            "(invoicesim exercise). Run: the start of the run's id; invoicesim runs list "
            "shows it whole, for invoicesim report and invoicesim compare."
        )
        chosen = st.selectbox(
            "Report of run",
            list(ended),
            key="runs-report",
            index=None,
            format_func=lambda run_id: run_label(ended[run_id]),
            placeholder="Pick an ended run to read its report",
        )
        if chosen:
            report_view(ended[chosen])
    with st.container(key="compare"):
        st.subheader("Compare two runs")
        left, right = st.columns(2)

        def label(run_id: str) -> str:
            return run_label(ended[run_id])

        pick = "Pick an ended run"
        a = left.selectbox(
            "Run A", list(ended), key="compare-a", index=None, format_func=label, placeholder=pick
        )
        b = right.selectbox(
            "Run B", list(ended), key="compare-b", index=None, format_func=label, placeholder=pick
        )
        if a and b:
            comparison = attempt(client.compare_runs, a, b)
            if comparison is not None:
                compared(comparison, ended[a], ended[b])


control()
live()
fault_controls(client, st.session_state.get("provider_names", []), "scenarios")
past_runs()
