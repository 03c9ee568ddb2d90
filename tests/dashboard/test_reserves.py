"""Reserves against the live API: balances as money, reconcile now in words and currency,
the reconciliations and the custodian snapshot as labelled tables, history, alerts."""

from __future__ import annotations

import re
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.pages import PAGES, errors, open_page, texts
from ui import formatting as fmt

RAW = re.compile(r"_minor|\bNone\b|\bNULL\b|null|…|minor units")


def shown_tables(app: AppTest, key: str) -> str:
    """Every cell of the dataframes and tables in container ``key``, as one text."""
    box = app.get_by_key(key)
    parts = [frame.value.to_csv() for frame in box.dataframe]
    parts += [table.value.to_csv() for table in box.table]
    return "\n".join(parts)


def test_reserves_show_the_balances_the_api_reports_as_money(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves", role="enterprise")
    assert errors(app) == []
    balance: Any = live_api.get("/reserves/balance")
    metrics = {m.label: m.value for m in app.get_by_key("reserves-balance").get("metric")}
    assert metrics["Reserve ratio"] == fmt.percent(balance["ratio_bp"] / 10_000, 2)
    for label in ("Fiat reserve", "Tokens minted", "In transit"):
        assert re.fullmatch(r"[\d,.]+[kMBT]? USD", metrics[label]), metrics[label]
    # the exact figures below the compact ones, with separators
    assert re.search(r"back [\d,]+\.\d\d USD of tokens minted", texts(app))
    assert not RAW.search(texts(app))


def test_reconcile_now_says_what_it_found_in_words_and_currency(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves")
    app.button(key="reserves-reconcile").click().run()
    assert errors(app) == []
    said = next(s.value for s in app.success if "Reconciled at" in s.value)
    assert re.search(
        r"Reconciled at \d\d:\d\d: balanced, discrepancy 0 bp\. The custodian's statement "
        r"\(as of \d\d:\d\d\) shows [\d,]+\.\d\d USD and the book [\d,]+\.\d\d USD: "
        r"the reserve is 1:1\.",
        said,
    ), said
    assert not RAW.search(said)
    balance: Any = eventually(
        lambda: (b := live_api.get("/reserves/balance")) and b["last_reconciliation"] and b  # type: ignore[index]
    )
    reconciliation = balance["last_reconciliation"]
    assert reconciliation["trigger"] == "manual"
    # the snapshot shown is the one this reconciliation used
    assert app.selectbox(key="reserves-snapshot").value == reconciliation["seq"]


def test_the_reconciliations_and_their_snapshot_are_labelled_tables(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves", role="consumer")
    stored: Any = live_api.get("/reserves/reconciliations")
    assert stored, "the test above reconciled"
    history = app.get_by_key("reserves-reconciliations")
    table = history.dataframe[0].value
    assert table["#"].tolist() == [str(r["seq"]) for r in stored]  # the whole run, newest first
    assert list(table.columns) == [
        "#",
        "When",
        "Trigger",
        "Status",
        "Custodian statement",
        "Book reserve",
        "Difference",
        "Discrepancy",
    ]
    newest = stored[0]
    row = table.iloc[0]
    assert row["Custodian statement"] == fmt.money(newest["snapshot"]["statement_balance_minor"])
    assert row["When"] == fmt.run_time(newest["at_s"])
    assert not history.get("json"), "the snapshot is a table, not JSON"
    snapshot = history.table[0].value
    figures = dict(zip(snapshot["Figure"], snapshot["Value"], strict=True))
    assert figures["Custodian statement balance"] == fmt.money(
        newest["snapshot"]["statement_balance_minor"]
    )
    assert figures["Deposits counted"] == "not given by the custodian"  # null in the API
    assert not RAW.search(shown_tables(app, "reserves-reconciliations"))


def test_the_30_day_history_is_one_click_away(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves")
    app.radio(key="reserves-days").set_value(30).run()
    assert errors(app) == []
    days: Any = live_api.get("/reserves/history?days=30")
    charts = app.get_by_key("reserves-history").get("vega_lite_chart")
    if len(days) >= 2:
        assert len(charts) == 2  # balances and ratio, a point a day
    else:  # the test scenario has no history: it says so rather than draw one dot
        assert not charts
        assert "Not enough history yet" in texts(app)


def test_reconcile_now_needs_an_admin_token(live_api: LiveApi) -> None:
    app = open_page(live_api, "reserves", role="consumer")
    app.button(key="reserves-reconcile").click().run()
    assert any("Reconciling the reserve" in e and "another role" in e for e in errors(app))


def test_an_unreachable_api_is_said_in_words(live_api: LiveApi) -> None:
    app = AppTest.from_file(str(PAGES / "reserves.py"))
    app.session_state["_api_url"] = "http://127.0.0.1:9"
    app.session_state["_api_token"] = live_api.tokens["admin"]
    app.run(timeout=30)
    assert any("API unreachable at http://127.0.0.1:9" in e for e in errors(app))
    assert not app.get("metric")
