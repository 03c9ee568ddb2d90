"""Which logical processes share a Ray actor: each shard with its partitions of the
providers (a cell); the reserve alone only with a CPU to spare, else with shard 0."""

from __future__ import annotations

from datetime import date

from simulation.processes.layout import LpSpec, host_groups, partition_name

PROVIDERS = ("tempo", "circle", "stripe")


def specs(shards: int) -> list[LpSpec]:
    def spec(kind: str, index: int, name: str, shard_no: int = 0) -> LpSpec:
        return LpSpec(kind=kind, index=index, name=name, scenario=None, layout=None,  # type: ignore[arg-type]
                      start_date=date(2026, 1, 1), shard_no=shard_no)  # fmt: skip

    partitions = [
        spec("provider", p * shards + k, partition_name(name, k, shards), shard_no=k)
        for p, name in enumerate(PROVIDERS)
        for k in range(shards)
    ]
    first = len(partitions)
    shard_specs = [spec("shard", first + k, f"shard-{k}", shard_no=k) for k in range(shards)]
    return [*partitions, *shard_specs, spec("reserve", first + shards, "reserve")]


def names(groups: list[list[LpSpec]]) -> list[list[str]]:
    return [[spec.name for spec in group] for group in groups]


def test_each_shard_hosts_its_own_partitions_and_with_a_cpu_to_spare_the_reserve_is_alone() -> None:
    assert names(host_groups(specs(2), cpus=4)) == [
        ["reserve"],
        ["tempo@shard-0", "circle@shard-0", "stripe@shard-0", "shard-0"],
        ["tempo@shard-1", "circle@shard-1", "stripe@shard-1", "shard-1"],
    ]


def test_without_one_the_reserve_joins_shard_0() -> None:
    groups = names(host_groups(specs(3), cpus=2))
    assert groups[0] == ["reserve", "tempo@shard-0", "circle@shard-0", "stripe@shard-0", "shard-0"]
    assert groups[2] == ["tempo@shard-2", "circle@shard-2", "stripe@shard-2", "shard-2"]
    assert len(groups) == 3


def test_a_single_shard_has_its_partitions_named_as_the_providers() -> None:
    assert names(host_groups(specs(1), cpus=2)) == [
        ["reserve"],
        ["tempo", "circle", "stripe", "shard-0"],
    ]
    (only,) = names(host_groups(specs(1), cpus=1))
    assert sorted(only) == ["circle", "reserve", "shard-0", "stripe", "tempo"]


def test_a_cell_spec_is_hosted_like_its_shard() -> None:
    from dataclasses import replace

    members = specs(2)
    cells = [
        replace(s, kind="cell", members=tuple(m for m in members if m.shard_no == s.shard_no))
        for s in members
        if s.kind == "shard"
    ]
    reserve = [s for s in members if s.kind == "reserve"]
    assert names(host_groups([*cells, *reserve], cpus=4)) == [["reserve"], ["shard-0"], ["shard-1"]]
    assert names(host_groups([*cells, *reserve], cpus=2)) == [["reserve", "shard-0"], ["shard-1"]]


def test_every_lp_is_hosted_exactly_once() -> None:
    for shards in (1, 2, 5):
        for cpus in (1, 2, 8):
            hosted = [spec.index for group in host_groups(specs(shards), cpus) for spec in group]
            assert sorted(hosted) == list(range(4 * shards + 1)), (shards, cpus)
