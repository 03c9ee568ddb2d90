"""Overview against the live API: health, providers, reserves, wallets, alerts, the clock."""

from __future__ import annotations

from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.pages import errors, open_page, texts


def test_overview_shows_every_provider_healthy_and_the_running_scenario(live_api: LiveApi) -> None:
    def healthy() -> object:
        app = open_page(live_api, "overview")
        return app if "System health: 100 %" in texts(app) else None

    app = eventually(healthy)
    assert errors(app) == []
    shown = texts(app)
    for name in ("tempo", "circle", "stripe"):
        assert f"{name}</span> 🟢 healthy · breaker closed" in shown, shown
    assert "dash-quiet" in shown and live_api.run_id in shown
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Reserve ratio"].endswith("%")
    assert metrics["Active wallets"].isdigit()
    assert metrics["Open alerts"].isdigit()


def test_overview_without_a_token_says_which_token_to_set(live_api: LiveApi) -> None:
    app = open_page(live_api, "overview", role=None)
    assert any("set a token in the sidebar" in e for e in errors(app))


def test_overview_names_the_address_when_the_api_is_unreachable(live_api: LiveApi) -> None:
    app = open_page(live_api, "overview")
    app.session_state["_api_url"] = "http://127.0.0.1:9"
    app.run()
    assert any("API unreachable at http://127.0.0.1:9" in e for e in errors(app))
