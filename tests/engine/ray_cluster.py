"""A two-node Ray cluster on this machine (ray.cluster_utils), one CPU per node, for tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


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
PARITY_SCENARIO = """
name: ray_parity
seed: 21
duration_s: 12
wallet_ttl_s: 20
drain_s: 60
routing: {health_interval_s: 3}
load:
  - {start_s: 0, duration_s: 12, shape: poisson, rate_per_s: 30, never_pay_share: 0.1}
faults:
  - {target: tempo, kind: outage, start_s: 4, duration_s: 3}
"""
