"""Provider Health Monitor against the live API: cards, charts, faults and priorities."""

from __future__ import annotations

from typing import Any

import httpx

from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.pages import chart_rows, errors, open_page, texts


def health_of(api: LiveApi, provider: str) -> str:
    rows: Any = api.get("/providers/health")
    return next(str(r["status"]) for r in rows if r["provider"] == provider)


def card_text(app: Any, provider: str) -> str:
    card = app.get_by_key(f"provider-card-{provider}")
    return "\n".join(f"{m.label}: {m.value}" for m in card.get("metric"))


def test_a_card_per_provider_with_status_breaker_and_traffic(live_api: LiveApi) -> None:
    app = open_page(live_api, "providers")
    assert errors(app) == []
    for name in ("tempo", "circle", "stripe"):
        card = card_text(app, name)
        assert "Status:" in card and "Breaker:" in card and "Latency p50 / p99:" in card
        assert "Breaker: —" not in card  # the API answers a real state
    # status, breaker, success rate and latency over the run
    assert len(app.get("vega_lite_chart")) == 4


def test_success_rate_and_latency_over_the_run_show_what_the_api_counted(
    live_api: LiveApi,
) -> None:
    consumer = {"Authorization": f"Bearer {live_api.tokens['consumer']}"}
    new = {"amount_minor": 700, "method": "card"}
    made = httpx.post(f"{live_api.url}/api/v1/invoices", json=new, headers=consumer, timeout=30)
    assert made.status_code == 201, made.text
    paid = httpx.post(f"{live_api.url}/api/v1/invoices/{made.json()['invoice_id']}/pay",
                      json={"method": "card"}, headers=consumer, timeout=30)  # fmt: skip
    assert paid.status_code == 202, paid.text
    traffic: Any = eventually(lambda: live_api.get("/providers/traffic?bucket_s=5"), 30)
    app = open_page(live_api, "providers", role="consumer")
    after: Any = live_api.get("/providers/traffic?bucket_s=5")
    rows = [r for r in chart_rows(app, "provider-charts") if "success_pct" in r]
    tempo = [r for r in rows if r["provider"] == "tempo"]
    assert tempo, rows
    # The run goes on while the page loads: its open bucket may gain calls between the
    # two reads. Compared are the buckets the API counted the same before and after.
    counted = {b["start_s"]: b for b in traffic if b["provider"] == "tempo" and b in after}
    compared = [row for row in tempo if row["start_s"] in counted]
    assert compared, (tempo, counted)
    for row in compared:
        assert row["success_pct"] == counted[row["start_s"]]["success_rate"] * 100
        assert row["latency_p99_ms"] == counted[row["start_s"]]["latency_p99_ms"]


def test_the_charts_mark_the_fault_the_scenario_file_schedules(live_api: LiveApi) -> None:
    faults: Any = eventually(lambda: live_api.get("/faults"))
    scheduled = next(f for f in faults if f["origin"] == "scenario")
    assert (scheduled["target"], scheduled["kind"]) == ("stripe", "latency")
    eventually(lambda: live_api.engine.status().sim_now_s > 2)
    app = open_page(live_api, "providers", role="consumer")
    table = app.get_by_key("provider-faults").dataframe[0].value
    row = table[table["origin"] == "scenario"].iloc[0]
    assert (row["provider"], row["fault"], row["start (s)"]) == ("stripe", "latency", 2.0)
    edges = {(r["provider"], r["edge"]) for r in chart_rows(app, "provider-charts") if "edge" in r}
    assert ("stripe", "latency (scheduled) start") in edges


def test_taking_tempo_down_from_the_page_makes_the_api_report_it_down_and_restore_heals_it(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "providers")
    app.selectbox(key="providers-fault-provider").select("tempo")
    app.selectbox(key="providers-fault-kind").select("outage")
    app.button(key="providers-take-down").click().run()
    assert errors(app) == []
    assert "tempo: outage from" in texts(app)
    eventually(lambda: health_of(live_api, "tempo") == "down", timeout_s=30)
    app.run()  # the next refresh shows it on the card and marks the fault on the charts
    assert "Status: 🔴 down" in card_text(app, "tempo")
    rows = chart_rows(app, "provider-charts")
    assert ("tempo", "outage (injected) start") in {(r["provider"], r.get("edge")) for r in rows}
    assert ("tempo", "down") in {(r["provider"], r.get("state")) for r in rows}
    app.button(key="providers-restore").click().run()
    assert "tempo restored at" in texts(app)
    eventually(lambda: health_of(live_api, "tempo") == "healthy", timeout_s=40)


def test_saving_a_priority_stores_a_new_provider_version(live_api: LiveApi) -> None:
    app = open_page(live_api, "providers")
    before: Any = live_api.get("/providers")
    stripe = next(p for p in before if p["name"] == "stripe")
    app.number_input(key=f"priority-stripe-{stripe['version']}").set_value(9)
    app.button(key="save-stripe").click().run()
    assert errors(app) == []
    assert f"stripe: version {stripe['version'] + 1}, priority 9" in texts(app)
    after: Any = live_api.get("/providers")
    assert next(p["priority"] for p in after if p["name"] == "stripe") == 9


def test_admin_controls_refuse_a_consumer_token_with_the_reason(live_api: LiveApi) -> None:
    app = open_page(live_api, "providers", role="consumer")
    assert any("this needs a token of another role" in e for e in errors(app))
