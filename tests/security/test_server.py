"""The web server attacked on loopback: slow clients, huge and endless requests, a forged Host
header, file system paths in error bodies. Each test runs a real `poagraph serve`."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from _endpoint import server_process

pytestmark = pytest.mark.server

AFG = "/id/country/AFG"
ASK = "ASK { ?s ?p ?o }"


def _address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _timed_get(url: str, **kwargs) -> tuple[requests.Response, float]:
    start = time.monotonic()
    response = requests.get(url, timeout=5, **kwargs)
    return response, time.monotonic() - start


# --- slow clients --------------------------------------------------------------------------


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has answered or closed `sock` (without waiting)."""
    try:
        return sock.recv(4096, socket.MSG_DONTWAIT) is not None  # b"" (closed) or a reply
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


@pytest.fixture
def slow_clients(built_store_path: Path) -> Iterator[tuple[str, list[socket.socket], set[int]]]:
    """A server, and 20 connections that each send one header line every 2 s (for at most
    ~14 s); yields the base URL, the sockets and the indexes the server has dropped."""
    with server_process(built_store_path) as server:
        sockets = [socket.create_connection(_address(server.base), timeout=5) for _ in range(20)]
        dropped: set[int] = set()
        stop = threading.Event()

        def drip() -> None:
            deadline = time.monotonic() + 14
            line = 0
            while not stop.wait(2) and time.monotonic() < deadline:
                line += 1
                for i, sock in enumerate(sockets):
                    if i in dropped or _closed_by_server(sock):
                        dropped.add(i)
                        continue
                    try:
                        sock.sendall(f"X-Slow-{line}: {'y' * 20}\r\n".encode())
                    except OSError:
                        dropped.add(i)

        for sock in sockets:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        thread = threading.Thread(target=drip, daemon=True)
        thread.start()
        try:
            yield server.base, sockets, dropped
        finally:
            stop.set()
            thread.join(timeout=10)
            for sock in sockets:
                sock.close()


def test_slow_header_clients_neither_starve_the_server_nor_stay(slow_clients) -> None:
    """Regression: 12-20 sockets sending one header line every 2 s held every gunicorn
    thread, and /health timed out for 40 s. The server now reads requests off the Python
    threads, and drops a client that has not sent its headers within 10 s."""
    base, sockets, dropped = slow_clients
    opened = time.monotonic()
    time.sleep(2.5)  # the slow clients have sent a second header line
    slowest = 0.0
    for _ in range(10):
        health, health_s = _timed_get(base + "/health")
        ask, ask_s = _timed_get(base + "/sparql", params={"query": ASK})
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        slowest = max(slowest, health_s, ask_s)
    print(f"slowest /health or ASK with 20 slow clients: {slowest * 1000:.0f} ms")
    assert slowest < 1.0
    while len(dropped) < len(sockets) and time.monotonic() - opened < 13:
        dropped.update(i for i, sock in enumerate(sockets) if _closed_by_server(sock))
        time.sleep(0.25)
    print(f"slow clients dropped after {time.monotonic() - opened:.1f} s: {len(dropped)}")
    assert len(dropped) == len(sockets)


# --- huge and endless requests ---------------------------------------------------------------


