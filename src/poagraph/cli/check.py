"""`poagraph check`: the data-quality checks of qa/ on the built graph.

The exit status is a contract: 0 every check passes, 1 some fail (their offenders listed).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from poagraph.cli.common import backend_option, open_backend, store_option, user_errors

EXIT_PASS, EXIT_FAIL = 0, 1


@click.command("check")
@store_option("The built graph to check [default: $POAGRAPH_STORE or var/store].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per check, offenders under a failing one; json: a list of checks.",
)
@backend_option()
def check_command(store_path: Path | None, fmt: str, backend_url: str | None) -> None:
    """Run the data-quality checks (qa/*.rq: an ASK true when healthy, a SELECT listing the
    offenders): every outcome has evidence and one status, every organisation a kind, every
    annotation offsets that match its words... Exit status: 0 all pass, 1 some fail."""
    from poagraph import qa

    with user_errors(), open_backend(store_path, backend_url).reading() as db:
        results = qa.check_store(db)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        click.echo(qa.to_text(results))
    raise SystemExit(EXIT_PASS if all(r.passed for r in results) else EXIT_FAIL)
