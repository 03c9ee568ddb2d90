"""One provider's HTTP API (``create_emulator_app``): charges by idempotency key, health.

A route reads the simulated time, asks the provider's ``ProviderBehaviour`` what to
answer, waits until the simulated delay it decided has passed on the paced clock,
and answers (a silent provider holds the request until the client gives up). Errors
are problem+json as everywhere in invoicesim (``ui.api.problems``), request bodies
as strict as the API's (``ui.api.requests.Body``), and ``RequestLog`` records every
request with the outcome the route decided. docs/emulators.md describes the API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actors.invoice import MAX_AMOUNT_MINOR
from actors.methods import PaymentMethod
from exercise.emulators.behaviour import Answer, ChargeRequest, ProviderBehaviour
from exercise.emulators.clock import PacedClock
from exercise.emulators.records import RecordSink, RequestRow
from ui.api import problems
from ui.api.problems import MEDIA_TYPE, Problem, problem
from ui.api.requests import PRINTABLE, Body, Currency, Method, _utf8
from ui.api.strict_input import strict_parameters

MAX_BODY_BYTES = 4_096  # a charge is about 100 bytes of JSON
MAX_HEADERS = 64  # header fields of a request
MAX_HEADER_BYTES = 8_192  # their names and values together
MAX_HOLD_S = 600.0  # a silent provider holds a request this long (wall) at most
# An idempotency key: visible ASCII without "/" (it is a path segment of the status and
# void routes), at most 255 characters.
KEY_PATTERN = r"^[!-.0-~]{1,255}$"
_METHOD_CHARS = 16
_PATH_CHARS = 512


class NewCharge(Body):
    invoice_id: Annotated[str, AfterValidator(_utf8)] = Field(
        min_length=1, max_length=200, pattern=PRINTABLE, description="The invoice paid."
    )
    amount_minor: int = Field(gt=0, le=MAX_AMOUNT_MINOR, description="Integer minor units.")
    currency: Currency
    method: Method


class Charge(BaseModel):
    """A charge as it stands; times are the emulators' simulated seconds."""

    key: str
    provider: str
    invoice_id: str
    amount_minor: int
    currency: str
    method: Method
    fee_minor: int
    status: Literal["processing", "charged", "declined", "voided"]
    attempts: int = Field(description="Creates received with this key.")
    created_at_s: float
    charged_at_s: float | None


class Health(BaseModel):
    provider: str
    status: Literal["ok"]
    simulated_s: float


IdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", pattern=KEY_PATTERN, description="One key per charge."),
]
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]


