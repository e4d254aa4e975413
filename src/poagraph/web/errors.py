"""One error handler for the whole app: JSON for API clients, an HTML page for browsers.

Every error body an API client sees has the shape ``{"error": <message>, "status": <code>}``.
Raise werkzeug HTTP exceptions (``abort(400, "message")``) anywhere; this module renders them.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, json, render_template, request
from jinja2 import TemplateNotFound
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from poagraph.web.negotiation import prefers_html

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{status} {title} — poagraph</title></head>
<body><main><h1>{status} {title}</h1><p>{message}</p><p><a href="/">poagraph home</a></p></main>
</body></html>
"""


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error response for the current request, in the shape its client reads."""
    title = _title(status)
    if request and prefers_html(request.headers.get("Accept")):
        try:
            body = render_template("error.html", status=status, title=title, message=message)
        except TemplateNotFound:  # the UI templates are optional: fall back on a plain page
            body = _PAGE.format(status=status, title=escape(title), message=escape(message))
        response = Response(body, status=status, mimetype="text/html")
    else:
        payload = json.dumps({"error": message, "status": status})
        response = Response(payload + "\n", status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _title(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "Error")


def _handle_http(exc: HTTPException) -> Response:
    headers = {}
    # keep the headers werkzeug adds, e.g. Allow on 405
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            headers[name] = value
    return error_response(exc.code or 500, exc.description or _title(exc.code or 500), headers)


def _handle_unexpected(exc: Exception) -> Response:
    # Anything not raised on purpose is our fault: log it with its traceback, answer 500.
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _handle_http(InternalServerError("internal error; it has been logged"))


def init_app(app: Flask) -> None:
    """Register the handlers once, for every route of every blueprint."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
