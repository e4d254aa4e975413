"""poagraph's own HTTP/1.1 server (web/httpd.py, web/processes.py) on loopback, with real
clients and raw sockets: keep-alive, pipelining in order, HEAD, 100-continue, a body the app
did not read, bodies streamed to the app, request bytes as WSGI means them, the limits (400,
414, 431, 408), and the processes: a killed web process is replaced, SIGTERM stops them all.

Most tests run the connection protocol in this process on a uvloop loop in a thread, in
front of a small app that says what it was given (the app's side is rsgi.py's, tested with
the real app in test_rsgi.py and through every `poagraph serve` test); the process tests run
a real `poagraph serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import uvloop
from _endpoint import free_port, poagraph_command, server_process

from poagraph.web import httpd, processes

pytestmark = pytest.mark.server


class EchoApp:
    """Answers with what it was given: the environ's request keys and the body it read."""

    def now(self, environ: dict):
        if environ["PATH_INFO"].startswith("/now"):
            return 200, [("Content-Type", "application/json")], _said(environ, b"")
        return None

    async def handle(self, environ: dict, proto) -> None:
        path = environ["PATH_INFO"]
        if path == "/slow":
            await asyncio.sleep(0.3)
        if path == "/refuse":  # answers without reading the body
            proto.response_bytes(413, [("Content-Type", "text/plain")], b"too large\n")
            return
        if path == "/fail":
            raise RuntimeError("the app failed")
        if path == "/silent":
            return  # ends without an answer
        try:
            body = b"".join([chunk async for chunk in proto])
        except Exception as exc:  # the client left or stalled: seen by the tests
            CUT[environ["QUERY_STRING"]] = type(exc)
            raise
        proto.response_bytes(200, [("Content-Type", "application/json")], _said(environ, body))


#: query string -> the exception EchoApp's body read raised
CUT: dict[str, type] = {}


def _said(environ: dict, body: bytes) -> bytes:
    keys = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL", "CONTENT_TYPE")
    said = {key: environ.get(key) for key in keys}
    said["headers"] = {k: v for k, v in environ.items() if k.startswith("HTTP_")}
    said["body_length"] = len(body)
    said["body_start"] = body[:20].decode("latin-1")
    return json.dumps(said).encode()


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The connection protocol on 127.0.0.1 in front of EchoApp, on a loop in a thread."""
    sock = processes.listen("127.0.0.1", 0)
    loop = uvloop.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        app = EchoApp()
        server = loop.run_until_complete(
            loop.create_server(lambda: httpd.Connection(app, loop), sock=sock)
        )
        started.set()
        loop.run_forever()
        server.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def _read_response(sock: socket.socket, buffer: bytearray, head_only: bool = False):
    """(status, headers, body) of the next response on `sock` (`buffer`: bytes read ahead)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {bytes(buffer)!r}")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside a body")
        rest += chunk
    buffer[:] = rest[length:]
    return status, headers, rest[:length]


def _closed(sock: socket.socket, within_s: float = 5) -> bool:
    sock.settimeout(within_s)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


# -- requests on one connection -----------------------------------------------------------------


