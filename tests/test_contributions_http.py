"""Contributions over HTTP against a real `poagraph serve` on a copy of the built store:
/validate (every error class of the validation tests gives 422 with its message, in JSON
and in HTML; unreadable 400 saying where; 413; 415), POST /contributions with tokens (401,
403 for another organisation's claim, 422 for reference data, 201 + Location, 200 for the
same body again), live at /sparql within 1 s, DELETE, 50 concurrent contributions, a mix
of valid and invalid, SIGKILL in flight, restarts. The upload page runs on the test client.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from _endpoint import Server, server_process
from test_contribution import CASES, csv_rows, jsonld, turtle

from poagraph import iris
from poagraph.contributions.tokens import TokenStore

EPO = iris.organisation("example-partner-organisation")
IOM = iris.organisation("iom")
TTL = {"Content-Type": "text/turtle"}
CSV = {"Content-Type": "text/csv"}
HTML = {"Accept": "text/html"}
LIVE_S = 1.0


def tokens_file(path: Path) -> dict[str, str]:
    """A tokens file at `path`: a token for EPO, one for IOM, an admin one; their secrets."""
    tokens = TokenStore(path)
    return {
        "epo": tokens.add(EPO, "Example Partner Organisation")[1],
        "iom": tokens.add(IOM, "IOM")[1],
        "admin": tokens.add(IOM, "maintainers", admin=True)[1],
    }


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def body(i: int) -> bytes:
    """A valid Turtle contribution, distinct for each `i`."""
    return turtle(outcome={"poa:unit": f'"nurses trained (batch {i})"'})


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("tokens") / "tokens.toml"
    return path, tokens_file(path)


def _copy(built: Path, dest: Path) -> Path:
    shutil.copytree(built, dest)
    return dest


@pytest.fixture(scope="module")
def server(built_store_path: Path, tmp_path_factory, secrets) -> Iterator[Server]:
    store = _copy(built_store_path, tmp_path_factory.mktemp("served") / "store")
    env = {"POAGRAPH_TOKENS": str(secrets[0])}
    with server_process(store, workers=2, executors=2, env=env) as s:
        yield s


@pytest.fixture(scope="module")
def base(server: Server) -> str:
    return server.base


@pytest.fixture(scope="module")
def token(secrets) -> dict[str, str]:
    return secrets[1]


def listed(base: str) -> list[dict]:
    """Every contribution GET /contributions lists, over all its pages."""
    items, page = [], 1
    while True:
        r = requests.get(f"{base}/contributions", params={"page": page, "format": "json"})
        assert r.status_code == 200, r.text
        found = r.json()
        items += found["items"]
        if page >= found["pages"]:
            return items
        page += 1


def triples_of(base: str, contribution_id: str) -> int:
    r = requests.get(f"{base}/contributions/{contribution_id}", params={"format": "nt"})
    assert r.status_code == 200, r.text
    return sum(1 for line in r.text.splitlines() if line.strip())


def asks(base: str, query: str) -> bool:
    """The answer of /sparql to an ASK query."""
    r = requests.get(
        f"{base}/sparql", params={"query": query}, headers={"Accept": "application/json"}
    )
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def sees(base: str, graph: str, salt: str) -> bool:
    """Whether /sparql has outcomes in `graph` (a new query text each time: no cache)."""
    return asks(base, f"# {salt}\nASK {{ GRAPH <{graph}> {{ ?o a <{iris.POA}Outcome> }} }}")


def within(seconds: float, condition) -> float:
    """Seconds until `condition()` holds; fails after `seconds`."""
    start = time.monotonic()
    n = 0
    while True:
        n += 1
        if condition(n):
            return time.monotonic() - start
        if time.monotonic() - start > seconds:
            pytest.fail(f"not seen within {seconds} s")
        time.sleep(0.02)


# ------------------------------------------------------------------------------ /validate


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_error_class_is_422_with_its_message_in_json_and_html(base, case):
    data = turtle(**case.ttl)
    r = requests.post(f"{base}/validate", data=data, headers=TTL)
    assert r.status_code == 422, r.text
    report = r.json()
    assert report["conforms"] is False
    assert any(case.message in res["message"] for res in report["results"]), report
    page = requests.post(f"{base}/validate", data=data, headers={**TTL, **HTML})
    assert page.status_code == 422
    assert page.headers["Content-Type"].startswith("text/html")
    text = page.text.replace("&#39;", "'").replace("&#34;", '"')
    assert case.message in text and "must be fixed" in text


@pytest.mark.parametrize("case", [c for c in CASES if c.csv is not None], ids=lambda c: c.name)
def test_csv_errors_name_row_and_column_over_http(base, case):
    r = requests.post(f"{base}/validate", data=csv_rows({}, case.csv), headers=CSV)
    assert r.status_code == 422
    found = [res for res in r.json()["results"] if case.message in res["message"]]
    assert found and found[0]["location"] == f"row 3, column {case.column}"


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("text/turtle", turtle()), ("application/ld+json", jsonld()), ("text/csv", csv_rows())],
)
def test_a_conforming_contribution_is_200_and_nothing_is_written(base, content_type, data):
    before = listed(base)
    r = requests.post(f"{base}/validate", data=data, headers={"Content-Type": content_type})
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is True and r.json()["violations"] == 0
    assert listed(base) == before


def test_the_report_in_turtle_is_a_shacl_report(base):
    import rdflib
    from rdflib.namespace import SH

    r = requests.post(
        f"{base}/validate",
        data=turtle(outcome={"poa:value": "-5"}),
        headers={**TTL, "Accept": "text/turtle"},
    )
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    [report] = list(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert g.value(report, SH.conforms).toPython() is False
    assert any("zero or more" in str(m) for m in g.objects(None, SH.resultMessage))


@pytest.mark.parametrize(
    ("content_type", "data", "expected", "where"),
    [
        ("text/turtle", b'@prefix p: <http://x/> .\np:a p:b p:c ;\n  p:d "x .\n', ":3:7:", (3, 7)),
        (
            "application/ld+json",
            b'{"@context": {},\n "@id": "a",,\n}',
            ":2:13: not valid JSON",
            (2, 13),
        ),
        (
            "text/csv",
            b"organisation,country,counted,value,source,quote,colour\n",
            "row 1, column 7",
            None,
        ),
        (
            "text/csv",
            "organisation,country\nIOM,Côte\n".encode("latin-1"),
            ":2:6: the file is not UTF-8",
            (2, 6),
        ),
        ("text/turtle", b"  \n", "the file is empty", None),
    ],
)
def test_unreadable_input_is_400_saying_where(base, content_type, data, expected, where):
    r = requests.post(f"{base}/validate", data=data, headers={"Content-Type": content_type})
    assert r.status_code == 400, r.text
    assert expected in r.json()["error"]
    if where:
        assert (r.json()["line"], r.json()["column"]) == where


def test_another_type_is_415(base):
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "application/xml"}, {}):
        r = requests.post(f"{base}/validate", data=b"<a> <b> <c> .", headers=headers)
        assert r.status_code == 415, (headers, r.text)
        assert "text/turtle" in r.json()["error"]


def test_a_20_mb_body_is_413_early_and_while_read(base, token):
    big = b"<a> <b> <c> .\n" * (20 * 1000 * 1000 // 14)
    start = time.monotonic()
    r = requests.post(f"{base}/validate", data=big, headers=TTL)
    assert r.status_code == 413, r.text[:200]
    assert "limited to 10,000,000 bytes" in r.json()["error"]
    r = requests.post(f"{base}/contributions", data=big, headers={**TTL, **bearer(token["epo"])})
    assert r.status_code == 413

    def chunks():  # no Content-Length: refused once 10 MB have been read
        for _ in range(20):
            yield b"#" * 1_000_000

    r = requests.post(f"{base}/validate", data=chunks(), headers=TTL)
    assert r.status_code == 413, r.text[:200]
    assert time.monotonic() - start < 30


# ------------------------------------------------------------------------------ tokens


def test_no_or_a_wrong_token_is_401(base):
    for headers in ({}, bearer("poa_not-a-token"), {"Authorization": "Basic eDp5"}):
        r = requests.post(f"{base}/contributions", data=turtle(), headers={**TTL, **headers})
        assert r.status_code == 401, r.text
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="poagraph"'
        assert "poa_not-a-token" not in r.text


def test_a_claim_of_another_organisation_is_403(base, token):
    before = listed(base)
    r = requests.post(
        f"{base}/contributions",
        data=csv_rows({"organisation": "IOM"}),
        headers={**CSV, **bearer(token["epo"])},
    )
    assert r.status_code == 403, r.text
    assert listed(base) == before


@pytest.mark.parametrize(
    "name",
    [
        "statement about a country",
        "statement about a commitment",
        "statement about a passage of a report",
    ],
)
def test_touching_reference_data_is_422_and_nothing_is_stored(base, token, name):
    [case] = [c for c in CASES if c.name == name]
    before = listed(base)
    r = requests.post(
        f"{base}/contributions", data=turtle(**case.ttl), headers={**TTL, **bearer(token["epo"])}
    )
    assert r.status_code == 422, r.text
    assert any(case.message in res["message"] for res in r.json()["results"])
    assert listed(base) == before


# ------------------------------------------------------------------------------ the life of one


def test_accepted_live_idempotent_shown_and_deleted(base, token):
    data = body(10_000)
    r = requests.post(f"{base}/contributions", data=data, headers={**TTL, **bearer(token["epo"])})
    assert r.status_code == 201, r.text
    location, answer = r.headers["Location"], r.json()
    assert location == f"/contributions/{answer['id']}"
    graph = answer["graph"]
    assert graph == iris.contribution_graph(answer["id"])
    # within 1 s, every query (new texts: no cache; several: several workers) sees it
    elapsed = within(LIVE_S, lambda n: sees(base, graph, f"live {n}"))
    print(f"visible after {elapsed:.3f} s")
    assert elapsed < LIVE_S
    assert all(sees(base, graph, f"after {n}") for n in range(8))

    again = requests.post(
        f"{base}/contributions", data=data, headers={**TTL, **bearer(token["epo"])}
    )
    assert again.status_code == 200 and again.headers["Location"] == location
    assert [c["id"] for c in listed(base)].count(answer["id"]) == 1

    ttl = requests.get(base + location, headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200 and "nurses trained (batch 10000)" in ttl.text
    assert iris.POA + "Contribution" in requests.get(base + location, params={"format": "nt"}).text
    ld = requests.get(base + location, headers={"Accept": "application/ld+json"})
    assert ld.status_code == 200 and ld.headers["Content-Type"].startswith("application/ld+json")
    page = requests.get(base + location, headers=HTML)
    assert page.status_code == 200 and "nurses trained (batch 10000)" in page.text

    assert requests.delete(base + location).status_code == 401
    other = requests.delete(base + location, headers=bearer(token["iom"]))
    assert other.status_code == 403, other.text
    gone = requests.delete(base + location, headers=bearer(token["epo"]))
    assert gone.status_code == 204
    assert requests.get(base + location).status_code == 404
    assert requests.delete(base + location, headers=bearer(token["epo"])).status_code == 404
    within(LIVE_S, lambda n: not sees(base, graph, f"gone {n}"))


def _has_unit(base: str, unit: str, salt: str) -> bool:
    """Whether some graph has an outcome of this unit (`salt`: a new query text, no cache)."""
    unit_is = f'?o <{iris.POA}unit> ?u FILTER(STR(?u) = "{unit}")'
    return asks(base, f"# {salt}\nASK {{ GRAPH ?g {{ {unit_is} }} }}")


def _a_cut_body_is_never_accepted(base: str, token: dict[str, str], batch: int) -> None:
    """A client that claims a longer body than it sends, then leaves, has nothing stored,
    though the bytes that came are a whole, valid contribution: the server's read fails
    instead of taking them for the body."""
    data = body(batch)
    unit = f"nurses trained (batch {batch})"
    host, port = base.removeprefix("http://").split(":")
    for how in ("close", "shutdown"):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            head = (
                f"POST /contributions HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: text/turtle\r\nAuthorization: Bearer {token['epo']}\r\n"
                f"Content-Length: {len(data) + 1000}\r\n\r\n"
            )
            sock.sendall(head.encode() + data)
            time.sleep(0.3)
            if how == "shutdown":
                sock.shutdown(socket.SHUT_WR)  # end of data, the socket still open
                sock.settimeout(5)
                with contextlib.suppress(ConnectionResetError):
                    sock.recv(65536)  # whatever comes (nothing, or an answer into the void)
    time.sleep(LIVE_S)
    assert not _has_unit(base, unit, f"cut {batch}")
    # the same bytes sent whole are accepted: the test could fail
    r = requests.post(f"{base}/contributions", data=data, headers={**TTL, **bearer(token["epo"])})
    assert r.status_code == 201, r.text
    within(LIVE_S, lambda n: _has_unit(base, unit, f"whole {batch} {n}"))
    gone = requests.delete(base + r.headers["Location"], headers=bearer(token["epo"]))
    assert gone.status_code == 204


def test_a_body_cut_short_by_the_client_leaving_is_never_accepted(base, token):
    _a_cut_body_is_never_accepted(base, token, 20_001)


def test_a_body_cut_short_is_never_accepted_under_granian_too(
    built_store_path: Path, tmp_path: Path, secrets
):
    """granian ends the body of a client that left as if it were whole: the app checks it
    against its Content-Length (a chunked body cut short cannot be told there)."""
    store = _copy(built_store_path, tmp_path / "store")
    env = {"POAGRAPH_TOKENS": str(secrets[0])}
    with server_process(store, env=env, args=("--server", "granian")) as server:
        _a_cut_body_is_never_accepted(server.base, secrets[1], 20_002)


def test_an_admin_token_deletes_any_contribution(base, token):
    r = requests.post(
        f"{base}/contributions", data=body(10_001), headers={**TTL, **bearer(token["epo"])}
    )
    assert r.status_code == 201
    assert (
        requests.delete(base + r.headers["Location"], headers=bearer(token["admin"])).status_code
        == 204
    )


# ------------------------------------------------------------------------------ many at once


def _send(
    base: str, secret: str, data: bytes, content_type: str = "text/turtle"
) -> requests.Response:
    return requests.post(
        f"{base}/contributions",
        data=data,
        headers={"Content-Type": content_type, **bearer(secret)},
        timeout=120,
    )


def test_50_concurrent_contributions_all_land_once_whole(base, token):
    # the first contribution of an organisation may describe it; the next ones link to it
    singles = [_send(base, token["epo"], body(i)) for i in (0, 51)]
    assert [s.status_code for s in singles] == [201, 201], singles[-1].text
    whole = triples_of(base, singles[-1].json()["id"])
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: _send(base, token["epo"], body(i)), range(1, 51)))
    assert [a.status_code for a in answers] == [201] * 50, [
        a.text for a in answers if a.status_code != 201
    ]
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 50
    found = [c["id"] for c in listed(base)]
    assert all(found.count(i) == 1 for i in ids)
    assert {i: triples_of(base, i) for i in ids} == dict.fromkeys(ids, whole)


def test_a_mix_of_valid_and_invalid_leaves_exactly_the_valid_ones(base, token):
    before = {c["id"] for c in listed(base)}
    valid = [body(100 + i) for i in range(6)]
    invalid = [turtle(outcome={"poa:unit": f'"broken {i}"', "poa:value": "-1"}) for i in range(6)]
    mixed = [x for pair in zip(valid, invalid, strict=True) for x in pair]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda d: _send(base, token["epo"], d), mixed))
    assert [a.status_code for a in answers] == [201, 422] * 6
    accepted = {a.json()["id"] for a in answers if a.status_code == 201}
    assert {c["id"] for c in listed(base)} - before == accepted


# ------------------------------------------------------------------------------ crashes


def test_sigkill_in_flight_then_restart_is_consistent_and_durable(
    built_store_path, tmp_path, secrets
):
    store = _copy(built_store_path, tmp_path / "store")
    path, token = secrets
    env = {"POAGRAPH_TOKENS": str(path)}
    acknowledged: dict[str, int] = {}
    lock = threading.Lock()
    with server_process(store, workers=2, executors=1, env=env) as s:
        whole = None

        def send(i: int) -> None:
            try:
                r = _send(s.base, token["epo"], body(500 + i))
            except requests.RequestException:
                return  # in flight when the server died
            if r.status_code == 201:
                with lock:
                    acknowledged[r.json()["id"]] = i

        firsts = [_send(s.base, token["epo"], body(i)) for i in (498, 499)]
        assert [r.status_code for r in firsts] == [201, 201]
        whole = triples_of(s.base, firsts[-1].json()["id"])
        first = firsts[0].json()["id"]
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(send, i) for i in range(40)]
            deadline = time.monotonic() + 60
            while len(acknowledged) < 6 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.killpg(s.process.pid, signal.SIGKILL)
            for f in futures:
                f.result()
        s.process.wait()
    assert len(acknowledged) >= 6
    for _ in range(2):  # after the crash, then after a clean restart
        with server_process(store, workers=1, executors=1, env=env) as s:
            found = {c["id"] for c in listed(s.base)} - {first}
            assert set(acknowledged) <= found
            assert {i: triples_of(s.base, i) for i in found} == dict.fromkeys(found, whole)
            assert all(sees(s.base, iris.contribution_graph(i), f"crash {i}") for i in acknowledged)


# ------------------------------------------------------------------------------ the upload page


@pytest.fixture
def app(built_store_path: Path, tmp_path: Path, secrets):
    from poagraph.web import create_app
    from poagraph.web.store import get_service

    store = _copy(built_store_path, tmp_path / "store")
    app = create_app(
        {"STORE": str(store), "TESTING": True, "EXECUTORS": 1, "TOKENS": str(secrets[0])}
    )
    yield app
    get_service(app).close()


def test_the_upload_page_checks_and_sends_with_the_token_field(app, secrets):
    import io

    client = app.test_client()
    page = client.get("/contributions/new", headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="file" name="file"' in html and 'type="password" name="token"' in html
    assert 'formaction="/contributions"' in html and 'action="/validate"' in html

    def form(token: str = "", name: str = "mine.ttl", data: bytes = turtle()) -> dict:
        return {"file": (io.BytesIO(data), name), "format": "", "token": token}

    checked = client.post("/validate", data=form(), headers=HTML)
    assert checked.status_code == 200 and "conforms" in checked.get_data(as_text=True)
    assert client.post("/contributions", data=form(), headers=HTML).status_code == 401
    sent = client.post("/contributions", data=form(secrets[1]["epo"]), headers=HTML)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert "Contribution accepted" in sent.get_data(as_text=True)
    assert sent.headers["Location"].startswith("/contributions/")
    listed_page = client.get("/contributions", headers=HTML).get_data(as_text=True)
    assert "mine.ttl" in listed_page
    unknown = client.post("/validate", data=form(name="mine.txt"), headers=HTML)
    assert unknown.status_code == 415
    chosen = client.post("/validate", data={**form(name="mine.txt"), "format": "ttl"})
    assert chosen.status_code == 200


def test_the_pages_keep_a_mount_prefix(app):
    import io

    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client

    client = Client(DispatcherMiddleware(NotFound(), {"/poagraph": app}))
    pages = [
        client.get("/poagraph/contributions/new", headers=HTML),
        client.get("/poagraph/contributions", headers=HTML),
        client.post(
            "/poagraph/validate",
            data={"file": (io.BytesIO(turtle(outcome={"poa:value": "-5"})), "x.ttl")},
            headers=HTML,
        ),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        links = re.findall(r'(?:href|src|action|formaction)="(/[^"]*)"', html)
        assert links and all(link.startswith("/poagraph/") for link in links), links
