"""``with_overrides``: dotted paths into nested fields, list items and providers;
bad paths named; the new values validated; the original left untouched."""

import pytest

from simulation.scenario import ScenarioError, with_overrides
from tests.unit.scenario_texts import GOOD, parse


# ---- overrides -----------------------------------------------------------------------
def test_with_overrides_sets_nested_fields_and_keeps_the_rest() -> None:
    scenario = parse(GOOD)
    changed = with_overrides(scenario, {"routing.breaker.failure_threshold": 3, "seed": 7})
    assert changed.seed == 7
    assert changed.routing_config().breaker.failure_threshold == 3
    assert changed.routing.breaker.window_s == scenario.routing.breaker.window_s
    assert changed.faults == scenario.faults
    assert scenario.seed == 3  # the original is untouched


def test_with_overrides_indexes_lists_and_reaches_provider_fields() -> None:
    changed = with_overrides(
        parse(GOOD), {"load.0.rate_per_s": 50.0, "providers.tempo.timeout_ms": 500.0}
    )
    assert changed.load[0].rate_per_s == 50
    assert changed.provider_configs()[0].timeout_ms == 500


@pytest.mark.parametrize(
    "path", ["routing.nope", "load.3.rate_per_s", "seed.x", "load.first.rate_per_s", "a..b"]
)
def test_with_overrides_rejects_a_bad_path_naming_it(path: str) -> None:
    with pytest.raises(ScenarioError) as info:
        with_overrides(parse(GOOD), {path: 1})
    assert f"override {path!r}" in str(info.value)


def test_with_overrides_validates_the_new_values() -> None:
    with pytest.raises(ScenarioError, match=r"routing\.breaker\.failure_threshold: .*override"):
        with_overrides(parse(GOOD), {"routing.breaker.failure_threshold": 0})
