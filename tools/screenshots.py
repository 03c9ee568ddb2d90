"""Pictures of the live demo for the docs: ``make screenshots`` (``python -m tools.screenshots``).

Starts its own ``invoicesim demo`` (an embedded PostgreSQL in a temporary folder, free
ports, ``DATABASE_URL`` ignored so no other database is touched), drives headless
Chromium through the five steps of docs/DEMO.md at 1440x900 and writes one PNG per
moment under docs/screenshots/, then stops the demo (SIGTERM, as a service manager
does) and removes the folder. At speed 1 it takes about five minutes: the scenario's
Tempo outage comes at simulated 240 s; ``--speed 4`` is quicker, but the pictures then
show the clock and the wallet's countdown four times as fast.

Needs Debian's chromium at /usr/bin/chromium (as the browser tests do). Each PNG is
reduced to a 256-colour palette, which keeps it near 100 KB.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1440, 900
READY_TIMEOUT_S = 180.0
WAIT_MS = 60_000
OUTAGE_S = 240.0  # demo.yaml takes Tempo down at simulated 240 s for 90 s
OVERVIEW_S = 45.0  # the Overview's trend has its first minute
SETTLE_S = 2.0  # a page's live parts draw their first refresh


@dataclass(frozen=True)
class Demo:
    process: subprocess.Popen[str]
    ui_url: str
    api_url: str
    speed: float
    started: float  # time.monotonic() at the banner


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def demo(speed: float) -> Iterator[Demo]:
    """``invoicesim demo`` on free ports and a database of its own, until its banner; stopped
    (and its folder removed) on the way out."""
    with tempfile.TemporaryDirectory(prefix="invoicesim-shots-") as data_dir:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"INVOICESIM_DATA_DIR": data_dir, "COLUMNS": "200"}
        api_port, ui_port = free_port(), free_port()
        command = [str(Path(sys.executable).parent / "invoicesim"), "demo", "--speed", str(speed)]
        command += ["--api-port", str(api_port), "--ui-port", str(ui_port)]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        output: list[str] = []
        stderr = process.stderr
        assert stderr is not None
        threading.Thread(target=lambda: output.extend(stderr), daemon=True).start()
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while "Admin token" not in "".join(output):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("screenshots: the demo never came up:\n" + "".join(output))
                time.sleep(0.2)
            yield Demo(
                process,
                f"http://127.0.0.1:{ui_port}",
                f"http://127.0.0.1:{api_port}",
                speed,
                time.monotonic(),
            )
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()


# Streamlit's "running" indicator flashes at each live refresh: not part of the picture.
HIDE_RUNNING = "[data-testid=stStatusWidget] { visibility: hidden; }"
# An element at the top of the picture, clear of Streamlit's header bar (60 px).
SCROLL_TO = "e => { e.style.scrollMarginTop = '84px'; e.scrollIntoView({block: 'start'}); }"


def open_page(page: Page, run: Demo, path: str) -> None:
    page.goto(f"{run.ui_url}/{path}")
    page.locator("h1").first.wait_for()
    page.add_style_tag(content=HIDE_RUNNING)
    time.sleep(SETTLE_S)


def shot(page: Page, name: str, top: str | None = None) -> Path:
    """The viewport as ``docs/screenshots/<name>.png``, scrolled so that the element of
    key ``top`` is near the top when given; written as a 256-colour PNG."""
    if top is not None:
        page.locator(f".st-key-{top}").first.evaluate(SCROLL_TO)
        page.mouse.move(0, 0)  # no hover tooltip in the picture
        time.sleep(0.5)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return path


def wait_until(run: Demo, sim_s: float) -> None:
    """Until the run's clock reads ``sim_s`` (from the banner, at the demo's speed)."""
    time.sleep(max(0.0, sim_s / run.speed - (time.monotonic() - run.started)))


def step1_overview(page: Page, run: Demo) -> None:
    wait_until(run, OVERVIEW_S)
    open_page(page, run, "overview")
    expect(page.locator(".st-key-overview-figures")).to_contain_text("System health")
    expect(page.locator(".st-key-overview-invoices")).to_contain_text("USD")
    shot(page, "1-overview")


def step2_bulk(page: Page, run: Demo) -> None:
    open_page(page, run, "bulk")
    sample = ROOT / "scenarios" / "samples" / "bulk_10.csv"
    page.locator(".st-key-bulk-file input[type=file]").set_input_files(str(sample))
    expect(page.locator(".st-key-bulk-file")).to_contain_text("bulk_10.csv")
    page.locator(".st-key-bulk-provider").get_by_text("tempo", exact=True).click()
    page.locator(".st-key-bulk-submit button").click()
    progress = page.locator(".st-key-bulk-progress")
    expect(progress).to_contain_text(re.compile(r"\b[1-9] of 10 processed"), timeout=WAIT_MS)
    shot(page, "2a-bulk-running", top="bulk-progress")
    expect(page.locator(".st-key-bulk-results")).to_contain_text("10 invoices", timeout=WAIT_MS)
    shot(page, "2b-bulk-done", top="bulk-progress")


def step3_pay(page: Page, run: Demo, name: str, provider: str) -> None:
    open_page(page, run, "pay")
    page.get_by_text("New invoice").click()
    page.locator(".st-key-pay-method").get_by_text("card", exact=True).click()
    page.locator(".st-key-pay-create button").click()
    created = page.get_by_text(re.compile(r"Invoice \S+ created for"))
    expect(created).to_be_visible(timeout=WAIT_MS)
    invoice_id = created.inner_text().split()[1]
    wallet = page.locator(".st-key-pay-wallet")
    expect(wallet).to_contain_text(f"Invoice {invoice_id}")
    if name == "3":
        time.sleep(1.5)  # the countdown ticks a second or two
        shot(page, "3a-pay-wallet-countdown", top="pay-pending")
    page.locator(".st-key-pay-submit button").click()
    outcome = page.locator(".st-key-pay-outcome")
    expect(outcome).to_contain_text(f"Paid by {provider}", timeout=WAIT_MS)
    expect(outcome).to_contain_text("destroyed at", timeout=WAIT_MS)
    shot(page, f"{name}b-pay-paid-by-{provider}", top="pay-pending")


def step4_reserves(page: Page, run: Demo) -> None:
    open_page(page, run, "reserves")
    page.locator(".st-key-reserves-reconcile button").click()
    expect(page.get_by_text(re.compile(r"Reconciled at .* the reserve is 1:1"))).to_be_visible(
        timeout=WAIT_MS
    )
    charts = page.locator(".st-key-reserves-history [data-testid=stVegaLiteChart]")
    expect(charts).to_have_count(2)  # balances and ratio, both drawn before the picture
    time.sleep(SETTLE_S)
    shot(page, "4a-reserves")
    shot(page, "4b-reserves-reconciliations", top="reserves-reconciliations")


def step5_failover(page: Page, run: Demo) -> None:
    # Tempo's card turns down a probe or two after the outage starts (simulated 240 s).
    print("  waiting for Tempo's scheduled outage (simulated 04:00)")
    wait_until(run, OUTAGE_S)
    open_page(page, run, "providers")
    card = page.locator(".st-key-provider-card-tempo")
    expect(card).to_contain_text("down", timeout=(60 / run.speed + 60) * 1000)
    step3_pay(page, run, "5", "circle")
    open_page(page, run, "providers")
    expect(page.locator(".st-key-provider-card-tempo")).to_contain_text("down")
    time.sleep(20 / run.speed)  # Circle's traffic shows on the share chart
    shot(page, "5a-providers-tempo-down")
    shot(page, "5c-providers-failover-chart", top="provider-share")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=1.0, help="the demo's speed (default 1)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"screenshots: needs Debian's chromium at {CHROMIUM}")
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: starting a demo at speed {args.speed:g}")
    with demo(args.speed) as run, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}).new_page()
        page.set_default_timeout(WAIT_MS)
        step1_overview(page, run)
        step2_bulk(page, run)
        step3_pay(page, run, "3", "tempo")
        step4_reserves(page, run)
        step5_failover(page, run)
        browser.close()
    print(f"screenshots: written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
