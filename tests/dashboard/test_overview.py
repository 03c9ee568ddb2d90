"""Overview: against the live API (the headline figures, the trend, providers now, the latest
invoices, the clock), and against the API on a fake engine for the states the live run
cannot be put in on cue (nothing yet, known invoices and alerts, no run, no API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from storage.database import Database
from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.fake_api import FakeApi, fake_api
from tests.dashboard.pages import errors, open_page, texts
from tests.storage.recorded import attempt, invoice, record


@pytest.fixture(scope="module")
def fake(migrated_database: Database) -> Iterator[FakeApi]:
    with fake_api(migrated_database) as api:
        yield api


def latest(app: AppTest) -> Any:
    """The latest invoices as the page lists them (a DataFrame)."""
    return app.get_by_key("overview-invoices").table[0].value  # type: ignore[union-attr]


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


# ---- the live API --------------------------------------------------------------------


def test_overview_shows_every_provider_healthy_and_the_running_scenario(live_api: LiveApi) -> None:
    def healthy() -> AppTest | None:
        app = open_page(live_api, "overview")
        return app if metrics(app).get("System health") == "100 %" else None

    app = eventually(healthy)
    assert errors(app) == []
    shown = texts(app)
    for name in ("tempo", "circle", "stripe"):
        assert f"■ {name}</span> &nbsp; :green-badge[:material/check_circle: healthy]" in shown
    assert "dash-quiet" in shown
    # the run's id is for engineers: on hover (a title), never in the text people read
    assert f"title='run {live_api.run_id}'" in shown and f"<code>{live_api.run_id}" not in shown
    figures = metrics(app)
    assert figures["Reserve ratio"].endswith("%")
    assert figures["Active wallets"].replace(",", "").isdigit()
    assert figures["Open alerts"].isdigit()
    assert {"Payments per minute", "Success rate of calls"} <= set(figures)


def test_an_invoice_made_through_the_api_is_listed_among_the_latest(live_api: LiveApi) -> None:
    consumer = {"Authorization": f"Bearer {live_api.tokens['consumer']}"}
    made = httpx.post(f"{live_api.url}/api/v1/invoices", json={"amount_minor": 123_456},
                      headers=consumer, timeout=30)  # fmt: skip
    assert made.status_code == 201, made.text
    invoice_id = made.json()["invoice_id"]

    def listed() -> AppTest | None:
        app = open_page(live_api, "overview")
        table = app.get_by_key("overview-invoices").table
        return app if table and invoice_id in set(table[0].value["Invoice"]) else None

    shown = latest(eventually(listed, timeout_s=30))
    assert list(shown.columns) == ["Invoice", "Amount", "Provider", "Status", "Created"]
    row = shown[shown["Invoice"] == invoice_id].iloc[0]
    assert row["Amount"] == "1,234.56 USD"
    assert row["Status"] == "pending" and row["Provider"] == "—"
    assert row["Created"] == "just now" or row["Created"].endswith(" ago")


def test_overview_without_a_token_says_which_token_to_set(live_api: LiveApi) -> None:
    app = open_page(live_api, "overview", role=None)
    assert any("set a token in the sidebar" in e for e in errors(app))


# ---- the API on a fake engine --------------------------------------------------------


def test_a_run_with_nothing_recorded_yet_reads_as_such(fake: FakeApi) -> None:
    fake.new_run(now_s=20.0)
    app = open_page(fake, "overview")
    assert errors(app) == []
    figures = metrics(app)
    assert figures["System health"] == "100 %"
    assert figures["Active wallets"] == "0" and figures["Open alerts"] == "0"
    assert figures["Payments per minute"] == "0"  # 20 s of run without a payment
    assert figures["Success rate of calls"] == "—"  # and without a call
    shown = texts(app)
    assert "No invoice yet." in shown and "No open alert." in shown
    progress = [p.proto.text for p in app.get_by_key("overview-providers").get("progress")]
    assert progress == ["no payment in the last minute"] * 3


def test_invoices_alerts_and_payments_per_minute_read_as_a_person_reads_them(
    fake: FakeApi,
) -> None:
    run_id = fake.new_run(now_s=125.0)
    paid = [(f"INV-{n:03d}", float(n * 10), "tempo" if n < 8 else "circle") for n in range(12)]
    record(fake.db, run_id, {
        "invoices": [invoice(i, "paid", at_s, at_s + 1, provider=p, attempts=1)
                     for i, at_s, p in paid]
                    + [invoice("INV-PENDING", "pending", 120.0)],
        "payment_attempts": [attempt(f"{i}#1", i, 1, p, at_s + 1, "succeeded", 80.0)
                             for i, at_s, p in paid],
        "alerts": [(1, 100.0, "reserve", "warning", "reserve ratio below target")],
    })  # fmt: skip
    app = open_page(fake, "overview")
    assert errors(app) == []
    shown = latest(app)
    assert list(shown["Invoice"][:3]) == ["INV-PENDING", "INV-011", "INV-010"]  # newest first
    first = shown.iloc[0]
    assert (first["Amount"], first["Provider"], first["Status"], first["Created"]) == (
        "10.00 USD", "—", "pending", "5 s ago")  # fmt: skip
    assert shown.iloc[1]["Provider"] == "circle"
    figures = metrics(app)
    assert figures["Payments per minute"] == "6"  # one every 10 s
    assert figures["Success rate of calls"] == "100 %"
    assert figures["Open alerts"] == "1"
    assert "01:40 · warning · reserve ratio below target" in texts(app)
    progress = [p.proto.text for p in app.get_by_key("overview-providers").get("progress")]
    assert progress == [  # tempo, circle, stripe: of the last minute's 5 payments
        "20 % of payments, last minute", "80 % of payments, last minute",
        "0 % of payments, last minute",
    ]  # fmt: skip


def test_without_a_running_scenario_the_overview_says_so(fake: FakeApi) -> None:
    fake.engine.run_id = None
    app = open_page(fake, "overview")
    assert errors(app) == []
    assert any("No scenario is running" in str(w.value) for w in app.warning)
    assert app.metric == []


def test_overview_names_the_address_when_the_api_is_unreachable(fake: FakeApi) -> None:
    app = open_page(fake, "overview")
    app.session_state["_api_url"] = "http://127.0.0.1:9"
    app.run()
    assert any("API unreachable at http://127.0.0.1:9" in e for e in errors(app))
