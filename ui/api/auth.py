"""Bearer-token authentication and role checks, as FastAPI dependencies.

401 (with ``WWW-Authenticate: Bearer``) when the token is missing, unknown or
revoked; 403 when the token's role may not use the route. ``admin`` may use
every route. The token is only ever hashed and compared: it is never logged
and never part of an error message. A token verified in the last moments is
taken from the app's ``TokenCache`` without a query (``token_cache_ttl_s``).
These dependencies are async: a cached token costs no trip to a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from storage.database import Database
from storage.tokens import verify_token
from ui.api.token_cache import TokenCache

ADMIN = "admin"
_bearer = HTTPBearer(auto_error=False, description="A token from `invoicesim token create`.")
_CHALLENGE = 'Bearer realm="invoicesim"'


@dataclass(frozen=True, slots=True)
class Caller:
    token_id: str
    name: str
    role: str


def _unauthorized(detail: str, error: str | None = None) -> HTTPException:
    challenge = _CHALLENGE if error is None else f'{_CHALLENGE}, error="{error}"'
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None:
        raise _unauthorized(
            "this route needs a bearer token: send `Authorization: Bearer TOKEN`; "
            "create one with `invoicesim token create --role ROLE`"
        )
    db: Database = request.app.state.db
    verified: TokenCache[Caller] = request.app.state.tokens
    caller = await verified.verify(credentials.credentials, lambda token: _lookup(db, token))
    if caller is None:
        raise _unauthorized(
            "the bearer token is not valid (unknown or revoked); create a new one with "
            "`invoicesim token create --role ROLE`",
            "invalid_token",
        )
    return caller


def _lookup(db: Database, token: str) -> Caller | None:
    record = verify_token(db, token)
    return None if record is None else Caller(record.token_id, record.name, record.role)


class Require:
    """A dependency that lets through callers whose role is one of ``roles`` (or admin)."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles) | {ADMIN}

    async def __call__(self, caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if caller.role not in self.roles:
            allowed = ", ".join(sorted(self.roles))
            raise HTTPException(
                403, f"a {caller.role} token may not use this route; it needs one of: {allowed}"
            )
        return caller


AnyRole = Annotated[Caller, Depends(Require("enterprise", "consumer"))]
AdminOnly = Annotated[Caller, Depends(Require())]
EnterpriseOnly = Annotated[Caller, Depends(Require("enterprise"))]
ConsumerOnly = Annotated[Caller, Depends(Require("consumer"))]
Invoicer = Annotated[Caller, Depends(Require("enterprise", "consumer"))]
