"""/sparql queries answered in plain WSGI, before Flask: the common requests (GET ?query=,
POST a form or an application/sparql-query body) cost some 0.5 ms of CPU through Flask and
werkzeug, ten times the engine's own time on a lookup.

This path reads the parameters, runs the guard, the cache and the query service, and writes
the same response the `sparql` blueprint writes (Content-Type, Vary, ETag, Cache-Control,
the truncation header, CORS). Whatever else comes (no query, an update, HEAD, OPTIONS,
If-None-Match, SERVICE, a chunked body, a parameter it does not read, any error) goes to the
Flask app: errors with the exception the lean path met (`FAILED`), which the blueprint
raises again, so that errors.py stays the one place that writes error responses.
"""

from __future__ import annotations

import codecs
import io
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from poagraph.web.query import guard
from poagraph.web.query.results import Job, Outcome
from poagraph.web.render import TRUNCATED
from poagraph.web.store import get_service

#: The environ key under which an error met here reaches the Flask view (sparql.py)
FAILED = "poagraph.lean.failed"

PATH = "/sparql"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
#: The parameters this path reads; a request with any other goes to Flask
_KNOWN = frozenset({"query", "default-graph-uri", "named-graph-uri", "format", "timeout"})


class ToFlask(Exception):
    """This request is for the Flask app."""


@dataclass
class Request:
    """A /sparql query request as this path read it."""

    job: Job
    timeout_s: float
    shape: guard.Shape
    key: str
    live: str | None
    cache: bool  #: its answer may be cached (and has an ETag)
    hit: Outcome | None  #: the cached answer
    planned: float | None  #: its estimated CPU time when it may run in this process


