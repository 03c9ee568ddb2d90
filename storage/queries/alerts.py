"""Alerts raised during a run (reserve warnings and breaches, info), newest first."""

from __future__ import annotations

import typing
from typing import TypedDict

from sqlalchemy import select

from storage.queries.common import MAX_LIMIT, Source, _bounded, _connect
from storage.schema import Alert


class AlertRow(TypedDict):
    alert_id: int
    at_s: float
    key: str
    severity: str  # info | warning | breach
    message: str


def list_alerts(
    db: Source, run_id: str, severity: str | None = None, limit: int = 100
) -> list[AlertRow]:
    """The newest alerts first, optionally of one severity."""
    a = Alert
    query = select(a.alert_id, a.at_s, a.key, a.severity, a.message).where(a.run_id == run_id)
    if severity is not None:
        query = query.where(a.severity == severity)
    query = query.order_by(a.at_s.desc(), a.alert_id.desc()).limit(_bounded(limit, MAX_LIMIT))
    with _connect(db) as connection:
        return [typing.cast(AlertRow, row._asdict()) for row in connection.execute(query)]
