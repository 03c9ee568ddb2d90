"""A 10,000-row bulk upload, the most a file may hold, through the API to the live engine:
accepted whole, its progress visible as it goes, and every row in the results CSV."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database
from tests.api.conftest import SCENARIOS, bearer
from ui.api import ApiSettings, create_app

ROWS = 10_000
SPEED = 10.0  # simulated s per wall s: rows go in at 100/s per shard, so ~5 s of wall time
DEADLINE_S = 50.0
QUIET = """
name: bulk-10k
seed: 11
duration_s: 3600
wallet_ttl_s: 3600
"""


def big_csv(rows: int) -> bytes:
    lines = ["invoice_id,payer,merchant,amount,currency,method,due_date"]
    methods = ("card", "bank", "crypto")
    lines += [
        f"BIG-{n:05d},payer{n % 97},merchant{n % 13},{1 + n % 500}.{n % 100:02d},USD,"
        f"{methods[n % 3]},2030-03-01"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def live_client(migrated_database: Database) -> Iterator[TestClient]:
    engine = LiveEngine(migrated_database, shards=2, speed=SPEED)
    engine.start(parse_scenario(QUIET))
    app = create_app(ApiSettings(scenarios_dir=SCENARIOS), migrated_database, engine)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        engine.close()


@pytest.mark.slow
def test_a_10000_row_upload_completes_with_progress_visible_throughout(
    live_client: TestClient, tokens: dict[str, str]
) -> None:
    data = big_csv(ROWS)
    assert ApiSettings().max_csv_rows == ROWS and len(data) < ApiSettings().max_csv_bytes
    enterprise = bearer(tokens["enterprise"])
    submitted = live_client.post(
        "/api/v1/invoices/bulk", files={"file": ("big.csv", data)}, headers=enterprise
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert (job["rows"], job["accepted"], job["errors"]) == (ROWS, ROWS, [])

    seen: list[int] = []
    deadline = time.monotonic() + DEADLINE_S
    while True:
        answer = live_client.get(f"/api/v1/invoices/bulk/{job['job_id']}", headers=enterprise)
        assert answer.status_code == 200, answer.text
        progress = answer.json()
        assert progress["total"] == ROWS
        seen.append(progress["processed"])
        if progress["processed"] == ROWS:
            break
        assert time.monotonic() < deadline, f"processed {seen[-1]} of {ROWS} in time"
        time.sleep(0.25)
    assert seen == sorted(seen), "processed went backwards"
    intermediate = {n for n in seen if 0 < n < ROWS}
    assert len(intermediate) >= 3, seen  # visible as it goes, not only at the end
    assert progress["succeeded"] + progress["failed"] + progress["expired"] == ROWS

    results = live_client.get(
        f"/api/v1/invoices/bulk/{job['job_id']}/results.csv", headers=enterprise
    )
    assert results.status_code == 200
    table = list(csv.DictReader(io.StringIO(results.text, newline="")))
    assert len(table) == ROWS
    assert [int(row["Line"]) for row in table] == list(range(2, ROWS + 2))
    # the job's invoices keep the file's own ids
    assert [row["Invoice"] for row in table] == [f"BIG-{n:05d}" for n in range(ROWS)]
