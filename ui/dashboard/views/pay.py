"""Pay Invoice (consumer): the pending invoices; the one opened shows its fields and its
ephemeral wallet with a countdown ticking in the browser while it waits; pay it by its own
method (card, bank or crypto). Once paid the countdown is gone and the box says by which
provider, when, after how many attempts, and that the wallet was destroyed."""

from __future__ import annotations

import time
import uuid
from typing import Any

import streamlit as st

from ui import formatting as fmt
from ui.dashboard.client import ApiError
from ui.dashboard.countdown import countdown
from ui.dashboard.models import Attempt, EngineState, Invoice, InvoiceDetail
from ui.dashboard.palette import colour
from ui.dashboard.session import attempt, connect
from ui.dashboard.widgets import REFRESH_S, run_line

METHODS = ("card", "bank", "crypto")
PAGE = 100  # the newest pending invoices listed
RECORD_TRIES = 30
# A payer of the simulated load who pays does so within seconds: a fresh tab opens the
# newest invoice pending at least this long (simulated s), one likely to stay pending.
SETTLED_S = 30.0
CHECKED = 5  # candidates a fresh tab reads before it opens one
OPEN = "pay-open"  # the invoice in the box: kept when it is paid and leaves the list
STATUS_BADGES = {
    "pending": "blue",
    "processing": "orange",
    "paid": "green",
    "failed": "red",
    "expired": "gray",
}

st.title("Pay Invoice")
client = connect()


def recorded(invoice_id: str) -> None:
    """Wait (briefly) until a new invoice can be read: the engine writes every 0.25 s."""
    for _ in range(RECORD_TRIES):
        try:
            client.invoice(invoice_id)
            return
        except ApiError:
            time.sleep(0.1)


def create() -> None:
    with st.expander("New invoice"):
        left, right = st.columns(2)
        amount = left.number_input(
            "Amount (USD)", 0.01, 10_000.0, 45.0, format="%.2f", key="pay-create-amount"
        )
        method = right.radio(
            "Paid by", METHODS, horizontal=True, key="pay-method", help="The invoice's method."
        )
        if st.button("Create invoice", key="pay-create"):
            made = attempt(client.create_invoice, round(amount * 100), method, "dashboard")
            if made is not None:
                recorded(made["invoice_id"])
                st.session_state[OPEN] = made["invoice_id"]
                st.success(
                    f"Invoice {made['invoice_id']} created for "
                    f"{fmt.money(round(amount * 100))}, to pay by {method}.",
                    icon=":material/check_circle:",
                )


def pending() -> tuple[list[Invoice], int]:
    """The newest page of pending invoices, newest first, and how many are pending."""
    first = attempt(client.invoices, "pending", 1)
    if first is None:
        return [], 0
    total = first["total"]
    page = attempt(client.invoices, "pending", PAGE, max(0, total - PAGE))
    found = [] if page is None else sorted(page["items"], key=lambda i: -i["created_at_s"])
    return found, max(total, len(found))


def label(invoice: Invoice, now_s: float | None) -> str:
    age = "" if now_s is None else f" · created {fmt.ago(now_s - invoice['created_at_s'])}"
    return (
        f"{invoice['invoice_id']} · {fmt.money(invoice['amount_minor'], invoice['currency'])}"
        f" · {invoice['method']}{age}"
    )


def first_choice(found: list[Invoice], now_s: float | None) -> str | None:
    """The invoice a fresh tab opens: the newest pending for at least ``SETTLED_S``, else
    the newest; checked against the invoice itself, as the list may trail by a moment."""
    settled = [i for i in found if now_s is not None and now_s - i["created_at_s"] >= SETTLED_S]
    rest = [i for i in found if i not in settled]
    for invoice in [*settled, *rest][:CHECKED]:
        detail = attempt(client.invoice, invoice["invoice_id"])
        if detail is not None and detail["invoice"]["status"] == "pending":
            return invoice["invoice_id"]
    return None


def _open_chosen() -> None:
    chosen = st.session_state.get("pay-invoice")
    if chosen is not None:
        st.session_state[OPEN] = chosen


