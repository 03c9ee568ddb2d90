"""Reserves: fiat reserve vs tokens minted, in transit, the ratio; 7- and 30-day charts; a
reconcile-now button; the run's reconciliations with the snapshot each used; alerts."""

from __future__ import annotations

import streamlit as st

from ui.dashboard.charts import ratio_chart, reserves_chart
from ui.dashboard.session import attempt, connect, money
from ui.dashboard.widgets import REFRESH_S, run_line

st.title("Reserves")
client = connect()
COLUMNS = ("seq", "at_s", "trigger", "status", "discrepancy_bp", "discrepancy_minor", "direction")


def reconciliations() -> None:
    """The run's reconciliations, newest first, and the statement snapshot of the one chosen."""
    found = attempt(client.reconciliations)
    if found is None:
        return
    with st.container(key="reserves-reconciliations"):
        st.subheader("Reconciliations")
        if not found:
            st.info("No reconciliation yet: press Reconcile now (admin).")
            return
        rows = [{k: r[k] for k in COLUMNS} for r in found]  # type: ignore[literal-required]
        st.dataframe(rows, hide_index=True, key="reserves-reconciliation-table")
        by_seq = {r["seq"]: r for r in found}
        seq = st.selectbox("Snapshot used by reconciliation", list(by_seq), key="reserves-snapshot")
        if seq is not None:
            st.json(by_seq[seq]["snapshot"])


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
    reconciliations()


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
