"""Overview: system health, providers at a glance, reserve ratio, active wallets, open
alerts, and the running scenario with its clock; refreshed every second."""

from __future__ import annotations

import streamlit as st

from ui.dashboard.palette import STATUS_ICONS, colour
from ui.dashboard.session import attempt, connect
from ui.dashboard.timeline import system_health_pct
from ui.dashboard.widgets import REFRESH_S, live_health, run_line

OPEN_SEVERITIES = ("warning", "breach")

st.title("Overview")
client = connect()


@st.fragment(run_every=REFRESH_S)
def overview() -> None:
    engine, health = live_health(client)
    run_line(engine)
    if engine is None or not engine["run_id"]:
        return
    system = system_health_pct(health)
    with st.container(key="overview-figures"):
        cols = st.columns(4)
        cols[0].metric("System health", "—" if system is None else f"{system:g} %")
        reserves = attempt(client.reserves)
        ratio = None if reserves is None else reserves["ratio_bp"] / 100
        cols[1].metric("Reserve ratio", "—" if ratio is None else f"{ratio:.2f} %")
        wallets = attempt(client.wallets)
        cols[2].metric("Active wallets", "—" if wallets is None else len(wallets))
        alerts = attempt(client.alerts)
        open_alerts = [a for a in alerts or [] if a["severity"] in OPEN_SEVERITIES]
        cols[3].metric("Open alerts", "—" if alerts is None else len(open_alerts))
    with st.container(key="overview-providers"):
        st.subheader("Providers")
        for col, h in zip(st.columns(max(1, len(health))), health, strict=False):
            col.markdown(
                f"<span style='color:{colour(h['provider'])};font-weight:700'>■ "
                f"{h['provider']}</span> {STATUS_ICONS.get(h['status'], '')} {h['status']} · "
                f"breaker {h['breaker'] or '—'}",
                unsafe_allow_html=True,
            )
    if open_alerts:
        with st.container(key="overview-alerts"):
            st.subheader("Open alerts")
            for a in open_alerts[:5]:
                st.warning(f"{a['at_s']:,.0f} s · {a['severity']} · {a['message']}")


overview()