class LeanSparql:
    """WSGI middleware: /sparql queries here, everything else to `wsgi_app` (Flask's)."""

    def __init__(self, app: Any, wsgi_app: Callable):
        config = app.config
        self.wsgi_app = wsgi_app
        self.service = get_service(app)
        self.limits = guard.Limits.from_config(config)
        self.base_url = str(config["BASE_URL"])
        self.max_rows = int(config["MAX_ROWS"])
        self.max_body = int(config["MAX_BODY_BYTES"])
        self.timeout_s = float(config["QUERY_TIMEOUT_S"])
        self.cors = bool(config["CORS"])
        self.lane = threading.Lock()

    def wants(self, environ: dict) -> bool:
        """Whether the request may be one for this path (else it is Flask's)."""
        return environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "POST",
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.wants(environ):
            return self.wsgi_app(environ, start_response)
        try:
            # One request at a time reads, checks and runs here (a cheap query, a cached
            # answer): threads that wait for the lane wait on a lock, not for the GIL, which
            # several threads running Python at once pass around many times per request.
            # Work for a worker waits outside.
            with self.lane:
                request = self.prepare(environ)
                outcome = self.nearby(request)
            if outcome is None:
                outcome = self.in_worker(request)
        except ToFlask:
            return self.wsgi_app(environ, start_response)
        except Exception as exc:  # a query error, or ours: errors.py answers and logs it
            environ[FAILED] = exc
            return self.wsgi_app(environ, start_response)
        status, headers, body = self.response(request, outcome)
        start_response(f"{status} OK", headers)
        return [body]

    def prepare(self, environ: dict) -> Request:
        """The request's job, time limit, the query's shape, its cache key and the store
        version the key was made with. Raises ToFlask, or a query error (its answer)."""
        if "HTTP_IF_NONE_MATCH" in environ:
            raise ToFlask
        params = self._parameters(environ)
        queries = params.get("query", [])
        if len(queries) != 1:
            raise ToFlask
        query = queries[0]
        upper = query.upper()
        if "SERVICE" in upper or "\\U" in upper:
            raise ToFlask  # the federation policy needs the request's own URLs (Flask's)
        timeout_s = self._timeout(params.get("timeout"))
        base_iri = self.base_url + environ.get("SCRIPT_NAME", "") + PATH
        shape = guard.check(query, self.limits, base_iri)
        formats = params.get("format")
        service = self.service
        job = Job(
            query=query,
            default_graphs=tuple(params.get("default-graph-uri", ())),
            named_graphs=tuple(params.get("named-graph-uri", ())),
            accept=environ.get("HTTP_ACCEPT"),
            format=formats[0] if formats and formats[0] else None,
            max_rows=self.max_rows,
            base_iri=base_iri,
            dataset_clause=shape.dataset,
            max_bytes=service.max_bytes,
        )
        live = service.live_version()
        key = service.key(job, live)
        cache = not shape.volatile
        hit = service.cached(key) if cache else None
        planned = None if hit is not None else service.local_plan(job, timeout_s, shape.tokens)
        return Request(job, timeout_s, shape, key, live, cache, hit, planned)

    def nearby(self, request: Request) -> Outcome | None:
        """The cached answer, or the query run in this process; None: a worker runs it."""
        if request.hit is not None:
            return request.hit
        if request.planned is None:
            return None
        r = request
        return self.service.here(r.job, r.timeout_s, r.cache, r.key, r.live, None, r.planned)

    def in_worker(self, request: Request) -> Outcome:
        r = request
        return self.service.in_worker(r.job, r.timeout_s, r.cache, r.key)

    def response(self, request: Request, outcome: Outcome) -> tuple[int, list, bytes]:
        """Status, headers and body, as the sparql blueprint writes them."""
        headers = [("Vary", "Accept")]
        if request.cache:
            headers.append(("ETag", f'"{request.key}"'))
            headers.append(("Cache-Control", "public, max-age=0, must-revalidate"))
        headers.append(("Content-Type", outcome.content_type))
        headers.append(("Content-Length", str(len(outcome.body))))
        if outcome.truncated:
            headers.append((TRUNCATED, "true"))
        if self.cors:
            headers.append(("Access-Control-Allow-Origin", "*"))
            headers.append(("Access-Control-Expose-Headers", f"ETag, {TRUNCATED}"))
        return 200, headers, outcome.body

    def _parameters(self, environ: dict) -> dict[str, list[str]]:
        """The URL's parameters, and a POSTed form's or query's; anything unusual: Flask."""
        text = environ.get("QUERY_STRING", "")
        if len(text) > self.max_body:
            raise ToFlask  # 413
        params: dict[str, list[str]] = {}
        _add(params, text)
        if environ["REQUEST_METHOD"] == "POST":
            mimetype, _, options = environ.get("CONTENT_TYPE", "").partition(";")
            mimetype = mimetype.strip().lower()
            body = self._body(environ)
            if mimetype == FORM:
                _add(params, body.decode("latin-1"))
            elif mimetype == SPARQL_QUERY and options.strip().lower() in ("", "charset=utf-8"):
                if "query" in params:
                    raise ToFlask  # a query in the body and in the URL: 400
                try:
                    params["query"] = [body.decode("utf-8")]
                except UnicodeDecodeError:
                    raise ToFlask from None
            else:
                raise ToFlask
        if not params.keys() <= _KNOWN:
            raise ToFlask
        return params

    def _body(self, environ: dict) -> bytes:
        """The request body (kept for Flask, should the request go there)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            raise ToFlask from None  # chunked, or no length: Flask reads it with care
        if not 0 <= length <= self.max_body:
            raise ToFlask  # 413
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        if len(body) != length:
            raise ToFlask
        return body

    def _timeout(self, values: list[str] | None) -> float:
        if not values or values[0] == "":
            return self.timeout_s
        try:
            asked = float(values[0])
        except ValueError:
            raise ToFlask from None  # 400
        if not asked > 0:
            raise ToFlask
        return min(asked, self.timeout_s)


def _add(params: dict[str, list[str]], text: str) -> None:
    """Percent-decoded pairs of `text` (UTF-8, as werkzeug reads them; ToFlask for
    anything that is not UTF-8)."""
    if not text:
        return
    # WSGI strings are bytes as latin-1: back to bytes, then decoded as UTF-8 like werkzeug
    for part in text.encode("latin-1", "replace").split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            params.setdefault(_unquote(name), []).append(_unquote(value))


def _unquote(raw: bytes) -> str:
    raw = raw.replace(b"+", b" ")
    if b"%" in raw:  # else nothing to decode (a parameter's name, mostly)
        raw = percent_decoded(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # werkzeug keeps such escapes as they are: let it read them
        raise ToFlask from None


def percent_decoded(raw: bytes) -> bytes:
    """`raw` with its %XX escapes decoded as urllib's unquote_to_bytes decodes them, in C (a
    tenth of the time, on a query of 30 escapes): each % becomes \\x for
    codecs.escape_decode, after every backslash is doubled so that it stays one. A text with
    a % that two hex digits do not follow (left as it is) takes urllib's path."""
    try:
        return codecs.escape_decode(raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    except ValueError:
        return unquote_to_bytes(raw)
