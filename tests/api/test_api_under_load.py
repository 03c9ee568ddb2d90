"""The API at 1,000 requests/s for 60 s while a scenario runs: no errors, memory bounded.

`invoicesim serve` in its own process (the local runtime, its scenario creating
and paying 20 invoices/s); the dashboards' and programs' mix of reads, new
invoices and payments leaves on an open-loop schedule (``bench.api_load``): every
one of the 60,000 requests is sent at its time and must be answered with a 2xx
(none refused, none timed out). A server slower than the schedule shows as
latency here (the client queues, never sheds); how fast it served is a figure of
``make bench``, whose client sheds past 2,000 waiting requests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.api_load import drive, served
from storage.database import Database
from tests.api.ports import free_port

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
        total = int(RATE * DURATION_S)
        result = drive(api, tokens, RATE, DURATION_S, pid, max_in_flight=total)
    summary = result.summary()
    assert result.sent == RATE * DURATION_S
    assert summary["errors"] == 0, summary["statuses"]
    assert all(status.startswith("2") for status in summary["statuses"]), summary["statuses"]
    assert sum(summary["statuses"].values()) == result.sent
    start_mib, end_mib = summary["rss_mib"][0][1], summary["rss_mib"][-1][1]
    assert end_mib <= MAX_GROWTH * start_mib, summary["rss_mib"]