def _huge_get(base: str, prefix: str, size: int) -> tuple[bytes, float]:
    """Send GET `prefix` + `size` bytes of URL, stopping as soon as the server answers or
    closes; return the first line of the answer (b"" when it only closed) and the time."""
    start = time.monotonic()
    chunk = b"a" * 65536
    with socket.create_connection(_address(base), timeout=5) as sock:
        sock.sendall(b"GET " + prefix.encode())
        sent = 0
        try:
            while sent < size and time.monotonic() - start < 5:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(chunk)
                sent += len(chunk)
            else:
                sock.sendall(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        except OSError:  # the server closed while we were still sending
            pass
        try:
            answer = sock.recv(4096)
        except OSError:
            answer = b""
    return answer.split(b"\r\n", 1)[0], time.monotonic() - start


@pytest.mark.parametrize("prefix", ["/search?q=", "/sparql?query=ASK%20%7B%7D%20%23", "/id/"])
def test_a_16_mb_url_is_refused_within_2_s(built_store_path: Path, prefix: str) -> None:
    """Regression: a 16 MB URL cost 39 s of CPU on /search (and left the web process at
    190 MB); /sparql refused it with 413 only after 28-40 s. The server refuses a request
    line over its buffer before the app sees it."""
    with server_process(built_store_path) as server:
        status, elapsed = _huge_get(server.base, prefix, 16 * 1024 * 1024)
        print(f"16 MB URL on {prefix}: {status!r} after {elapsed * 1000:.0f} ms")
        assert elapsed < 2.0
        assert status == b"" or status.split()[1].startswith(b"4"), status
        health, health_s = _timed_get(server.base + "/health")
        assert health.status_code == 200 and health_s < 2.0


def test_a_long_search_text_is_400_quickly(built_store_path: Path) -> None:
    with server_process(built_store_path) as server:
        r, elapsed = _timed_get(server.base + "/search", params={"q": "lorem " * 5000})
        assert r.status_code == 400 and elapsed < 2.0
        assert "200 characters" in r.json()["error"]
        assert _timed_get(server.base + "/search", params={"q": "afghanistan"})[0].ok


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b"ASK {} #"
    for _ in range(total // size):
        yield b"x" * size


@pytest.mark.parametrize(
    "content_type", ["application/sparql-query", "application/x-www-form-urlencoded"]
)
def test_a_chunked_post_over_the_body_limit_is_413_not_cut(
    built_store_path: Path, content_type: str
) -> None:
    """Regression: a chunked POST (no Content-Length) over MAX_BODY_BYTES was cut at the
    limit and run; it is refused with 413, and a chunked POST under the limit still runs."""
    form = content_type.endswith("urlencoded")
    env = {"POAGRAPH_MAX_BODY_BYTES": str(256 * 1024)}

    def body(total: int) -> Iterator[bytes]:
        if form:
            yield b"query="
        yield from _chunks(total)

    with server_process(built_store_path, env=env) as server:
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        url = server.base + "/sparql"
        r = requests.post(url, data=body(2 * 1024 * 1024), headers=headers, timeout=30)
        assert r.status_code == 413, r.text[:200]
        assert r.json()["status"] == 413
        small = requests.post(url, data=body(64 * 1024), headers=headers, timeout=30)
        assert small.status_code == 200, small.text[:200]
        assert small.json()["boolean"] is True


# --- the Host header ---------------------------------------------------------------------------

EVIL = "evil.example"


def _host_answers(base: str) -> list[requests.Response]:
    def get(path: str, accept: str, **kwargs) -> requests.Response:
        headers = {"Host": EVIL, "Accept": accept}
        return requests.get(base + path, headers=headers, timeout=30, **kwargs)

    return [
        get("/void", "text/turtle"),
        get("/void", "text/html"),
        get("/sparql", "text/turtle"),
        get("/sparql", "text/html", allow_redirects=False),
        get("/query", "text/html"),
        get("/query", "application/json"),
        get("/", "text/html"),
        get("/", "application/json"),
        get(AFG, "text/html"),
        get(AFG, "text/turtle"),
        get("/openapi.json", "application/json"),
        get("/browse//Country", "text/html", allow_redirects=False),
        get("/sparql", "application/json", params={"query": "SELECT * { BIND(<x> AS ?x) }"}),
    ]


def test_the_host_header_is_never_echoed(built_store_path: Path) -> None:
    """Regression: the Host header was written into VoID, the service description, the query
    page's endpoint and redirects. Absolute URLs now come from BASE_URL, which `poagraph
    serve` sets to the address it listens on when not configured."""
    with server_process(built_store_path) as server:
        answers = _host_answers(server.base)
        for r in answers:
            assert r.status_code < 500, (r.url, r.status_code)
            assert EVIL not in r.text, r.request.path_url
            assert not any(EVIL in value for value in r.headers.values()), r.headers
        redirect = answers[3]
        assert redirect.status_code == 303
        location = redirect.headers["Location"]
        assert location == "/query" or location == server.base + "/query"
        assert f"<{server.base}/sparql>" in answers[0].text  # void:sparqlEndpoint


def test_base_url_names_the_public_site(built_store_path: Path) -> None:
    env = {"POAGRAPH_BASE_URL": "https://poagraph.example.org/"}
    with server_process(built_store_path, env=env) as server:
        void = requests.get(server.base + "/void", headers={"Host": EVIL}, timeout=30)
        assert "<https://poagraph.example.org/sparql>" in void.text
        assert "<https://poagraph.example.org/graph/" in void.text  # void:dataDump
        sd = requests.get(server.base + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
        assert "<https://poagraph.example.org/sparql>" in sd.text
        assert EVIL not in void.text and "127.0.0.1" not in void.text + sd.text


# --- file system paths in error bodies -----------------------------------------------------------

MARKER = "zz-private-dir-5e1c"


def test_error_bodies_name_no_file_system_path(tmp_path: Path) -> None:
    """Regression: a broken or missing store put its path in 503 bodies (/sparql, /health,
    the pages). Clients get a generic message; the server log keeps the detail."""
    store = tmp_path / MARKER / "store"
    store.mkdir(parents=True)
    (store / "CURRENT").write_text("MANIFEST-000099\n")  # a store RocksDB cannot open
    with server_process(store, ready_s=60, wait_for_queries=False) as server:
        time.sleep(1)  # the query workers have failed to start
        for path in ("/", "/sparql?query=ASK%20%7B%7D", "/sparql", "/health", AFG, "/void"):
            for accept in ("application/json", "text/html", "text/turtle"):
                r = requests.get(server.base + path, headers={"Accept": accept}, timeout=30)
                assert MARKER not in r.text, (path, accept, r.text[:300])
                assert str(tmp_path) not in r.text
        r = requests.get(server.base + "/sparql", params={"query": "ASK {}"}, timeout=30)
        assert r.status_code == 503 and "cannot be queried" in r.json()["error"]
