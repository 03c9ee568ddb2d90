"""Pieces several pages share: provider cards, health now, fault controls, the run line.

Every element a browser test needs has a stable key (``st.container(key=...)``
renders as the CSS class ``st-key-<key>``); the keys are listed in the README.
"""

from __future__ import annotations

import streamlit as st

from ui.dashboard.client import ApiClient
from ui.dashboard.models import EngineState, ProviderHealth
from ui.dashboard.palette import PROVIDERS, STATUS_ICONS, colour
from ui.dashboard.session import attempt, percent

# How often live parts poll the API. The page's data is then up to this old, plus
# the engine's 0.25 s row flush, plus a rerun: 1 s keeps it within the 2 s target
# (a 2 s refresh measured 2.5 s; bench/demo_ready.py).
REFRESH_S = 1.0
FAULT_KINDS = ("outage", "silent", "error_rate", "latency", "flapping")


def run_line(engine: EngineState | None) -> None:
    """The running scenario and its simulated clock, in one caption."""
    with st.container(key="run-line"):
        if engine is None:
            return
        if not engine["running"]:
            st.warning("No scenario is running: start one on the Scenarios page.", icon="⏸️")
            return
        st.caption(
            f"Scenario **{engine['scenario']}** · run `{engine['run_id']}` · "
            f"simulated clock **{engine['sim_now_s']:,.1f} s** at speed {engine['speed']:g}"
        )


def live_health(client: ApiClient) -> tuple[EngineState | None, list[ProviderHealth]]:
    """The engine's state and, while a run is live, provider health now."""
    engine = attempt(client.engine)
    health = attempt(client.provider_health) if engine and engine["run_id"] else None
    return engine, health or []


def provider_card(h: ProviderHealth) -> None:
    name = h["provider"]
    with st.container(border=True, key=f"provider-card-{name}"):
        st.markdown(
            f"<span style='color:{colour(name)};font-size:1.3em;font-weight:700'>■ {name}</span>",
            unsafe_allow_html=True,
        )
        st.metric("Status", f"{STATUS_ICONS.get(h['status'], '')} {h['status']}")
        st.metric("Breaker", h["breaker"] or "—")
        st.metric("Success rate (last min)", percent(h["success_rate"]))
        p50, p99 = h["latency_p50_ms"], h["latency_p99_ms"]
        latency = "—" if p50 is None or p99 is None else f"{p50:,.0f} / {p99:,.0f} ms"
        st.metric("Latency p50 / p99", latency)
        changed = h["last_change_s"]
        st.caption(
            f"{h['attempts_last_minute']} attempts in the last minute · last probe change "
            + ("—" if changed is None else f"at {changed:,.1f} s")
        )


def fault_controls(client: ApiClient, names: list[str], prefix: str) -> None:
    """Admin: take a provider down (a fault now, optionally for N s) or restore it."""
    names = names or list(PROVIDERS)
    with st.container(border=True, key=f"{prefix}-faults"):
        st.markdown("**Faults** (admin)")
        left, mid, right = st.columns(3)
        name = left.selectbox("Provider", names, key=f"{prefix}-fault-provider")
        kind = mid.selectbox("Fault", FAULT_KINDS, key=f"{prefix}-fault-kind")
        duration = right.number_input(
            "For (simulated s, 0 = until restored)",
            min_value=0,
            max_value=86_400,
            value=0,
            step=30,
            key=f"{prefix}-fault-duration",
        )
        down, up = st.columns(2)
        if down.button("Take down", key=f"{prefix}-take-down", type="primary"):
            started = attempt(client.start_fault, name, kind, float(duration) or None)
            if started is not None:
                st.success(f"{name}: {kind} from {started['started_at_s']:,.1f} s", icon="🔻")
        if up.button("Restore", key=f"{prefix}-restore"):
            cleared = attempt(client.clear_fault, name)
            if cleared is not None:
                st.success(f"{name} restored at {cleared['cleared_at_s']:,.1f} s", icon="🔺")
