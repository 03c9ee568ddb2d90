"""The live demo end to end: `invoicesim demo` as a user starts it (real PostgreSQL, real Ray,
the API and the dashboards), driven in headless Chromium.

The five steps of the demo script (docs/DEMO.md), asserting what the pages show:
healthy providers, a 10-invoice CSV on Tempo, a consumer payment with the wallet
countdown ticking down, the reserve and a reconciliation at 1:1, and Tempo's
scheduled outage with Circle taking the payments until Tempo recovers. The demo
runs at 4x so the scheduled outage (simulated 240-330 s) comes after a minute.
Screenshots of every step go to runs/e2e/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from storage.database import Database

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "runs" / "e2e"
CHROMIUM = "/usr/bin/chromium"
SPEED = 4
WAIT_MS = 30_000
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Demo:
    process: subprocess.Popen[str]
    ui_url: str
    api_url: str
    token: str
    output: list[str]
    started: float


@pytest.fixture(scope="module")
def demo(migrated_database: Database) -> Iterator[Demo]:
    """`invoicesim demo --reset` on this module's database, until its ready banner."""
    api_port, ui_port = free_port(), free_port()
    env = dict(os.environ, DATABASE_URL=migrated_database.engine.url.render_as_string(False))
    env["COLUMNS"] = "200"  # one line per banner row
    command = [
        str(Path(sys.executable).parent / "invoicesim"),
        "demo",
        "--reset",
        "--runtime",
        "ray",  # as `make demo` runs it
        "--speed",
        str(SPEED),
        "--api-port",
        str(api_port),
        "--ui-port",
        str(ui_port),
    ]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    output: list[str] = []
    assert process.stderr is not None
    stderr = process.stderr
    threading.Thread(target=lambda: output.extend(stderr), daemon=True).start()
    deadline = time.monotonic() + 120
    token = None
    while token is None:
        assert process.poll() is None, "".join(output)
        assert time.monotonic() < deadline, "no ready banner:\n" + "".join(output)
        found = re.search(r"Admin token\s+(\S+)", "".join(output))
        token = found.group(1) if found else None
        time.sleep(0.2)
    yield Demo(
        process,
        f"http://127.0.0.1:{ui_port}",
        f"http://127.0.0.1:{api_port}",
        token,
        output,
        time.monotonic(),
    )
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(60)