def test_keep_alive_answers_many_requests_on_one_connection(base):
    with _connect(base) as sock:
        buffer = bytearray()
        for i in range(5):
            path = "/now" if i % 2 else "/task"
            sock.sendall(f"GET {path}?i={i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status, headers, body = _read_response(sock, buffer)
            assert status == 200 and "connection" not in headers
            assert json.loads(body)["QUERY_STRING"] == f"i={i}"


def test_pipelined_requests_are_answered_in_order(base):
    """A slow request first: the quick ones behind it wait their turn."""
    paths = ["/slow?n=0", "/now?n=1", "/task?n=2", "/now?n=3"]
    with _connect(base) as sock:
        sock.sendall(b"".join(f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for p in paths))
        buffer = bytearray()
        answers = [json.loads(_read_response(sock, buffer)[2]) for _ in paths]
    assert [a["QUERY_STRING"] for a in answers] == [f"n={n}" for n in range(4)]


def test_more_pipelined_requests_than_are_read_ahead_are_all_answered(base):
    """Past MAX_PIPELINED waiting requests the socket is read no further, then on again."""
    count = httpd.MAX_PIPELINED * 3
    with _connect(base) as sock:
        sock.sendall(
            b"".join(
                f"GET /{'task' if n % 3 else 'now'}?n={n} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                for n in range(count)
            )
        )
        buffer = bytearray()
        answers = [json.loads(_read_response(sock, buffer)[2]) for _ in range(count)]
    assert [a["QUERY_STRING"] for a in answers] == [f"n={n}" for n in range(count)]


def test_http_1_0_and_connection_close_end_the_connection(base):
    for request in (
        b"GET /now HTTP/1.0\r\n\r\n",
        b"GET /task HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ):
        with _connect(base) as sock:
            sock.sendall(request)
            buffer = bytearray()
            status, headers, _ = _read_response(sock, buffer)
            assert status == 200 and headers["connection"] == "close"
            assert _closed(sock)


def test_head_keeps_the_length_and_sends_no_body(base):
    with _connect(base) as sock:
        sock.sendall(
            b"HEAD /task HTTP/1.1\r\nHost: x\r\n\r\nGET /now?after HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        buffer = bytearray()
        status, headers, body = _read_response(sock, buffer, head_only=True)
        assert status == 200 and int(headers["content-length"]) > 0 and body == b""
        status, _, body = _read_response(sock, buffer)  # framing intact after the HEAD
        assert status == 200 and json.loads(body)["QUERY_STRING"] == "after"


def test_the_app_failing_or_ending_without_an_answer_is_500_and_the_connection_goes_on(base):
    with _connect(base) as sock:
        buffer = bytearray()
        for path in ("/fail", "/silent"):
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert _read_response(sock, buffer)[0] == 500
        sock.sendall(b"GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read_response(sock, buffer)[0] == 200


# -- bodies --------------------------------------------------------------------------------


def test_a_body_reaches_the_app_whole_with_a_length_or_chunked(base):
    payload = bytes(range(256)) * 20_000  # 5 MB: more than the buffer ahead of the app
    r = requests.post(base + "/task", data=payload, timeout=30)
    assert r.json()["body_length"] == len(payload)

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(payload), 100_000):
            yield payload[i : i + 100_000]

    r = requests.post(base + "/task", data=chunks(), timeout=30)
    assert r.json()["body_length"] == len(payload)


def test_100_continue_is_sent_when_the_app_reads_the_body(base):
    with _connect(base) as sock:
        sock.sendall(
            b"POST /task HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        buffer = bytearray()
        status, _, _ = _read_response(sock, buffer, head_only=True)
        assert status == 100
        sock.sendall(b"hello")
        status, _, body = _read_response(sock, buffer)
        assert status == 200 and json.loads(body)["body_start"] == "hello"


def test_a_body_the_app_did_not_read_is_dropped_and_the_connection_goes_on(base):
    """The client still sending a large body gets the early answer, then its next one."""
    with _connect(base) as sock:
        size = 3 * 1024 * 1024
        sock.sendall(f"POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
        sock.sendall(b"x" * size)  # the server reads it on (else this would block)
        buffer = bytearray()
        assert _read_response(sock, buffer)[0] == 413
        sock.sendall(b"GET /now?next HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = _read_response(sock, buffer)
        assert status == 200 and json.loads(body)["QUERY_STRING"] == "next"


def _seen(key: str, within_s: float = 5) -> type | None:
    deadline = time.monotonic() + within_s
    while key not in CUT and time.monotonic() < deadline:
        time.sleep(0.02)
    return CUT.get(key)


def test_a_client_leaving_mid_body_fails_the_apps_read_never_a_cut_body(base):
    """The app must not take the bytes that came for the whole body: its read raises."""
    for how in ("close", "shutdown"):
        with _connect(base) as sock:
            sock.sendall(f"POST /task?{how} HTTP/1.1\r\nHost: x\r\n".encode())
            sock.sendall(b"Content-Length: 1000\r\n\r\n" + b"x" * 100)
            time.sleep(0.2)  # the app is reading it
            if how == "shutdown":
                sock.shutdown(socket.SHUT_WR)  # end of data, the socket still open
                assert _closed(sock)
        assert _seen(how) is ConnectionResetError
    chunked = b"POST /task?chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    with _connect(base) as sock:
        sock.sendall(chunked + b"64\r\n" + b"y" * 100 + b"\r\n")  # no last chunk
    assert _seen("chunked") is ConnectionResetError
    # a whole body still reaches the app, on a connection closed right after it
    with _connect(base) as sock:
        sock.sendall(b"POST /task?whole HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        assert json.loads(_read_response(sock, bytearray())[2])["body_length"] == 3
    assert "whole" not in CUT


def test_a_body_not_sent_in_time_gets_408_and_the_apps_read_fails(base, monkeypatch):
    monkeypatch.setattr(httpd, "BODY_READ_TIMEOUT_S", 0.5)
    with _connect(base) as sock:
        sock.sendall(b"POST /task?stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        sock.sendall(b"x" * 100)
        start = time.monotonic()
        status, headers, _ = _read_response(sock, bytearray())
        assert status == 408 and headers["connection"] == "close"
        assert 0.4 < time.monotonic() - start < 3
        assert _closed(sock)
    assert _seen("stalled") is TimeoutError
    # a body that keeps coming, each part within the time, is read whole however long it takes
    with _connect(base) as sock:
        sock.sendall(b"POST /task?steady HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n")
        for _ in range(6):
            time.sleep(0.25)
            sock.sendall(b"z" * 100)
        status, _, body = _read_response(sock, bytearray())
        assert status == 200 and json.loads(body)["body_length"] == 600
    assert "steady" not in CUT


# -- what the app is given ---------------------------------------------------------------------


def test_the_environ_holds_the_request_bytes_as_wsgi_means_them(base):
    """A path escape and a header value that are not UTF-8 reach the app as latin-1 (granian's
    RSGI interface loses both: test_rsgi.py)."""
    with _connect(base) as sock:
        sock.sendall(
            b"GET /now/caf%E9%20x?q=a%20b&r=%FF HTTP/1.1\r\nHost: x\r\nX-Name: caf\xe9\r\n"
            b"Cookie: a=1\r\nCookie: b=2\r\nAccept: text/a\r\nAccept: text/b\r\n\r\n"
        )
        said = json.loads(_read_response(sock, bytearray())[2])
    assert said["PATH_INFO"] == "/now/caf\xe9 x"
    assert said["QUERY_STRING"] == "q=a%20b&r=%FF"
    assert said["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert said["headers"]["HTTP_X_NAME"] == "caf\xe9"
    assert said["headers"]["HTTP_COOKIE"] == "a=1;b=2"
    assert said["headers"]["HTTP_ACCEPT"] == "text/a,text/b"


# -- limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NOT A REQUEST\r\n\r\n", 400),
        (b"GET /now HTTP/1.1\r\nBad Header Line\r\n\r\n", 400),
        (b"GET /" + b"a" * (httpd.MAX_URL_BYTES + 10) + b" HTTP/1.1\r\n\r\n", 414),
        (
            b"GET /now HTTP/1.1\r\n"
            + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(140))
            + b"\r\n",
            431,
        ),
        (
            b"GET /now HTTP/1.1\r\n"
            + b"".join(b"X-H%d: v\r\n" % i for i in range(httpd.MAX_HEADERS + 1))
            + b"\r\n",
            431,
        ),
    ],
    ids=["garbage", "bad-header", "long-url", "long-head", "many-headers"],
)
def test_a_request_over_a_limit_or_unreadable_is_refused_and_closed(base, request_bytes, status):
    with _connect(base) as sock:
        with contextlib.suppress(OSError):  # closed while we were still sending
            sock.sendall(request_bytes)
        got, headers, _ = _read_response(sock, bytearray())
        assert got == status and headers["connection"] == "close"
        assert _closed(sock)


def test_a_head_not_sent_in_time_gets_408_and_an_idle_connection_closes(base, monkeypatch):
    monkeypatch.setattr(httpd, "HEADER_READ_TIMEOUT_S", 0.5)
    with _connect(base) as partial, _connect(base) as idle:
        partial.sendall(b"GET /now HTTP/1.1\r\nHost: x\r\n")
        start = time.monotonic()
        status, _, _ = _read_response(partial, bytearray())
        assert status == 408 and time.monotonic() - start < 3
        assert _closed(partial) and _closed(idle)


# -- the processes -------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie (ended, not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_killed_web_process_is_replaced(built_store_path: Path):
    with server_process(built_store_path, workers=2) as server:
        web = _children(server.process.pid)
        assert len(web) == 2
        os.kill(web[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _children(server.process.pid)
            if len(now) == 2 and web[0] not in now:
                break
            time.sleep(0.2)
        assert len(now) == 2 and web[0] not in now and web[1] in now
        for _ in range(6):  # both processes answer
            r = requests.get(server.base + "/sparql", params={"query": "ASK {}"}, timeout=30)
            assert r.status_code == 200


def test_sigterm_stops_every_process(built_store_path: Path):
    port = free_port()
    command = [*poagraph_command(), "serve", "--store", str(built_store_path), "--port", str(port)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        web = _children(process.pid)
        workers = [w for p in web for w in _children(p)]
        assert web and workers
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=processes.KILL_TIMEOUT_S + 10) == 0
        time.sleep(1)  # query workers end with their web process
        alive = [p for p in web + workers if _running(p)]
        assert not alive, alive
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_granian_still_serves_when_asked(built_store_path: Path):
    with server_process(built_store_path, args=("--server", "granian")) as server:
        r = requests.get(server.base + "/sparql", params={"query": "ASK {}"}, timeout=30)
        assert r.status_code == 200 and r.json()["boolean"] is True
