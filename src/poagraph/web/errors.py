"""One error handler for the whole app: JSON for API clients, an HTML page for browsers.

Every error body an API client sees has the shape ``{"error": <message>, "status": <code>}``.
Views raise werkzeug HTTP exceptions (``abort(400, "message")``) or let the query errors of
poagraph.errors through; this module is the one place that turns them into responses:

- ``QueryError``: its status (a 5xx one is logged, and the client gets a generic message;
  502, a failed SERVICE call, gets its short message);
- ``QueryTimeout``: 503, the query ran past its time limit and was stopped;
- ``WorkerUnavailable``: 503 with ``Retry-After``, no query worker could run it now.
- ``ContributionError``: 400, the contribution cannot be read (its message and, in JSON,
  ``line``/``column`` or ``row``/``column``); ``ContributionRejected``: 422 with the
  validation report itself (web/reports.py); ``Unauthorized``: 401 with
  ``WWW-Authenticate``; ``Forbidden`` (and ``ClaimError``): 403; ``NotFound``: 404.

A 5xx message names no file system path (the store's, RocksDB's files): `without_paths`
replaces them, and the server log keeps the whole message.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, Response, abort, current_app, json, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from poagraph.errors import (
    ContributionError,
    ContributionRejected,
    Forbidden,
    NotFound,
    QueryError,
    QueryTimeout,
    Unauthorized,
    WorkerUnavailable,
)
from poagraph.web.negotiation import prefers_html
from poagraph.web.query.federation import log_text
from poagraph.web.reports import report_response

#: Seconds a client should wait before asking again when no query worker could take the
#: query (the pool retries a failed start every 5 s).
RETRY_AFTER_S = 5


#: An absolute file path: two segments or more, not inside a URL (after ':' or '/').
_PATH = re.compile(r"(?<![\w/:.~%-])/(?:[^\s/:'\"<>]+/)+[^\s:'\"<>,;)]*")


def without_paths(message: str) -> str:
    """`message` with the store's path and any other absolute file path left out."""
    store = str(current_app.config.get("STORE") or "")
    if store:
        for path in sorted({store, str(Path(store).resolve())}, key=len, reverse=True):
            message = message.replace(path, "<store>")
    return _PATH.sub("<path>", message)


def error_response(
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> Response:
    """The error response for the current request, in the shape its client reads; `extra`
    adds fields to the JSON body (where in a file the error is)."""
    if status >= 500:
        message = without_paths(message)
    if prefers_html(request.headers.get("Accept")):
        body = render_template("error.html", status=status, title=_title(status), message=message)
        response = Response(body, status=status, mimetype="text/html")
    else:
        payload = json.dumps({"error": message, "status": status, **(extra or {})})
        response = Response(payload + "\n", status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _title(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "Error")


def _handle_http(exc: HTTPException) -> Response:
    # keep the headers werkzeug adds, e.g. Allow on 405
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return error_response(exc.code or 500, exc.description or _title(exc.code or 500), headers)


def _handle_query_error(exc: QueryError) -> Response:
    if exc.status == 502:  # a SERVICE endpoint failed: its text is remote input, never raw
        current_app.logger.warning("SERVICE call failed: %s", log_text(str(exc)))
        return error_response(502, str(exc))
    if exc.status >= 500:
        current_app.logger.error("query failed in the store: %s", log_text(str(exc), 2000))
        return error_response(
            exc.status, "the store failed to answer the query; the error has been logged"
        )
    return error_response(exc.status, str(exc))


def _handle_timeout(exc: QueryTimeout) -> Response:
    return error_response(503, f"query timeout: {exc}")


def _handle_unavailable(exc: WorkerUnavailable) -> Response:
    current_app.logger.error("no query worker could run the query: %s", exc)
    return error_response(503, str(exc), {"Retry-After": str(RETRY_AFTER_S)})


def _handle_unreadable(exc: ContributionError) -> Response:
    where = {"line": exc.line, "column": exc.column, "row": exc.row}
    return error_response(400, str(exc), extra={k: v for k, v in where.items() if v is not None})


def _handle_rejected(exc: ContributionRejected) -> Response:
    return report_response(exc.report, 422)


def _handle_refused(exc: Unauthorized | Forbidden | NotFound) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="poagraph"'} if exc.status == 401 else None
    return error_response(exc.status, str(exc), headers)


def _handle_unexpected(exc: Exception) -> Response:
    # Anything not raised on purpose is our fault: log it with its traceback, answer 500.
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _handle_http(InternalServerError("internal error; it has been logged"))


def _readable_query_string() -> None:
    """400, not 500, for a query string whose escapes are not UTF-8 (werkzeug raises
    UnicodeDecodeError as a view first reads it)."""
    try:
        request.args  # noqa: B018 (parsed here, once)
    except UnicodeDecodeError as exc:
        where = f"{exc.reason} at byte {exc.start} of a value"
        abort(400, f"the query string is not valid UTF-8: {where}")


def init_app(app: Flask) -> None:
    """Register the handlers once, for every route of every blueprint."""
    app.before_request(_readable_query_string)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(QueryError, _handle_query_error)
    app.register_error_handler(QueryTimeout, _handle_timeout)
    app.register_error_handler(WorkerUnavailable, _handle_unavailable)
    app.register_error_handler(ContributionError, _handle_unreadable)
    app.register_error_handler(ContributionRejected, _handle_rejected)
    for refused in (Unauthorized, Forbidden, NotFound):
        app.register_error_handler(refused, _handle_refused)
    app.register_error_handler(Exception, _handle_unexpected)
