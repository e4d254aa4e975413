"""The W3C SPARQL 1.1 Protocol test suite, replayed from its manifest against `poagraph serve`.

All 34 tests must pass: every request carries an admin token (`Authorization: Bearer`), so
the 7 update tests run their updates (staged, validated, committed) and check them with a
query; the must-refuse tests are refused with a token too. Without a token an update is
refused with 403, as on a read-only endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from _endpoint import CONFORMANCE, KASEI, conformance_store, running_server
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF

from poagraph.contributions.tokens import TokenStore

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

#: The suite has 34 tests: 13 query, 7 update, 14 that must be refused.
EXPECTED = {"query": 13, "update": 7, "bad": 14}


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    statuses: set[str]  # "2", "3", "4": the accepted status classes
    format: str | None
    boolean: bool | None


@dataclass
class Case:
    name: str
    title: str
    requests: list[Request]

    @property
    def kind(self) -> str:
        return self.name.split("_", 1)[0]


def load_cases(manifest: Path) -> list[Case]:
    graph = Graph().parse(manifest, format="turtle")
    (root,) = graph.subjects(RDF.type, MF.Manifest)
    entries = Collection(graph, graph.value(root, MF.entries))
    cases = []
    for test in entries:
        action = graph.value(test, MF.action)
        reqs = []
        for req in Collection(graph, graph.value(action, HT.requests)):
            body = graph.value(req, HT.body)
            data = None
            if body is not None:
                encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
                data = str(graph.value(body, CNT.chars)).encode(encoding)
            headers = {}
            header_list = graph.value(req, HT.headers)
            if header_list is not None:
                for h in Collection(graph, header_list):
                    headers[str(graph.value(h, HT.fieldName))] = str(graph.value(h, HT.fieldValue))
            resp = graph.value(req, HT.resp)
            statuses = {str(s).removeprefix(HTS)[0] for s in graph.objects(resp, MF.expectedStatus)}
            fmt = graph.value(resp, MF.expectedFormat)
            boolean = graph.value(resp, MF.expectedBoolean)
            reqs.append(
                Request(
                    method=str(graph.value(req, HT.methodName)),
                    path=str(graph.value(req, HT.absolutePath)),
                    body=data,
                    headers=headers,
                    statuses=statuses,
                    format=str(fmt) if fmt is not None else None,
                    boolean=boolean.toPython() if boolean is not None else None,
                )
            )
        name = str(test).rsplit("#", 1)[1]
        cases.append(Case(name, str(graph.value(test, MF.name)), reqs))
    return cases


CASES = load_cases(CONFORMANCE / "manifest.ttl")


def test_the_suite_is_complete() -> None:
    """The replay covers the whole suite: it cannot shrink silently."""
    counts = {kind: sum(c.kind == kind for c in CASES) for kind in EXPECTED}
    assert counts == EXPECTED
    assert len(CASES) == 34


ADMIN: dict[str, str] = {}  #: the Authorization header of the module's admin token


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("conformance")
    store = conformance_store(root / "store")
    tokens = root / "tokens.toml"
    _token, secret = TokenStore(tokens).add("https://example.org/maintainers", "W3C", admin=True)
    ADMIN["Authorization"] = f"Bearer {secret}"
    with running_server(store, env={"POAGRAPH_TOKENS": str(tokens)}) as base:
        yield base + "/sparql"


def send(endpoint: str, req: Request, token: bool = True) -> requests.Response:
    """Replay one manifest request, with /sparql/ rewritten to the endpoint under test, with
    the admin token (`token`) or without."""
    assert req.path.startswith("/sparql/")
    url = endpoint + req.path.removeprefix("/sparql/")
    headers = {**req.headers, **(ADMIN if token else {})}
    # a bytes body and no Content-Type header in the manifest: requests adds none either
    return requests.request(req.method, url, data=req.body, headers=headers, timeout=30)


def check_response(req: Request, response: requests.Response) -> None:
    status_class = str(response.status_code)[0]
    assert status_class in req.statuses, (
        f"{req.method} {req.path}: status {response.status_code}, expected "
        f"{'/'.join(s + 'xx' for s in sorted(req.statuses))}: {response.text[:300]}"
    )
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    if req.format == "boolean":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml")
    elif req.format == "tabular":
        assert media in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        )
    elif req.format == "RDF":
        assert media in ("application/rdf+xml", "text/turtle", "application/n-triples")
    if req.boolean is not None:
        assert parse_boolean(media, response.content) is req.boolean


def parse_boolean(media: str, body: bytes) -> bool:
    if media == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    root = ElementTree.fromstring(body)
    (element,) = root.iter("{http://www.w3.org/2005/sparql-results#}boolean")
    return element.text.strip() == "true"


@pytest.mark.server
@pytest.mark.parametrize("case", [c for c in CASES if c.kind != "update"], ids=lambda c: c.name)
def test_query_and_refusal_cases(endpoint: str, case: Case) -> None:
    for req in case.requests:
        check_response(req, send(endpoint, req))


@pytest.mark.server
@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "update"], ids=lambda c: c.name)
def test_update_cases(endpoint: str, case: Case) -> None:
    """With the admin token: the update is applied and the following query sees it."""
    for req in case.requests:
        check_response(req, send(endpoint, req))


@pytest.mark.server
def test_updates_without_a_token_are_refused(endpoint: str) -> None:
    """The read-only refusal of before, for every update of the suite: 403, nothing changes."""
    requests.post(
        endpoint,
        data=f"INSERT DATA {{ GRAPH <{KASEI}data1.rdf> {{ <{KASEI}data1.rdf> a <urn:x> }} }}",
        headers={"Content-Type": "application/sparql-update", **ADMIN},
        timeout=30,
    ).raise_for_status()
    for case in CASES:
        if case.kind != "update":
            continue
        response = send(endpoint, case.requests[0], token=False)
        assert response.status_code == 403, response.text
        assert response.json()["status"] == 403
    ask = f"ASK {{ <{KASEI}data1.rdf> a <urn:x> }}"
    still_there = requests.get(endpoint, params={"query": ask}, timeout=30)
    assert still_there.json()["boolean"] is True
