"""The exercise's HTTP client, for the driver (to the orchestrator under test) and the
reference orchestrator (to each provider): one aiohttp session to one base address.

aiohttp, because its CPU a request (about 110 us here) is a twentieth of httpx's, which
decides how much load 2 cores carry end to end (pyproject.toml, docs/exercise.md). No
redirects, no retries, no proxies from the environment: the caller decides what a
failure means. An answer's body is read whole up to ``MAX_ANSWER_BYTES``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

MAX_ANSWER_BYTES = 64 * 1024  # of one answer's body; an invoice or a charge is under 1 KiB


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes  # at most MAX_ANSWER_BYTES

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` if it is not JSON."""
        return json.loads(self.body)

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; empty if it is not one (it then says nothing)."""
        try:
            value = self.json()
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class Client:
    """Requests to ``base_url``, at most ``connections`` open at once. The session is made
    on the running event loop, at the first request."""

    def __init__(self, base_url: str, connections: int, timeout_s: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self, method: str, path: str, timeout_s: float | None = None, **kwargs: Any
    ) -> Answer:
        """The answer to ``method path``; raises ``aiohttp.ClientError`` (a refused
        connection: ``aiohttp.ClientConnectorError``) or ``TimeoutError``."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._connections, limit_per_host=self._connections
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, trust_env=False
            )
        timeout = self._timeout if timeout_s is None else aiohttp.ClientTimeout(total=timeout_s)
        async with self._session.request(
            method, f"{self.base_url}{path}", timeout=timeout, allow_redirects=False, **kwargs
        ) as response:
            return Answer(response.status, await response.content.read(MAX_ANSWER_BYTES))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
