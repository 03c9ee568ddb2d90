"""The entry file and `invoicesim ui`: six pages, the API address and token passed by env."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import LiveApi
from ui.cli.ui import APP, dashboard_env, streamlit_command


def test_the_entry_file_opens_on_the_overview_of_the_live_api(live_api: LiveApi) -> None:
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.session_state["_api_url"] = live_api.url
    app.session_state["_api_token"] = live_api.tokens["admin"]
    app.run()
    assert [t.value for t in app.title] == ["Overview"]
    assert not app.exception


def test_every_page_of_the_navigation_exists() -> None:
    source = APP.read_text()
    pages = ["overview", "providers", "reserves", "bulk", "pay", "scenarios"]
    for page in pages:
        assert f'PAGES / "{page}.py"' in source
        assert (APP.parent / "views" / f"{page}.py").is_file()


def test_ui_runs_streamlit_on_the_app_with_the_token_in_the_environment_only() -> None:
    command = streamlit_command("127.0.0.1", 8600)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert Path(command[4]) == APP
    assert "--server.port" in command and "8600" in command
    env = dashboard_env("http://api:8000", "secret-token")
    assert env["INVOICESIM_API_URL"] == "http://api:8000"
    assert env["INVOICESIM_TOKEN"] == "secret-token"
    assert not any("secret-token" in part for part in command)