@dataclass(slots=True)
class EmulatorContext:
    """What the routes of one provider's app share (on ``app.state.emulator``)."""

    behaviour: ProviderBehaviour
    clock: PacedClock
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # Answers being waited for: each waiter with the time.monotonic() it is due at.
    _waiting: dict[asyncio.Future[bool], float] = field(default_factory=dict)

    def stop(self, grace_s: float) -> None:
        """The emulators stop: held requests end, and an answer due later than ``grace_s``
        from now is cut short (503); the others come when due."""
        self.stopping.set()
        cut_after = time.monotonic() + grace_s
        for waiter, due in self._waiting.items():
            if due > cut_after and not waiter.done():
                waiter.set_result(False)

    async def respond(self, request: Request, answer: Answer, arrived_s: float) -> Response:
        """``answer``, once its delay has passed (held, for a silent provider)."""
        request.state.outcome = answer.outcome
        if answer.after_s is None:
            request.state.unanswered = await self._hold(request)
            detail = f"{self.behaviour.name} never answered (silent); the emulator gave up"
            return problem(504, detail, "silent")
        due_s = arrived_s + answer.after_s
        if not await self._until(due_s):
            detail = f"the emulators are stopping; {self.behaviour.name} answers no more"
            return problem(503, detail, "stopping", {"Connection": "close"})
        headers = {"Connection": "close"} if answer.close else {}
        if answer.retry_after_s is not None:
            headers["Retry-After"] = str(answer.retry_after_s)
        if answer.status >= 400:
            return problem(answer.status, answer.detail or "", answer.slug, headers)
        # The answer's time, never a rounding before it: what was due by then has happened.
        now = max(self.clock.now_s(), due_s)
        if answer.key is None:
            body = Health(provider=self.behaviour.name, status="ok", simulated_s=now)
            return JSONResponse(body.model_dump(), answer.status, headers)
        view = self.behaviour.view(now, answer.key)
        if view is None:
            detail = f"the charge with Idempotency-Key {answer.key!r} was forgotten meanwhile"
            return problem(404, detail, "not-found", headers)
        if answer.replayed:
            headers["Idempotent-Replayed"] = "true"
        charge = Charge.model_validate(view, from_attributes=True)
        return JSONResponse(charge.model_dump(mode="json"), answer.status, headers)

    async def _until(self, at_s: float) -> bool:
        """Wait until simulated ``at_s``, never less (the loop's timers may fire up to a
        millisecond early, as ``PacedClock.sleep_until`` says); False if the emulators
        stop first (``stop``)."""
        due = self.clock.monotonic_at(at_s)
        loop = asyncio.get_running_loop()
        while (delay := due - time.monotonic()) > 0:
            waiter: asyncio.Future[bool] = loop.create_future()
            timer = loop.call_later(max(delay, 0.0005), _wake, waiter)
            self._waiting[waiter] = due
            try:
                if not await waiter:
                    return False
            finally:
                timer.cancel()
                del self._waiting[waiter]
        return True

    async def _hold(self, request: Request) -> bool:
        """Until the client goes away (True), the emulators stop or ``MAX_HOLD_S`` pass."""
        gone = asyncio.ensure_future(_disconnected(request.receive))
        stopping = asyncio.ensure_future(self.stopping.wait())
        try:
            done, _ = await asyncio.wait(
                {gone, stopping}, timeout=MAX_HOLD_S, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            gone.cancel()
            stopping.cancel()
        return gone in done


def _wake(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(True)


async def _disconnected(receive: Callable[[], Awaitable[Message]]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _context(request: Request) -> EmulatorContext:
    # async: FastAPI runs a plain function dependency on a worker thread, a hop per request
    context: EmulatorContext = request.app.state.emulator
    return context


Emulator = Annotated[EmulatorContext, Depends(_context)]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {MEDIA_TYPE: {}}}


INVALID: dict[int | str, dict[str, Any]] = {
    413: _problem("The body is over 4,096 bytes."),
    422: _problem("The request is not valid; `errors` names each field."),
    431: _problem("More than 64 header fields, or more than 8,192 bytes of them."),
}
SILENT: dict[int | str, dict[str, Any]] = {
    503: _problem("The provider is down (an outage racing the close: the connection closes)."),
    504: _problem("Never sent while the provider is silent: the emulator holds the request."),
}
FOUND: dict[int | str, dict[str, Any]] = {404: _problem("No charge with this key.")}
CREATE: dict[int | str, dict[str, Any]] = {
    200: {"model": Charge, "description": "A repeat: the key's charge (Idempotent-Replayed)."},
    402: _problem("Declined (the payer's bank said no); nothing charged."),
    409: _problem("The key was first used with other values."),
    429: _problem("Over the provider's rate or concurrency limit; see Retry-After."),
    500: _problem("An emulated provider error; nothing charged."),
}


def create_emulator_app(context: EmulatorContext, records: RecordSink) -> ASGIApp:
    """The provider's app, wrapped in its limits and its request log."""
    name = context.behaviour.name
    app = FastAPI(
        title=f"invoicesim emulator: {name}",
        version="1",
        summary=f"The {name} payment provider, emulated from an invoicesim scenario.",
        description="Charges by `Idempotency-Key`, their status and voids, and health. "
        "Times are the emulators' simulated seconds. Errors are RFC 9457 problem+json.",
        dependencies=[Depends(strict_parameters)],
    )
    app.state.emulator = context
    problems.install(app)

    @app.post(
        "/charges", status_code=201, responses=CREATE | INVALID | SILENT, response_model=Charge
    )
    async def create_charge(
        request: Request, body: NewCharge, key: IdempotencyKey, emulator: Emulator
    ) -> Response:
        """Charge once per key: a repeat with the same key and values gets the same charge."""
        request.state.key = key
        now = emulator.clock.now_s()
        charge = ChargeRequest(
            key, body.invoice_id, body.amount_minor, body.currency, PaymentMethod(body.method)
        )
        return await emulator.respond(request, emulator.behaviour.create(now, charge), now)

    @app.get("/charges/{key}", responses=FOUND | INVALID | SILENT, response_model=Charge)
    async def charge_status(request: Request, key: KeyPath, emulator: Emulator) -> Response:
        """The charge made with this key, as it stands."""
        request.state.key = key
        now = emulator.clock.now_s()
        return await emulator.respond(request, emulator.behaviour.status(now, key), now)

    @app.post("/charges/{key}/void", responses=FOUND | INVALID | SILENT, response_model=Charge)
    async def void_charge(request: Request, key: KeyPath, emulator: Emulator) -> Response:
        """Cancel the charge if it has not taken effect; the answer says what stands
        (``voided``, or ``charged`` when it was too late)."""
        request.state.key = key
        now = emulator.clock.now_s()
        return await emulator.respond(request, emulator.behaviour.void(now, key), now)

    @app.get(
        "/health",
        response_model=Health,
        responses=INVALID | SILENT | {503: _problem("Down or failing.")},
    )
    async def health(request: Request, emulator: Emulator) -> Response:
        """The provider's health probe: answered after its latency while healthy."""
        now = emulator.clock.now_s()
        return await emulator.respond(request, emulator.behaviour.health(now), now)

    return RequestLog(Limits(app), context, records)


class Limits:
    """Bounds on a request before the app reads it: header fields and their bytes (431),
    body bytes (413: a declared Content-Length at once, a chunked body as it arrives). What
    a connection holds of a head before it is parsed is bounded by the HTTP parser
    (``server.INCOMPLETE_HEAD_BYTES``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        size = sum(len(name) + len(value) for name, value in headers)
        if len(headers) > MAX_HEADERS or size > MAX_HEADER_BYTES:
            detail = (
                f"the request has {len(headers)} header fields of {size:,} bytes; at most "
                f"{MAX_HEADERS} fields of {MAX_HEADER_BYTES:,} bytes"
            )
            await _send(
                problem(431, detail, "too-many-headers", {"Connection": "close"}),
                scope,
                receive,
                send,
            )
            return
        declared = dict(headers).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await _send(
                problem(413, _too_large(), "too-large", {"Connection": "close"}),
                scope,
                receive,
                send,
            )
            return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY_BYTES:
                    raise HTTPException(413, _too_large())
            return message

        await self.app(scope, counted_receive, send)


def _too_large() -> str:
    return f"the request body is larger than the limit of {MAX_BODY_BYTES:,} bytes"


async def _send(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    await response(scope, receive, send)


class RequestLog:
    """Records every request: method, path, status, the outcome the route decided, the
    simulated and wall time it arrived, and the wall time until it was answered."""

    def __init__(self, app: ASGIApp, context: EmulatorContext, records: RecordSink) -> None:
        self.app = app
        self.context = context
        self.records = records
        self.seq = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        clock = self.context.clock
        started = time.monotonic()
        arrived_s = clock.now_s()
        status: int | None = None

        async def noted_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted_send)
        finally:
            state = scope.get("state", {})
            self.seq += 1
            self.records.request(
                RequestRow(
                    provider=self.context.behaviour.name,
                    seq=self.seq,
                    method=scope["method"][:_METHOD_CHARS],
                    path=_path(scope),
                    idempotency_key=state.get("key"),
                    status=None if state.get("unanswered") else status,
                    outcome=state.get("outcome"),
                    received_at_s=arrived_s,
                    received_at=clock.wall_at(arrived_s),
                    latency_ms=(time.monotonic() - started) * 1000.0,
                )
            )


def _path(scope: Scope) -> str:
    """The path as sent (percent-encoded, so printable ASCII), bounded."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return raw.decode("ascii", "replace")[:_PATH_CHARS] or "/"
