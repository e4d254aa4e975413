"""`poagraph serve`: the web app under gunicorn, building the store first when it is missing.

gunicorn runs ``--workers`` web processes with threads (gthread: keep-alive, and a thread
waiting on a slow query does not hold the process); each web process keeps its own pool of
query worker processes (executor.py). The app is created in each web process after the fork.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from poagraph import paths
from poagraph.web import load_config


class _Gunicorn(BaseApplication):
    """gunicorn configured from a dict, loading the Flask app in each worker."""

    def __init__(self, app_config: dict[str, Any], options: dict[str, Any]):
        self.app_config = app_config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from poagraph.web import create_app
        from poagraph.web.executor import get_executor

        app = create_app(self.app_config)
        get_executor(app).executor.start()  # open the store now, not on the first request
        return app


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, timeout_s: float
) -> dict[str, Any]:
    """The gunicorn settings `serve` uses (also used by the benchmark)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # gunicorn's own watchdog must outlast our query timeout, which answers 503 first
        "timeout": int(timeout_s) + 30,
        "graceful_timeout": 5,
        "keepalive": 5,
        # long SPARQL queries travel in the URL; the app enforces MAX_BODY_BYTES instead
        "limit_request_line": 0,
        "limit_request_field_size": 0,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    threads: int = 8,
    **overrides: Any,
) -> None:
    """Serve until interrupted; `overrides` are app config keys (STORE, QUERY_TIMEOUT_S, ...)
    that win over the config file and the environment."""
    settings = load_config(overrides)
    workers = workers or min(4, os.cpu_count() or 1)
    timeout_s = float(settings["QUERY_TIMEOUT_S"])
    _Gunicorn(overrides, gunicorn_options(host, port, workers, threads, timeout_s)).run()


def ensure_store(store_path: Path) -> None:
    """Build the bundled reports into `store_path` when no store is there yet."""
    from poagraph import store
    from poagraph.build import build

    if store.exists(store_path):
        return
    click.echo(f"No store at {store_path}: building it first...", err=True)
    result = build(paths.BUNDLED_REPORTS, store_path)
    click.echo(f"Built {store_path} in {result.seconds:.1f} s.", err=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--store",
    "store_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Store directory [default: $POAGRAPH_STORE or var/store]; built if missing.",
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
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1))
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
    timeout_s: float | None,
    workers: int | None,
    threads: int,
    executors: int | None,
    in_memory: bool | None,
) -> None:
    """Serve the SPARQL endpoint, linked-data pages and query UI (read-only).

    Settings not given as options come from $POAGRAPH_CONFIG (a TOML file), then POAGRAPH_*
    environment variables (POAGRAPH_QUERY_TIMEOUT_S, ...), then the defaults."""
    from poagraph.cli import user_errors

    given = {
        "STORE": store_path,
        "QUERY_TIMEOUT_S": timeout_s,
        "EXECUTORS": executors,
        "IN_MEMORY": in_memory,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    try:
        settings = load_config(overrides)
    except (OSError, ValueError) as exc:  # an unreadable or invalid $POAGRAPH_CONFIG file
        raise click.ClickException(f"configuration: {exc}") from None
    store_path = Path(settings["STORE"])
    with user_errors():
        ensure_store(store_path)
    click.echo(f"poagraph: serving {store_path} at http://{host}:{port}/", err=True)
    run(host, port, workers, threads, **overrides)
