"""Provider Health Monitor: the failover story of the range in view (the last 5 or 30
minutes, or the whole run, in 5 s buckets): who took the payments, their success rate and
latency, each fault a shaded band; a card per provider saying how it is, since when and
why; status and breaker per provider over the same range; admin controls for faults and
priorities. Refreshed every second."""

from __future__ import annotations

import streamlit as st

from ui.dashboard.charts import ChartLike, line_chart, share_chart, state_chart
from ui.dashboard.client import ApiClient, ApiError
from ui.dashboard.models import (
    EngineState,
    Fault,
    ProviderChange,
    ProviderHealth,
    TrafficBucket,
)
from ui.dashboard.palette import BREAKER_COLOURS, STATUS_COLOURS, ordered
from ui.dashboard.session import attempt, connect
from ui.dashboard.timeline import clip, fault_marks, fault_rows, state_spans, why
from ui.dashboard.traffic import (
    DEFAULT_RANGE,
    RANGES,
    View,
    line_points,
    payment_shares,
    view_for,
    windows,
)
from ui.dashboard.widgets import REFRESH_S, fault_controls, live_health, provider_cards, run_line

st.title("Provider Health Monitor")
client = connect()


def range_in_view(now_s: float) -> View:
    """The range the presenter picked (kept across reruns and pages), at clock ``now_s``."""
    label = st.segmented_control(
        "Range",
        list(RANGES),
        default=DEFAULT_RANGE,
        required=True,
        key="provider-range",
        persist_state="session",
        label_visibility="collapsed",
    )
    return view_for(str(label or DEFAULT_RANGE), now_s)


def faults_of_run(client: ApiClient) -> list[Fault]:
    """The run's faults; none without a token (the rest of the page is public)."""
    try:
        return client.faults()
    except ApiError:
        return []


def chart(key: str, title: str, drawn: ChartLike) -> None:
    """A chart under its title (Markdown), in a container of its own key for the tests."""
    with st.container(key=key):
        st.markdown(title)
        st.altair_chart(drawn)


def failover_story(
    view: View,
    health: list[ProviderHealth],
    changes: list[ProviderChange],
    faults: list[Fault],
    buckets: list[TrafficBucket] | None,
) -> None:
    """The charts of the range in view: share of payments, success rate and latency p99 per
    provider, then status and breaker per provider, every one with the faults shaded."""
    names = [h["provider"] for h in health]
    marks = fault_marks(faults, names, view.now_s)
    with st.container(key="provider-charts"):
        if buckets is not None:
            shares = payment_shares(buckets, view.bucket_s, ordered(names))
            points = line_points(buckets, view.bucket_s)
            chart(
                "provider-share",
                "**Who took the payments** · share of each bucket's payments by provider",
                share_chart(shares, marks, view, names),
            )
            success = line_chart(points, marks, view, names, "success_pct")
            chart("provider-success", "**Success rate of calls (%)**", success)
            latency = line_chart(points, marks, view, names, "latency_p99_ms")
            chart("provider-latency", "**Latency p99 (ms)**", latency)
        status = clip(state_spans(changes, health, view.now_s, "provider_status"), view.since_s)
        chart(
            "provider-status",
            "**Status** · one row per provider",
            state_chart(status, marks, view, STATUS_COLOURS, "Status"),
        )
        breaker = clip(state_spans(changes, health, view.now_s, "provider_breaker"), view.since_s)
        chart(
            "provider-breaker",
            "**Breaker** · one row per provider",
            state_chart(breaker, marks, view, BREAKER_COLOURS, "Breaker"),
        )
        st.caption(
            f"{view.label} of simulated time in {view.bucket_s:g} s buckets, from what the "
            "engine recorded. A blank bucket had no payment; a line breaks where its provider "
            "had no call. Shaded: a fault, scheduled by the scenario file or injected here."
        )
    with st.container(key="provider-faults"):
        rows = fault_rows(faults, names)
        if rows:
            st.markdown("**Faults of this run**")
            st.table(rows, hide_index=True)
        else:
            st.caption("No provider fault scheduled or injected in this run.")


@st.fragment(run_every=REFRESH_S)
def monitor() -> None:
    engine, health = live_health(client)
    run_line(engine)
    st.session_state["provider_names"] = [h["provider"] for h in health]
    if engine is None or not engine["run_id"] or not health:
        return
    show(engine, health)


def show(engine: EngineState, health: list[ProviderHealth]) -> None:
    view = range_in_view(engine["sim_now_s"])
    changes = attempt(client.health_timeline)
    if changes is None:
        return
    faults = faults_of_run(client)
    buckets = attempt(client.provider_traffic, view.bucket_s, view.since_s)
    names = [h["provider"] for h in health]
    reasons = {h["provider"]: why(h, changes, faults, view.now_s) for h in health}
    provider_cards(health, reasons, windows(buckets or [], names), view)
    failover_story(view, health, changes, faults, buckets)


def priorities() -> None:
    """Admin: each provider's priority (1 is tried first) and whether it is enabled."""
    with st.container(border=True, key="provider-priorities"):
        st.markdown("**Priorities** (admin)")
        if not st.session_state.get("provider_names"):
            st.caption("A provider's priority can be changed while a scenario runs.")
            return
        settings = attempt(client.providers)
        if settings is None:
            return
        for s in sorted(settings, key=lambda s: s["priority"]):
            name = s["name"]
            cols = st.columns([2, 2, 2, 1])
            cols[0].markdown(f"**{name}** · version {s['version']} · {', '.join(s['methods'])}")
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
