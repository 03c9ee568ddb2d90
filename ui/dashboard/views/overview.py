"""Overview: the four headline figures (system health, reserve ratio, active wallets, open
alerts), payments per minute and success rate over the last ten minutes, each provider's
share of payments now, the latest invoices and the open alerts; refreshed every second."""

from __future__ import annotations

import streamlit as st

from ui import formatting as fmt
from ui.dashboard.client import ApiClient
from ui.dashboard.models import Alert, EngineState, ProviderHealth
from ui.dashboard.session import attempt, connect
from ui.dashboard.timeline import system_health_pct
from ui.dashboard.traffic import minute_trend, windows
from ui.dashboard.widgets import (
    REFRESH_S,
    breaker_badge,
    live_health,
    provider_name,
    run_line,
    status_badge,
)

OPEN_SEVERITIES = ("warning", "breach")
TREND_S = 600.0  # the sparklines' span of simulated time
TREND_BUCKET_S = 10.0
NOW_S = 60.0  # "now": a provider's share of the payments of the last minute
LATEST = 8  # invoices listed

st.title("Overview")
client = connect()


def headline(client: ApiClient, health: list[ProviderHealth]) -> list[Alert]:
    """System health, reserve ratio, active wallets and open alerts; the open alerts."""
    system = system_health_pct(health)
    reserves = attempt(client.reserves)
    wallets = attempt(client.wallets)
    alerts = attempt(client.alerts)
    open_alerts = [a for a in alerts or [] if a["severity"] in OPEN_SEVERITIES]
    with st.container(key="overview-figures"):
        cols = st.columns(4)
        cols[0].metric(
            "System health",
            fmt.percent(None if system is None else system / 100),
            help="Healthy providers count 1, degraded ½, down 0.",
        )
        ratio = None if reserves is None else reserves["ratio_bp"] / 10_000
        cols[1].metric("Reserve ratio", fmt.percent(ratio, 2), help="Fiat reserve over tokens.")
        cols[2].metric("Active wallets", fmt.count(None if wallets is None else len(wallets)))
        cols[3].metric("Open alerts", fmt.count(None if alerts is None else len(open_alerts)))
    return open_alerts


def trend_and_providers(
    client: ApiClient, engine: EngineState, health: list[ProviderHealth]
) -> None:
    """Payments per minute and call success rate over the last minutes, as sparklines; each
    provider's status and share of the payments of the last minute."""
    now_s = engine["sim_now_s"]
    since_s = max(0.0, now_s - TREND_S - NOW_S)
    buckets = attempt(client.provider_traffic, TREND_BUCKET_S, since_s)
    if buckets is None:
        return
    trend = minute_trend(buckets, TREND_BUCKET_S, now_s, since_s)
    payments, rates = trend["payments_per_min"], trend["success_rate"]
    with st.container(key="overview-trend"):
        left, right = st.columns(2)
        left.metric(
            "Payments per minute",
            fmt.count(payments[-1]) if payments else "—",
            chart_data=payments[-round(TREND_S / TREND_BUCKET_S) :] or None,
            chart_type="area",
            help="Payments made in the last minute of simulated time; the line: the last "
            "10 minutes.",
        )
        known = [r * 100 for r in rates if r is not None]
        right.metric(
            "Success rate of calls",
            fmt.percent(rates[-1]) if rates and rates[-1] is not None else "—",
            chart_data=known[-round(TREND_S / TREND_BUCKET_S) :] or None,
            help="Provider calls that succeeded in the last minute; the line: the last 10 minutes.",
        )
    recent = [b for b in buckets if b["start_s"] >= now_s - NOW_S]
    shares = windows(recent, [h["provider"] for h in health])
    names = [h["provider"] for h in health]
    with st.container(key="overview-providers"):
        st.subheader("Providers now")
        for col, h in zip(st.columns(max(1, len(health))), health, strict=False):
            share = shares[h["provider"]].payment_share
            with col:
                st.markdown(
                    f"{provider_name(h['provider'], names, '1.1em')} &nbsp; "
                    f"{status_badge(h['status'])} {breaker_badge(h['breaker'])}",
                    unsafe_allow_html=True,
                )
                text = (
                    "no payment in the last minute"
                    if share is None
                    else f"{fmt.percent(share)} of payments, last minute"
                )
                st.progress(share or 0.0, text=text)


def latest_invoices(client: ApiClient, now_s: float) -> None:
    invoices = attempt(client.latest_invoices, LATEST)
    with st.container(key="overview-invoices"):
        st.subheader("Latest invoices")
        if invoices is None:
            return
        if not invoices:
            st.caption("No invoice yet.")
            return
        st.table(
            [
                {
                    "Invoice": i["invoice_id"],
                    "Amount": fmt.money(i["amount_minor"], i["currency"]),
                    "Provider": i["provider"] or "—",
                    "Status": fmt.words(i["status"]),
                    "Created": fmt.ago(max(0.0, now_s - i["created_at_s"])),
                }
                for i in invoices
            ],
            hide_index=True,
        )


def open_alerts_list(alerts: list[Alert]) -> None:
    with st.container(key="overview-alerts"):
        st.subheader("Open alerts")
        if not alerts:
            st.caption("No open alert.")
        for a in alerts[:5]:
            st.warning(
                f"{fmt.clock(a['at_s'])} · {a['severity']} · {a['message']}",
                icon=":material/warning:",
            )


@st.fragment(run_every=REFRESH_S)
def overview() -> None:
    engine, health = live_health(client)
    run_line(engine)
    if engine is None or not engine["run_id"]:
        return
    alerts = headline(client, health)
    trend_and_providers(client, engine, health)
    left, right = st.columns([3, 2])
    with left:
        latest_invoices(client, engine["sim_now_s"])
    with right:
        open_alerts_list(alerts)


overview()
