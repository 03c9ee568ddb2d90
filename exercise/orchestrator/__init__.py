"""The reference orchestrator (``invoicesim orchestrator serve``): ``actors.orchestrator``,
the simulation's own routing, breakers, health probes, status checks and voids, as an
HTTP service that pays invoices through provider APIs (the emulators, or real ones).

- ``providers``: one provider's API as the orchestrator reaches it (``exercise.client``);
- ``payments``: the invoices, and the orchestrator's commands carried out over HTTP;
- ``api``: the invoice API (FastAPI): create, pay with an ``Idempotency-Key``, read;
- ``server``: serving it on the paced clock.
"""
