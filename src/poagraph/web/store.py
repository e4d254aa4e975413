"""The app's query service (web/query/service.py), kept in ``app.extensions``: the Flask
side of running queries, so that nothing under web/query/ imports Flask; and the store the
app writes to (contributions, /store, updates): the directory STORE, or the remote SPARQL
store BACKEND through the backend interface (poagraph.backends)."""

from __future__ import annotations

import atexit
from pathlib import Path

from flask import Flask, current_app

from poagraph.backends import Backend, RemoteBackend
from poagraph.web.query.remote import RemoteExecutor, remote_from_config
from poagraph.web.query.service import QueryService

_EXTENSION = "poagraph.query"
_BACKEND = "poagraph.backend"


def init_app(app: Flask) -> None:
    """Create the query service from the app config; its workers start on first use."""
    service = QueryService.from_config(app.config)
    atexit.register(service.close)
    app.extensions[_EXTENSION] = service
    if app.config.get("BACKEND"):
        app.extensions[_BACKEND] = RemoteBackend(remote_from_config(app.config))


def get_service(app: Flask | None = None) -> QueryService:
    """The query service of `app` (default: the current app)."""
    return (app or current_app).extensions[_EXTENSION]


def get_store(app: Flask | None = None) -> Path | Backend:
    """Where the app writes: the store directory (STORE), or the remote store's backend
    (BACKEND, its credentials from the config); both are what contributions.accept and
    maintenance take."""
    app = app or current_app
    return app.extensions.get(_BACKEND) or Path(app.config["STORE"])


def written(app: Flask | None = None) -> None:
    """This process just wrote to the store: a remote store's version is read again now, so
    that the next query is not answered from the cache (other web processes see the new
    version within a second)."""
    executor = get_service(app).executor
    if isinstance(executor, RemoteExecutor):
        executor.forget_version()
