"""SSRF through SERVICE, attacked on loopback: an "internal" HTTP service holding a secret
listens on 127.0.0.1, and each attack must leave it without a single request. Runs a real
`poagraph serve` (default policy: no SERVICE endpoint allowed) and one that allows the
internal service and a failing endpoint explicitly (POAGRAPH_FEDERATION_ALLOW)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from _endpoint import Server, server_process
from pyoxigraph import Literal, NamedNode, Quad, Store

pytestmark = pytest.mark.server

SECRET = "s3cr3t-internal-token"
FORGED = "\n[ERROR] forged"
SELF_BASE = "http://poagraph.test"  # the BASE_URL of the allowing server


@dataclass
class Listener:
    """A tiny HTTP server on loopback that records every request it gets."""

    url: str
    requests: list[str] = field(default_factory=list)

    def hits(self) -> int:
        return len(self.requests)


@contextmanager
def _listening(status: int, body: bytes, content_type: str) -> Iterator[Listener]:
    record = Listener("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            record.requests.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.url = f"http://127.0.0.1:{server.server_address[1]}/query"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def internal() -> Iterator[Listener]:
    """The internal store: answers any query with the secret."""
    row = {
        "s": {"type": "uri", "value": "http://internal/secret"},
        "p": {"type": "uri", "value": "http://internal/value"},
        "o": {"type": "literal", "value": SECRET},
    }
    body = json.dumps({"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": [row]}})
    with _listening(200, body.encode(), "application/sparql-results+json") as record:
        yield record


@pytest.fixture(scope="module")
def failing() -> Iterator[Listener]:
    """An allowed endpoint that fails with a body made to forge log lines."""
    body = f"boom{FORGED} attacker line{FORGED} again\n".encode()
    with _listening(500, body, "text/plain") as record:
        yield record


def _store(path: Path) -> Path:
    store = Store(str(path))
    store.add(
        Quad(
            NamedNode("http://example.org/a"),
            NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("local"),
            NamedNode("http://example.org/g"),
        )
    )
    store.flush()
    del store
    return path


class Log:
    """The server's stderr, read line by line in a thread while it runs."""

    def __init__(self, server: Server):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(server,), daemon=True)
        self.thread.start()

    def _read(self, server: Server) -> None:
        try:
            for line in server.process.stderr:
                self.lines.append(line.decode("utf-8", "replace"))
        except (OSError, ValueError):  # closed when the server stops
            return


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A poagraph server with the default policy: no SERVICE endpoint is allowed."""
    path = _store(tmp_path_factory.mktemp("ssrf-default") / "store")
    with server_process(path) as server:
        yield server.base + "/sparql"


@pytest.fixture(scope="module")
def allowing(
    tmp_path_factory: pytest.TempPathFactory, internal: Listener, failing: Listener
) -> Iterator[tuple[str, Log]]:
    """A poagraph server that allows the internal listener and the failing endpoint (and,
    by mistake, its own public URL), with its log captured."""
    path = _store(tmp_path_factory.mktemp("ssrf-allow") / "store")
    allow = [internal.url, failing.url, f"{SELF_BASE}/sparql"]
    env = {"POAGRAPH_FEDERATION_ALLOW": json.dumps(allow), "POAGRAPH_BASE_URL": SELF_BASE}
    with server_process(path, env=env) as server:
        yield server.base + "/sparql", Log(server)


def _get(endpoint: str, query: str, **headers) -> requests.Response:
    return requests.get(endpoint, params={"query": query}, headers=headers, timeout=30)


def _refused(endpoint: str, listener: Listener, query: str, status: int = 403) -> str:
    before = listener.hits()
    r = _get(endpoint, query)
    assert r.status_code == status, r.text
    assert listener.hits() == before, "the internal service was called"
    assert SECRET not in r.text
    return r.json()["error"]


def _attacks(url: str) -> dict[str, str]:
    host = url.rsplit("/", 1)[0]
    return {
        "plain": f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "pname escape": (
            "PREFIX ex: <http://e/> SELECT * { OPTIONAL { ?a ex:a\\#b ?b } "
            f"SERVICE <{url}> {{ ?s ?p ?o }} }}"
        ),
        "lower case": f"select * {{ service <{url}> {{ ?s ?p ?o }} }}",
        "codepoint escape": f"SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        "pname endpoint": f"PREFIX in: <{host}/> SELECT * {{ SERVICE in:query {{ ?s ?p ?o }} }}",
        "base-relative": f"BASE <{host}/> SELECT * {{ SERVICE <query> {{ ?s ?p ?o }} }}",
        "silent": f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "escaped iri": f"SELECT * {{ SERVICE <{url[:-5]}\\u0071uery> {{ ?s ?p ?o }} }}",
        "after a comment": f"SELECT * {{ # }}\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
    }


@pytest.mark.parametrize(
    "attack",
    [
        "plain",
        "pname escape",
        "lower case",
        "codepoint escape",
        "pname endpoint",
        "base-relative",
        "silent",
        "escaped iri",
        "after a comment",
    ],
)
def test_service_to_an_internal_host_is_refused_by_default(
    closed: str, internal: Listener, attack: str
) -> None:
    message = _refused(closed, internal, _attacks(internal.url)[attack])
    assert "SERVICE" in message and "127.0.0.1" in message


def test_service_with_a_variable_endpoint_is_refused(allowing, internal: Listener) -> None:
    endpoint, _ = allowing
    query = f"SELECT * {{ VALUES ?e {{ <{internal.url}> }} SERVICE ?e {{ ?s ?p ?o }} }}"
    assert "variable endpoint" in _refused(endpoint, internal, query)


def test_nested_service_is_refused_even_between_allowed_endpoints(
    allowing, internal: Listener
) -> None:
    endpoint, _ = allowing
    inner = f"SERVICE <{internal.url}> {{ ?s ?p ?o }}"
    query = f"SELECT * {{ SERVICE <{internal.url}> {{ {inner} }} }}"
    assert "inside another SERVICE" in _refused(endpoint, internal, query)


def test_service_to_this_endpoint_itself_is_refused_even_when_listed(
    allowing, internal: Listener
) -> None:
    endpoint, _ = allowing
    for target in (f"{SELF_BASE}/sparql", endpoint):
        query = f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
        assert "itself" in _refused(endpoint, internal, query)


def test_more_service_clauses_than_service_max_are_refused(allowing, internal: Listener) -> None:
    endpoint, _ = allowing
    clauses = " ".join(f"SERVICE <{internal.url}> {{ ?s{i} ?p ?o }}" for i in range(5))
    assert "SERVICE_MAX" in _refused(endpoint, internal, f"SELECT * {{ {clauses} }}")


def test_an_allowed_name_resolving_to_an_internal_address_is_refused(
    tmp_path: Path, internal: Listener
) -> None:
    """DNS rebinding: a listed DNS name is resolved at query time; loopback/private refused."""
    name = socket.gethostname()
    try:
        socket.getaddrinfo(name, 80)
    except OSError:
        pytest.skip(f"{name} does not resolve here")
    url = internal.url.replace("127.0.0.1", name)
    env = {"POAGRAPH_FEDERATION_ALLOW": json.dumps([url])}
    with server_process(_store(tmp_path / "store"), env=env) as server:
        query = f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
        assert "internal address" in _refused(server.base + "/sparql", internal, query)


def test_unacceptable_accept_is_406_before_any_service_call(allowing, internal: Listener) -> None:
    endpoint, _ = allowing
    before = internal.hits()
    query = f"SELECT * {{ SERVICE <{internal.url}> {{ ?s ?p ?o }} }}"
    r = _get(endpoint, query, Accept="image/png")
    assert r.status_code == 406, r.text
    assert internal.hits() == before


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?service WHERE { ?service ?p ?o }",
        "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:x ?o }",
        'ASK { FILTER("SERVICE <http://127.0.0.1/> {}" != "") }',
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1/> { }",
        "SELECT * WHERE { ?s ?p <http://example.org/#SERVICE> }",
    ],
    ids=["variable", "prefix", "string", "comment", "iri"],
)
def test_the_word_service_elsewhere_is_no_service_clause(closed: str, query: str) -> None:
    r = _get(closed, query)
    assert r.status_code == 200, r.text


def test_an_allowed_endpoint_is_called(allowing, internal: Listener) -> None:
    endpoint, _ = allowing
    before = internal.hits()
    r = _get(endpoint, f"SELECT ?o WHERE {{ SERVICE <{internal.url}> {{ ?s ?p ?o }} }}")
    assert r.status_code == 200, r.text
    assert internal.hits() == before + 1
    assert r.json()["results"]["bindings"] == [{"o": {"type": "literal", "value": SECRET}}]
    assert "ETag" not in r.headers  # remote data: never cached


def test_a_failing_service_is_502_and_its_body_never_reaches_the_log(
    allowing, failing: Listener
) -> None:
    endpoint, log = allowing
    before = failing.hits()
    r = _get(endpoint, f"SELECT * WHERE {{ SERVICE <{failing.url}> {{ ?s ?p ?o }} }}")
    assert r.status_code == 502, r.text
    assert failing.hits() > before
    message = r.json()["error"]
    assert "SERVICE" in message and "forged" not in message and "boom" not in message
    deadline = time.monotonic() + 5
    while not any("SERVICE call failed" in line for line in log.lines):
        assert time.monotonic() < deadline, f"no log line for the failure: {log.lines}"
        time.sleep(0.1)
    assert not [line for line in log.lines if line.startswith("[ERROR] forged")]
    assert not [line for line in log.lines if "boom" in line and "\\n" not in line]


def test_the_service_description_advertises_federation_only_when_allowed(
    closed: str, allowing
) -> None:
    feature = "BasicFederatedQuery"
    assert feature not in requests.get(closed, headers={"Accept": "text/turtle"}, timeout=30).text
    endpoint, _ = allowing
    assert feature in requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30).text
