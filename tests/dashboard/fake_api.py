"""The API on a real PostgreSQL with a fake engine (tests/api/fake_engine.py), served by
uvicorn on a free port: for page states the live engine cannot be put in on cue (a run
with nothing recorded yet, no run at all, a provider down since a known time), set by
writing the rows a run records and the engine's clock and run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from storage.database import Database
from storage.schema import ROLES
from storage.tokens import create_token
from tests.api.fake_engine import FakeEngine
from tests.dashboard.conftest import _free_port, eventually
from tests.storage.recorded import record, run_in
from ui.api import ApiSettings, create_app

PROVIDERS = ("tempo", "circle", "stripe")


@dataclass(frozen=True)
class FakeApi:
    url: str
    tokens: dict[str, str]  # by role
    engine: FakeEngine
    db: Database

    def new_run(self, now_s: float = 100.0) -> str:
        """A run of its own, with the three providers configured and nothing else, running
        at simulated ``now_s``."""
        run_id = run_in(self.db)
        record(self.db, run_id, {"provider_config": [
            (name, 1, priority, True, ["card", "bank"], 10, 0, 1_000.0, "{}", 0.0)
            for priority, name in enumerate(PROVIDERS, start=1)
        ]})  # fmt: skip
        self.engine.run_id, self.engine.sim_now_s = run_id, now_s
        return run_id


@contextmanager
def fake_api(db: Database) -> Iterator[FakeApi]:
    engine = FakeEngine()
    port = _free_port()
    app = create_app(ApiSettings(), db, engine)  # type: ignore[arg-type]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                       access_log=False)
    )  # fmt: skip
    thread = threading.Thread(target=server.run, name="dashboard-fake-api", daemon=True)
    thread.start()
    eventually(lambda: server.started, timeout_s=20)
    tokens = {role: create_token(db, role, f"fake {role}")[1] for role in ROLES}
    try:
        yield FakeApi(f"http://127.0.0.1:{port}", tokens, engine, db)
    finally:
        server.should_exit = True
        thread.join(10)


def health_change(seq: int, provider: str, at_s: float, kind: str, state: str, previous: str,
                  reason: str) -> tuple[Any, ...]:  # fmt: skip
    """A provider_health row of one orchestrator replica."""
    return ("shard-0", seq, provider, at_s, kind, state, previous, reason)
