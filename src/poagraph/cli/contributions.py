"""`poagraph contribute FILE --as ORG` and `poagraph contributions list|show|remove`: the
contributions of the embedded store, with the rules of POST /contributions
(contributions/accept.py): checked against the shapes and the built graph, then written as
one named graph in one atomic step, or refused with nothing written.

`contribute` exits 0 when accepted (the id on standard output), 1 when refused (the report,
or the claim refused), 2 when the file cannot be read, as `poagraph validate` does.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from poagraph.cli.common import (
    backend_option,
    contribution_format_option,
    err,
    report_output_option,
    short,
    store_option,
    store_spec,
    user_errors,
)
from poagraph.errors import ClaimError, ContributionError, ContributionRejected

EXIT_ACCEPTED, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


@click.command("contribute")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "organisation",
    required=True,
    help="The organisation sending it: acronym, label or IRI the graph knows, or a new name.",
)
@contribution_format_option
@report_output_option("Format of the report printed when the contribution is refused.")
@store_option("The store to add it to [default: $POAGRAPH_STORE or var/store].")
@backend_option()
def contribute(
    file: Path,
    organisation: str,
    fmt: str | None,
    output: str,
    store_path: Path | None,
    backend_url: str | None,
) -> None:
    """Check contribution FILE and add it to the graph as its own named graph.

    The same file sent again by the same organisation is the same contribution (its id is
    printed again, nothing is written). Exit status: 0 accepted, 1 refused (report on
    standard output), 2 the file could not be read.
    """
    from poagraph.contributions.accept import accept
    from poagraph.contributions.read import read_file
    from poagraph.contributions.tokens import resolve_organisation
    from poagraph.validation.render import render

    store_path = store_spec(store_path, backend_url)
    try:
        with user_errors():
            iri, label, _ = resolve_organisation(organisation, store_path)
            body = read_file(file)
            done = accept(
                store_path,
                body,
                fmt=fmt,
                filename=file.name,
                organisation=iri,
                organisation_label=label,
            )
    except click.ClickException as e:
        cause = e.__cause__
        if isinstance(cause, ContributionError):
            click.echo(f"poagraph contribute: {cause}", err=True)
            raise SystemExit(EXIT_UNREADABLE) from None
        if isinstance(cause, ContributionRejected):
            rendered = render(cause.report, output)
            click.echo(rendered, nl=not rendered.endswith("\n"))
            click.echo(f"poagraph contribute: {cause}; nothing was written", err=True)
            raise SystemExit(EXIT_REFUSED) from None
        if isinstance(cause, ClaimError):
            click.echo(f"poagraph contribute: {cause}; nothing was written", err=True)
            raise SystemExit(EXIT_REFUSED) from None
        raise
    state = "accepted" if done.created else "already accepted (nothing written)"
    warnings = len(done.report.warnings)
    extra = f", {warnings} warning(s)" if warnings else ""
    err.print(
        f"{state}: contribution {done.id}, {done.outcomes} outcome(s){extra}, graph {done.graph}",
        markup=False,
        highlight=False,
    )
    click.echo(done.id)


@click.group("contributions")
def contributions_group() -> None:
    """The contributions in the store: list, show, remove."""


@contributions_group.command("list")
@store_option()
@backend_option()
def list_command(store_path: Path | None, backend_url: str | None) -> None:
    """Every contribution: id, organisation, when, outcomes, file."""
    from poagraph.contributions.accept import list_contributions

    with user_errors():
        found = list_contributions(store_spec(store_path, backend_url))
    if not found:
        err.print("no contributions yet: `poagraph contribute FILE --as ORG` adds one")
        return
    table = Table("id", "organisation", "accepted", "outcomes", "file")
    for c in found:
        who = c.label or short(c.organisation)
        cells = (c.id, who, c.generated, str(c.outcomes), c.source_file)
        table.add_row(*(Text(x) for x in cells))
    Console(width=200).print(table, highlight=False)


@contributions_group.command("show")
@click.argument("contribution_id")
@store_option()
@backend_option()
def show(contribution_id: str, store_path: Path | None, backend_url: str | None) -> None:
    """Contribution CONTRIBUTION_ID as Turtle: its record and its data."""
    from pyoxigraph import RdfFormat, serialize

    from poagraph import iris
    from poagraph.contributions.accept import get_contribution

    with user_errors():
        _, quads = get_contribution(store_spec(store_path, backend_url), contribution_id)
    text = serialize([q.triple for q in quads], format=RdfFormat.TURTLE, prefixes=iris.PREFIXES)
    click.echo(text.decode(), nl=False)


@contributions_group.command("remove")
@click.argument("contribution_id")
@store_option()
@backend_option()
def remove_command(contribution_id: str, store_path: Path | None, backend_url: str | None) -> None:
    """Remove contribution CONTRIBUTION_ID (its whole named graph) from the store."""
    from poagraph.contributions.accept import remove

    with user_errors():
        remove(store_spec(store_path, backend_url), contribution_id)
    err.print(f"removed contribution {contribution_id}", markup=False, highlight=False)


COMMANDS = (contribute, contributions_group)
