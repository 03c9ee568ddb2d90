"""The invoices a scenario's load sends, in order, as a one-shard simulated run makes them
(``simulation.processes.shard``).

Arrival times come from the simulation's own ``ArrivalStream`` (shard 0 of 1): they
are the simulated run's, to the microsecond. Every payer comes from its
``PayerModel``, keyed by the seed and the invoice id (``SIM-0000000`` upward, in
arrival order). The simulated run numbers its invoices from a counter its messages
share, so its ids, and the draws keyed by them, differ from these: the same load,
not the same invoices. An invoice whose payer pays through a provider is paid
``pay_after_s`` after it is created; the others (never, late or to the wallet's
address) are created only: their payments never reach an orchestrator's providers.
Bulk uploads' rows come with their own ids (``_bulk``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from actors.frozen import frozen
from actors.invoice_ids import InvoiceIds, load_invoice_id
from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from simulation.processes.arrivals import PAYS, ArrivalStream, Mispayers, PayerModel
from simulation.processes.layout import BULK_ROW_INTERVAL_S
from simulation.scenario import Scenario


@frozen
class Arrival:
    at_s: float  # simulated time of the create
    invoice_id: str
    amount_minor: int
    currency: str
    method: str
    pay_at_s: float | None  # simulated time of the pay request; None: never sent
    provider: str | None = None  # forced (a bulk file's ``provider:``); None: routed


def arrivals(scenario: Scenario) -> Iterator[Arrival]:
    """Every invoice of the scenario's load phases and bulk uploads, by time (lazily: a
    long run's load is never held in memory at once)."""
    return heapq.merge(_load(scenario), _bulk(scenario), key=lambda a: a.at_s)


def _bulk(scenario: Scenario) -> Iterator[Arrival]:
    """The accepted rows of each bulk upload, one every ``BULK_ROW_INTERVAL_S`` from its
    time, each paid at once, as a one-shard simulated run submits them. A crypto row
    whose payer sends the wrong amount to the wallet (the upload's mispayers) is only
    created. A file's ``provider`` (other than ``auto``) forces each row's payment to
    that provider, as the pay request's ``provider`` says."""
    if not scenario.bulk:
        return
    from simulation.engine import load_bulk  # the files are read once, as a run reads them

    rng = KeyedRandom(scenario.seed)
    jobs = load_bulk(scenario, InvoiceIds(), scenario.start_date)
    rows: list[Arrival] = []
    for job in jobs:
        spec = scenario.bulk[job.job]
        mispayers = Mispayers.of(spec)
        forced = None if spec.provider == "auto" else spec.provider
        for j, draft in enumerate(job.drafts):
            at = job.at_s + j * BULK_ROW_INTERVAL_S
            pays = True
            if mispayers is not None and draft.method is PaymentMethod.CRYPTO:
                u = rng.uniform(draft.invoice_id, 0, stream="bulk-payer")
                pays = mispayers.pick(u, draft.amount.amount_minor) is None
            rows.append(
                Arrival(
                    at_s=at,
                    invoice_id=draft.invoice_id,
                    amount_minor=draft.amount.amount_minor,
                    currency=draft.amount.currency,
                    method=draft.method.value,
                    pay_at_s=at if pays else None,
                    provider=forced,
                )
            )
    yield from sorted(rows, key=lambda a: a.at_s)


def _load(scenario: Scenario) -> Iterator[Arrival]:
    rng = KeyedRandom(scenario.seed)
    ttl_s, end_s = float(scenario.wallet_ttl_s), float(scenario.duration_s)
    streams = [
        (ArrivalStream(phase, i, 0, 1, rng), PayerModel(phase, ttl_s))
        for i, phase in enumerate(scenario.load)
    ]
    # (time, phase) of each phase's next arrival: ties go to the earlier phase.
    heap: list[tuple[float, int]] = []
    for i, (stream, _) in enumerate(streams):
        at = stream.next()
        if at is not None and at < end_s:
            heap.append((at, i))
    heapq.heapify(heap)
    seq = 0
    while heap:
        at, i = heapq.heappop(heap)
        stream, payers = streams[i]
        invoice_id = load_invoice_id(seq)
        seq += 1
        plan = payers.plan(rng, invoice_id)
        pays = plan.behaviour == PAYS
        yield Arrival(
            at_s=at,
            invoice_id=invoice_id,
            amount_minor=plan.amount_minor,
            currency=payers.currency,
            method=plan.method.value,
            pay_at_s=at + plan.pay_after_s if pays else None,
        )
        following = stream.next()
        if following is not None and following < end_s:
            heapq.heappush(heap, (max(following, at), i))
