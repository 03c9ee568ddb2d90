"""Reserves against the live API: balances, reconcile now, history, charts and alerts."""

from __future__ import annotations

import json
from typing import Any

from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.pages import errors, open_page, texts


def test_reserves_show_the_balances_the_api_reports(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves", role="enterprise")
    assert errors(app) == []
    balance: Any = live_api.get("/reserves/balance")
    metrics = {m.label: m.value for m in app.get_by_key("reserves-balance").get("metric")}
    assert metrics["Reserve ratio"] == f"{balance['ratio_bp'] / 100:.2f} %"
    assert metrics["Fiat reserve"].endswith("USD") and metrics["Tokens minted"].endswith("USD")
    history: Any = live_api.get("/reserves/history?days=7")
    assert len(app.get("vega_lite_chart")) == (2 if history else 0)  # balances and ratio


def test_reconcile_now_adds_a_reconciliation_with_its_snapshot(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves")
    app.button(key="reserves-reconcile").click().run()
    assert errors(app) == []
    assert "Reconciled at" in texts(app)
    balance: Any = eventually(
        lambda: (b := live_api.get("/reserves/balance")) and b["last_reconciliation"] and b  # type: ignore[index]
    )
    reconciliation = balance["last_reconciliation"]
    assert reconciliation["trigger"] == "manual", texts(app)
    app.run()
    history = app.get_by_key("reserves-reconciliations")
    table = history.dataframe[0].value
    row = table[table["seq"] == reconciliation["seq"]].iloc[0]
    assert (row["trigger"], row["status"]) == ("manual", reconciliation["status"])
    stored: Any = live_api.get("/reserves/reconciliations")
    assert table["seq"].tolist() == [r["seq"] for r in stored]  # the whole run, newest first
    history.selectbox(key="reserves-snapshot").select(reconciliation["seq"]).run()
    (shown,) = app.get_by_key("reserves-reconciliations").get("json")
    assert json.loads(shown.proto.body) == reconciliation["snapshot"]


def test_a_new_session_sees_the_reconciliations_made_before_it(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves", role="consumer")
    stored: Any = live_api.get("/reserves/reconciliations")
    assert stored, "the test above reconciled"
    table = app.get_by_key("reserves-reconciliations").dataframe[0].value
    assert table["seq"].tolist() == [r["seq"] for r in stored]


def test_the_30_day_history_is_one_click_away(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves")  # after the reconciliation above: a day of history
    app.radio(key="reserves-days").set_value(30).run()
    assert errors(app) == []
    assert len(app.get("vega_lite_chart")) == 2


def test_reconcile_now_needs_an_admin_token(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves", role="consumer")
    app.button(key="reserves-reconcile").click().run()
    assert any("Reconciling the reserve" in e and "another role" in e for e in errors(app))
