"""Where logical processes run, and the window loop that advances them.

- ``coordinator``: ``run_windows``, the lock-step window loop (conservative
  parallel discrete-event simulation);
- ``interface``: ``Runtime``, what the coordinator asks of a runtime;
- ``local``: ``LocalRuntime``, every LP in this process;
- ``ray`` (a package): the same LPs as Ray actors, and whole runs as Ray tasks;
- ``build``: ``build_lp``, the one place an LP is made from its spec;
- ``checkpoints``: saved LP states and the window log that revives a lost LP;
- ``gc_tuning``: the garbage collector's thresholds while a run goes.
"""

from simulation.runtime.build import build_lp
from simulation.runtime.checkpoints import Checkpoints, default_checkpoint_every
from simulation.runtime.coordinator import (
    LiveHooks,
    Progress,
    WindowHooks,
    WindowPlan,
    WindowStats,
    run_windows,
)
from simulation.runtime.interface import Runtime
from simulation.runtime.local import LocalRuntime

__all__ = [
    "Checkpoints",
    "LiveHooks",
    "LocalRuntime",
    "Progress",
    "Runtime",
    "WindowHooks",
    "WindowPlan",
    "WindowStats",
    "build_lp",
    "default_checkpoint_every",
    "run_windows",
]
