"""`poagraph validate`: check a contribution before it enters the graph.

The exit status is a contract, as pySHACL's: 0 conforms, 1 violations, 2 unreadable input.
"""

from __future__ import annotations

from pathlib import Path

import click

from poagraph.cli.common import (
    backend_option,
    contribution_format_option,
    report_output_option,
    store_option,
    store_spec,
)
from poagraph.errors import ContributionError, StoreError

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2


@click.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@contribution_format_option
@report_output_option("Report format, written to standard output.")
@store_option("The built graph to validate against (default: $POAGRAPH_STORE or var/store).")
@backend_option()
def validate_command(
    file: Path, fmt: str | None, output: str, store_path: Path | None, backend_url: str | None
) -> None:
    """Check a contribution FILE (Turtle, JSON-LD or CSV) before it enters the graph.

    The contribution is checked with the shapes, together with the reference data
    (ontology, UN vocabulary) and the graph already built, so countries, commitments,
    organisations and programmes can be named by IRI or by name. Exit status: 0 conforms,
    1 violations, 2 the file could not be read.
    """
    # Imported here, not at the top, to keep pySHACL and rdflib out of the CLI's start-up.
    from poagraph.contributions.check import validate_contribution as run
    from poagraph.contributions.reference import open_reference
    from poagraph.validation.render import render

    try:
        reference = open_reference(store_spec(store_path, backend_url))
        report = run(file, fmt=fmt, reference=reference)
    except (ContributionError, StoreError) as e:  # unreadable (or no store to read): exit 2
        click.echo(f"poagraph validate: {e}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from None
    rendered = render(report, output)
    click.echo(rendered, nl=not rendered.endswith("\n"))
    raise SystemExit(EXIT_CONFORMS if report.conforms else EXIT_VIOLATIONS)
