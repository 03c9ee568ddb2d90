"""The Ray runtime: logical processes as Ray actors, and whole runs as Ray tasks.

- ``runtime``: ``RayRuntime``, the LPs hosted by actors, recovered when lost (the
  one place actors are declared with ``ray.remote``);
- ``host``: the body of such an actor, plain Python;
- ``channel``: the TCP channel a window travels over between driver and host;
- ``pool``: ``map_on_ray``, one function over many inputs as Ray tasks (sweeps,
  fuzzing; the one place tasks are declared with ``ray.remote``).

Ray itself is imported only when one of these is used.
"""

from simulation.runtime.ray.pool import map_on_ray
from simulation.runtime.ray.runtime import RayRuntime

__all__ = ["RayRuntime", "map_on_ray"]
