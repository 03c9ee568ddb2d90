"""What the engine tests share: a private local Ray per test module that needs one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    """A Ray of this module's own (address="local"), never one already running here."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
    ray.init(address="local", include_dashboard=False, log_to_driver=False, num_cpus=2)
    yield ray
    ray.shutdown()
