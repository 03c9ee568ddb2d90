"""Pay Invoice against the live API: a pending invoice, its wallet and countdown, the payment,
its provider and attempts, then the wallet's destruction."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.pages import errors, open_page, texts


def countdown_html(app: AppTest) -> str:
    frames = app.get_by_key("pay-wallet").get("iframe")
    assert frames, "the countdown is drawn"
    return str(frames[0].proto.srcdoc)


def test_a_new_invoice_opens_with_its_wallet_and_a_countdown_ticking_in_the_browser(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "pay", role="consumer")
    app.number_input(key="pay-create-amount").set_value(12.5)
    app.button(key="pay-create").click().run()
    assert errors(app) == []
    invoice_id = app.session_state["pay-invoice"]
    detail: Any = live_api.get(f"/invoices/{invoice_id}", role="consumer")
    address = detail["wallet"]["address"]
    assert app.get_by_key("pay-wallet").code[0].value == address
    html = countdown_html(app)
    assert 'id="wallet-countdown"' in html and "setInterval(tick, 1000)" in html
    seconds_left = int(html.split('data-seconds-left="')[1].split('"')[0])
    assert 0 < seconds_left <= 600 / 5  # 600 simulated s of TTL at speed 5, in wall seconds
    assert "12.50 USD" in texts(app)


def test_paying_shows_the_provider_every_attempt_and_the_wallet_destroyed(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "pay", role="consumer")
    app.radio(key="pay-method").set_value("card")
    app.button(key="pay-create").click().run()
    invoice_id = app.session_state["pay-invoice"]
    # The invoice paid is the one just made (else the box holds an older pending one).
    assert errors(app) == [] and f"Invoice {invoice_id} created" in texts(app)
    app.button(key="pay-submit").click().run()
    assert errors(app) == []
    assert f"Payment by card sent for {invoice_id}" in texts(app)

    def destroyed() -> AppTest | None:
        app.run()
        return app if "destroyed at" in texts(app) else None

    eventually(destroyed, timeout_s=30)
    outcome = app.get_by_key("pay-outcome")
    assert "Status **paid**" in outcome.markdown[0].value
    assert ">tempo</span>" in outcome.markdown[0].value
    attempts = outcome.dataframe[0].value
    assert attempts["provider"].tolist()[-1] == "tempo"
    assert attempts["succeeded"].tolist()[-1]
    paid: Any = live_api.get(f"/invoices/{invoice_id}", role="consumer")
    assert paid["invoice"]["status"] == "paid" and paid["wallet"]["destroyed_at_s"] is not None


def test_pending_invoices_are_listed_to_open(live_api: LiveApi) -> None:
    app = open_page(live_api, "pay", role="consumer")
    pending: Any = live_api.get("/invoices?status=pending&limit=500", role="consumer")
    options = app.selectbox(key="pay-invoice").options
    assert {i["invoice_id"] for i in pending["items"]} <= {o.split(" · ")[0] for o in options}
