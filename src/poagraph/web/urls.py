"""Every absolute URL the site writes (VoID, the service description, the query page's
endpoint, redirects) is ``public_url(path)``: the configured ``BASE_URL`` joined with a path.

The Host header is never trusted: a client choosing it must not choose the links others
are served. ``poagraph serve`` sets BASE_URL to the address it listens on when none is
configured; an app created without one (tests, ``create_app()``) uses ``http://localhost``.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, request, url_for

#: The base of an app created without BASE_URL (tests, embedding).
DEFAULT_BASE_URL = "http://localhost"


def check_base_url(value: str | None) -> str:
    """The base URL without its trailing slash; ValueError unless it is http(s)://host[/path]."""
    base = (value or DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"BASE_URL must be http(s)://host[:port][/path], not {value!r}")
    return base


def public_url(path: str) -> str:
    """The absolute URL of `path` (an absolute path, e.g. from url_for) on the public site."""
    return current_app.config["BASE_URL"] + path


def external_url_for(endpoint: str, **values) -> str:
    """url_for(..., _external=True), on BASE_URL instead of the request's Host."""
    return public_url(url_for(endpoint, **values))


def _location_on_base_url(response: Response) -> Response:
    """Werkzeug writes some redirects (e.g. merged slashes) on the request's Host: move any
    Location on that host to BASE_URL."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc.lower() == request.host.lower():
            path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
            response.headers["Location"] = public_url(path)
    return response


def init_app(app: Flask) -> None:
    """Check BASE_URL (normalized, without a trailing slash) and keep redirects on it.
    Before the blueprints: their rules take the map's merge_slashes when added."""
    app.config["BASE_URL"] = check_base_url(app.config.get("BASE_URL"))
    # werkzeug answers //a//b with its own redirect page, on the Host header: 404 instead
    app.url_map.merge_slashes = False
    app.after_request(_location_on_base_url)
