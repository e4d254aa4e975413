"""poagraph's own HTTP/1.1 server, the one `poagraph serve` runs (``--server granian`` runs
granian instead): each web process reads, parses and answers requests on one thread, its
event loop (uvloop), so a query answered on the loop never waits for a hand-off between
threads.

Why: under granian a request crosses from its Rust I/O thread to the Python thread and back,
and on the 2-core machine of the benchmark that costs more than the query: uncached lookups
on the bundled report ran at 0.48x Oxigraph server's rate under granian's RSGI interface and
0.57x here, the per-country aggregate at 0.90x and 1.00x (the same app code, side by side,
wrk -t2 -c8); a web process switched threads 25,588 times in 2 s under granian, 8,367 here.

httptools (llhttp, Node.js's C parser, as in uvicorn) parses; this module frames and bounds:

- a request head must arrive whole within ``HEADER_READ_TIMEOUT_S`` of the moment the server
  waits for it (a connection opened, or the previous response written: an idle connection
  closes then too), and fit in ``MAX_HEAD_BYTES`` and ``MAX_HEADERS`` lines (431; a URL
  over ``MAX_URL_BYTES``: 414);
- a request body goes to the app as it arrives, and the socket is read no faster than the
  app takes it (so each route's own size limit holds, as under granian); a body the app did
  not read is read and dropped after its response (up to ``MAX_DRAIN_BYTES``), so the client
  that is still sending gets the answer, then the connection goes on; a client that leaves
  mid-body, or sends none of it for ``BODY_READ_TIMEOUT_S`` while the app waits (408), makes
  the app's read fail: no app takes a cut body for a whole one;
- pipelined requests are answered in order, one at a time;
- the WSGI environ holds the request's bytes as WSGI means them (latin-1 strings), a path
  escape or header value that is not UTF-8 included.

The requests themselves go to `RSGIApp` (rsgi.py): `now` answers a cached or cheap GET
/sparql at once, `handle` everything else (the thread pool, Flask).

The processes that run it (the parent, the web processes) are processes.py's.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sys
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

import httptools

from poagraph.web.rsgi import INTERNAL_ERROR, WSGI_CONSTANTS, add_header

log = logging.getLogger(__name__)

#: The longest request head (request line and headers) the server reads (431 past it)
MAX_HEAD_BYTES = 128 * 1024
#: The longest URL (414 past it); long queries are POSTed
MAX_URL_BYTES = 64 * 1024
#: The most header lines in one request head (431 past it)
MAX_HEADERS = 100
#: A client must send its whole request head within this time, or the connection is closed
HEADER_READ_TIMEOUT_S = 10
#: While the app waits for more of a request body, the client must send some within this
#: time, or gets 408 and the connection is closed (the app's read fails: never a cut body)
BODY_READ_TIMEOUT_S = 30
#: The request body kept ahead of the app before the socket is read no further
BODY_BUFFER_BYTES = 256 * 1024
#: After its response, at most this much of a body the app did not read is read and dropped
MAX_DRAIN_BYTES = 64 * 1024 * 1024
#: Pipelined requests read ahead of the one being answered before the socket is read no
#: further
MAX_PIPELINED = 32

_REASONS = {status.value: status.phrase for status in HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _plain(status: int) -> bytes:
    """A whole response with the status's phrase as its text body, closing the connection."""
    text = f"{_REASONS.get(status, 'Error')}\n".encode()
    return (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(text)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii") + text


class _Request:
    """One request: its environ, and its body as the app reads it (RSGI's protocol object:
    `response_bytes`, and an async iterator of body chunks)."""

    __slots__ = (
        "answered",
        "buffered",
        "chunks",
        "complete",
        "conn",
        "dropped",
        "environ",
        "expects_continue",
        "failure",
        "keep_alive",
        "waiter",
    )

    def __init__(self, conn: Connection, environ: dict, keep_alive: bool, expects: bool):
        self.conn = conn
        self.environ = environ
        self.keep_alive = keep_alive
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.complete = False  #: the whole body was read from the socket
        self.waiter: asyncio.Future | None = None
        self.expects_continue = expects
        self.answered = False
        self.dropped = 0  #: body bytes read and dropped after the response
        #: why the rest of the body will never come (the client left or stalled): the app's
        #: next read raises it, so that no app takes a cut body for a whole one
        self.failure: OSError | None = None

    # -- what the app calls ----------------------------------------------------------------

    def response_bytes(self, status: int, headers: list, body: bytes) -> None:
        self.conn.respond(self, status, headers, body)

    def __aiter__(self) -> _Request:
        return self

    async def __anext__(self) -> bytes:
        while not self.chunks:
            if self.complete:
                raise StopAsyncIteration
            if self.failure is not None:
                raise self.failure
            if self.expects_continue:  # the app reads the body: the client may send it
                self.expects_continue = False
                self.conn.write(_CONTINUE)
            self.waiter = self.conn.loop.create_future()
            self.conn.reading(True)
            timer = self.conn.loop.call_later(BODY_READ_TIMEOUT_S, self.conn.stalled, self)
            try:
                await self.waiter
            finally:
                timer.cancel()
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.buffered < BODY_BUFFER_BYTES:
            self.conn.reading(True)
        return chunk

    # -- what the connection calls ---------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        if self.answered:  # read and dropped: the client is still sending it
            self.dropped += len(chunk)
            if self.dropped > MAX_DRAIN_BYTES:
                self.conn.close()
            return
        self.chunks.append(chunk)
        self.buffered += len(chunk)
        if self.buffered >= BODY_BUFFER_BYTES:
            self.conn.reading(False)
        self._wake()

    def end(self) -> None:
        self.complete = True
        self._wake()

    def fail(self, failure: OSError) -> None:
        """The rest of the body will not come: the app's next read raises `failure`."""
        if not self.complete and self.failure is None:
            self.failure = failure
            self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)
        self.waiter = None


