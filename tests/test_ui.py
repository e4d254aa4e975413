"""Home, browse, the query page and its vendored YASGUI, /ontology, /void, /health.

Counts are checked against the store itself (pyoxigraph over an in-memory copy), the
ontology page against ontology/poa.ttl read with rdflib, the examples against queries/.
"""

from __future__ import annotations

import csv
import html as html_module
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from markupsafe import escape
from pyoxigraph import NamedNode, Store
from ui_support import BROWSER, POA, close_app, local, make_app, memory_copy, sample_store

import poagraph
from poagraph import paths
from poagraph.web.pages import examples

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
VENDOR = Path(poagraph.__file__).parent / "web" / "static" / "vendor"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_store(tmp_path_factory.mktemp("ui") / "store")


@pytest.fixture(scope="module")
def store(store_path: Path) -> Store:
    return memory_copy(store_path)


@pytest.fixture(scope="module")
def client(store_path: Path) -> Iterator:
    app = make_app(store_path)
    yield app.test_client()
    close_app(app)


def _distinct_triples(store: Store) -> set:
    return {q.triple for q in store}


def _instances(store: Store) -> Counter:
    """Distinct resources per class over all graphs."""
    typed = {(q.subject, q.object) for q in store.quads_for_pattern(None, RDF_TYPE, None, None)}
    return Counter(cls.value for _, cls in typed)


def _per_graph(store: Store) -> Counter:
    return Counter(q.graph_name.value for q in store)


# --- home and browse -------------------------------------------------------------------------


def test_home_counts_match_the_store(client, store):
    response = client.get("/?format=json")
    body = response.get_json()
    assert {row["class"]: row["count"] for row in body["classes"]} == dict(_instances(store))
    assert {row["graph"]: row["triples"] for row in body["graphs"]} == dict(_per_graph(store))


def test_home_page_shows_counts_and_browse_links(client, store):
    html = client.get("/", headers=BROWSER).get_data(as_text=True)
    for cls, n in _instances(store).items():
        if cls.startswith(POA):
            name = cls[len(POA) :]
            card = rf'<a href="/browse/{name}">[^<]+</a>\s*<span class="n">{n}</span>'
            assert re.search(card, html), name
    for graph, n in _per_graph(store).items():
        assert re.search(rf"<code>{re.escape(graph)}</code></a></td><td>{n:,}</td>", html)
    assert '<link rel="alternate" type="application/json" href="/?format=json"' in html
    assert '<link rel="alternate" type="text/turtle" href="/void"' in html


def test_browse_lists_every_resource_of_a_class_with_its_label(client, store):
    html = client.get("/browse/Country", headers=BROWSER).get_data(as_text=True)
    countries = {
        q.subject.value
        for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(POA + "Country"), None)
    }
    assert len(countries) == 7
    for iri in countries:
        assert f'<a href="{local(iri)}">' in html
    assert ">Afghanistan</a>" in html and ">Benin</a>" in html
    body = client.get("/browse/Country?format=json").get_json()
    assert {item["iri"] for item in body["items"]} == countries
    assert body["total"] == len(countries)


def test_browse_names_outcomes_and_passages_without_labels(client, store):
    outcomes = client.get("/browse/Outcome?format=json").get_json()["items"]
    # named by their figures, in natural order, with their status
    assert [(o["label"], o["status"]) for o in outcomes] == [
        ("4 permanent returns", "achieved"),
        ("350 highly qualified Afghans to be deployed", "planned"),
        ("about USD 1400000 Human Security Fund received by the UN Country Team", "achieved"),
        ("over 4400 migrants returned", "achieved"),
    ]
    html = client.get("/browse/Outcome", headers=BROWSER).get_data(as_text=True)
    assert '<span class="tag status-planned">planned</span>' in html
    passages = client.get("/browse/Passage?format=json").get_json()["items"]
    numbers = sorted(
        int(q.subject.value.rsplit("/", 1)[1])
        for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(POA + "Passage"), None)
    )
    assert [p["label"] for p in passages] == [f"Passage {n}" for n in numbers]
    # a passage's start, tidied: "... about \\$ 1.4 Million USD" shows "$ 1.4"
    assert "about $ 1.4 Million" in html_module.unescape(
        client.get("/browse/Passage", headers=BROWSER).get_data(as_text=True)
    )


