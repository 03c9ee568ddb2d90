"""Pay Invoice against the live API: a pending invoice with its own fields, its wallet and a
countdown; paid by its own method, then the provider, when, the attempts and the wallet's
destruction, with the countdown and the Pay button gone; only pending invoices listed."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.pages import PAGES, errors, open_page, texts

RAW = re.compile(r"_minor|\bNone\b|\bNULL\b|…|\b(\w+) \1\b")  # a repeated word too


def countdowns(app: AppTest) -> list[str]:
    return [str(f.proto.srcdoc) for f in app.get_by_key("pay-wallet").get("iframe")]


def pay_buttons(app: AppTest) -> list[Any]:
    return [b for b in app.button if b.key == "pay-submit"]


def create(app: AppTest, amount: float, method: str) -> str:
    app.number_input(key="pay-create-amount").set_value(amount)
    app.radio(key="pay-method").set_value(method)
    app.button(key="pay-create").click().run()
    assert errors(app) == []
    return str(app.session_state["pay-open"])


def test_a_new_invoice_opens_with_its_fields_its_wallet_and_a_countdown(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "pay", role="consumer")
    invoice_id = create(app, 12.5, "bank")
    assert f"Invoice {invoice_id} created for 12.50 USD, to pay by bank." in texts(app)
    detail: Any = live_api.get(f"/invoices/{invoice_id}", role="consumer")
    box = app.get_by_key("pay-wallet")
    assert box.code[0].value == detail["wallet"]["address"]
    (html,) = countdowns(app)
    assert 'id="wallet-countdown"' in html and "setInterval(tick, 1000)" in html
    seconds_left = int(html.split('data-seconds-left="')[1].split('"')[0])
    assert 0 < seconds_left <= 600 / 5  # 600 simulated s of TTL at speed 5, in wall seconds
    fields = box.table[0].value
    shown = dict(zip(fields["Field"], fields["Value"], strict=True))
    assert shown["Amount"] == "12.50 USD"
    assert shown["Payment method"] == "bank"
    assert shown["Payer"] == detail["invoice"]["payer"]
    assert shown["Due date"] == detail["invoice"]["due_date"]
    (button,) = pay_buttons(app)
    assert button.label == "Pay 12.50 USD by bank" and not button.disabled
    # the list holds the new invoice, and it is the one chosen
    assert app.selectbox(key="pay-invoice").value == invoice_id


def test_once_paid_the_box_says_by_whom_and_when_and_the_countdown_is_gone(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "pay", role="consumer")
    invoice_id = create(app, 20.0, "card")
    assert countdowns(app)
    pay_buttons(app)[0].click().run()
    assert errors(app) == []

    def destroyed() -> AppTest | None:
        app.run()
        return app if "destroyed at" in texts(app) else None

    eventually(destroyed, timeout_s=30)
    outcome = "\n".join(m.value for m in app.get_by_key("pay-outcome").markdown)
    assert re.search(
        r"Paid by <span[^>]*>tempo</span> at \d\d:\d\d \(.+\), in one attempt\.", outcome
    )
    assert re.search(
        r"Wallet `0x[0-9a-f]+` destroyed at \d\d:\d\d: its address is never used", outcome
    )
    assert not RAW.search(re.sub(r"<[^>]+>", "", outcome)), outcome
    assert countdowns(app) == [], "the countdown stops once the invoice is paid"
    assert pay_buttons(app) == [], "Pay is offered for a pending invoice only"
    attempts = app.get_by_key("pay-outcome").dataframe[0].value
    assert attempts["Provider"].tolist() == ["tempo"] and attempts["Succeeded"].tolist() == ["yes"]
    assert attempts["Latency"].iloc[0].endswith(" ms")
    # it left the pending list; the box still shows it
    assert invoice_id not in app.selectbox(key="pay-invoice").options
    assert app.session_state["pay-open"] == invoice_id
    paid: Any = live_api.get(f"/invoices/{invoice_id}", role="consumer")
    assert paid["invoice"]["status"] == "paid" and paid["wallet"]["destroyed_at_s"] is not None


def test_the_list_holds_only_pending_invoices_and_a_fresh_tab_opens_one(
    live_api: LiveApi,
) -> None:
    made: Any = httpx.post(
        f"{live_api.url}/api/v1/invoices",
        json={"amount_minor": 777, "method": "crypto", "payer": "pat"},
        headers={"Authorization": f"Bearer {live_api.tokens['consumer']}"},
        timeout=20,
    ).json()
    eventually(lambda: live_api.get(f"/invoices/{made['invoice_id']}", role="consumer"))
    app = open_page(live_api, "pay", role="consumer")
    assert errors(app) == []

    def listed_pending() -> bool:
        app.run()  # the list may trail the engine by its quarter-second cache
        listed = [o.split(" · ")[0] for o in app.selectbox(key="pay-invoice").options]
        statuses = [
            live_api.get(f"/invoices/{i}", role="consumer")["invoice"]["status"]  # type: ignore[index]
            for i in listed
        ]
        return bool(listed) and set(statuses) == {"pending"} and made["invoice_id"] in listed

    eventually(listed_pending)
    opened = app.session_state["pay-open"]
    detail: Any = live_api.get(f"/invoices/{opened}", role="consumer")
    assert detail["invoice"]["status"] == "pending"
    assert pay_buttons(app) and countdowns(app)


def test_with_nothing_pending_the_page_says_so(live_api: LiveApi) -> None:
    headers = {"Authorization": f"Bearer {live_api.tokens['consumer']}"}

    def none_pending() -> bool:
        page: Any = live_api.get("/invoices?status=pending&limit=500", role="consumer")
        for invoice in page["items"]:
            httpx.post(
                f"{live_api.url}/api/v1/invoices/{invoice['invoice_id']}/pay",
                json={"method": invoice["method"]},
                headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
                timeout=20,
            )
        return page["total"] == 0

    eventually(none_pending, timeout_s=60)
    app = open_page(live_api, "pay", role="consumer")
    assert errors(app) == []

    def says_none() -> bool:  # the API's list may trail by up to a second (its read cache)
        app.run()
        return "No invoice is pending: create one above." in texts(app)

    eventually(says_none)
    assert "No invoice to show" in texts(app)
    assert countdowns_absent(app)


def countdowns_absent(app: AppTest) -> bool:
    try:
        app.get_by_key("pay-wallet")
    except KeyError:
        return True
    return False


def test_an_enterprise_token_may_not_pay_and_the_page_says_why(live_api: LiveApi) -> None:
    app = open_page(live_api, "pay", role="consumer")
    create(app, 5.0, "card")
    app.session_state["_api_token"] = live_api.tokens["enterprise"]
    app.session_state["api_token"] = live_api.tokens["enterprise"]
    app.run()
    pay_buttons(app)[0].click().run()
    assert any("Paying invoice" in e and "another role" in e for e in errors(app))


def test_an_unreachable_api_is_said_in_words(live_api: LiveApi) -> None:
    app = AppTest.from_file(str(PAGES / "pay.py"), default_timeout=30)
    app.session_state["_api_url"] = "http://127.0.0.1:9"
    app.session_state["_api_token"] = live_api.tokens["consumer"]
    app.run()
    assert any("API unreachable at http://127.0.0.1:9" in e for e in errors(app))
    assert countdowns_absent(app)
