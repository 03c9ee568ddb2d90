"""The API's own tables: bearer tokens (only their hashes) and the
``Idempotency-Key`` replay store. The API writes them, never the recorder, so
neither is in ``COPY_COLUMNS``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.schema.base import Base, Hash64, one_of, run_fk

ROLES = ("admin", "enterprise", "consumer")


class ApiToken(Base):
    """Only a hash of a token is ever stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        UniqueConstraint("token_hash"),
    )
    token_id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    role: Mapped[str]
    token_hash: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    revoked_at: Mapped[datetime | None]


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` of the API: the request it was first used with and the
    response given, replayed when the same key comes with the same request. While
    ``status_code`` is NULL the first request is still being answered."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        ForeignKeyConstraint(["token_id"], ["api_tokens.token_id"], ondelete="CASCADE"),
        CheckConstraint("length(key) BETWEEN 1 AND 255", name="key"),
        CheckConstraint("request_hash ~ '^[0-9a-f]{64}$'", name="request_hash"),
        CheckConstraint("(status_code IS NULL) = (response IS NULL)", name="response"),
    )
    run_id: Mapped[str] = run_fk()
    token_id: Mapped[str] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)
    request_hash: Mapped[Hash64]
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
