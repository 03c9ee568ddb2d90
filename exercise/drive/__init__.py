"""Driving an orchestrator (``invoicesim drive``): a scenario's load sent to the invoice API
of docs/exercise.md on the paced clock.

- ``schedule``: the load's invoices, as a one-shard simulated run makes them;
- ``driver``: sending them, creating and paying each at its time, then reading how
  each ended.
"""
