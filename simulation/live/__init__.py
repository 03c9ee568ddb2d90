"""The live service: one persisted scenario on the paced clock, taking commands.

``service.LiveEngine`` runs the simulation in a background thread for
``invoicesim serve``; ``dispatch`` decides which logical processes a command
goes to and how their answers combine.
"""

from simulation.live.service import LiveEngine, LiveStatus

__all__ = ["LiveEngine", "LiveStatus"]
