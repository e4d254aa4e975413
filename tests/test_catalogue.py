"""The query catalogue: headers, parameters bound by substitution, CLI and HTTP.

Answers are the report's words (sources/iom-bpoa-review.md), quoted beside each check."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode
from ui_support import BROWSER, close_app, make_app

from poagraph import catalogue, paths
from poagraph.cli import main
from poagraph.errors import InputError

SLE = "https://w3id.org/poagraph/id/country/SLE"
ETH = "https://w3id.org/poagraph/id/country/ETH"
CQ4 = "cq04-partners-in-country"
CQ7 = "cq07-outcomes-of-country"
INJECTION = "SLE> } UNION { ?s ?p ?o } #"


@pytest.fixture(scope="module")
def source() -> str:
    return (paths.SOURCES / "iom-bpoa-review.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(built_store_path: Path) -> Iterator:
    app = make_app(built_store_path)
    yield app.test_client()
    close_app(app)


def cli(store: Path, *args: str):
    return CliRunner().invoke(main, ["query", *args, "--store", str(store)])


def cli_rows(store: Path, name: str, *params: str) -> list[dict[str, str]]:
    args = [name, "--format", "csv"]
    for p in params:
        args += ["--param", p]
    result = cli(store, *args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


# --- the files ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", catalogue.load(), ids=lambda e: e.name)
def test_every_query_has_a_title_a_question_and_parses(entry):
    from rdflib.plugins.sparql import prepareQuery

    assert entry.title and not entry.title.startswith(entry.name)
    assert len(entry.description) > 20
    prepareQuery(entry.query)  # parses
    for param in entry.params:
        assert param.type in catalogue.TYPES
        assert re.search(rf"\?{param.name}\b", entry.query), f"?{param.name} is in the text"
    # pyoxigraph binds only a variable the SELECT projects: each parameter must run bound
    from pyoxigraph import Store, Variable

    for param in entry.params:
        Store().query(entry.query, substitutions={Variable(param.name): NamedNode("urn:x:y")})


def test_passages_mentioning_a_country_two_countries(built_store_path, source):
    # "more than 63, 000 Angolans have been repatriated back home from Zambia" (a Zambia passage)
    assert "repatriated back home from Zambia" in source
    zambia = cli_rows(built_store_path, "passages-mentioning-country", "country=Zambia")
    assert zambia and {r["country"] for r in zambia} == {"https://w3id.org/poagraph/id/country/ZMB"}
    assert any("Zambia" in r["excerpt"] for r in zambia)
    # "IOM Cambodia's Enhanced Migration Management (EMM) Project" (a Cambodia passage)
    cambodia = cli_rows(built_store_path, "passages-mentioning-country", "country=KHM")
    assert cambodia and {r["passage"] for r in cambodia} != {r["passage"] for r in zambia}


def test_cq4_and_cq7_take_a_country_with_a_default():
    for name in (CQ4, CQ7):
        (param,) = catalogue.get(name).params
        assert (param.name, param.type) == ("country", "country") and param.default


def test_an_unknown_query_name_is_a_clear_error():
    with pytest.raises(InputError, match="no query named"):
        catalogue.get("../pyproject")


def test_values_are_rdf_terms_never_text():
    entry = catalogue.Entry(
        "t",
        "t",
        "t",
        tuple(catalogue.Param(n, n) for n in ("iri", "string", "integer", "year")),
        "",
        "",
    )
    terms = catalogue.bind(
        entry,
        {"string": INJECTION, "integer": "12", "year": "2005", "iri": SLE},
        dict,
    )
    assert terms["string"] == Literal(INJECTION)
    assert terms["iri"] == NamedNode(SLE)
    assert terms["integer"].datatype.value.endswith("#integer")
    for key, bad in (("integer", "1 } UNION {"), ("year", "20051"), ("iri", f"{SLE}> ?p ?o")):
        with pytest.raises(InputError):
            catalogue.bind(entry, {key: bad}, dict)


# --- CLI --------------------------------------------------------------------------------------


def test_queries_lists_name_and_title():
    result = CliRunner().invoke(main, ["queries"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for entry in catalogue.load():
        assert entry.name in result.output and entry.title in result.output


def test_cq7_sierra_leone_by_code_name_and_default(built_store_path, source):
    # "IOM Freetown assisted with marine vessel management, reception of 37,000 Refugees"
    # "a total of 160,000 IDPs were returned with dignity and resettled"
    assert "reception of 37,000 Refugees" in source
    assert "a total of 160,000 IDPs were returned" in source
    by_code = cli_rows(built_store_path, CQ7, "country=SLE")
    assert {r["iso3"] for r in by_code} == {"SLE"}
    assert {"37000", "160000"} <= {r["value"] for r in by_code}
    assert cli_rows(built_store_path, CQ7, "country=sierra leone") == by_code
    assert cli_rows(built_store_path, CQ7) == by_code  # the default
    assert len({r["iso3"] for r in cli_rows(built_store_path, CQ7, "country=all")}) > 3


def test_cq7_ethiopia(built_store_path, source):
    # "USD 10,722 was spent on the reintegration of the six returnees."
    assert "USD 10,722 was spent" in source
    rows = cli_rows(built_store_path, CQ7, "country=Ethiopia")
    assert {r["iso3"] for r in rows} == {"ETH"}
    assert any("USD 10,722 was spent" in r["quote"] for r in rows)


def test_cq4_cambodia_and_ethiopia(built_store_path, source):
    # "... and of the Ministry of Women's Affairs (MOWA)."
    assert "Ministry of Women's Affairs (MOWA)" in source
    khm = cli_rows(built_store_path, CQ4, "country=KHM")
    assert {r["iso3"] for r in khm} == {"KHM"}
    assert any("Ministry of Women" in r["name"] for r in khm)
    # "IOM in collaboration with UNDP is currently undertaking capacity building efforts"
    assert "IOM in collaboration with UNDP" in source
    eth = cli_rows(built_store_path, CQ4, "country=Ethiopia")
    assert {r["iso3"] for r in eth} == {"ETH"}
    assert "UNDP" in {r["acronym"] for r in eth}
    assert not any("Ministry of Women" in r["name"] for r in eth)


def test_cli_injection_and_unknown_values_return_no_data(built_store_path):
    for args in (
        [CQ7, "--param", f"country={INJECTION}"],
        [CQ7, "--param", "country=Narnia"],
        ["cq02-programmes-commitment-3", "--param", "commitment=x> } ?s ?p ?o {"],
        [CQ7, "--param", "nope=1"],
    ):
        result = cli(built_store_path, *args, "--format", "csv")
        assert result.exit_code != 0
        assert "https://" not in result.stdout
    assert "no known country" in cli(built_store_path, CQ7, "--param", "country=Narnia").output


# --- HTTP -------------------------------------------------------------------------------------


def test_catalogue_html_and_json(client):
    page = client.get("/queries", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    data = client.get("/queries", headers={"Accept": "application/json"}).get_json()
    names = {q["name"] for q in data["queries"]}
    assert {e.name for e in catalogue.load()} == names
    for name in names:
        assert f"/queries/{name}" in html
    cq7 = next(q for q in data["queries"] if q["name"] == CQ7)
    assert cq7["params"][0]["name"] == "country"


def test_query_results_csv_json_and_html(client):
    body = client.get(f"/queries/{CQ7}?country=Sierra+Leone&format=csv")
    assert body.status_code == 200 and body.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))
    assert {r["iso3"] for r in rows} == {"SLE"} and "160000" in {r["value"] for r in rows}
    js = client.get(f"/queries/{CQ7}?country=ETH", headers={"Accept": "application/json"})
    assert js.mimetype == "application/sparql-results+json"
    bindings = json.loads(js.data)["results"]["bindings"]
    assert {b["iso3"]["value"] for b in bindings} == {"ETH"}
    page = client.get(f"/queries/{CQ4}?country=Cambodia", headers=BROWSER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "CQ4 Organisations" in html and "SELECT" in html  # the question and the SPARQL
    assert "Ministry of Women" in html and "<table" in html
    assert "format=csv" in html and "format=json" in html  # the downloads
    assert 'name="country"' in html


def test_url_injection_and_unknown_values(client):
    for url in (
        f"/queries/{CQ7}?country={INJECTION}",
        f"/queries/{CQ7}?country=Narnia",
        "/queries/cq02-programmes-commitment-3?commitment=x%3E%20%7D%20%3Fs%20%3Fp%20%3Fo%20%7B",
        f"/queries/{CQ7}?nope=1",
    ):
        response = client.get(url, headers={"Accept": "text/csv"})
        assert response.status_code == 400, url
        assert b"https://w3id.org" not in response.data
    assert client.get("/queries/no-such-query").status_code == 404


# --- literal parameters (year, string) over HTTP --------------------------------------------

YEAR = "outcomes-in-year"


def test_year_parameter_over_http_two_values(client, source):
    # "In July 2005 they welcomed 52 new members." (Guinea, 2005)
    assert "In July 2005 they welcomed 52 new members." in source
    # "From the beginning of operations in 2001 until the end of December 2002, a total of
    # 160,000 IDPs were returned" (Sierra Leone, 2001-2002)
    assert "until the end of December 2002, a total of 160,000 IDPs were returned" in source

    def rows(query: str) -> list[dict[str, str]]:
        response = client.get(f"/queries/{YEAR}{query}", headers={"Accept": "text/csv"})
        assert response.status_code == 200, response.data
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    y2005 = rows("?year=2005")
    assert rows("") == y2005  # the default
    assert {r["year"] for r in y2005} == {"2005"}
    assert any(r["countries"] == "GIN" and r["value"] == "52" for r in y2005)
    assert "160000" not in {r["value"] for r in y2005}
    y2002 = rows("?year=2002")
    assert any(r["countries"] == "SLE" and r["value"] == "160000" for r in y2002)
    assert "52" not in {r["value"] for r in y2002 if r["countries"] == "GIN"}
    page = client.get(f"/queries/{YEAR}?year=2002", headers=BROWSER)
    assert page.status_code == 200 and "160000" in page.get_data(as_text=True)


def test_year_injection_over_http_is_refused(client):
    for bad in ("2005 } UNION { ?s ?p ?o }", "20051", "two thousand"):
        response = client.get(f"/queries/{YEAR}", query_string={"year": bad, "format": "csv"})
        assert response.status_code == 400, bad
        assert b"https://w3id.org" not in response.data


def test_literal_bindings_stay_one_term_in_the_worker():
    from pyoxigraph import Quad, Store

    from poagraph.web.query.results import Job, execute

    store = Store()
    s, p = NamedNode("http://example.org/s"), NamedNode("http://example.org/p")
    store.add(Quad(s, p, Literal("Freetown", language="en")))
    text = "SELECT ?name ?s WHERE { ?s <http://example.org/p> ?name }"

    def answer(*literal) -> list[dict]:
        job = Job(query=text, format="json", literals=(("name", *literal),))
        return json.loads(execute(store, job).body)["results"]["bindings"]

    assert [b["s"]["value"] for b in answer("Freetown", None, "en")] == [s.value]
    assert answer("Freetown", None, None) == []  # a plain string is not the @en literal
    assert answer(INJECTION, None, None) == []  # one literal, no extra rows
    assert answer("2005", "http://www.w3.org/2001/XMLSchema#gYear", None) == []
