"""Reserves: fiat reserve vs tokens minted, in transit, the ratio; 7- and 30-day charts; a
reconcile-now button; the run's reconciliations with the custodian snapshot each used, as a
labelled table; alerts. Every figure is written by ``ui.formatting``."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import streamlit as st

from ui import formatting as fmt
from ui.dashboard.charts import ratio_chart, reserves_chart
from ui.dashboard.client import ApiClient
from ui.dashboard.models import EngineState, Reconciliation, Reserves
from ui.dashboard.session import attempt, connect
from ui.dashboard.widgets import REFRESH_S, run_line

# Significant digits of a headline balance: 949.7k USD from 100,000 up (figures read side
# by side), else 2.14k USD.
LARGE_MINOR = 10_000_000
RECORD_TRIES = 10
MIN_DAYS = 2  # a daily chart needs two points to show a trend
STATUS_WORDS = {
    "balanced": "balanced",
    "warning": "warning (above the warning threshold)",
    "breach": "breach (above the breach threshold)",
}

st.title("Reserves")
client = connect()


def headline(reserves: Reserves) -> None:
    """The balances as compact figures that fit any width (four side by side), the exact
    ones and the last reconciliation's discrepancy in a line below."""
    currency = "USD"
    fiat, minted = reserves["fiat_minor"], reserves["minted_minor"]
    transit = reserves["in_transit_minor"]
    cols = st.columns(4)
    for col, label, minor, help_text in (
        (cols[0], "Fiat reserve", fiat, "Fiat held by the custodian for the tokens."),
        (cols[1], "Tokens minted", minted, "Stablecoin tokens in circulation."),
        (cols[2], "In transit", transit, "Fiat of paid invoices still settling."),
    ):
        col.metric(
            label,
            fmt.money_compact(minor, currency, 4 if abs(minor) >= LARGE_MINOR else 3),
            help=f"{help_text} Exactly {fmt.money(minor, currency)}.",
        )
    cols[3].metric(
        "Reserve ratio",
        fmt.percent(reserves["ratio_bp"] / 10_000, 2),
        help="(Fiat reserve + in transit) over tokens minted; 100 % is 1:1.",
    )
    bp, status = reserves["discrepancy_bp"], reserves["status"]
    last = (
        "no reconciliation yet"
        if bp is None
        else f"last reconciliation {fmt.words(status)}, discrepancy {fmt.basis_points(bp)}"
    )
    st.caption(
        f"Fiat reserve {fmt.money(fiat, currency)} + in transit {fmt.money(transit, currency)} "
        f"back {fmt.money(minted, currency)} of tokens minted; {last}."
    )


def reconciliation_rows(found: list[Reconciliation]) -> list[dict[str, Any]]:
    rows = []
    for r in found:
        snap = r["snapshot"]
        currency = str(snap.get("currency") or "USD")
        rows.append(
            {
                "#": str(r["seq"]),
                "When": fmt.run_time(r["at_s"]),
                "Trigger": fmt.words(r["trigger"]),
                "Status": fmt.words(r["status"]),
                "Custodian statement": fmt.money(snap.get("statement_balance_minor"), currency),
                "Book reserve": fmt.money(snap.get("book_reserve_minor"), currency),
                "Difference": difference(r["discrepancy_minor"], r["direction"], currency),
                "Discrepancy": f"{r['discrepancy_bp']:,} bp",
            }
        )
    return rows


def difference(minor: int, direction: str, currency: str) -> str:
    if not minor:
        return "none"
    side = "custodian above book" if direction == "surplus" else "custodian below book"
    return f"{fmt.money(abs(minor), currency)}, {side}"


def snapshot_rows(r: Reconciliation) -> dict[str, list[str]]:
    """The custodian statement and the book a reconciliation compared, figure by figure."""
    snap = r["snapshot"]
    currency = str(snap.get("currency") or "USD")
    deposits = snap.get("deposit_count")
    complete = snap.get("complete")
    rows = [
        ("Statement as of", fmt.run_time(snap.get("as_of"))),
        ("Custodian statement balance", fmt.money(snap.get("statement_balance_minor"), currency)),
        ("Statement complete", fmt.MISSING if complete is None else fmt.cell(bool(complete))),
        ("Deposits counted", "not given by the custodian" if deposits is None else f"{deposits:,}"),
        ("Book: fiat reserve", fmt.money(snap.get("book_reserve_minor"), currency)),
        ("Book: in transit", fmt.money(snap.get("book_in_transit_minor"), currency)),
        ("Book: tokens minted", fmt.money(snap.get("book_minted_minor"), currency)),
        ("Book: held for review", fmt.money(snap.get("book_held_minor"), currency)),
        ("Result", f"{fmt.words(r['status'])}, {fmt.basis_points(r['discrepancy_bp'])}"),
    ]
    return {"Figure": [k for k, _ in rows], "Value": [v for _, v in rows]}