def test_browse_lists_download_as_csv_and_json_with_the_same_rows(client, store):
    html = client.get("/browse/Outcome", headers=BROWSER).get_data(as_text=True)
    downloads = re.search(r'<p class="downloads">(.*?)</p>', html, re.S).group(1)
    links = dict(re.findall(r'<a href="([^"]+)" type="([^"]+)" download>', downloads))
    assert set(links.values()) == {"text/csv", "application/json"}
    by_type = {media: href.replace("&amp;", "&") for href, media in links.items()}
    items = client.get(by_type["application/json"]).get_json()["items"]
    response = client.get(by_type["text/csv"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["iri"] for r in rows] == [i["iri"] for i in items] and len(rows) == 4
    assert [(r["label"], r["status"]) for r in rows] == [(i["label"], i["status"]) for i in items]
    # negotiated too: Accept text/csv
    assert client.get("/browse/Outcome", headers={"Accept": "text/csv"}).data == response.data


@pytest.mark.parametrize("path", ["/browse/Nothing", "/browse/Country?page=2", "/browse/a%20b"])
def test_browse_unknown_class_or_page_is_404(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert set(response.get_json()) == {"error", "status"}


# --- the query page -------------------------------------------------------------------------


def test_query_page_preloads_every_example_query(client):
    html = client.get("/query", headers=BROWSER).get_data(as_text=True)
    match = re.search(
        r'<script type="application/json" id="poagraph-query-config">(.*?)</script>', html, re.S
    )
    config = json.loads(match.group(1))
    files = sorted(paths.QUERIES.glob("*.rq"))
    assert len(files) >= 4
    assert [e["name"] for e in config["examples"]] == [f.stem for f in files]
    for example, file in zip(config["examples"], files, strict=True):
        assert example["query"] == file.read_text(encoding="utf-8")
        assert example["title"]
    assert config["endpoint"].endswith("/sparql")


def test_query_page_loads_nothing_from_elsewhere(client):
    html = client.get("/query", headers=BROWSER).get_data(as_text=True)
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert sources
    for url in sources:
        assert url.startswith("/"), url
    assert re.search(r'src="/static/vendor/yasgui-\d+\.\d+\.\d+\.min\.js"', html)
    for url in sources:
        if url.startswith("/static/"):
            response = client.get(url)
            response.close()  # static files are streamed from an open file
            assert response.status_code == 200, url


def test_vendored_yasgui_carries_version_licence_and_no_cdn():
    scripts = sorted(VENDOR.glob("yasgui-*.min.js"))
    assert len(scripts) == 1
    version = re.match(r"yasgui-(\d+\.\d+\.\d+)\.min\.js", scripts[0].name).group(1)
    assert (VENDOR / f"yasgui-{version}.min.css").is_file()
    licence = (VENDOR / f"yasgui-{version}.LICENSE.txt").read_text()
    assert "MIT License" in licence and "Permission is hereby granted" in licence
    for asset in (scripts[0], VENDOR / f"yasgui-{version}.min.css"):
        text = asset.read_text(encoding="utf-8", errors="replace")
        for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "fonts.googleapis", "fonts.gstatic"):
            assert cdn not in text, (asset.name, cdn)
        assert "@import" not in text or asset.suffix == ".js"


def test_query_page_json_twin_lists_the_examples(client):
    body = client.get("/query?format=json").get_json()
    assert len(body["examples"]) == len(list(paths.QUERIES.glob("*.rq")))


def test_example_header_fields_and_continuations():
    text = (
        "# title: Outcomes per country\n"
        "# description: How many outcomes,\n"
        "#   per country.\n"
        "# params: ?country\n"
        "# An ordinary comment.\n"
        "SELECT * WHERE { ?s ?p ?o }\n"
    )
    assert examples.header(text) == {
        "title": "Outcomes per country",
        "description": "How many outcomes, per country.",
        "params": "?country",
    }
    assert examples.header("SELECT * { ?s ?p ?o }") == {}


def test_every_example_query_has_a_title():
    for example in examples.load(paths.QUERIES):
        assert examples.header(example.query).get("title"), example.name


# --- /ontology ------------------------------------------------------------------------------


def test_ontology_page_documents_every_class_and_property():
    onto = paths.ONTOLOGY / "poa.ttl"
    graph = rdflib.Graph().parse(onto, format="turtle")
    terms = {
        str(s)
        for t in (
            rdflib.OWL.Class,
            rdflib.OWL.ObjectProperty,
            rdflib.OWL.DatatypeProperty,
            rdflib.SKOS.ConceptScheme,  # poa:OutcomeStatus and its values Achieved, Planned
            rdflib.SKOS.Concept,
        )
        for s in graph.subjects(rdflib.RDF.type, t)
        if str(s).startswith(POA)
    }
    assert len(terms) > 20
    assert {POA + "OutcomeStatus", POA + "Achieved", POA + "Planned"} <= terms
    app = make_app(Path("/nonexistent/store"))  # the page reads the file, not the store
    try:
        response = app.test_client().get("/ontology", headers=BROWSER)
    finally:
        close_app(app)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for iri in terms:
        name = iri[len(POA) :]
        assert f'<section class="term" id="{name}">' in html, name
        definition = graph.value(rdflib.URIRef(iri), rdflib.SKOS.definition)
        if definition:
            assert str(escape(str(definition))) in html, name


def test_ontology_turtle_by_accept_is_the_file(client):
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.mimetype == "text/turtle"
    assert response.get_data() == (paths.ONTOLOGY / "poa.ttl").read_bytes()
    nt = client.get("/ontology", headers={"Accept": "application/n-triples"})
    parsed = rdflib.Graph().parse(data=nt.get_data(as_text=True), format="nt")
    original = rdflib.Graph().parse(paths.ONTOLOGY / "poa.ttl", format="turtle")
    assert len(parsed) == len(original)


# --- /void ----------------------------------------------------------------------------------


def _void(client, path: str = "/void") -> rdflib.Graph:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_void_counts_match_the_store(client, store):
    void = _void(client)
    dataset = next(void.subjects(VOID.classes, None))
    assert int(void.value(dataset, VOID.triples)) == len(_distinct_triples(store))
    assert str(void.value(dataset, VOID.sparqlEndpoint)).endswith("/sparql")
    # one subset per named graph, with its triple count
    subsets = {
        str(s): int(void.value(s, VOID.triples))
        for s in void.objects(dataset, VOID.subset)
        if (s, rdflib.RDF.type, VOID.Linkset) not in void
    }
    assert subsets == dict(_per_graph(store))
    # class partitions
    classes = {
        str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))
        for p in void.objects(dataset, VOID.classPartition)
    }
    assert classes == dict(_instances(store))
    # property partitions: distinct triples per property
    per_property = Counter(t.predicate.value for t in _distinct_triples(store))
    properties = {
        str(void.value(p, VOID.property)): int(void.value(p, VOID.triples))
        for p in void.objects(dataset, VOID.propertyPartition)
    }
    assert properties == dict(per_property)


