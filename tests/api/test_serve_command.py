"""`invoicesim serve` as a user starts it: the real engine behind the real API, and SIGTERM
stops it cleanly with the run recorded as stopped."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import text

from bench.api_load import served
from storage.database import Database
from tests.api.ports import free_port


def test_serve_answers_with_the_live_engine_and_sigterm_records_the_run_stopped(
    migrated_database: Database, tmp_path: Path
) -> None:
    url = migrated_database.engine.url.render_as_string(hide_password=False)
    with served(url, free_port(), tmp_path) as (api, tokens, _pid):
        health = httpx.get(f"{api}/api/v1/providers/health", timeout=10)
        assert health.status_code == 200
        assert {p["provider"] for p in health.json()["providers"]} == {"tempo", "circle", "stripe"}
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        made = httpx.post(
            f"{api}/api/v1/invoices", json={"amount_minor": 1234}, headers=admin, timeout=10
        )
        assert made.status_code == 201, made.text
        assert made.json()["wallet_address"].startswith("0x")
        consumer = {"Authorization": f"Bearer {tokens['consumer']}"}
        refused = httpx.post(f"{api}/api/v1/reserves/reconcile", headers=consumer, timeout=10)
        assert refused.status_code == 403
    log = (tmp_path / "serve.log").read_text()
    assert "its last window is recorded" in log
    assert tokens["admin"] not in log  # tokens never reach the logs
    with migrated_database.engine.connect() as connection:
        status = connection.execute(
            text("SELECT status FROM runs WHERE scenario_name = 'api-load'")
        ).scalar_one()
    assert status == "stopped"
