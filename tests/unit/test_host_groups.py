"""Which logical processes share a Ray actor: the services alone only with a CPU to spare."""

from __future__ import annotations

from datetime import date

from simulation.processes.layout import LpSpec, host_groups


def specs(shards: int) -> list[LpSpec]:
    def spec(kind: str, index: int, name: str, shard_no: int = 0) -> LpSpec:
        return LpSpec(kind=kind, index=index, name=name, scenario=None, layout=None,  # type: ignore[arg-type]
                      start_date=date(2026, 1, 1), shard_no=shard_no)  # fmt: skip

    providers = [spec("provider", i, name) for i, name in enumerate(("tempo", "circle", "stripe"))]
    shard_specs = [spec("shard", 3 + k, f"shard-{k}", shard_no=k) for k in range(shards)]
    return [*providers, *shard_specs, spec("reserve", 3 + shards, "reserve")]


def names(groups: list[list[LpSpec]]) -> list[list[str]]:
    return [[spec.name for spec in group] for group in groups]


def test_with_a_cpu_to_spare_the_services_get_an_actor_of_their_own() -> None:
    assert names(host_groups(specs(2), cpus=4)) == [
        ["tempo", "circle", "stripe", "reserve"], ["shard-0"], ["shard-1"]
    ]  # fmt: skip


def test_without_one_the_reserve_joins_shard_0_and_the_providers_shard_1() -> None:
    expected = [["reserve", "shard-0"], ["tempo", "circle", "stripe", "shard-1"], ["shard-2"]]
    assert names(host_groups(specs(3), cpus=2)) == expected
    assert names(host_groups(specs(2), cpus=2)) == expected[:2]


def test_a_single_shard_on_a_single_cpu_holds_every_lp() -> None:
    (only,) = names(host_groups(specs(1), cpus=1))
    assert sorted(only) == ["circle", "reserve", "shard-0", "stripe", "tempo"]


def test_every_lp_is_hosted_exactly_once() -> None:
    for shards in (1, 2, 5):
        for cpus in (1, 2, 8):
            hosted = [spec.index for group in host_groups(specs(shards), cpus) for spec in group]
            assert sorted(hosted) == list(range(shards + 4)), (shards, cpus)
