"""Maintainers' writes against a real server on a copy of the built store: SPARQL Update on
/sparql and the Graph Store Protocol on /store, with admin tokens made by TokenStore.

A write is staged, checked against the shapes and committed only when the result conforms:
a query sees a committed one within a second; a non-conforming one answers 422 with the
report and leaves every triple as it was.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from _endpoint import server_process

from poagraph.contributions.tokens import TokenStore

pytestmark = pytest.mark.server

POA = "https://w3id.org/poagraph/ontology#"
OUTCOME = "https://w3id.org/poagraph/id/report/iom-bpoa-review/outcome/32"
REPORT_GRAPH = "https://w3id.org/poagraph/graph/report/iom-bpoa-review"
UPDATE = "application/sparql-update"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
NO_COUNTRY = "https://w3id.org/poagraph/id/country/XXX"


@dataclass
class Site:
    base: str
    admin: dict[str, str]
    member: dict[str, str]  #: a valid token that is not an admin's

    def update(self, text: str, headers: dict[str, str] | None = None, **params):
        return requests.post(
            f"{self.base}/sparql",
            data=text.encode(),
            params=params,
            headers={"Content-Type": UPDATE, **(self.admin if headers is None else headers)},
            timeout=60,
        )

    def ask(self, text: str) -> bool:
        r = requests.get(f"{self.base}/sparql", params={"query": text}, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["boolean"]

    def everything(self) -> set[str]:
        """Every triple of the store (the union), as N-Triples lines."""
        r = requests.get(f"{self.base}/store", params={"default": ""}, headers=NT, timeout=30)
        assert r.status_code == 200, r.text
        return set(r.text.splitlines())


NT = {"Accept": "application/n-triples"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, built_store_path: Path) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("maintenance")
    store = root / "store"
    shutil.copytree(built_store_path, store)
    tokens = TokenStore(root / "tokens.toml")
    _admin, admin_secret = tokens.add("https://example.org/maintainers", "admin", admin=True)
    _member, member_secret = tokens.add("https://w3id.org/poagraph/id/organisation/iom", "IOM")
    env = {"POAGRAPH_TOKENS": str(root / "tokens.toml")}
    with server_process(store, env=env) as server:
        yield Site(
            server.base,
            {"Authorization": f"Bearer {admin_secret}"},
            {"Authorization": f"Bearer {member_secret}"},
        )


def wait_for(condition, limit_s: float = 1.0) -> float:
    """Seconds until `condition()` holds (polling); fails past `limit_s`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < limit_s, f"not seen within {limit_s} s"
        time.sleep(0.02)
    return time.monotonic() - started


def test_an_admin_update_is_committed_and_queried_within_a_second(site: Site) -> None:
    assert not site.ask(f"ASK {{ <{OUTCOME}> <{POA}note> ?n }}")
    update = (
        f"INSERT DATA {{ GRAPH <{REPORT_GRAPH}> {{ <{OUTCOME}> "
        f'<{COMMENT}> "checked by a maintainer" }} }}'
    )
    r = site.update(update)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == {REPORT_GRAPH: pytest.approx(r.json()["changed"][REPORT_GRAPH])}
    assert isinstance(r.json()["version"], int)
    seen = wait_for(
        lambda: site.ask(f'ASK {{ <{OUTCOME}> ?p "checked by a maintainer" }}'), limit_s=1.0
    )
    assert seen < 1.0
    # the WHERE of an update without a dataset sees the union, as queries do
    r = site.update(
        "INSERT { GRAPH <https://example.org/graph/notes> { ?o <urn:p> ?c } } "
        f'WHERE {{ ?o <{COMMENT}> ?c FILTER(?c = "checked by a maintainer") }}'
    )
    assert r.json()["changed"] == {"https://example.org/graph/notes": 1}
    wait_for(
        lambda: site.ask(
            f"ASK {{ GRAPH <https://example.org/graph/notes> {{ <{OUTCOME}> <urn:p> ?c }} }}"
        )
    )


@pytest.mark.parametrize(
    "update, message",
    [
        (  # an outcome loses its evidence
            f"DELETE WHERE {{ GRAPH <{REPORT_GRAPH}> {{ <{OUTCOME}> <{POA}evidence> ?e }} }}",
            "evidence",
        ),
        (  # an outcome in a country that does not exist
            f"DELETE {{ GRAPH ?g {{ <{OUTCOME}> <{POA}country> ?c }} }}"
            f" INSERT {{ GRAPH ?g {{ <{OUTCOME}> <{POA}country> <{NO_COUNTRY}> }} }}"
            f" WHERE {{ GRAPH ?g {{ <{OUTCOME}> <{POA}country> ?c }} }}",
            "not a country",
        ),
    ],
    ids=["no-evidence", "unknown-country"],
)
def test_an_update_that_breaks_a_shape_is_422_and_changes_nothing(
    site: Site, update: str, message: str
) -> None:
    before = site.everything()
    r = site.update(update, {**site.admin, "Accept": "application/json"})
    assert r.status_code == 422, r.text
    report = r.json()
    assert report["conforms"] is False and report["violations"] >= 1
    focus = [x for x in report["results"] if x["focusNode"] == OUTCOME]
    assert focus, report["results"]
    assert any(
        message in (x["message"] + (x["pathLabel"] or "") + (x["path"] or "")) for x in focus
    )
    html = site.update(update, {**site.admin, "Accept": "text/html"})
    assert html.status_code == 422 and "text/html" in html.headers["Content-Type"]
    time.sleep(0.3)  # a write that slipped through would show by now
    assert site.everything() == before


