"""The app on an event loop, as `poagraph serve` runs it (under its own server, httpd.py, or
granian's RSGI interface): /sparql queries on the loop, everything else in a pool of threads
running the Flask app.

Under WSGI every request is handed to one of many Python threads, and several threads
running Python at once pass the GIL between them many times per request: measured on the
bundled report, a third of the lookups per second that a single thread gives. Here the
event loop's one thread reads each /sparql request (web/lean.py) and answers it when that is
quick (a cached answer, or a query whose estimated CPU time (web/query/cost.py) is at most
``INLINE_MAX_S``); the rest waits in the thread pool (``--threads``): a query for a
worker process, a larger query run in this process, and every other page through Flask,
as WSGI (`_wsgi_environ`, the same keys granian's WSGI interface gives). So a slow query
holds a pool thread and never the loop.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from werkzeug.exceptions import ClientDisconnected

from poagraph.web.lean import FAILED, LeanSparql, ToFlask

log = logging.getLogger(__name__)

#: The environ key under which `RSGIApp.now` leaves what it read for `handle`: the prepared
#: request for the pool, or None when the request is Flask's
_READ = "poagraph.rsgi.read"

#: Queries whose estimated CPU time (web/query/cost.py) is at most this run on the event
#: loop: every other request of the process waits meanwhile (the estimates run high: the
#: bundled report's per-country aggregate is estimated at 3.5 ms and takes 0.2). Any other
#: goes through the pool: a hop that cost that aggregate 14% of its throughput under load
#: (the same server with the query forced through the pool, side by side)
INLINE_MAX_S = 0.02
#: The response to a request the app failed on outside Flask (Flask answers its own errors)
INTERNAL_ERROR = (500, [("Content-Type", "text/plain")], b"internal error\n")


class RSGIApp:
    """The Flask app made by create_app (its wsgi_app is the LeanSparql middleware) as an
    RSGI application, and as httpd.py calls it (`now`, `handle`)."""

    def __init__(self, app: Any, threads: int = 32):
        lean = app.wsgi_app
        if not isinstance(lean, LeanSparql):
            raise TypeError("the app must come from poagraph.web.create_app")
        self.lean = lean
        self.flask = lean.wsgi_app  # Flask's own wsgi_app, behind the lean path
        self.max_body = int(app.config["MAX_BODY_BYTES"])
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="web")

    # -- the RSGI protocol ---------------------------------------------------------------

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.close()

    def close(self) -> None:
        """Stop the thread pool (the web process is ending)."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return  # no websockets here: granian closes the connection
        await self.handle(_wsgi_environ(scope), proto)

    async def handle(self, environ: dict, proto: Any) -> None:
        """Answer the request of `environ` through `proto` (RSGI's response_bytes, and its
        body as an async iterator of chunks): httpd.py calls this too."""
        if self.lean.wants(environ):
            answered = await self._sparql(environ, proto)
            if answered:
                return
        await self._flask(environ, proto)

    def now(self, environ: dict) -> tuple[int, list, bytes] | None:
        """The response to a GET /sparql when it can be written at once, on the loop: a
        cached answer, or a query estimated at most INLINE_MAX_S. None for anything else:
        `handle` answers it then, with what was read here (kept in the environ)."""
        if environ["REQUEST_METHOD"] != "GET" or not self.lean.wants(environ):
            return None
        try:
            request = self.lean.prepare(environ)
            outcome = self._inline(request)
        except ToFlask:
            environ[_READ] = None
            return None
        except Exception as exc:  # a query error, or ours: errors.py answers and logs it
            environ[FAILED], environ[_READ] = exc, None
            return None
        if outcome is None:
            environ[_READ] = request  # for the pool
            return None
        return self.lean.response(request, outcome)

    # -- /sparql ------------------------------------------------------------------------

    async def _sparql(self, environ: dict, proto: Any) -> bool:
        """Answer a /sparql query; False when the request is Flask's (FAILED set in the
        environ when it is an error to answer)."""
        lean = self.lean
        if _READ in environ:  # `now` read it already
            request = environ.pop(_READ)
            if request is None:
                return False  # Flask's
        elif environ["REQUEST_METHOD"] == "POST":
            length = environ.get("CONTENT_LENGTH", "")
            if not length.isdigit() or int(length) > self.max_body:
                return False  # chunked or too long: Flask reads it with care
            try:
                body = await _read(proto, self.max_body + 1)
            except OSError as exc:  # httpd: the client left or stalled mid-body
                body, cut = b"", str(exc)
            else:  # granian ends the body of a client that left: shorter than its length
                cut = "" if len(body) >= int(length) else f"{len(body)} of {length} bytes"
            if cut:  # the client is gone: nobody to answer
                log.info("a /sparql request body was cut short: %s", cut)
                return True
            environ["wsgi.input"] = io.BytesIO(body)
            request = None
        else:
            request = None
        try:
            outcome = None
            if request is None:
                request = lean.prepare(environ)
                outcome = self._inline(request)
            if outcome is None:
                outcome = await self._in_pool(self._elsewhere, request)
        except ToFlask:
            return False
        except Exception as exc:  # a query error, or ours: errors.py answers and logs it
            environ[FAILED] = exc
            return False
        status, headers, body = lean.response(request, outcome)
        proto.response_bytes(status, headers, body)
        return True

    def _inline(self, request) -> Any:
        """The cached answer, or the query run on the loop when it is quick; None: the
        pool's."""
        if request.hit is not None or (
            request.planned is not None and request.planned <= INLINE_MAX_S
        ):
            return self.lean.nearby(request)
        return None

    def _elsewhere(self, request):
        """A pool thread's part: the query in this process when it may run here, else in a
        worker process."""
        outcome = self.lean.nearby(request)
        return outcome if outcome is not None else self.lean.in_worker(request)

    async def _in_pool(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)

    # -- everything else: Flask -----------------------------------------------------------

    async def _flask(self, environ: dict, proto: Any) -> None:
        if "wsgi.input" not in environ:
            # read as the app reads it, on its thread: each route keeps its own limit
            length = environ.get("CONTENT_LENGTH", "")
            expected = int(length) if length.isdigit() else None
            body = _Body(proto, asyncio.get_running_loop(), expected)
            environ["wsgi.input"] = io.BufferedReader(body)
        try:
            status, headers, body = await self._in_pool(self._call_flask, environ)
        except Exception:  # Flask answers its own errors: this is ours
            log.exception("the app failed on %s", environ.get("PATH_INFO"))
            status, headers, body = INTERNAL_ERROR
        proto.response_bytes(status, headers, body)

    def _call_flask(self, environ: dict) -> tuple[int, list, bytes]:
        """Run the WSGI app on this pool thread; its whole body, then status and headers."""
        started: list = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> None:
            started[:] = [status, headers]

        result = self.flask(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        return int(status.split(" ", 1)[0]), list(headers), body


class _Body(io.RawIOBase):
    """The request body as a WSGI input stream for a pool thread: each read takes the next
    chunk from the event loop, so the app reads only what it wants (its limits hold). A body
    that ends before its Content-Length (granian's, when the client left), or whose read
    fails (httpd's), is ClientDisconnected (400): never a cut body taken for a whole one."""

    def __init__(self, proto: Any, loop: asyncio.AbstractEventLoop, length: int | None = None):
        super().__init__()
        self._chunks = proto.__aiter__()
        self._loop = loop
        self._pending = b""
        self._ended = False
        self._length = length
        self._received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending and not self._ended:  # an empty chunk is not the end
            future = asyncio.run_coroutine_threadsafe(self._next(), self._loop)
            try:
                self._pending = future.result()
            except OSError as exc:  # httpd: the rest never comes (a 400, never a cut body)
                raise ClientDisconnected(f"the request body was cut short: {exc}") from exc
            self._received += len(self._pending)
            if self._ended and self._length is not None and self._received < self._length:
                raise ClientDisconnected(
                    f"the request body ended at {self._received} of {self._length} bytes"
                )
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    async def _next(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            self._ended = True
            return b""


async def _read(proto: Any, limit: int) -> bytes:
    """The request body, at most `limit` bytes of it."""
    parts: list[bytes] = []
    size = 0
    async for chunk in proto:
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(parts)[:limit]


def _wsgi_environ(scope: Any) -> dict:
    """The WSGI environ of an RSGI request: the keys granian's WSGI interface sets."""
    server_name, _, server_port = scope.server.rpartition(":")
    environ = {
        "REQUEST_METHOD": scope.method,
        # RSGI gives the path percent-decoded as UTF-8; WSGI wants its bytes as latin-1
        "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": scope.client.rpartition(":")[0],
        "SERVER_SOFTWARE": "Granian",
        "wsgi.url_scheme": scope.scheme,
        "wsgi.errors": sys.stderr,
        **WSGI_CONSTANTS,
    }
    for name, value in scope.headers.items():
        add_header(environ, name, value)
    return environ


#: The environ keys that are the same in every request (`_wsgi_environ`'s and httpd.py's)
WSGI_CONSTANTS = {
    "SCRIPT_NAME": "",
    "GATEWAY_INTERFACE": "CGI/1.1",
    "wsgi.input_terminated": True,
    "wsgi.multiprocess": False,
    "wsgi.multithread": True,
    "wsgi.run_once": False,
    "wsgi.version": (1, 0),
}


def add_header(environ: dict, name: str, value: str) -> None:
    """One request header (its name lower-cased) into `environ` under its WSGI key; a
    repeated one is joined to the first as granian's WSGI interface joins them."""
    if name == "content-type":
        key = "CONTENT_TYPE"
    elif name == "content-length":
        key = "CONTENT_LENGTH"
    else:
        key = "HTTP_" + name.upper().replace("-", "_")
    if key in environ:
        value = environ[key] + (";" if key == "HTTP_COOKIE" else ",") + value
    environ[key] = value
