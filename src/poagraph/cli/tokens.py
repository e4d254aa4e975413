"""`poagraph tokens add|list|revoke`: the tokens partners send contributions with.

A token is printed once, by `add`, on standard output (alone, so a script can capture it);
the tokens file keeps only its SHA-256 (contributions/tokens.py).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from poagraph import paths
from poagraph.cli.common import err, short, store_option, user_errors


def tokens_option() -> click.Option:
    return click.option(
        "--tokens",
        "tokens_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Tokens file [default: $POAGRAPH_TOKENS or var/tokens.toml].",
    )


@click.group("tokens")
def tokens_group() -> None:
    """Tokens for sending contributions (POST /contributions): add, list, revoke."""


@tokens_group.command("add")
@click.argument("organisation")
@click.option("--admin", is_flag=True, help="A maintainer's token: SPARQL Update, any deletion.")
@tokens_option()
@store_option("The built graph that knows the organisations [default: $POAGRAPH_STORE].")
def add(organisation: str, admin: bool, tokens_path: Path | None, store_path: Path | None) -> None:
    """Make a token for ORGANISATION and print it once.

    ORGANISATION is an organisation the graph knows (acronym, label or IRI) or a new
    organisation's name. Only the token's hash is kept: copy the token now.
    """
    from poagraph.contributions.tokens import TokenStore, resolve_organisation

    with user_errors():
        iri, label, known = resolve_organisation(organisation, store_path or paths.default_store())
        token, secret = TokenStore(tokens_path or paths.default_tokens()).add(iri, label, admin)
    kind = "admin token" if admin else "token"
    new = "" if known else " (a new organisation: the graph does not know it yet)"
    err.print(
        f"{token.id}: {kind} for {label} <{iri}>{new}. Copy it now: it is not shown again.",
        markup=False,
        highlight=False,
    )
    click.echo(secret)


@tokens_group.command("list")
@tokens_option()
def list_tokens(tokens_path: Path | None) -> None:
    """The tokens: id, organisation, admin, created (never the tokens themselves)."""
    from poagraph.contributions.tokens import TokenStore

    with user_errors():
        tokens = TokenStore(tokens_path or paths.default_tokens()).list()
    if not tokens:
        err.print("no tokens yet: `poagraph tokens add ORG` makes one", markup=False)
        return
    table = Table("id", "organisation", "name", "admin", "created")
    for t in tokens:
        cells = (t.id, short(t.organisation), t.label, "yes" if t.admin else "", t.created)
        table.add_row(*(Text(c) for c in cells))
    Console(width=200).print(table, highlight=False)


@tokens_group.command("revoke")
@click.argument("token_id")
@tokens_option()
def revoke(token_id: str, tokens_path: Path | None) -> None:
    """Revoke token TOKEN_ID (as `tokens list` shows it): it stops working at once."""
    from poagraph.contributions.tokens import TokenStore

    with user_errors():
        token = TokenStore(tokens_path or paths.default_tokens()).revoke(token_id)
    err.print(f"revoked {token.id} ({token.label})", markup=False, highlight=False)