def test_graph_store_put_get_post_delete(site: Site) -> None:
    graph = "https://example.org/graph/maintenance-test"
    url = f"{site.base}/store"
    ttl = {"Content-Type": "text/turtle", **site.admin}
    assert requests.get(url, params={"graph": graph}, timeout=30).status_code == 404

    r = requests.put(
        url, params={"graph": graph}, data=b"<urn:a> <urn:b> <urn:c> .", headers=ttl, timeout=60
    )
    assert r.status_code == 201, r.text
    wait_for(lambda: site.ask(f"ASK {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}"))
    got = requests.get(url, params={"graph": graph}, headers=NT, timeout=30)
    assert got.status_code == 200 and got.text.strip() == "<urn:a> <urn:b> <urn:c> ."
    head = requests.head(url, params={"graph": graph}, timeout=30)
    assert head.status_code == 200 and head.content == b""

    r = requests.post(
        url, params={"graph": graph}, data=b"<urn:a> <urn:b> <urn:d> .", headers=ttl, timeout=60
    )
    assert r.status_code == 204, r.text
    got = requests.get(url, params={"graph": graph}, headers=NT, timeout=30)
    assert sorted(got.text.split("\n")[:2]) == [
        "<urn:a> <urn:b> <urn:c> .",
        "<urn:a> <urn:b> <urn:d> .",
    ]

    r = requests.put(
        url, params={"graph": graph}, data=b"<urn:x> <urn:y> <urn:z> .", headers=ttl, timeout=60
    )
    assert r.status_code == 204, r.text
    got = requests.get(url, params={"graph": graph}, headers=NT, timeout=30)
    assert got.text.strip() == "<urn:x> <urn:y> <urn:z> ."

    r = requests.delete(url, params={"graph": graph}, headers=site.admin, timeout=60)
    assert r.status_code == 204, r.text
    assert requests.get(url, params={"graph": graph}, timeout=30).status_code == 404
    wait_for(lambda: not site.ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    assert (
        requests.delete(url, params={"graph": graph}, headers=site.admin, timeout=60).status_code
        == 404
    )


def test_graph_store_put_that_breaks_a_shape_is_422(site: Site) -> None:
    before = site.everything()
    outcome = f"<https://example.org/o1> a <{POA}Outcome> ; <{POA}country> <{NO_COUNTRY}> ."
    r = requests.put(
        f"{site.base}/store",
        params={"graph": "https://example.org/graph/bad"},
        data=outcome.encode(),
        headers={"Content-Type": "text/turtle", "Accept": "application/json", **site.admin},
        timeout=60,
    )
    assert r.status_code == 422, r.text
    assert r.json()["violations"] >= 1
    assert site.everything() == before


@pytest.mark.parametrize(
    "who, status",
    [("nobody", 403), ("member", 403), ("bad", 401)],
)
def test_updates_need_an_admin_token(site: Site, who: str, status: int) -> None:
    headers = {
        "nobody": {},
        "member": site.member,
        "bad": {"Authorization": "Bearer poa_not-a-token"},
    }[who]
    before = site.everything()
    insert = "INSERT DATA { GRAPH <https://example.org/graph/x> { <urn:s> <urn:p> <urn:o> } }"
    r = site.update(insert, headers)
    assert r.status_code == status, r.text
    assert r.json()["status"] == status
    form = requests.post(
        f"{site.base}/sparql", data={"update": insert}, headers=headers, timeout=30
    )
    assert form.status_code == status
    put = requests.put(
        f"{site.base}/store",
        params={"graph": "https://example.org/graph/x"},
        data=b"<urn:s> <urn:p> <urn:o> .",
        headers={"Content-Type": "text/turtle", **headers},
        timeout=30,
    )
    assert put.status_code == (401 if who == "nobody" else status)
    assert site.everything() == before


@pytest.mark.parametrize(
    "update, status, message",
    [
        ("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> }", 400, "syntax error"),
        ("CLEAR XYZ", 400, "syntax error"),
        ("INSERT DATA { <urn:s> <urn:p> <urn:o> }", 400, "name a graph"),
        ("LOAD <http://127.0.0.1:1/data.ttl> INTO GRAPH <urn:g>", 403, "LOAD"),
    ],
    ids=["syntax", "unknown-operation", "default-graph", "load"],
)
def test_refused_updates(site: Site, update: str, status: int, message: str) -> None:
    r = site.update(update)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]


def test_default_graph_of_the_graph_store_is_read_only(site: Site) -> None:
    r = requests.put(
        f"{site.base}/store?default",
        data=b"<urn:s> <urn:p> <urn:o> .",
        headers={"Content-Type": "text/turtle", **site.admin},
        timeout=30,
    )
    assert r.status_code == 400 and "name a graph" in r.json()["error"]
    r = requests.get(f"{site.base}/store", timeout=30)
    assert r.status_code == 400