def choose(found: list[Invoice], total: int, now_s: float | None) -> str | None:
    """The pending list (only pending invoices) and the invoice open in the box."""
    by_id = {i["invoice_id"]: i for i in found}
    opened = st.session_state.get(OPEN)
    if opened is None and found:
        opened = st.session_state[OPEN] = first_choice(found, now_s)
    if opened is not None and opened not in by_id:
        # The list is read from a cache a quarter second old: a new invoice may be missing.
        detail = attempt(client.invoice, opened)
        if detail is not None and detail["invoice"]["status"] == "pending":
            by_id = {opened: detail["invoice"], **by_id}
            total += 1
    # The list shows the open invoice while it is pending, and nothing chosen once it is not.
    st.session_state["pay-invoice"] = opened if opened in by_id else None
    with st.container(key="pay-pending"):
        st.selectbox(
            f"Pending invoices ({fmt.count(total)}"
            + (f"; the newest {fmt.count(len(found))} listed)" if total > len(found) else ")"),
            list(by_id),
            key="pay-invoice",
            index=None,
            placeholder="Choose a pending invoice to open it",
            format_func=lambda i: label(by_id[i], now_s),
            on_change=_open_chosen,
        )
        if not found:
            st.caption("No invoice is pending: create one above.")
    return opened


def details(invoice: Invoice) -> None:
    """The invoice's own fields, as the API gives them ("—" for one it does not)."""
    get: dict[str, Any] = dict(invoice)
    rows = [
        ("Amount", fmt.money(invoice["amount_minor"], invoice["currency"])),
        ("Payment method", invoice["method"]),
        ("Payer", fmt.cell(get.get("payer"))),
        ("Merchant", fmt.cell(get.get("merchant"))),
        ("Due date", fmt.cell(get.get("due_date"))),
        ("Created", fmt.run_time(invoice["created_at_s"])),
    ]
    st.table({"Field": [r[0] for r in rows], "Value": [r[1] for r in rows]}, hide_index=True)


def provider_html(name: str | None) -> str:
    if name is None:
        return fmt.MISSING
    return f"<span style='color:{colour(name)};font-weight:700'>{name}</span>"


def paid_line(detail: InvoiceDetail, now_s: float | None) -> str:
    invoice, attempts = detail["invoice"], detail["attempts"]
    ended = invoice["ended_at_s"]
    if ended is None and attempts:
        ended = attempts[-1]["finished_at_s"]
    when = fmt.run_time(ended)
    if now_s is not None and ended is not None:
        when += f" ({fmt.ago(now_s - ended)})"
    tries = invoice["attempts"]
    return (
        f"Paid by {provider_html(invoice['provider'])} at {when}, "
        f"{'in one attempt' if tries == 1 else f'after {tries} attempts'}."
    )


def wallet_line(detail: InvoiceDetail) -> str | None:
    wallet = detail["wallet"]
    if wallet is None:
        return None
    address = f"`{wallet['address']}`"
    if wallet["destroyed_at_s"] is not None:
        return (
            f"Wallet {address} destroyed at {fmt.run_time(wallet['destroyed_at_s'])}: its "
            "address is never used again."
        )
    return f"Wallet {address}: {fmt.words(wallet['state'])}, not destroyed yet."


def outcome(detail: InvoiceDetail, now_s: float | None) -> None:
    """What became of the invoice: waiting, in progress, paid, failed or expired."""
    invoice = detail["invoice"]
    status = invoice["status"]
    with st.container(key="pay-outcome"):
        if status == "pending":
            st.markdown(f"Waiting for the payer: pay it below, by {invoice['method']}.")
        elif status == "processing":
            st.markdown(
                f"Payment by {invoice['method']} in progress: the orchestrator is calling "
                f"{provider_html(invoice['provider'])}.",
                unsafe_allow_html=True,
            )
        elif status == "paid":
            st.markdown(
                f":green[:material/check_circle:] {paid_line(detail, now_s)}",
                unsafe_allow_html=True,
            )
        elif status == "failed":
            st.markdown(f"Payment failed: {fmt.cell(invoice['reason'])}.")
        elif status == "expired":
            st.markdown(
                f"Expired at {fmt.run_time(invoice['ended_at_s'])}: no payment arrived before "
                "the wallet's time ran out."
            )
        else:  # underpaid, overpaid: money that went straight to the wallet, held for review
            reason = invoice["reason"]
            st.markdown(f"{fmt.words(status).capitalize()}" + (f": {reason}." if reason else "."))
        if status != "pending" and (line := wallet_line(detail)) is not None:
            st.markdown(line)
        if detail["attempts"]:
            st.dataframe(attempt_rows(detail["attempts"]), hide_index=True, key="pay-attempts")


