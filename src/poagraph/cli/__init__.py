"""The `poagraph` command line: a thin layer over build, store, validation and the server.

Every command lives in this package (graph.py: build, export, stats, coverage, query;
validate.py; serve.py; tokens.py; contributions.py: contribute, contributions). Domain
errors become click.ClickException in one place
(common.user_errors) and nowhere else: a clear message and a non-zero exit, never a
traceback. Commands import their heavy parts inside their bodies, so that `poagraph --help`
or `poagraph query` do not pay for pySHACL or Flask start-up.
"""

from __future__ import annotations

import click

from poagraph import __version__
from poagraph.cli import check, contributions, graph, serve, tokens, validate


@click.group()
@click.version_option(__version__, prog_name="poagraph")
def main() -> None:
    """poagraph: Programme of Action reports as a knowledge graph with a SPARQL endpoint."""


for command in (
    *graph.COMMANDS,
    validate.validate_command,
    serve.serve_command,
    tokens.tokens_group,
    *contributions.COMMANDS,
    check.check_command,
):
    main.add_command(command)
