"""Run one function over many inputs as Ray tasks, a bounded number in flight.

``map_on_ray`` is what ``invoicesim sweep`` and ``invoicesim fuzz`` share: it
starts (or joins, with ``address`` or ``RAY_ADDRESS``) Ray, submits one task
per item (one CPU each; at most ``workers``, by default twice the cluster's
CPUs, in flight), collects finished ones with ``ray.wait`` and one ``ray.get``
per batch, and calls ``on_result`` as each result arrives. Results come back
in the order they finish. On an error or Ctrl-C every pending task is
cancelled, and a Ray started here is shut down.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from actors.errors import InputError

IN_FLIGHT_PER_CPU = 2  # keeps every CPU busy while the driver collects a batch

T = TypeVar("T")
R = TypeVar("R")


def map_on_ray(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int | None = None,
    address: str | None = None,
    on_result: Callable[[R], None] | None = None,
) -> list[R]:
    """``function(item)`` for every item, each a Ray task; the results as they finished."""
    import ray

    started_ray = False
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        try:
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ConnectionError, ValueError, RuntimeError) as error:
            raise InputError(f"cannot start or join Ray at {address or 'local'}: {error}") from None
        started_ray = True
    pending: list[Any] = []
    try:
        task = ray.remote(num_cpus=1)(function)
        resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
        cpus = max(1, int(resources.get("CPU", 1)))
        limit = workers if workers is not None else IN_FLIGHT_PER_CPU * cpus
        queue = list(reversed(items))
        results: list[R] = []
        while queue or pending:
            while queue and len(pending) < limit:
                pending.append(task.remote(queue.pop()))
            ready, pending = ray.wait(pending, num_returns=1)
            if pending:  # sweep up whatever else has finished meanwhile, without waiting
                more, pending = ray.wait(pending, num_returns=len(pending), timeout=0)
                ready += more
            batch: list[R] = ray.get(ready)
            results += batch
            if on_result is not None:
                for result in batch:
                    on_result(result)
        return results
    finally:
        for ref in pending:  # an error or Ctrl-C: no task keeps a CPU after the map
            ray.cancel(ref)
        if started_ray:
            ray.shutdown()
