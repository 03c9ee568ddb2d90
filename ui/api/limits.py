"""Refuse a request body over its limit (413) before the application reads it all.

A declared ``Content-Length`` over the limit is refused at once; a body sent
without one (chunked) is counted as it arrives and cut off at the limit (the
413 is raised from inside the body read, so the route's error handling turns
it into problem+json). The bulk upload route gets the CSV limit plus room for
the multipart form; every other route ``max_body_bytes``.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.api.problems import problem


def _detail(limit: int) -> str:
    return (
        f"the request body is larger than the limit of {limit:,} bytes; "
        "send less (split a CSV into smaller files)"
    )


class BodyLimit:
    def __init__(
        self, app: ASGIApp, default_bytes: int, upload_bytes: int, upload_path: str
    ) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.upload_bytes = upload_bytes
        self.upload_path = upload_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"].rstrip("/") == self.upload_path
        limit = self.upload_bytes if upload else self.default_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem(413, _detail(limit), "too-large", headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, _detail(limit))
            return message

        await self.app(scope, counted_receive, send)
