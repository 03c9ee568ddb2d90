"""Provider Health Monitor: a card per provider; status, breaker, success rate and latency
over the whole run with faults marked, refreshed every second; admin controls for faults
and priorities."""

from __future__ import annotations

import math

import streamlit as st

from ui.dashboard.charts import state_chart, traffic_chart
from ui.dashboard.client import ApiClient
from ui.dashboard.models import EngineState, ProviderHealth
from ui.dashboard.palette import BREAKER_COLOURS, STATUS_COLOURS
from ui.dashboard.session import attempt, connect
from ui.dashboard.timeline import Mark, fault_marks, state_spans, traffic_points
from ui.dashboard.widgets import REFRESH_S, fault_controls, live_health, provider_card, run_line

st.title("Provider Health Monitor")
client = connect()


def charts(client: ApiClient, engine: EngineState, health: list[ProviderHealth]) -> None:
    """Status and breaker of every provider over the run, faults ticked, and the faults."""
    changes = attempt(client.health_timeline)
    if changes is None:
        return
    faults = attempt(client.faults) or []  # needs a token; the charts are public
    now_s = engine["sim_now_s"]
    names = [h["provider"] for h in health]
    marks = fault_marks(faults, names, now_s)
    with st.container(key="provider-charts"):
        status = state_spans(changes, health, now_s, "provider_status")
        st.altair_chart(state_chart(status, marks, "Status", STATUS_COLOURS))
        breaker = state_spans(changes, health, now_s, "provider_breaker")
        st.altair_chart(state_chart(breaker, marks, "Breaker", BREAKER_COLOURS))
        traffic_charts(client, marks, now_s)
        st.caption(
            "The whole run, from what the engine recorded; black ticks and dashed rules: a "
            "fault's start and end, whether the scenario scheduled it or it was injected "
            "through the API."
        )
    with st.container(key="provider-faults"):
        shown = [f for f in faults if f["target"] in names]
        if not shown:
            st.caption("No provider fault scheduled or injected in this run.")
            return
        rows = [
            {"provider": f["target"], "fault": f["kind"], "origin": f["origin"],
             "start (s)": f["start_s"], "end (s)": f["end_s"], "state": f["state"]}
            for f in shown
        ]  # fmt: skip
        st.dataframe(rows, hide_index=True, key="provider-faults-table")


def bucket_for(now_s: float) -> float:
    """Bucket width for about 60 points over the run so far: 5 s, then whole minutes."""
    if now_s <= 300:
        return 5.0
    return 60.0 * max(1, math.ceil(now_s / 60 / 60))


def traffic_charts(client: ApiClient, marks: list[Mark], now_s: float) -> None:
    """Success rate and latency p99 per provider over the run, faults ruled."""
    bucket_s = bucket_for(now_s)
    buckets = attempt(client.provider_traffic, bucket_s)
    if buckets is None:
        return
    rows = traffic_points(buckets, bucket_s)
    st.altair_chart(traffic_chart(rows, marks, "success_pct", "Success rate (%)", bucket_s))
    st.altair_chart(traffic_chart(rows, marks, "latency_p99_ms", "Latency p99 (ms)", bucket_s))


@st.fragment(run_every=REFRESH_S)
def monitor() -> None:
    engine, health = live_health(client)
    run_line(engine)
    with st.container(key="provider-cards"):
        for col, h in zip(st.columns(max(1, len(health))), health, strict=False):
            with col:
                provider_card(h)
    if engine is not None and engine["run_id"] and health:
        charts(client, engine, health)
    st.session_state["provider_names"] = [h["provider"] for h in health]


def priorities() -> None:
    """Admin: each provider's priority (1 is tried first) and whether it is enabled."""
    with st.container(border=True, key="provider-priorities"):
        st.markdown("**Priorities** (admin)")
        settings = attempt(client.providers)
        if settings is None:
            return
        for s in sorted(settings, key=lambda s: s["priority"]):
            name = s["name"]
            cols = st.columns([2, 2, 2, 1])
            cols[0].markdown(f"**{name}** · v{s['version']} · {', '.join(s['methods'])}")
            priority = cols[1].number_input(
                "Priority", 1, 100, s["priority"], key=f"priority-{name}-{s['version']}"
            )
            enabled = cols[2].checkbox(
                "Enabled", s["enabled"], key=f"enabled-{name}-{s['version']}"
            )
            if cols[3].button("Save", key=f"save-{name}"):
                changed = attempt(
                    client.configure_provider, name, priority=int(priority), enabled=enabled
                )
                if changed is not None:
                    st.success(
                        f"{name}: version {changed['version']}, priority "
                        f"{changed['priority']}, effective at the next window"
                    )


monitor()
fault_controls(client, st.session_state.get("provider_names", []), "providers")
priorities()
