"""The web app under gunicorn (`poagraph serve`, cli/serve.py, builds the store first).

gunicorn runs ``--workers`` web processes with threads (gthread: keep-alive, and a thread
waiting on a slow query does not hold the process); each web process keeps its own pool of
query worker processes (query/executor.py). The app is created in each web process after
the fork.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

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
        from poagraph.web.store import get_service

        app = create_app(self.app_config)
        get_service(app).executor.start()  # open the store now, not on the first request
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