class Connection(asyncio.Protocol):
    """One client connection: parses requests as they come, answers them in order."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop):
        self.app = app
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        #: requests whose head was read, in order: the first is being answered
        self.queue: collections.deque[_Request] = collections.deque()
        self.parsing: _Request | None = None  #: the request whose body is being read
        self.url = bytearray()
        self.headers: list[tuple[bytes, bytes]] = []
        #: bytes received while a head is awaited: a head that never ends is refused by this
        #: count (its complete lines are counted exactly, in on_header)
        self.head_bytes = 0
        self.head_size = 0  #: the bytes of the head's header lines read so far
        self.refusal = 400  #: the status for a parser error (a callback may set another)
        self.in_head = True  #: between two requests or inside a head (not in a body)
        self.timer: asyncio.TimerHandle | None = None
        self.paused = False
        self.closed = False
        self.server_name = self.server_port = self.remote = ""

    # -- the connection --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        here = transport.get_extra_info("sockname") or ("", "")
        peer = transport.get_extra_info("peername") or ("", "")
        self.server_name, self.server_port = str(here[0]), str(here[1])
        self.remote = str(peer[0])
        self._wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._stop_timer()
        for request in self.queue:  # an app reading a body gets an error, not its end
            request.fail(ConnectionResetError("the client left before its whole request body"))

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        if self.in_head:
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400)  # no protocol upgrades here (websockets, h2c)
            return
        except httptools.HttpParserError:  # on_url's and on_header's too, over a limit
            self._refuse(self.refusal)
            return
        if not self.closed and self.in_head and self.head_bytes > MAX_HEAD_BYTES:
            self._refuse(431)

    # -- parser callbacks -----------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url.clear()
        self.headers = []
        self.head_size = 0
        self.refusal = 400

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_URL_BYTES:
            self.refusal = 414
            raise httptools.HttpParserError("URL too long")  # answered in data_received

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        self.head_size += len(name) + len(value) + 4
        if len(self.url) + self.head_size > MAX_HEAD_BYTES or len(self.headers) > MAX_HEADERS:
            self.refusal = 431
            raise httptools.HttpParserError("head too large")  # answered in data_received

    def on_headers_complete(self) -> None:
        self._stop_timer()
        self.in_head = False
        self.head_bytes = 0
        request = self._request()
        self.parsing = request
        self.queue.append(request)
        if len(self.queue) == 1:
            self._start(request)
        elif len(self.queue) > MAX_PIPELINED:
            self.reading(False)

    def on_body(self, chunk: bytes) -> None:
        if self.parsing is not None:
            self.parsing.feed(chunk)

    def on_message_complete(self) -> None:
        self.in_head = True
        if self.parsing is not None:
            request, self.parsing = self.parsing, None
            request.end()
            if request.answered and not self.closed:  # answered before its body was read
                self._finish(request)

    # -- requests ----------------------------------------------------------------------------

    def _request(self) -> _Request:
        parser = self.parser
        try:
            url = httptools.parse_url(bytes(self.url))
            path = url.path or b"/"
            query = url.query or b""
        except httptools.HttpParserInvalidURLError:
            path, _, query = bytes(self.url).partition(b"?")
        environ = {
            "REQUEST_METHOD": parser.get_method().decode("latin-1"),
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query.decode("latin-1"),
            "SERVER_NAME": self.server_name,
            "SERVER_PORT": self.server_port,
            "SERVER_PROTOCOL": f"HTTP/{parser.get_http_version()}",
            "REMOTE_ADDR": self.remote,
            "SERVER_SOFTWARE": "poagraph",
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            **WSGI_CONSTANTS,
        }
        for name, value in self.headers:
            add_header(environ, name.decode("latin-1").lower(), value.decode("latin-1"))
        expects = environ.get("HTTP_EXPECT", "").lower() == "100-continue"
        return _Request(self, environ, parser.should_keep_alive(), expects)

    def _start(self, request: _Request) -> None:
        """Answer `request` (the first in the queue): at once when the app can, else in a
        task on the loop."""
        try:
            response = self.app.now(request.environ)
        except Exception:  # `now` meets query errors itself: this is ours
            log.exception("the app failed on %s", request.environ.get("PATH_INFO"))
            response = INTERNAL_ERROR
        if response is not None:
            self.respond(request, *response)
            return
        task = self.loop.create_task(self.app.handle(request.environ, request))
        task.add_done_callback(lambda done: self._handled(request, done))

    def _handled(self, request: _Request, task: asyncio.Task) -> None:
        exc = None if task.cancelled() else task.exception()  # cancelled: the process ends
        if exc is not None:
            log.error("the app failed on %s", request.environ.get("PATH_INFO"), exc_info=exc)
        if not request.answered:  # the app ended without an answer: ours to give
            self.respond(request, *INTERNAL_ERROR)

    def respond(self, request: _Request, status: int, headers: list, body: bytes) -> None:
        """Write the response of `request` (the first in the queue)."""
        if request.answered:
            return
        request.answered = True
        if self.closed:
            return
        keep = request.keep_alive
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
        length = False
        for name, value in headers:
            if name.lower() == "content-length":
                length = True
            lines.append(f"{name}: {value}")
        if not length:  # a HEAD's too: the length its GET would have
            lines.append(f"Content-Length: {len(body)}")
        if not keep:
            lines.append("Connection: close")
        try:
            data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        except UnicodeEncodeError:
            log.error("a response header is not latin-1 on %s", request.environ["PATH_INFO"])
            data, body, keep = _plain(500), b"", False
        if request.environ["REQUEST_METHOD"] == "HEAD":
            body = b""
        if len(body) < 65536:
            self.transport.write(data + body)
        else:
            self.transport.write(data)
            self.transport.write(body)
        request.keep_alive = keep
        if request.complete:
            self._finish(request)
        else:  # the rest of its body is read and dropped first (on_message_complete)
            self.reading(True)
            self._wait_for_head()  # a client that stops sending it is not waited for

    def _finish(self, request: _Request) -> None:
        """`request` is answered and its body read: on to the next request, or close."""
        if not request.keep_alive:
            self.close()
            return
        self.queue.popleft()
        if self.queue:
            self._start(self.queue[0])
        else:
            self.reading(True)
            self._wait_for_head()

    # -- flow and limits -------------------------------------------------------------------

    def reading(self, on: bool) -> None:
        """Read the socket on or pause it (a body waits for the app)."""
        if self.closed or on != self.paused or (on and len(self.queue) > MAX_PIPELINED):
            return
        self.paused = not on
        if on:
            self.transport.resume_reading()
        else:
            self.transport.pause_reading()

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.transport.write(data)

    def _wait_for_head(self) -> None:
        self._stop_timer()
        self.timer = self.loop.call_later(HEADER_READ_TIMEOUT_S, self._too_slow)

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _too_slow(self) -> None:
        """No whole request head within HEADER_READ_TIMEOUT_S: an idle connection closes, a
        head begun gets 408; so does a connection still sending a body already answered."""
        self.timer = None
        if self.queue and not self.queue[0].answered:
            return  # a request is being answered (its head came): not idle
        if self.head_bytes and not self.queue:
            self.write(_plain(408))
        self.close()

    def stalled(self, request: _Request) -> None:
        """The app has waited BODY_READ_TIMEOUT_S for more of `request`'s body: 408, close."""
        request.fail(TimeoutError(f"no request body bytes for {BODY_READ_TIMEOUT_S} s"))
        if not request.answered:
            self.write(_plain(408))
        self.close()

    def _refuse(self, status: int) -> None:
        """A request the server will not read: answer `status` when no response is under way,
        then close."""
        if not self.queue or self.queue[0].answered:
            self.write(_plain(status))
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._stop_timer()
            self.transport.close()  # what was written still goes out