def attempt_rows(attempts: list[Attempt]) -> list[dict[str, str]]:
    return [
        {
            "Attempt": str(a["attempt_no"]),
            "Provider": a["provider"],
            "Sent at": fmt.run_time(a["sent_at_s"]),
            "Result": fmt.words(a["result"]),
            "Latency": fmt.latency(a["latency_ms"]),
            "Succeeded": fmt.cell(a["succeeded"]),
        }
        for a in attempts
    ]


def pay_button(invoice: Invoice) -> None:
    """Pay, by the invoice's own method, for a pending invoice only."""
    invoice_id, method = invoice["invoice_id"], invoice["method"]
    amount = fmt.money(invoice["amount_minor"], invoice["currency"])
    if st.button(f"Pay {amount} by {method}", key="pay-submit", type="primary"):
        keys = st.session_state.setdefault("pay_keys", {})
        key = keys.setdefault(f"{invoice_id}/{method}", uuid.uuid4().hex)
        if attempt(client.pay, invoice_id, method, key) is not None:
            st.session_state["pay-sent"] = invoice_id


def invoice_box(invoice_id: str) -> None:
    """The open invoice: its fields and, while it is pending, its wallet with the countdown
    (drawn once: the countdown ticks in the browser); what became of it follows live."""
    detail = attempt(client.invoice, invoice_id)
    if detail is None:
        return
    invoice, wallet = detail["invoice"], detail["wallet"]
    status = invoice["status"]
    with st.container(border=True, key="pay-wallet"):
        badge = STATUS_BADGES.get(status, "gray")
        st.markdown(f"#### Invoice {invoice_id} &nbsp; :{badge}-badge[{status}]")
        left, right = st.columns([2, 3], gap="medium")  # the wallet's address on one line
        with left:
            details(invoice)
        with right:
            # The wallet in a container of its own, so that ``follow`` is drawn at the same
            # place whatever the status: a fragment that moved would leave its old output
            # on the page beside the new one.
            with st.container():
                if status == "pending" and wallet is not None:
                    st.markdown("**Ephemeral wallet**: this address exists for this invoice only.")
                    st.code(wallet["address"], language=None)
                    if wallet["state"] == "created" and wallet["expires_at"] is not None:
                        countdown(wallet["expires_at"])
            follow(invoice_id, status)


@st.fragment(run_every=REFRESH_S)
def follow(invoice_id: str, drawn: str) -> None:
    """What became of the invoice, every second; the whole page again once its status is
    no longer the one drawn (the countdown goes, the pending list follows)."""
    engine: EngineState | None = attempt(client.engine)
    now_s = engine["sim_now_s"] if engine and engine["running"] else None
    detail = attempt(client.invoice, invoice_id)
    if detail is None:
        return
    invoice = detail["invoice"]
    if invoice["status"] != drawn:
        st.rerun()
    outcome(detail, now_s)
    if drawn == "pending":
        pay_button(invoice)
        if st.session_state.get("pay-sent") == invoice_id:
            st.caption("Payment sent; the provider's answer shows here in a moment.")


@st.fragment(run_every=REFRESH_S)
def clock() -> None:
    run_line(attempt(client.engine))


clock()
engine_now = attempt(client.engine)
create()
now = engine_now["sim_now_s"] if engine_now and engine_now["running"] else None
found, total = pending()
opened = choose(found, total, now)
if opened is None:
    st.info("No invoice to show: create one above, or choose a pending one.")
else:
    invoice_box(opened)
