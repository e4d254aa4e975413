"""Federation for real: the example queries' SERVICE clauses run against a second endpoint
(Oxigraph server from PyPI) holding a snapshot shaped like the public vocabulary service.

Online, the queries call Wikidata; here the test points the same query at the local server,
directly on the store and through the endpoint, which calls it only once FEDERATION_ALLOW
lists it (the query page's tabs run the same way).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _endpoint import oxigraph_server
from pyoxigraph import Store

from poagraph import paths
from poagraph.web import create_app
from poagraph.web.store import get_service

WIKIDATA = "<https://query.wikidata.org/sparql>"

# Wikidata-shaped facts (P31 instance of, Q752401 least developed country, P298 ISO alpha-3):
# Afghanistan and Senegal still LDCs; Cape Verde graduated in 2007 and is not listed; Kiribati
# is listed; France is in the snapshot but no LDC.
SNAPSHOT = """
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
wd:Q889 wdt:P31 wd:Q752401 ; wdt:P298 "AFG" .
wd:Q1041 wdt:P31 wd:Q752401 ; wdt:P298 "SEN" .
wd:Q710 wdt:P31 wd:Q752401 ; wdt:P298 "KIR" .
wd:Q1011 wdt:P31 wd:Q6256 ; wdt:P298 "CPV" .
wd:Q142 wdt:P31 wd:Q6256 ; wdt:P298 "FRA" .
"""


@pytest.fixture(scope="module")
def wikidata_snapshot(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("wikidata")
    data = folder / "snapshot.ttl"
    data.write_text(SNAPSHOT, encoding="utf-8")
    with oxigraph_server(folder / "store", data) as base:
        yield f"<{base}/query>"


def test_every_federated_example_names_its_public_service():
    federated = sorted(paths.QUERIES.glob("fed-*.rq"))
    assert federated, "queries/ has federated examples"
    for path in federated:
        assert WIKIDATA in path.read_text(encoding="utf-8")


def test_service_clause_joins_the_bundled_vocabulary_with_the_remote_one(
    built_store_path: Path, wikidata_snapshot: str
):
    query = (paths.QUERIES / "fed-wikidata-ldcs-today.rq").read_text(encoding="utf-8")
    store = Store.read_only(str(built_store_path))
    rows = {
        r["iso3"].value: (r["ldc2001to2010"].value, r["coveredByReport"].value)
        for r in store.query(
            query.replace(WIKIDATA, wikidata_snapshot), use_default_graph_as_union=True
        )
    }
    # the remote side decides who is listed; the local side adds 2001-2010 status and coverage
    assert rows == {
        "AFG": ("true", "true"),
        "SEN": ("true", "true"),
        "KIR": ("true", "false"),
    }


@pytest.fixture(scope="module")
def federated_client(built_store_path: Path, wikidata_snapshot: str):
    """The app on the full build, allowed to call the snapshot server (and nothing else)."""
    allow = [wikidata_snapshot.strip("<>")]
    app = create_app(
        {"STORE": str(built_store_path), "TESTING": True, "EXECUTORS": 1, "FEDERATION_ALLOW": allow}
    )
    yield app.test_client()
    get_service(app).close()


@pytest.mark.parametrize("example", sorted(paths.QUERIES.glob("fed-*.rq")), ids=lambda p: p.stem)
def test_federated_example_tabs_run_through_the_endpoint_when_allowed(
    federated_client, wikidata_snapshot: str, example: Path
):
    """What the query page's run button does with a federated tab, the remote side local."""
    text = example.read_text(encoding="utf-8")
    accept = {"Accept": "application/sparql-results+json"}
    # Wikidata is not in FEDERATION_ALLOW here: refused before any call, naming it
    refused = federated_client.post("/sparql", data={"query": text}, headers=accept)
    assert refused.status_code == 403
    assert "https://query.wikidata.org/sparql" in refused.get_json()["error"]
    response = federated_client.post(
        "/sparql", data={"query": text.replace(WIKIDATA, wikidata_snapshot)}, headers=accept
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_json()["results"]["bindings"]
