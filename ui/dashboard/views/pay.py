"""Pay Invoice (consumer): pending invoices; the one opened shows its ephemeral wallet with
a countdown ticking in the browser; pay it by its own method (card, bank or crypto), then
see the provider that handled it, every attempt, and the wallet's destruction."""

from __future__ import annotations

import time
import uuid

import streamlit as st

from ui.dashboard.client import ApiError
from ui.dashboard.countdown import countdown
from ui.dashboard.models import Invoice
from ui.dashboard.palette import colour
from ui.dashboard.session import attempt, connect, money

METHODS = ("card", "bank", "crypto")
PAGE = 100
POLL_S = 1.0
RECORD_TRIES = 30

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
        amount = st.number_input("Amount (USD)", 0.01, 10_000.0, 45.0, key="pay-create-amount")
        method = st.radio("Paid by", METHODS, index=2, horizontal=True, key="pay-method")
        if st.button("Create invoice", key="pay-create"):
            made = attempt(client.create_invoice, round(amount * 100), method, "dashboard")
            if made is not None:
                recorded(made["invoice_id"])
                st.session_state["pay-invoice"] = made["invoice_id"]
                st.success(f"Invoice {made['invoice_id']} created, wallet {made['wallet_address']}")


def pending() -> dict[str, Invoice]:
    """The newest page of pending invoices, by id."""
    first = attempt(client.invoices, "pending", 1)
    if first is None:
        return {}
    page = attempt(client.invoices, "pending", PAGE, max(0, first["total"] - PAGE))
    return {} if page is None else {i["invoice_id"]: i for i in reversed(page["items"])}


def label(found: dict[str, Invoice], invoice_id: str) -> str:
    i = found.get(invoice_id)
    return invoice_id if i is None else f"{invoice_id} · {money(i['amount_minor'], i['currency'])}"


def wallet_box(invoice_id: str) -> None:
    detail = attempt(client.invoice, invoice_id)
    if detail is None or detail["wallet"] is None:
        return
    wallet, invoice = detail["wallet"], detail["invoice"]
    with st.container(border=True, key="pay-wallet"):
        st.markdown(
            f"**Ephemeral wallet** for {money(invoice['amount_minor'], invoice['currency'])}"
        )
        st.code(wallet["address"], language=None)
        if wallet["state"] == "created" and wallet["expires_at"] is not None:
            countdown(wallet["expires_at"])
    method = invoice["method"]  # an invoice is paid by the method it was created for
    if st.button(
        f"Pay by {method}",
        key="pay-submit",
        type="primary",
        disabled=invoice["status"] != "pending",
    ):
        keys = st.session_state.setdefault("pay_keys", {})
        key = keys.setdefault(f"{invoice_id}/{method}", uuid.uuid4().hex)
        if attempt(client.pay, invoice_id, method, key) is not None:
            st.success(f"Payment by {method} sent for {invoice_id}")


@st.fragment(run_every=POLL_S)
def outcome(invoice_id: str) -> None:
    detail = attempt(client.invoice, invoice_id)
    if detail is None:
        return
    invoice, wallet = detail["invoice"], detail["wallet"]
    with st.container(key="pay-outcome"):
        provider = invoice["provider"]
        shown = (
            "—"
            if provider is None
            else (f"<span style='color:{colour(provider)};font-weight:700'>{provider}</span>")
        )
        st.markdown(
            f"Status **{invoice['status']}** · provider {shown} · {invoice['attempts']} attempt(s)",
            unsafe_allow_html=True,
        )
        if detail["attempts"]:
            st.dataframe(detail["attempts"], hide_index=True, key="pay-attempts")
        if wallet is not None and wallet["destroyed_at_s"] is not None:
            st.success(
                f"Wallet {wallet['address']} {wallet['state']} and destroyed at "
                f"{wallet['destroyed_at_s']:,.1f} s: its address is never reused."
            )
        elif wallet is not None:
            st.caption(f"Wallet state: {wallet['state']}")


create()
found = pending()
current = st.session_state.get("pay-invoice")
options = [*([current] if current and current not in found else []), *found]
if not options:
    st.info("No pending invoice: create one above.")
else:
    with st.container(key="pay-pending"):
        chosen = st.selectbox(
            f"Pending invoices ({len(found)} shown)",
            options,
            key="pay-invoice",
            format_func=lambda i: label(found, i),
        )
    wallet_box(chosen)
    outcome(chosen)
