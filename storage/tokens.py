"""API bearer tokens: created once, stored only as a hash, verified, listed and revoked.

A token is 32 random bytes (``secrets.token_urlsafe(32)``, 43 characters). Only
its SHA-256 is stored: a salted slow hash protects guessable passwords, but a
256-bit random token cannot be guessed, so one fast hash is enough and lets a
request be verified with one indexed lookup. The token itself is returned once,
by ``create_token``, and never stored, logged or shown again.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select, update

from actors.errors import InputError
from storage.database import Database
from storage.queries.common import NotFound, Source, _connect, _where
from storage.schema import ROLES, ApiToken

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 128  # longer bearer values are rejected before hashing
MAX_NAME_CHARS = 200
MAX_LISTED = 1_000


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """What is known of a token without the token itself."""

    token_id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


@contextmanager
def _writing(db: Source) -> Iterator[Connection]:
    """A connection that commits on success when this module opened it."""
    with _connect(db) as connection:
        yield connection
        if isinstance(db, Database):
            connection.commit()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Source, role: str, name: str = "") -> tuple[TokenRecord, str]:
    """Store a new token of ``role``; return its record and the token (shown once)."""
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"token name is {len(name)} characters; the limit is {MAX_NAME_CHARS}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    token_id = f"tok_{uuid.uuid4().hex[:12]}"
    created_at = datetime.now(UTC)
    with _writing(db) as connection:
        connection.execute(
            insert(ApiToken).values(
                token_id=token_id,
                name=name or role,
                role=role,
                token_hash=hash_token(token),
                created_at=created_at,
            )
        )
    return TokenRecord(token_id, name or role, role, created_at, None), token


def verify_token(db: Source, token: str) -> TokenRecord | None:
    """The record of a valid, unrevoked token; None for anything else."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    t = ApiToken
    query = select(t.token_id, t.name, t.role, t.created_at, t.revoked_at).where(
        t.token_hash == hash_token(token), t.revoked_at.is_(None)
    )
    with _connect(db) as connection:
        row = connection.execute(query).first()
    return None if row is None else TokenRecord(*row)


def list_tokens(db: Source, limit: int = MAX_LISTED) -> list[TokenRecord]:
    """Every token's record (never the token), oldest first."""
    t = ApiToken
    query = (
        select(t.token_id, t.name, t.role, t.created_at, t.revoked_at)
        .order_by(t.created_at, t.token_id)
        .limit(limit)
    )
    with _connect(db) as connection:
        return [TokenRecord(*row) for row in connection.execute(query)]


def revoke_token(db: Source, token_id: str) -> TokenRecord:
    """Revoke a token now (revoking twice keeps the first time); ``NotFound`` if no such id."""
    t = ApiToken
    with _writing(db) as connection:
        connection.execute(
            update(t)
            .where(t.token_id == token_id, t.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )
        row = connection.execute(
            select(t.token_id, t.name, t.role, t.created_at, t.revoked_at).where(
                t.token_id == token_id
            )
        ).first()
    if row is None:
        raise NotFound(
            f"no API token {token_id!r} in {_where(db)}; list them with `invoicesim token list`"
        )
    return TokenRecord(*row)
