"""Reserves: fiat reserve vs tokens minted, in transit, the ratio; 7- and 30-day charts; a
reconcile-now button; the reconciliations seen with the snapshot each used; alerts."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.dashboard.charts import ratio_chart, reserves_chart
from ui.dashboard.models import Reserves
from ui.dashboard.session import attempt, connect, money
from ui.dashboard.widgets import REFRESH_S, run_line

st.title("Reserves")
client = connect()


def remember(reserves: Reserves) -> dict[int, Any]:
    """Every reconciliation this session has seen, by sequence number (the API gives the last
    one with the balance; the history keeps the ones before it)."""
    seen: dict[int, Any] = st.session_state.setdefault("reconciliations", {})
    last = reserves["last_reconciliation"]
    if last is not None:
        seen[last["seq"]] = last
    return seen


@st.fragment(run_every=REFRESH_S)
def balance() -> None:
    run_line(attempt(client.engine))
    reserves = attempt(client.reserves)
    if reserves is None:
        return
    with st.container(key="reserves-balance"):
        cols = st.columns(5)
        cols[0].metric("Fiat reserve", money(reserves["fiat_minor"]))
        cols[1].metric("Tokens minted", money(reserves["minted_minor"]))
        cols[2].metric("In transit", money(reserves["in_transit_minor"]))
        cols[3].metric("Reserve ratio", f"{reserves['ratio_bp'] / 100:.2f} %")
        bp = reserves["discrepancy_bp"]
        cols[4].metric(
            "Discrepancy",
            "—" if bp is None else f"{bp} bp",
            help=f"Last reconciliation: {reserves['status'] or 'none yet'}",
        )
    seen = remember(reserves)
    with st.container(key="reserves-reconciliations"):
        st.subheader("Reconciliations")
        rows = [
            {
                k: r[k]
                for k in (
                    "seq",
                    "at_s",
                    "trigger",
                    "status",
                    "discrepancy_bp",
                    "discrepancy_minor",
                    "direction",
                )
            }
            for r in sorted(seen.values(), key=lambda r: -r["seq"])
        ]
        if not rows:
            st.info("No reconciliation yet: press Reconcile now (admin).")
            return
        st.dataframe(rows, hide_index=True, key="reserves-reconciliation-table")
        newest = max(seen)
        with st.expander(f"Snapshot used by reconciliation {newest}"):
            st.json(seen[newest]["snapshot"])


balance()

if st.button("Reconcile now", key="reserves-reconcile", type="primary"):
    done = attempt(client.reconcile)
    if done is not None:
        st.success(
            f"Reconciled at {done['at_s']:,.1f} s: {done['status']}, discrepancy "
            f"{done['discrepancy_bp']} bp. {done['message']}"
        )

with st.container(key="reserves-history"):
    days = st.radio(
        "History", (7, 30), horizontal=True, key="reserves-days", format_func=lambda d: f"{d} days"
    )
    history = attempt(client.reserve_history, days)
    if history == []:
        st.info("No reserve activity in this run yet: the charts start with the first payment.")
    elif history:
        left, right = st.columns(2)
        left.altair_chart(reserves_chart([dict(d) for d in history]))
        right.altair_chart(ratio_chart([dict(d) for d in history]))

with st.container(key="reserves-alerts"):
    st.subheader("Alerts")
    alerts = attempt(client.alerts)
    if alerts is not None and not alerts:
        st.success("No alerts.")
    elif alerts:
        st.dataframe(alerts, hide_index=True, key="reserves-alert-table")
