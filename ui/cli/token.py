"""`invoicesim token create|list|revoke`: bearer tokens for the API.

A token is printed once, by ``create``, to stdout alone (so it can be piped into
a secret store); what goes to stderr names its id and role. Only its hash is
stored: a lost token cannot be shown again, revoke it and create another.
"""

from __future__ import annotations

from typing import Annotated

import typer

from storage.schema import ROLES
from storage.tokens import create_token, list_tokens, revoke_token
from ui.cli.db import with_database

token_app = typer.Typer(
    name="token",
    help="Bearer tokens for the API (roles: admin, enterprise, consumer).",
    no_args_is_help=True,
    add_completion=False,
)


def _role(value: str) -> str:
    if value not in ROLES:
        raise typer.BadParameter(f"must be one of {', '.join(ROLES)}")
    return value


@token_app.command("create")
def create_command(
    role: Annotated[
        str,
        typer.Option(
            help=f"One of {', '.join(ROLES)}; admin may do everything.",
            callback=_role,
            show_default=False,
        ),
    ],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "",
) -> None:
    """Create a token and print it once; store it now, it cannot be shown again."""
    record, token = with_database(lambda db: create_token(db, role, name), migrate=True)
    typer.echo(f"created {record.token_id} ({record.role}, {record.name!r}); the token:", err=True)
    typer.echo(token)


@token_app.command("list")
def list_command() -> None:
    """List the tokens (id, role, name, created, revoked); never the tokens themselves."""
    records = with_database(list_tokens, migrate=True)
    if not records:
        typer.echo("no tokens yet (create one with: invoicesim token create --role admin)")
        return
    for r in records:
        revoked = f"revoked {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "active"
        typer.echo(
            f"{r.token_id}  {r.role:<10}  {r.created_at:%Y-%m-%d %H:%M}  {revoked}  {r.name}"
        )


@token_app.command("revoke")
def revoke_command(
    token_id: Annotated[str, typer.Argument(help="The id shown by `token list`.")],
) -> None:
    """Revoke a token: requests with it are refused (401) from now on, or within
    INVOICESIM_TOKEN_CACHE_TTL_S (2 s) by a server that verified it just before."""
    record = with_database(lambda db: revoke_token(db, token_id), migrate=True)
    typer.echo(f"revoked {record.token_id} ({record.role}, {record.name!r})")
