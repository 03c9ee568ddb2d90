"""A two-node Ray cluster on this machine (ray.cluster_utils), one CPU per node, for tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.engine.recovery_helpers import short_outage


def two_node_cluster() -> Iterator[Any]:
    """Start a head and a worker node, connect to them; shut both down when done."""
    import ray
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    two_nodes = Cluster(
        initialize_head=True,
        connect=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False},
    )
    two_nodes.add_node(num_cpus=1)
    two_nodes.wait_for_nodes()
    yield two_nodes
    ray.shutdown()
    two_nodes.shutdown()


# A short scenario with a fault that Ray and local runs must simulate alike.
PARITY_SCENARIO = short_outage("ray_parity", 21)
