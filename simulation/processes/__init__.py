"""The logical processes (LPs) a run is made of, and what travels between them.

- ``base``: ``LogicalProcess``, a timer heap, an inbox, an outbox and a digest;
- ``provider``, ``shard``, ``reserve``: the three kinds of LP (one per payment
  rail; a partition of invoices with their wallets and an orchestrator replica;
  the reserve ledger with reconciliation and alerts);
- ``layout``: which LP is which (``Layout``) and how each is built (``LpSpec``);
- ``messages``: what LPs send each other, delivered in a deterministic order;
- ``arrivals``: when a shard's invoices arrive and what each payer does;
- ``charge_book``, ``failover``, ``metrics``, ``shard_records``: what a shard
  keeps besides its entities (charges per invoice, failover measurements,
  mergeable counters, database rows).
"""

from simulation.processes.base import LogicalProcess, WindowResult
from simulation.processes.layout import BulkShare, Layout, LpSpec
from simulation.processes.messages import Envelope
from simulation.processes.provider import ProviderLP
from simulation.processes.reserve import ReserveLP
from simulation.processes.shard import ShardLP

__all__ = [
    "BulkShare",
    "Envelope",
    "Layout",
    "LogicalProcess",
    "LpSpec",
    "ProviderLP",
    "ReserveLP",
    "ShardLP",
    "WindowResult",
]
