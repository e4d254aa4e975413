"""The app's query service (web/query/service.py), kept in ``app.extensions``: the Flask
side of running queries, so that nothing under web/query/ imports Flask."""

from __future__ import annotations

import atexit

from flask import Flask, current_app

from poagraph.web.query.service import QueryService

_EXTENSION = "poagraph.query"


def init_app(app: Flask) -> None:
    """Create the query service from the app config; its workers start on first use."""
    service = QueryService.from_config(app.config)
    atexit.register(service.close)
    app.extensions[_EXTENSION] = service


def get_service(app: Flask | None = None) -> QueryService:
    """The query service of `app` (default: the current app)."""
    return (app or current_app).extensions[_EXTENSION]
