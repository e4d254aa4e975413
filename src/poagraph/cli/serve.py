"""`poagraph serve`: the web app under the production server, building the store first
when it is missing; with `--backend URL` (or POAGRAPH_BACKEND), on a remote SPARQL store
instead, which is never built here (`poagraph build --backend URL` fills it)."""

from __future__ import annotations

from pathlib import Path

import click

from poagraph import paths, store
from poagraph.cli.common import store_option, user_errors


def ensure_store(store_path: Path) -> None:
    """Build the bundled reports into `store_path` when no store is there yet."""
    from poagraph.build import build

    if store.exists(store_path):
        return
    click.echo(f"No store at {store_path}: building it first...", err=True)
    result = build(paths.BUNDLED_REPORTS, store_path)
    click.echo(f"Built {store_path} in {result.seconds:.1f} s.", err=True)


def _remote(settings, overrides: dict) -> str:
    """Check the remote store answers (BackendError when not) and name its flavour in
    `overrides`, so that the web processes need not ask the server what it is."""
    from poagraph.backends.remote import Client
    from poagraph.web.query.remote import remote_from_config

    remote = remote_from_config(settings)
    Client(remote).ping()
    overrides["BACKEND_FLAVOUR"] = remote.flavour
    return remote.describe()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@store_option("Store directory [default: $POAGRAPH_STORE or var/store]; built if missing.")
@click.option(
    "--backend",
    default=None,
    metavar="URL",
    help="Serve this SPARQL 1.1 store (Oxigraph server, Virtuoso...) instead of --store "
    "[default: $POAGRAPH_BACKEND]; credentials from POAGRAPH_BACKEND_USER and "
    "POAGRAPH_BACKEND_PASSWORD (docs/backends.md).",
)
@click.option(
    "--timeout-s",
    default=None,
    type=click.FloatRange(min=0, min_open=True),
    help="Per-query time limit in seconds [default: 30]; a request's timeout= may lower it.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Web processes [default: CPU count, at most 4].",
)
@click.option(
    "--threads",
    default=32,
    show_default=True,
    type=click.IntRange(min=1),
    help="Threads per web process running the app (the server reads requests off them); "
    "a request holds one while its query runs, so keep it above EXECUTORS + 8.",
)
@click.option(
    "--server",
    "server",
    default="poagraph",
    show_default=True,
    type=click.Choice(["poagraph", "granian"]),
    help="The HTTP server: poagraph's own (queries answered on the thread that reads them) "
    "or granian's RSGI interface.",
)
@click.option(
    "--executors",
    default=None,
    type=click.IntRange(min=1),
    help="Query worker processes per web process [default: 2].",
)
@click.option(
    "--in-memory/--on-disk",
    default=None,
    help="Query an in-memory copy of the store (faster; the default) or the store on disk.",
)
def serve_command(
    host: str,
    port: int,
    store_path: Path | None,
    backend: str | None,
    timeout_s: float | None,
    workers: int | None,
    threads: int,
    server: str,
    executors: int | None,
    in_memory: bool | None,
) -> None:
    """Serve the SPARQL endpoint, linked-data pages and query UI (read-only).

    Settings not given as options come from $POAGRAPH_CONFIG (a TOML file), then POAGRAPH_*
    environment variables (POAGRAPH_QUERY_TIMEOUT_S, ...), then the defaults."""
    given = {
        "STORE": store_path,
        "BACKEND": backend,
        "QUERY_TIMEOUT_S": timeout_s,
        "EXECUTORS": executors,
        "IN_MEMORY": in_memory,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    from poagraph.web import load_config
    from poagraph.web.server import WILDCARDS, listen_url, run
    from poagraph.web.urls import check_base_url

    try:
        settings = load_config(overrides)
        check_base_url(settings.get("BASE_URL"))
    except (OSError, ValueError) as exc:  # an unreadable or invalid $POAGRAPH_CONFIG file
        raise click.ClickException(f"configuration: {exc}") from None
    if settings.get("BACKEND"):
        with user_errors():
            served = _remote(settings, overrides)
    else:
        store_path = Path(settings["STORE"])
        with user_errors():
            ensure_store(store_path)
        served = str(store_path)
    click.echo(f"poagraph: serving {served} at {listen_url(host, port)}/", err=True)
    if host in WILDCARDS and not settings.get("BASE_URL"):
        click.echo(
            "poagraph: listening on every interface; set POAGRAPH_BASE_URL to the public URL "
            "the site's links should name",
            err=True,
        )
    run(host, port, workers, threads, server, **overrides)