def reconciliations() -> None:
    """The run's reconciliations, newest first, and the custodian snapshot of the one chosen."""
    found = attempt(client.reconciliations)
    if found is None:
        return
    with st.container(key="reserves-reconciliations"):
        st.subheader("Reconciliations")
        if not found:
            st.info("No reconciliation yet: press Reconcile now (admin).")
            return
        st.caption(
            "Newest first. Times are the run's clock: 01:08 is 1 min 8 s into the live part; "
            "day -1, 18:00 is in the history before it."
        )
        st.dataframe(
            reconciliation_rows(found), hide_index=True, key="reserves-reconciliation-table"
        )
        by_seq = {r["seq"]: r for r in found}
        seq = st.selectbox(
            "Custodian snapshot used by reconciliation",
            list(by_seq),
            key="reserves-snapshot",
            format_func=lambda s: (
                f"#{s} · {fmt.run_time(by_seq[s]['at_s'])} · {fmt.words(by_seq[s]['trigger'])}"
                f" · {fmt.words(by_seq[s]['status'])}"
            ),
        )
        if seq is not None:
            st.table(snapshot_rows(by_seq[seq]), hide_index=True)


@st.fragment(run_every=REFRESH_S)
def balance() -> None:
    run_line(attempt(client.engine))
    reserves = attempt(client.reserves)
    if reserves is None:
        return
    with st.container(key="reserves-balance"):
        headline(reserves)


@st.fragment(run_every=REFRESH_S)
def live_reconciliations() -> None:
    reconciliations()


def recorded(client: ApiClient, at_s: float) -> Reconciliation | None:
    """The reconciliation made at ``at_s`` once it can be read (the engine writes its rows
    every 0.25 s), or None after a second."""
    for _ in range(RECORD_TRIES):
        recent = attempt(client.reconciliations, 5) or []
        row = next((r for r in recent if abs(r["at_s"] - at_s) < 1e-6), None)
        if row is not None:
            return row
        time.sleep(0.1)
    return None


def reconciled_text(client: ApiClient, done: dict[str, Any]) -> tuple[str, int | None]:
    """What a manual reconciliation found, in words and currency, and its number: from its
    row (with the snapshot) when it is readable already, else its status and discrepancy."""
    when, status, bp = fmt.clock(done["at_s"]), done["status"], done["discrepancy_bp"]
    text = f"Reconciled at {when}: {STATUS_WORDS.get(status, status)}, discrepancy {bp:,} bp."
    row = recorded(client, done["at_s"])
    if row is None:
        return text, None
    snap = row["snapshot"]
    currency = str(snap.get("currency") or "USD")
    custodian = fmt.money(snap.get("statement_balance_minor"), currency)
    book = fmt.money(snap.get("book_reserve_minor"), currency)
    verdict = (
        "the reserve is 1:1"
        if not row["discrepancy_minor"]
        else f"a difference of {difference(row['discrepancy_minor'], row['direction'], currency)}"
    )
    return (
        f"{text} The custodian's statement (as of {fmt.run_time(snap.get('as_of'))}) shows "
        f"{custodian} and the book {book}: {verdict}.",
        row["seq"],
    )


def day_zero(engine: EngineState | None) -> date:
    """The calendar day of the run's day 0: the day its live part began."""
    started = engine["started_at"] if engine else None
    return datetime.fromisoformat(started).date() if started else datetime.now(UTC).date()


def history() -> None:
    with st.container(key="reserves-history"):
        st.subheader("Reserve against tokens, a point a day")
        days = st.radio(
            "History",
            (7, 30),
            horizontal=True,
            key="reserves-days",
            format_func=lambda d: f"last {d} days",
            label_visibility="collapsed",
        )
        found = attempt(client.reserve_history, days)
        if found is None:
            return
        if len(found) < MIN_DAYS:
            st.info(
                f"Not enough history yet: {len(found)} day of reserves so far, and the daily "
                "charts need two. Today's balances are in the figures above.",
                icon=":material/hourglass_empty:",
            )
            return
        day0 = day_zero(attempt(client.engine))
        points = [
            dict(d, date=(day0 + timedelta(days=d["day"])).isoformat(), currency="USD")
            for d in found
        ]
        left, right = st.columns(2)
        left.altair_chart(reserves_chart(points))
        right.altair_chart(ratio_chart(points))
        st.caption(
            f"{len(found)} days, closing balances of each day; the dashed line is 1:1 "
            "(the fiat reserve and what is in transit cover every token)."
        )


def reconcile_now() -> None:
    """The button, and what the reconciliation found; its snapshot is then the one shown."""
    if not st.button("Reconcile now", key="reserves-reconcile", type="primary"):
        return
    done = attempt(client.reconcile)
    if done is None:
        return
    if done["status"] == "error":
        st.error(f"The reconciliation could not be made: {done['message']}")
        return
    text, seq = reconciled_text(client, done)
    st.success(text, icon=":material/check_circle:")
    if seq is not None:
        st.session_state["reserves-snapshot"] = seq


balance()
reconcile_now()
history()
live_reconciliations()

with st.container(key="reserves-alerts"):
    st.subheader("Alerts")
    alerts = attempt(client.alerts)
    if alerts is not None and not alerts:
        st.success("No alerts.", icon=":material/check_circle:")
    elif alerts:
        st.dataframe(
            [
                {
                    "When": fmt.run_time(a["at_s"]),
                    "Severity": fmt.words(a["severity"]),
                    "Alert": a["message"],
                }
                for a in alerts
            ],
            hide_index=True,
            key="reserves-alert-table",
        )