@pytest.fixture(scope="module")
def page(demo: Demo) -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        message = (
            f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        yield context.new_page()
        browser.close()


def open_page(page: Page, demo: Demo, path: str) -> None:
    page.goto(f"{demo.ui_url}/{path}")
    page.locator("h1").first.wait_for()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# What a person must never read: minor units, the engine's own ids (an actor's a0-0 or s0-1,
# a batch's b0:, a shard's name), a missing value spelt as code, a figure cut short.
INTERNAL_ID = re.compile(r"\b[a-z]\d+-\d+\b|\b[a-z]\d+:(?!\d)|\bshard-\d+\b")
AS_CODE = re.compile(r"\bNone\b|\bNULL\b")
CUT_SHORT = re.compile(r"\d[\d,.]*\s*…")
# Text the browser draws cut short with an ellipsis (CSS text-overflow), which the DOM's
# text does not show: any element so styled whose text is wider than its box.
ELLIPSIZED = """() => [...document.querySelectorAll('[data-testid=stMain] *')]
    .filter(e => getComputedStyle(e).textOverflow === 'ellipsis'
                 && e.scrollWidth > e.clientWidth + 1 && e.innerText.trim())
    .map(e => e.innerText.trim())"""
WIDTHS = (1280, 1440, 1920)


def assert_readable(page: Page, where: str) -> None:
    """The page reads as a person reads it: no `_minor`, no internal id, no None or NULL,
    no figure cut short (in the text, or drawn with an ellipsis)."""
    text = page.locator("[data-testid=stMain]").inner_text()
    for pattern in (re.compile("_minor"), INTERNAL_ID, AS_CODE, CUT_SHORT):
        found = pattern.search(text)
        assert found is None, f"{where}: {found.group(0)!r} in {text[:2000]}"
    assert page.evaluate(ELLIPSIZED) == [], where


def chart_rows(page: Page, key: str) -> list[tuple[str, float]]:
    """The rows of a state timeline as the browser draws them: each label of its y axis (a
    provider; Vega names the axis group "Y-axis ...") and its height on the chart."""
    y_axis = page.locator(f".st-key-{key} [aria-roledescription=axis][aria-label^='Y-axis']")
    labels = y_axis.locator("g.role-axis-label text").evaluate_all(
        "els => els.map(e => [e.textContent, e.getAttribute('transform')])"
    )
    return [(str(text), float(re.findall(r"-?[\d.]+", transform)[1])) for text, transform in labels]


def test_the_demo_prints_where_to_look_and_the_token_works(demo: Demo) -> None:
    import httpx

    banner = "".join(demo.output)
    assert demo.ui_url in banner and f"{demo.api_url}/docs" in banner
    answer = httpx.get(
        f"{demo.api_url}/api/v1/reserves/balance",
        headers={"Authorization": f"Bearer {demo.token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_step1_overview_shows_every_provider_healthy(page: Page, demo: Demo) -> None:
    open_page(page, demo, "overview")
    figures = page.locator(".st-key-overview-figures")
    expect(figures).to_contain_text("System health")
    expect(figures).to_contain_text("100 %")
    providers = page.locator(".st-key-overview-providers")
    for name in ("tempo", "circle", "stripe"):
        expect(providers).to_contain_text(name)
    expect(providers).not_to_contain_text("down")
    expect(page.locator(".st-key-overview-invoices")).to_contain_text("USD")
    expect(page.locator(".st-key-overview-trend")).to_contain_text("Payments per minute")
    assert_readable(page, "overview")
    shot(page, "1-overview")


def test_step2_a_ten_invoice_csv_on_tempo_is_processed_with_tempo(page: Page, demo: Demo) -> None:
    open_page(page, demo, "bulk")
    page.locator(".st-key-bulk-file input[type=file]").set_input_files(
        str(ROOT / "scenarios" / "samples" / "bulk_10.csv")
    )
    expect(page.locator(".st-key-bulk-file")).to_contain_text("bulk_10.csv")
    page.locator(".st-key-bulk-provider").get_by_text("tempo", exact=True).click()
    page.locator(".st-key-bulk-submit button").click()
    progress = page.locator(".st-key-bulk-progress")
    expect(progress).to_contain_text("10 of 10 processed", timeout=60_000)
    expect(progress).to_contain_text("tempo")
    expect(progress).to_contain_text("0 refused")
    expect(progress).to_contain_text("Done")
    # demo.yaml paces uploads at a row every 0.5 simulated s: the bar counts up over ~5 s
    took = re.search(r"([\d.]+) s for 10 rows", progress.inner_text())
    assert took and float(took.group(1)) >= 4.0, progress.inner_text()
    results = page.locator(".st-key-bulk-results")
    expect(results).to_contain_text("Download results CSV")
    expect(results).to_contain_text("10 invoices: 10 paid (10 by tempo).")
    assert_readable(page, "bulk, done")
    shot(page, "2-bulk")


def test_step3_a_consumer_payment_shows_the_countdown_then_the_provider_and_the_destroyed_wallet(
    page: Page, demo: Demo
) -> None:
    open_page(page, demo, "pay")
    assert_readable(page, "pay, a pending invoice opened by a fresh tab")
    page.get_by_text("New invoice").click()
    page.locator(".st-key-pay-method").get_by_text("card", exact=True).click()
    page.locator(".st-key-pay-create button").click()
    # The box may still show an older pending invoice until the new one is opened: wait
    # for the new invoice's own id before reading its countdown.
    created = page.get_by_text(re.compile(r"Invoice \S+ created for 45.00 USD, to pay by card"))
    expect(created).to_be_visible()
    invoice_id = created.inner_text().split()[1]
    wallet = page.locator(".st-key-pay-wallet")
    expect(wallet).to_contain_text(f"Invoice {invoice_id}")
    expect(wallet).to_contain_text("Ephemeral wallet")
    address = wallet.locator("code").first.inner_text()
    assert re.fullmatch(r"0x[0-9a-f]{40}", address), address
    timer = page.frame_locator(".st-key-pay-wallet iframe").locator("#wallet-countdown")
    first = int(timer.get_attribute("data-seconds-left") or -1)
    assert 0 < first <= 1800 / SPEED
    time.sleep(2.5)
    second = int(timer.get_attribute("data-seconds-left") or -1)
    assert first - 4 <= second < first, (first, second)  # it ticks in the browser
    assert re.fullmatch(r"\d+:\d\d", timer.inner_text())
    shot(page, "3a-wallet-countdown")
    page.locator(".st-key-pay-submit button").click()
    outcome = page.locator(".st-key-pay-outcome")
    expect(outcome).to_contain_text(re.compile(r"Paid by tempo at \d\d:\d\d"))
    expect(outcome).to_contain_text(f"Wallet {address} destroyed at")
    # once paid, the countdown and the Pay button are gone, and the list holds pending ones
    expect(page.locator(".st-key-pay-wallet iframe")).to_have_count(0)
    expect(page.locator(".st-key-pay-submit")).to_have_count(0)
    expect(page.locator(".st-key-pay-pending")).not_to_contain_text(invoice_id)
    assert_readable(page, "pay, paid")
    shot(page, "3b-paid")


def test_step4_reserves_follow_the_payments_and_reconcile_at_one_to_one(
    page: Page, demo: Demo
) -> None:
    open_page(page, demo, "reserves")
    balance = page.locator(".st-key-reserves-balance")
    expect(balance).to_contain_text("Tokens minted")
    expect(balance).to_contain_text("Reserve ratio")
    minted = balance.locator("[data-testid=stMetric]").nth(1).inner_text()
    assert re.search(r"[1-9]", minted.split("\n")[-1]), minted  # payments minted tokens
    page.locator(".st-key-reserves-reconcile button").click()
    expect(
        page.get_by_text(
            re.compile(
                r"Reconciled at .*balanced, discrepancy 0 bp\. The custodian's statement .* "
                r"shows [\d,]+\.\d\d USD and the book [\d,]+\.\d\d USD: the reserve is 1:1"
            )
        )
    ).to_be_visible()
    reconciliations = page.locator(".st-key-reserves-reconciliations")
    expect(reconciliations).to_contain_text("manual")
    expect(reconciliations).to_contain_text("Custodian statement balance")  # a table, not JSON
    # the demo opens with 30 days of history: a point a day, 1:1 ruled
    history = page.locator(".st-key-reserves-history")
    expect(history.locator("canvas, svg").first).to_be_visible()
    expect(history).not_to_contain_text("Not enough history yet")
    assert_readable(page, "reserves")
    shot(page, "4-reserves")


def test_step5_when_tempo_fails_circle_takes_over_and_tempo_comes_back(
    page: Page, demo: Demo
) -> None:
    open_page(page, demo, "providers")
    tempo = page.locator(".st-key-provider-card-tempo")
    # demo.yaml takes Tempo down at simulated 240 s for 90 s
    expect(tempo).to_contain_text("down", timeout=(240 / SPEED + 60) * 1000)
    expect(page.locator(".st-key-provider-card-circle")).to_contain_text("healthy")
    # the card says why, and Restore names the provider it would bring back
    expect(tempo).to_contain_text("outage fault scheduled at 04:00")
    # the breaker stays closed while health routing keeps calls away, or says what opened it
    expect(tempo).to_contain_text(re.compile("health routing sends no calls|breaker open since"))
    expect(page.locator(".st-key-providers-restore button")).to_have_text("Restore tempo")
    expect(page.locator(".st-key-provider-share")).to_contain_text("tempo outage (scheduled)")
    assert_readable(page, "providers, tempo down")
    shot(page, "5a-tempo-down")
    open_page(page, demo, "pay")
    page.get_by_text("New invoice").click()
    page.locator(".st-key-pay-method").get_by_text("card", exact=True).click()
    page.locator(".st-key-pay-create button").click()
    created = page.get_by_text(re.compile(r"Invoice \S+ created for"))
    expect(created).to_be_visible()
    expect(page.locator(".st-key-pay-wallet")).to_contain_text(created.inner_text().split()[1])
    page.locator(".st-key-pay-submit button").click()
    outcome = page.locator(".st-key-pay-outcome")
    expect(outcome).to_contain_text("Paid by circle")
    shot(page, "5b-paid-by-circle")
    open_page(page, demo, "providers")
    expect(page.locator(".st-key-provider-card-tempo")).to_contain_text(
        "healthy", timeout=(90 / SPEED + 60) * 1000
    )
    shot(page, "5c-tempo-back")


def test_overview_and_providers_read_whole_at_every_width_with_a_row_per_provider(
    page: Page, demo: Demo
) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("overview", "providers"):
            open_page(page, demo, path)
            if path == "providers":
                chart = page.locator(".st-key-provider-status svg.marks")
                expect(chart).to_be_visible(timeout=WAIT_MS)
                for key in ("provider-status", "provider-breaker"):
                    rows = chart_rows(page, key)
                    assert sorted(name for name, _ in rows) == ["circle", "stripe", "tempo"], rows
                    assert len({y for _, y in rows}) == 3, f"{key}: one row per provider {rows}"
            else:
                expect(page.locator(".st-key-overview-invoices")).to_contain_text("USD")
            assert_readable(page, f"{path} at {width} px")
            shot(page, f"6-{path}-{width}")
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_reserves_pay_and_bulk_read_whole_at_every_width(page: Page, demo: Demo) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("reserves", "pay", "bulk"):
            open_page(page, demo, path)
            if path == "reserves":
                expect(page.locator(".st-key-reserves-balance")).to_contain_text("USD")
            elif path == "pay":
                expect(page.locator(".st-key-pay-wallet")).to_contain_text("pending")
            else:
                expect(page.locator(".st-key-bulk-form")).to_contain_text("Process invoices")
            assert_readable(page, f"{path} at {width} px")
            shot(page, f"7-{path}-{width}")
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_ctrl_c_stops_the_demo_cleanly(demo: Demo) -> None:
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(60) == 0, "".join(demo.output)
    time.sleep(0.5)
    output = "".join(demo.output)
    assert "its last window is recorded" in output
    assert "demo stopped" in output