def test_void_linksets_count_links_per_target(client, store):
    void = _void(client, "/.well-known/void")
    links = Counter(
        q.object.value.rsplit("/", 1)[0] + "/"
        for q in store.quads_for_pattern(None, NamedNode(SKOS_EXACT), None, None)
        if q.subject.value.startswith("https://w3id.org/poagraph/id/")
    )
    found = {}
    for linkset in void.subjects(rdflib.RDF.type, VOID.Linkset):
        assert str(void.value(linkset, VOID.linkPredicate)) == SKOS_EXACT
        target = void.value(linkset, VOID.objectsTarget)
        found[str(void.value(target, VOID.uriSpace))] = int(void.value(linkset, VOID.triples))
    assert found == dict(links)
    assert "http://www.wikidata.org/entity/" in found
    assert "http://metadata.un.org/sdg/codes/geoArea/" in found


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_void_in_other_formats_and_html(client):
    for media, fmt in (("application/n-triples", "nt"), ("application/ld+json", "json-ld")):
        response = client.get("/void", headers={"Accept": media})
        assert response.mimetype == media
        assert len(rdflib.Graph().parse(data=response.get_data(as_text=True), format=fmt)) > 10
    html = client.get("/void", headers=BROWSER)
    assert html.mimetype == "text/html"
    assert "void:Dataset" in html.get_data(as_text=True)


# --- /health --------------------------------------------------------------------------------


def test_health_reports_status_triples_and_version(client, store):
    response = client.get("/health")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["triples"] == len(store)
    assert body["version"] == poagraph.__version__


def test_health_is_503_without_a_store(tmp_path):
    app = make_app(tmp_path / "missing")
    try:
        response = app.test_client().get("/health")
    finally:
        close_app(app)
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


# --- every page ------------------------------------------------------------------------------

