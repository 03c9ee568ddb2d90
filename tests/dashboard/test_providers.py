"""Provider Health Monitor: against the live API (cards, the failover charts, faults,
priorities), and against the API on a fake engine for the states the live run cannot be put
in on cue (nothing recorded yet, a provider down since a known time, no run, no API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from simulation.commands import ClearFault
from storage.database import Database
from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.fake_api import FakeApi, fake_api, health_change
from tests.dashboard.pages import chart_rows, errors, open_page, texts
from tests.storage.recorded import attempt, invoice, record
from ui.cli.ui import APP

CHARTS = 5  # who took the payments, success rate, latency p99, status, breaker


@pytest.fixture(scope="module")
def fake(migrated_database: Database) -> Iterator[FakeApi]:
    with fake_api(migrated_database) as api:
        yield api


def health_of(api: LiveApi, provider: str) -> str:
    answer: Any = api.get("/providers/health")
    return next(str(r["status"]) for r in answer["providers"] if r["provider"] == provider)


def card_text(app: AppTest, provider: str) -> str:
    """Everything a provider's card says: its badges, since when and why, its figures."""
    card = app.get_by_key(f"provider-card-{provider}")
    parts = [str(e.value) for kind in ("markdown", "caption") for e in card.get(kind)]
    for table in card.get("table"):
        frame = table.value  # type: ignore[union-attr]
        parts += [" | ".join(str(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(parts)


def figure(app: AppTest, provider: str, name: str) -> str:
    """One figure of a provider's card, as shown."""
    card = app.get_by_key(f"provider-card-{provider}")
    frame = card.get("table")[0].value  # type: ignore[union-attr]
    return str(frame[frame["Figure"] == name].iloc[0, 1])


# ---- the live API --------------------------------------------------------------------


def test_a_card_per_provider_with_its_status_breaker_and_figures_over_the_range(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "providers")
    assert errors(app) == []
    for name in ("tempo", "circle", "stripe"):
        card = card_text(app, name)
        assert ":material/" in card and "-badge[breaker " in card  # status and breaker badges
        for label in ("Success rate", "Calls", "Share of payments", "Latency p99, last min"):
            assert label in card, card
    assert "_" not in figure(app, "tempo", "Success rate")
    assert len(app.get("vega_lite_chart")) == CHARTS


def test_success_rate_and_latency_show_what_the_api_counted_in_fine_buckets(
    live_api: LiveApi,
) -> None:
    consumer = {"Authorization": f"Bearer {live_api.tokens['consumer']}"}
    new = {"amount_minor": 700, "method": "card"}
    made = httpx.post(f"{live_api.url}/api/v1/invoices", json=new, headers=consumer, timeout=30)
    assert made.status_code == 201, made.text
    paid = httpx.post(f"{live_api.url}/api/v1/invoices/{made.json()['invoice_id']}/pay",
                      json={"method": "card"}, headers=consumer, timeout=30)  # fmt: skip
    assert paid.status_code == 202, paid.text

    def buckets() -> Any:
        answer: Any = live_api.get("/providers/traffic?bucket_s=5")
        return answer["buckets"]

    traffic: Any = eventually(buckets, 30)
    app = open_page(live_api, "providers", role="consumer")
    after: Any = buckets()
    rows = [r for r in chart_rows(app, "provider-charts") if "success_pct" in r]
    tempo = [r for r in rows if r["provider"] == "tempo"]
    assert tempo, rows
    # The run goes on while the page loads: its open bucket may gain calls between the
    # two reads. Compared are the buckets the API counted the same before and after.
    counted = {b["start_s"]: b for b in traffic if b["provider"] == "tempo" and b in after}
    compared = [row for row in tempo if row["start_s"] in counted]
    assert compared, (tempo, counted)
    for row in compared:
        assert row["success_pct"] == round(counted[row["start_s"]]["success_rate"] * 100, 2)
        assert row["latency_p99_ms"] == round(counted[row["start_s"]]["latency_p99_ms"])
    assert "in 5 s buckets" in texts(app)


def test_the_whole_run_shows_the_fault_the_scenario_file_schedules_as_a_band(
    live_api: LiveApi,
) -> None:
    faults: Any = eventually(lambda: live_api.get("/faults"))
    scheduled = next(f for f in faults if f["origin"] == "scenario")
    assert (scheduled["target"], scheduled["kind"]) == ("stripe", "latency")
    eventually(lambda: live_api.engine.status().sim_now_s > 2)
    app = open_page(live_api, "providers", role="consumer")
    app.segmented_control(key="provider-range").set_value("Whole run").run()
    assert "Whole run of simulated time" in texts(app)
    table = app.get_by_key("provider-faults").table[0].value
    row = table[table["Origin"] == "scheduled"].iloc[0]
    assert (row["Provider"], row["Fault"], row["When"]) == ("stripe", "latency", "00:02\u201300:22")
    bands = {r["label"] for r in chart_rows(app, "provider-charts") if "label" in r and "when" in r}
    assert "stripe latency (scheduled)" in bands
    app.run()  # the range chosen stays chosen
    assert "Whole run of simulated time" in texts(app)


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
    card = card_text(app, "tempo")
    assert ":red-badge[:material/error: down]" in card
    assert "outage fault injected at" in card
    rows = chart_rows(app, "provider-charts")
    assert "tempo outage (injected)" in {r.get("label") for r in rows}
    assert ("tempo", "down") in {(r.get("provider"), r.get("label")) for r in rows}
    restore = app.button(key="providers-restore")
    assert restore.label == "Restore tempo" and not restore.disabled
    restore.click().run()
    assert "tempo restored at" in texts(app)
    eventually(lambda: health_of(live_api, "tempo") == "healthy", timeout_s=40)


def test_the_chosen_fault_provider_stays_chosen_across_pages(live_api: LiveApi) -> None:
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.session_state["_api_url"] = live_api.url
    app.session_state["_api_token"] = live_api.tokens["admin"]
    app.run()
    app.switch_page("views/providers.py").run()
    app.selectbox(key="providers-fault-provider").select("stripe").run()
    app.switch_page("views/overview.py").run()
    assert [t.value for t in app.title] == ["Overview"]
    app.switch_page("views/providers.py").run()
    assert app.selectbox(key="providers-fault-provider").value == "stripe"
    assert app.button(key="providers-take-down").label == "Take stripe down"


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


# ---- the API on a fake engine --------------------------------------------------------


def test_a_run_with_nothing_recorded_yet_shows_calm_cards_and_empty_charts(
    fake: FakeApi,
) -> None:
    fake.new_run(now_s=30.0)
    app = open_page(fake, "providers")
    assert errors(app) == []
    for name in ("tempo", "circle", "stripe"):
        assert "Healthy all run" in card_text(app, name)
        assert figure(app, name, "Success rate") == "no calls"
        assert figure(app, name, "Share of payments") == "—"
    assert len(app.get("vega_lite_chart")) == CHARTS
    assert not [r for r in chart_rows(app, "provider-charts") if "share_pct" in r]
    assert "No provider fault scheduled or injected in this run." in texts(app)
    restore = app.button(key="providers-restore")
    assert restore.disabled and restore.label == "Restore"
    assert "Nothing to restore" in texts(app)


def test_a_provider_down_says_since_when_and_why_and_circle_took_its_payments(
    fake: FakeApi,
) -> None:
    run_id = fake.new_run(now_s=240.0)
    admin = {"Authorization": f"Bearer {fake.tokens['admin']}"}
    down = httpx.post(f"{fake.url}/api/v1/providers/tempo/faults", json={"kind": "outage"},
                      headers=admin, timeout=10)  # fmt: skip
    assert down.status_code == 201, down.text
    fake.engine.sim_now_s = 300.0
    calls = [("tempo", float(t), "succeeded") for t in range(201, 240, 4)]
    calls += [("tempo", 241.0, "error"), ("tempo", 243.0, "error")]
    calls += [("circle", float(t), "succeeded") for t in range(246, 300, 4)]
    record(fake.db, run_id, {
        "invoices": [invoice(f"i{n}") for n in range(len(calls))],
        "payment_attempts": [attempt(f"i{n}#1", f"i{n}", 1, provider, at_s, result, 50.0)
                             for n, (provider, at_s, result) in enumerate(calls)],
        "provider_health": [health_change(0, "tempo", 245.0, "health", "down", "healthy",
                                          "probe failed")],
    })  # fmt: skip
    app = open_page(fake, "providers")
    app.selectbox(key="providers-fault-provider").select("circle").run()
    assert errors(app) == []
    card = card_text(app, "tempo")
    assert ":red-badge[:material/error: down]" in card
    assert "Down for 55 s (since 04:05)" in card
    assert "health check: probe failed" in card
    assert "outage fault injected at 04:00, until restored" in card
    assert "health routing sends no calls to a provider that is down" in card
    assert figure(app, "tempo", "Success rate") == "83.3 %"  # 10 of 12 calls, as charted
    assert figure(app, "tempo", "Calls") == "12"
    assert figure(app, "circle", "Success rate") == "100 %"
    shares = [r for r in chart_rows(app, "provider-charts") if "share_pct" in r]
    after = {(r["provider"], r["share_pct"]) for r in shares if r["start_s"] >= 245}
    assert after == {("circle", 100.0)}  # Circle took every payment once Tempo was down
    assert {r["provider"] for r in shares if r["start_s"] < 240} == {"tempo"}
    # Restore acts on the provider that is down, not on the one chosen to take down
    restore = app.button(key="providers-restore")
    assert restore.label == "Restore tempo"
    restore.click().run()
    assert fake.engine.commands[-1] == ClearFault(provider="tempo")
    assert "tempo restored at 05:00" in texts(app)
    app.run()  # the message stays through the refreshes that follow
    assert "tempo restored at 05:00" in texts(app)


def test_without_a_running_scenario_the_page_says_so(fake: FakeApi) -> None:
    fake.engine.run_id = None
    app = open_page(fake, "providers")
    assert errors(app) == []
    assert any("No scenario is running" in str(w.value) for w in app.warning)
    assert app.get("vega_lite_chart") == []


def test_the_page_names_the_address_when_the_api_is_unreachable(fake: FakeApi) -> None:
    app = open_page(fake, "providers")
    app.session_state["_api_url"] = "http://127.0.0.1:9"
    app.run()
    assert any("API unreachable at http://127.0.0.1:9" in e for e in errors(app))
    assert app.get("vega_lite_chart") == []
