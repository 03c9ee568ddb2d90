"""Scenarios against the live API: faults, the timeline, start and stop, reports, compare.

These run last: starting a scenario replaces the run the other pages were tested on.
"""

from __future__ import annotations

from typing import Any

from tests.dashboard.conftest import SPEED, LiveApi, eventually
from tests.dashboard.pages import chart_rows, errors, open_page, texts
from ui.run_list import RESULTS


def test_the_page_lists_the_scenarios_and_shows_the_running_one_with_its_speed(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "scenarios")
    assert errors(app) == []
    assert set(app.selectbox(key="scenario-name").options) == {"dash-other", "dash-quiet"}
    assert "Scenario <b>dash-quiet</b>" in texts(app)  # the run line
    assert f"Speed: {SPEED:g} simulated s per wall s" in texts(app)


def test_a_fault_injected_here_is_on_the_failover_timeline_until_cleared(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "scenarios")
    app.selectbox(key="scenarios-fault-provider").select("circle")
    app.selectbox(key="scenarios-fault-kind").select("outage")
    app.number_input(key="scenarios-fault-duration").set_value(60)
    app.button(key="scenarios-take-down").click().run()
    assert errors(app) == []
    assert "circle: outage from" in texts(app)
    app.run()
    charted = {r["provider"] for r in chart_rows(app, "scenario-timeline")}
    assert "circle" in charted, "the injected fault is charted"
    assert "stripe" in charted, "and the one the scenario file schedules"
    app.button(key="scenarios-restore").click().run()
    assert "circle restored at" in texts(app)
    faults: Any = live_api.get("/faults")
    circle = next(f for f in faults if f["origin"] == "api" and f["target"] == "circle")
    assert circle["kind"] == "outage" and circle["state"] == "ended"


def test_starting_another_scenario_ends_the_run_whose_report_then_opens(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "scenarios")
    app.selectbox(key="scenario-name").select("dash-other")
    app.button(key="scenario-start").click().run()
    assert errors(app) == []
    assert "Started dash-other" in texts(app)
    engine: Any = eventually(lambda: live_api.engine.status().scenario == "dash-other")
    assert engine
    app.run()
    assert "Scenario <b>dash-other</b>" in texts(app)
    app.selectbox(key="runs-report").select(live_api.run_id).run()
    assert errors(app) == []
    runs = app.get_by_key("runs")
    metrics = {m.label: m.value for m in runs.get("metric")}
    report: Any = live_api.get(f"/runs/{live_api.run_id}/report")
    assert metrics["Invoices created"] == f"{report['invoices']['created']:,}"
    assert metrics["Double charges"] == "0"
    (page,) = [str(f.proto.srcdoc) for f in runs.get("iframe")]
    assert f"<h1>{report['scenario']} " in page  # the report page, as invoicesim report
    # The table and the choices read as words: no column names, no None, no raw times.
    table = runs.dataframe[0].value
    assert list(table.columns)[:3] == ["Scenario", "Kind", "Result"]
    row = table[table["Run"] == live_api.run_id[:8]].iloc[0]
    assert row["Scenario"] == "dash-quiet" and row["Result"] in RESULTS.values()
    assert row["Started"].endswith(" UTC") and "None" not in table.to_string()
    labels = app.selectbox(key="runs-report").options
    assert any(
        label.startswith("dash-quiet · simulated") and label.endswith(live_api.run_id[:8])
        for label in labels
    ), labels


def test_stopping_then_comparing_two_ended_runs_figure_by_figure(live_api: LiveApi) -> None:
    app = open_page(live_api, "scenarios")
    app.button(key="scenario-stop").click().run()
    assert "Stopped run" in texts(app)
    assert not live_api.engine.status().running
    runs: Any = live_api.get("/runs")
    ended = [r["run_id"] for r in runs if r["ended_at"]]
    assert len(ended) >= 2
    app.run()
    app.selectbox(key="compare-a").select(ended[1])
    app.selectbox(key="compare-b").select(ended[0]).run()
    table = app.get_by_key("compare").dataframe[0].value
    figures = dict(zip(table["Figure"], table["B - A"], strict=True))
    compared: Any = live_api.get(f"/runs/compare?a={ended[1]}&b={ended[0]}")
    assert len(figures) == len(compared["figures"])
    assert figures["double charges"] == "0"
    assert "invoices created" in figures and "payment latency p99" in figures
    assert all(value.endswith(" ms") or value == "—" for value in table["Run A"][
        table["Figure"].str.startswith("payment latency")])  # fmt: skip
    said = texts(app)
    assert "Run A: dash-" in said and "digests are" in said
