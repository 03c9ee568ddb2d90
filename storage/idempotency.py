"""Idempotency keys: the first request with a key is answered; a repeat gets the same answer.

A key belongs to one token and one run. ``claim`` either reserves the key for
this request (the caller then does the work and calls ``store``, or
``release`` when the failure is one to retry) or reports what is known of it:
the stored response, a request still in progress, or a different request
that used the key first. Inserting the reservation is what decides who goes
first, so two concurrent requests with one key never both do the work.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from storage.database import Database
from storage.queries.common import _connect
from storage.schema import IdempotencyKey

MAX_KEY_CHARS = 255


@dataclass(frozen=True, slots=True)
class Claim:
    """``owned``: do the work; ``replay``: answer ``status_code``/``response``;
    ``in_progress``: the first request is still running; ``mismatch``: the key was
    first used with a different request."""

    outcome: Literal["owned", "replay", "in_progress", "mismatch"]
    status_code: int | None = None
    response: dict[str, Any] | None = None


def request_hash(method: str, path: str, body: Any) -> str:
    """A digest of what makes two requests the same: method, path and the parsed body."""
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def claim(db: Database, run_id: str, token_id: str, key: str, digest: str) -> Claim:
    k = IdempotencyKey
    reserve = (
        insert(k)
        .values(run_id=run_id, token_id=token_id, key=key, request_hash=digest)
        .on_conflict_do_nothing()
        .returning(k.key)
    )
    with _connect(db) as connection:
        inserted = connection.execute(reserve).first()
        connection.commit()
        if inserted is not None:
            return Claim("owned")
        row = connection.execute(
            select(k.request_hash, k.status_code, k.response).where(
                k.run_id == run_id, k.token_id == token_id, k.key == key
            )
        ).one()
    if row.request_hash != digest:
        return Claim("mismatch")
    if row.status_code is None:
        return Claim("in_progress")
    return Claim("replay", row.status_code, row.response)


def store(
    db: Database, run_id: str, token_id: str, key: str, status_code: int, response: dict[str, Any]
) -> None:
    """Record the answer to the request that owns the key."""
    k = IdempotencyKey
    with _connect(db) as connection:
        connection.execute(
            update(k)
            .where(k.run_id == run_id, k.token_id == token_id, k.key == key)
            .values(status_code=status_code, response=response)
        )
        connection.commit()


def release(db: Database, run_id: str, token_id: str, key: str) -> None:
    """Forget an unanswered key (the work failed in a way worth retrying)."""
    k = IdempotencyKey
    with _connect(db) as connection:
        connection.execute(
            delete(k).where(
                k.run_id == run_id, k.token_id == token_id, k.key == key, k.status_code.is_(None)
            )
        )
        connection.commit()
