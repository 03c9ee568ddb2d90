"""Exercising a real orchestrator against emulated providers (issue 23).

The simulation answers "what would our orchestrator do" inside its own model;
here the same scenario file drives real HTTP: ``emulators`` serves each of the
scenario's providers on a port of its own, deciding every answer with the
simulation's own ``actors.provider.Provider`` on a paced clock, and following the
scenario's fault timeline, so the simulation and the emulators mean the same
thing by each fault. Every request and every charge is recorded in PostgreSQL
under a run of its own. ``client`` is the one HTTP client of the driver and the
reference orchestrator.
"""