PAGES = [
    "/",
    "/browse/Country",
    "/query",
    "/ontology",
    "/void",
    "/id/country/AFG",
    "/search?q=afgh",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_html_page_names_a_machine_readable_twin_that_works(client, path):
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    twins = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', html)
    assert twins, path
    for media, href in twins:
        twin = client.get(href.replace("&amp;", "&"), headers={"Accept": media})
        assert twin.status_code == 200, href
        assert twin.mimetype == media, href
    # and the page keeps the browser on this server
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy


# --- the examples on the full build ----------------------------------------------------------


@pytest.fixture(scope="module")
def built_client(built_store_path: Path) -> Iterator:
    app = make_app(built_store_path)
    yield app.test_client()
    close_app(app)


@pytest.mark.parametrize("example", sorted(paths.QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_example_tab_runs_on_the_endpoint(built_client, example):
    """What the query page's ▶ does: POST the tab's query to /sparql and read JSON."""
    text = example.read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if re.search(r"\bSERVICE\b", code, re.I):
        pytest.skip("federated: tests/test_federation.py runs it against a local server")
    response = built_client.post(
        "/sparql",
        data={"query": text},
        headers={"Accept": "application/sparql-results+json,*/*;q=0.9"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert "results" in body or "boolean" in body


def test_query_page_links_each_example_to_its_results(client):
    html = client.get("/query", headers=BROWSER).get_data(as_text=True)
    links = re.findall(r'href="(/sparql\?query=[^"]+&amp;format=json)"', html)
    assert len(links) == len(list(paths.QUERIES.glob("*.rq")))
    for href in links[:5]:
        response = client.get(html_module.unescape(href))  # what a browser reads
        assert response.status_code == 200, href
        assert response.mimetype == "application/sparql-results+json"


# --- search ---------------------------------------------------------------------------------


def test_search_finds_resources_by_any_label_word(client, store):
    body = client.get("/search?q=afgh&format=json").get_json()
    found = {item["iri"] for item in body["items"]}
    # every resource of ours with a label containing "afgh", computed from the store
    expected = {
        q.subject.value
        for q in store
        if q.subject.value.startswith("https://w3id.org/poagraph/id/")
        and q.predicate.value
        in (
            "http://www.w3.org/2000/01/rdf-schema#label",
            "http://www.w3.org/2004/02/skos/core#prefLabel",
        )
        and "afgh" in q.object.value.casefold()
    }
    assert expected and found == expected
    assert body["total"] == len(expected)


def test_search_by_acronym_puts_the_exact_match_first(client):
    items = client.get("/search?q=RQA&format=json").get_json()["items"]
    assert items[0]["href"] == "/id/programme/rqa"
    assert items[0]["label"] == "Return of Qualified Afghans"


def test_search_text_is_escaped_and_bounded(client):
    html = client.get("/search?q=%3Cscript%3Ex", headers=BROWSER).get_data(as_text=True)
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    response = client.get("/search?q=" + "a" * 201, headers={"Accept": "application/json"})
    assert response.status_code == 400
    empty = client.get("/search", headers=BROWSER)
    assert empty.status_code == 200 and 'name="q"' in empty.get_data(as_text=True)


# --- OpenAPI --------------------------------------------------------------------------------


def _shape(route: str) -> str:
    """/id/<path:rest> and /id/{path} both become /id/{}."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", route)


def test_openapi_documents_every_page_route(client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {_shape(p) for p in doc["paths"]}
    routes = {
        _shape(rule.rule)
        for rule in client.application.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("ui", "resources", "contributions")
    }
    assert len(routes) >= 11
    assert routes <= documented, routes - documented
    assert documented <= routes, documented - routes  # nothing documented that is not served


# --- mounted under a prefix -------------------------------------------------------------------


def test_under_a_mount_prefix_every_local_link_keeps_it(store_path):
    """Regression: links were hard-coded from the site root, so the app broke when mounted
    under a path (werkzeug's DispatcherMiddleware, a reverse proxy's SCRIPT_NAME)."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client

    app = make_app(store_path)
    try:
        client = Client(DispatcherMiddleware(NotFound(), {"/poagraph": app}))
        pages = {path: client.get(path, headers=BROWSER) for path in MOUNTED_PAGES}
        for path, response in pages.items():
            assert response.status_code == 200, path
            html = response.get_data(as_text=True)
            local_links = re.findall(r'(?:href|src|action)="(/[^"]*)"', html)
            assert local_links, path
            outside = [link for link in local_links if not link.startswith("/poagraph/")]
            assert not outside, (path, outside)
        home = pages["/poagraph/"].get_data(as_text=True)
        assert 'href="/poagraph/sparql"' in home
        assert 'href="/poagraph/browse/Country"' in home
        assert 'href="/poagraph/graph/vocab"' in home
        query_config = re.search(r'id="poagraph-query-config">(.*?)</script>', _page(pages))
        config = json.loads(query_config.group(1))
        assert config["endpoint"] == "http://localhost/poagraph/sparql"
        assert set(config["localSpaces"].values()) == {"/poagraph/id/", "/poagraph/ontology#"}
        redirect = client.get("/poagraph/sparql", headers=BROWSER)
        assert redirect.status_code == 303
        assert redirect.headers["Location"].endswith("/poagraph/query")
    finally:
        close_app(app)


MOUNTED_PAGES = [
    "/poagraph/",
    "/poagraph/query",
    "/poagraph/browse/Country",
    "/poagraph/id/country/AFG",
    "/poagraph/search?q=afgh",
    "/poagraph/graph/vocab",
]


def _page(pages: dict) -> str:
    return pages["/poagraph/query"].get_data(as_text=True)
