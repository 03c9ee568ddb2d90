"""The API at 1,000 requests/s for 60 s while a scenario runs: no errors, memory bounded.

`invoicesim serve` in its own process (the local runtime, its scenario creating
and paying 20 invoices/s); the dashboards' and programs' mix of reads, new
invoices and payments arrives on an open-loop schedule (``bench.api_load``), so
a server that falls behind shows up as shed requests, which count as errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.api_load import drive, served
from storage.database import Database
from tests.api.test_serve_command import free_port

RATE = 1_000.0
DURATION_S = 60.0
MAX_GROWTH = 1.5  # RSS at the end over RSS at the start of the load


@pytest.mark.slow
def test_a_minute_at_1000_requests_per_second_has_no_errors_and_bounded_memory(
    migrated_database: Database, tmp_path: Path
) -> None:
    url = migrated_database.engine.url.render_as_string(hide_password=False)
    with served(url, free_port(), tmp_path) as (api, tokens, pid):
        drive(api, tokens, RATE, 3.0)  # warm up: connections, caches, first queries
        result = drive(api, tokens, RATE, DURATION_S, pid)
    summary = result.summary()
    assert result.sent == RATE * DURATION_S
    assert summary["errors"] == 0, summary["statuses"]
    assert all(status.startswith("2") for status in summary["statuses"]), summary["statuses"]
    assert sum(summary["statuses"].values()) == result.sent
    start_mib, end_mib = summary["rss_mib"][0][1], summary["rss_mib"][-1][1]
    assert end_mib <= MAX_GROWTH * start_mib, summary["rss_mib"]
