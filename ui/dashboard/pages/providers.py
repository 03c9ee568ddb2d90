"""Provider Health Monitor: a card per provider, success rate and latency over time with
faults marked, refreshed every 2 s; admin controls for faults and priorities."""

from __future__ import annotations

import streamlit as st

from ui.dashboard.charts import health_chart
from ui.dashboard.session import attempt, connect
from ui.dashboard.timeline import down_intervals
from ui.dashboard.widgets import (
    REFRESH_S,
    fault_controls,
    injected_marks,
    live_health,
    provider_card,
    run_line,
)

st.title("Provider Health Monitor")
client = connect()


@st.fragment(run_every=REFRESH_S)
def monitor() -> None:
    engine, health, samples = live_health(client)
    run_line(engine)
    with st.container(key="provider-cards"):
        for col, h in zip(st.columns(max(1, len(health))), health, strict=False):
            with col:
                provider_card(h)
    marks = down_intervals(samples) + injected_marks()
    with st.container(key="provider-charts"):
        left, right = st.columns(2)
        left.altair_chart(health_chart(samples, marks, "success_pct", "Success rate (%)"))
        right.altair_chart(health_chart(samples, marks, "latency_p99_ms", "Latency p99 (ms)"))
        st.caption(
            "Sampled every 2 s while this page is open; shaded: a provider reported down "
            "or a fault injected here, dashed lines at its start and end."
        )
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
