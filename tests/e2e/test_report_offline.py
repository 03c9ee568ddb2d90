"""report.html and sweep.html open in headless Chromium with the network disabled and every
request but the file itself refused, and show their charts."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from simulation.scenario import load_scenario
from simulation.sweep.runner import parse_param, plan_sweep, run_sweep
from tests.unit.reports import small_report
from ui.formatting import RANGE_DASH as DASH
from ui.report import render_report_html, render_sweep_html

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
TINY = """
name: tiny_sweep
seed: 11
duration_s: 10
routing: {health_interval_s: 2}
load:
  - {start_s: 0, duration_s: 10, shape: constant, rate_per_s: 20}
faults:
  - {target: tempo, kind: outage, start_s: 3, duration_s: 3}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = (
            f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def open_offline(browser: Browser, file: Path) -> tuple[Page, list[str]]:
    """The file in a 1440x900 page that may load nothing else; the requests it tried."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, offline=True)
    url = file.resolve().as_uri()
    refused: list[str] = []

    def only_the_file(route: Route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_file)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_load_state("load")
    assert errors == []
    return page, refused


def test_the_run_report_opens_offline_and_shows_its_charts(
    browser: Browser, tmp_path: Path
) -> None:
    file = tmp_path / "report.html"
    file.write_text(render_report_html(small_report()), encoding="utf-8")
    page, refused = open_offline(browser, file)
    assert refused == []
    charts = page.locator("figure.chart svg")
    assert charts.count() == 4
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 100
        # Each chart drew its marks: paths and rectangles, not an empty frame.
        assert charts.nth(n).locator("path").count() > 10
    timeline = page.locator('svg[data-chart="timeline"]')
    for label in ("tempo outage", "circle rate limit", "custodian feed delay",
                  "drain (compressed)", f"00:10{DASH}00:20"):  # fmt: skip
        assert timeline.get_by_text(label, exact=True).first.is_visible(), label
    # The lane's labels lie on rows of their own: no two boxes overlap.
    boxes = [
        timeline.get_by_text(label, exact=True).first.bounding_box()
        for label in ("tempo outage", "custodian feed delay", "circle rate limit")
    ]
    tops = sorted(b["y"] for b in boxes if b is not None)
    assert len(tops) == 3 and all(b - a >= 10 for a, b in itertools.pairwise(tops))
    assert page.get_by_text("5,051,882.30 USD").is_visible()
    page.close()


def test_the_sweep_page_opens_offline_and_shows_its_heatmaps(
    browser: Browser, tmp_path: Path
) -> None:
    scenario_file = tmp_path / "tiny.yaml"
    scenario_file.write_text(TINY)
    params = [parse_param("routing.breaker.failure_threshold=3,5")]
    result = run_sweep(plan_sweep(load_scenario(scenario_file), params, 1), serial=True)
    file = tmp_path / "sweep.html"
    file.write_text(render_sweep_html(result), encoding="utf-8")
    page, refused = open_offline(browser, file)
    assert refused == []
    charts = page.locator("figure.chart svg")
    assert charts.count() == 2
    for n in range(2):
        box = charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 150 and box["height"] > 80
    medians = page.locator('svg[data-chart="failover-heatmap"] text').all_text_contents()
    assert any(text.endswith(" s") and text[0].isdigit() for text in medians), medians
    page.close()
