"""What every command shares: the error boundary, the --store option, short names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console

from poagraph import iris
from poagraph.errors import BuildError, PoagraphError

#: Messages and tables go to stderr, so stdout carries only data (exports, query results).
err = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause and fix (every PoagraphError: bad input with its
    place, a locked store, a build that does not conform) into a message and exit 1.
    Anything else is a bug and keeps its traceback."""
    try:
        yield
    except BuildError as e:
        if e.details:
            err.print(e.details, markup=False, highlight=False)
        raise click.ClickException(str(e)) from e
    except PoagraphError as e:
        raise click.ClickException(str(e)) from e


def store_option(
    help: str = "Store directory [default: $POAGRAPH_STORE or var/store].",
) -> Callable:
    """The --store option every command on the store takes; `help` says what it is for."""
    return click.option(
        "--store",
        "store_path",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=help,
    )


def backend_option() -> Callable:
    """--backend URL: a SPARQL 1.1 store over HTTP instead of the --store directory."""
    return click.option(
        "--backend",
        "backend_url",
        default=None,
        metavar="URL",
        help="A SPARQL 1.1 store over HTTP instead of --store [default: $POAGRAPH_BACKEND];"
        " credentials from $POAGRAPH_BACKEND_USER/_PASSWORD or the config (docs/backends.md).",
    )


def open_backend(store_path: Path | None, backend_url: str | None):
    """The store a command works on: --backend URL, --store DIR, else $POAGRAPH_BACKEND,
    the config's [backend] url or the default store directory."""
    from poagraph.backends import open_backend as _open

    if store_path is not None and backend_url is not None:
        raise click.UsageError("give --store DIR or --backend URL, not both")
    return _open(backend_url or store_path)


def store_spec(store_path: Path | None, backend_url: str | None) -> Path | str:
    """What --store / --backend name, for the functions that take a store directory or a
    URL: --backend, --store, $POAGRAPH_BACKEND, the config's [backend] url, else the
    default store directory."""
    import os

    from poagraph import paths
    from poagraph.backends import load_config

    if store_path is not None and backend_url is not None:
        raise click.UsageError("give --store DIR or --backend URL, not both")
    if backend_url or store_path:
        return backend_url or store_path
    with user_errors():
        configured = (load_config().get("backend") or {}).get("url")
    return os.environ.get("POAGRAPH_BACKEND") or configured or paths.default_store()


def short(iri: str) -> str:
    """An IRI for tables meant for people: a graph by its path, others as a CURIE."""
    if iri.startswith(iris.GRAPH):
        return iri[len(iris.GRAPH) :]
    return iris.curie(iri)


#: --format of a contribution file (poagraph validate, poagraph contribute).
contribution_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "jsonld", "csv"]),
    default=None,
    help="Input format (default: from the file extension: .ttl, .jsonld/.json, .csv).",
)


def report_output_option(help: str) -> Callable:
    """--output: the format of a validation report (text, turtle, json, html)."""
    return click.option(
        "--output",
        type=click.Choice(["text", "turtle", "json", "html"]),
        default="text",
        show_default=True,
        help=help,
    )
