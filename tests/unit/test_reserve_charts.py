"""The reserve charts read as a stakeholder reads them: a point a day on calendar dates,
balances in the currency, the ratio in percent with 1:1 ruled and labelled."""

from __future__ import annotations

import json
from typing import Any

from ui.dashboard.charts import ratio_chart, reserves_chart


def days(n: int) -> list[dict[str, Any]]:
    return [
        {
            "day": d - n + 1,
            "date": f"2026-12-{d + 1:02d}",
            "currency": "USD",
            "fiat_minor": 100_000_00 + d,
            "minted_minor": 100_000_00 + d,
            "in_transit_minor": 0,
            "ratio_bp": 10_000,
        }
        for d in range(n)
    ]


def spec(chart: Any) -> dict[str, Any]:
    return dict(json.loads(chart.to_json()))


def values(chart: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for part in [chart, *chart.get("layer", [])]:
        data = part.get("data", {})
        found += data.get("values", [])
    for name in chart.get("datasets", {}):
        found += chart["datasets"][name]
    return found


def test_the_balances_chart_has_a_point_a_day_per_balance_with_exact_tooltips() -> None:
    chart = spec(reserves_chart(days(7)))
    rows = values(chart)
    assert {r["series"] for r in rows} == {"Fiat reserve", "Tokens minted", "In transit"}
    assert len({r["date"] for r in rows}) == 7
    assert "100,000.06 USD" in {r["shown"] for r in rows}
    text = json.dumps(chart)
    assert "_minor" not in text  # no field name of the API on an axis or in a tooltip
    assert '"format": "~s"' in text  # compact axis: 800k, 1M


def test_the_ratio_chart_rules_and_labels_one_to_one_and_reads_flat_at_100() -> None:
    chart = spec(ratio_chart(days(30)))
    rows = values(chart)
    assert {"ratio_pct": 100.0, "label": "1:1", "date": "2026-12-30"} in rows
    shown = {r["shown"] for r in rows if "shown" in r}
    assert shown == {"100 %"}
    text = json.dumps(chart)
    assert '"domain": [99.5, 100.5]' in text  # a flat 100 % is a flat line, not "100.000000"
    assert '"format": ".1f"' in text
