"""The competency questions (DESIGN §8): every queries/*.rq parses and answers as the report says.

Expected answers come from reading the report, not from the extraction code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Store, Variable
from rdflib.plugins.sparql import prepareQuery

from poagraph import paths

QUERY_FILES = sorted(paths.QUERIES.glob("*.rq"))
CQ_FILES = [f for f in QUERY_FILES if f.name.startswith("cq")]


@pytest.fixture(scope="module")
def store(built_store_path: Path) -> Store:
    return Store.read_only(str(built_store_path))


@pytest.fixture(scope="module")
def source() -> str:
    return (paths.SOURCES / "iom-bpoa-review.md").read_text(encoding="utf-8")


def run(store: Store, name: str, **bindings) -> list[dict[str, object]]:
    (path,) = paths.QUERIES.glob(f"{name}*.rq")
    solutions = store.query(
        path.read_text(encoding="utf-8"),
        use_default_graph_as_union=True,
        substitutions={Variable(k): v for k, v in bindings.items()},
    )
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: (None if row[n] is None else _py(row[n])) for n in names} for row in solutions]


def _py(term):
    if isinstance(term, Literal):
        dt = term.datatype.value
        if dt.endswith("#integer"):
            return int(term.value)
        if dt.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return term.value


def test_the_competency_questions_are_all_there():
    assert len(CQ_FILES) == 15, [f.name for f in CQ_FILES]


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_every_query_has_a_header_and_runs(path: Path, store: Store):
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^# title: \S", text, re.M), "header must start with '# title:'"
    assert re.search(r"^# description: \S", text, re.M), "and say the question in '# description:'"
    if "SERVICE" in text:  # federated: parse only here (tests/test_federation.py runs them)
        prepareQuery(text)
    else:
        list(store.query(text, use_default_graph_as_union=True))


def test_cq01_countries_per_commitment(store):
    rows = {r["number"]: set(r["iso3s"].split()) for r in run(store, "cq01")}
    assert sorted(rows) == [2, 3, 4, 6, 7]  # the report says nothing under commitments 1 and 5
    assert rows[6] == {"AFG", "ETH", "UGA", "BGD"}
    assert rows[7] == {"BGD", "ETH"}
    assert {"SDN", "GNB", "HTI", "MRT", "TLS"} <= rows[2]


def test_cq02_programmes_addressing_commitment_3(store):
    c3 = NamedNode("https://w3id.org/poagraph/id/bpoa/commitment/3")
    rows = {r["name"]: set(r["countries"].split()) for r in run(store, "cq02", commitment=c3)}
    every = run(store, "cq02")
    assert {r["name"] for r in every if r["number"] == 3} == set(rows)
    names = " | ".join(rows)
    for expected in (
        "Return of Qualified Afghans",
        "Temporary Return of Qualified Nationals",
        "Migration for Development in Ethiopia",
        "MIDA Great Lakes",
    ):
        assert expected in names
    assert "Pilot Enhancement Return Scheme" not in names  # a commitment 4 scheme
    great_lakes = next(c for n, c in rows.items() if "Great Lakes" in n)
    assert great_lakes == {"COD", "RWA", "BDI"}
    other = run(
        store, "cq02", commitment=NamedNode("https://w3id.org/poagraph/id/bpoa/commitment/4")
    )
    assert "Pilot Enhancement Return Scheme" in {r["name"] for r in other}


def test_cq03_people_returned_with_quotes(store, source):
    rows = run(store, "cq03")
    figures = {(r["iso3"], r["value"]) for r in rows}
    for expected in [
        ("SLE", 160000),
        ("ZMB", 63000),
        ("ZMB", 1500),
        ("TLS", 180000),
        ("AFG", 4400),
        ("ETH", 5300),
    ]:
        assert expected in figures
    for r in rows:
        assert r["quote"] in source
        written = f"{r['value']:,}"
        assert any(w in r["quote"] for w in (written, written.replace(",", ", "), str(r["value"])))
    assert next(r for r in rows if r["iso3"] == "AFG")["qualifier"] == "over"


def test_cq04_organisations_in_a_country_tell_namesakes_apart(store):
    khm_country = NamedNode("https://w3id.org/poagraph/id/country/KHM")
    khm = {r["organisation"] for r in run(store, "cq04", country=khm_country)}
    afg = {
        r["organisation"]
        for r in run(store, "cq04", country=NamedNode("https://w3id.org/poagraph/id/country/AFG"))
    }
    mowa = "Ministry of Women"
    khm_names = {r["name"] for r in run(store, "cq04", country=khm_country)}
    assert any(mowa in n for n in khm_names)
    assert not {o for o in khm & afg if "women" in o}
    assert {r["iso3"] for r in run(store, "cq04")} >= {"KHM", "AFG", "ETH"}
    assert "https://w3id.org/poagraph/id/organisation/iom" not in khm | afg


def test_cq05_diaspora_programmes(store):
    rows = run(store, "cq05")
    assert {r["acronym"] for r in rows} >= {"MIDA", "RQA", "TRQN", "MIDEth"}
    by_acronym = {}
    for r in rows:
        by_acronym.setdefault(r["acronym"], set()).update((r["countries"] or "").split())
    assert by_acronym["RQA"] == {"AFG"}
    assert by_acronym["TRQN"] == {"SLE"}
    assert {"COD", "RWA", "BDI", "BEN", "BFA", "SEN"} <= by_acronym["MIDA"]


def test_cq06_money_per_currency(store):
    rows = run(store, "cq06")
    amounts = {(r["currency"], r["value"]) for r in rows}
    assert {
        ("USD", 10722),
        ("USD", 1400000),
        ("EUR", 1200000),
        ("GBP", 3000),
        ("GBP", 4000000),
    } <= amounts
    assert {r["currency"] for r in rows} == {"USD", "EUR", "GBP"}


def test_cq07_outcomes_of_a_country_with_evidence(store):
    rows = run(store, "cq07", country=NamedNode("https://w3id.org/poagraph/id/country/SLE"))
    assert {r["iso3"] for r in rows} == {"SLE"}
    assert {37000, 160000, 200, 600, 300} <= {r["value"] for r in rows}
    for r in rows:
        text = next(
            iter(
                store.quads_for_pattern(
                    NamedNode(r["passage"]),
                    NamedNode("https://w3id.org/poagraph/ontology#text"),
                    None,
                )
            )
        ).object.value
        assert r["quote"] in text


def test_cq08_ldcs_covered_and_never_mentioned(store, source):
    rows = run(store, "cq08")
    assert len(rows) == 50  # LDCs at some time in 2001-2010: 49 at Brussels + Timor-Leste
    covered = {r["iso3"] for r in rows if r["covered"]}
    assert {"AFG", "ETH", "SLE", "TLS", "HTI", "KHM", "LAO"} <= covered
    for r in rows:
        if not r["covered"]:
            mentioned = re.search(rf"\b{re.escape(r['name'])}\b", source)
            assert not mentioned, f"{r['name']} is in the report but not covered"


def test_cq09_sdg_targets(store):
    rows = {r["sdg"]: r for r in run(store, "cq09")}
    assert "http://metadata.un.org/sdg/10.7" in rows
    assert rows["http://metadata.un.org/sdg/10.7"]["label"].startswith("Facilitate orderly")
    assert all(r["label"] for r in rows.values()), "labels are bundled for offline use"


def test_cq10_programmes_per_region(store):
    rows = {r["regionName"]: r["programmes"] for r in run(store, "cq10")}
    assert rows["Africa"] > rows["Asia"] > 0


def test_cq11_approximate_and_exact(store):
    rows = run(store, "cq11")
    count = "SELECT (COUNT(*) AS ?n) { ?o a <https://w3id.org/poagraph/ontology#Outcome> }"
    total = next(iter(store.query(count, use_default_graph_as_union=True)))["n"].value
    assert sum(r["outcomes"] for r in rows) == int(total)
    qualifiers = {r["qualifier"] for r in rows if r["precision"] == "approximate"}
    assert {"over", "nearly", "almost", "about", "more than"} <= qualifiers


def test_cq13_events_in_date_order(store):
    rows = run(store, "cq13")
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    assert "2006-02-09" in dates and "2005-11-14" in dates


def test_cq14_government_bodies_per_country(store):
    rows = {r["iso3"]: r["names"] for r in run(store, "cq14")}
    assert (
        "Ministry of Women's Affairs" in rows["KHM"]
        and "Ministry of Women's Affairs" in rows["AFG"]
    )
    assert "Ministry of Labour and Social Affairs" in rows["ETH"]


def test_cq15_cotonou_participants(store, source):
    rows = run(store, "cq15")
    note = re.search(r"¹ Participating LDCs were (.+?)\. Observer states were (.+?)\.", source)
    listed = re.split(r", | and ", note.group(1))
    observers = re.split(r", | and ", note.group(2))
    assert (len(listed), len(observers)) == (32, 2)
    countries = [r for r in rows if r["type"].endswith("#Country")]
    assert len(countries) == 34
    assert sum(1 for r in countries if r["isLDC"]) >= 32
    names = {r["name"] for r in countries}
    assert {"Ghana", "Nigeria"} <= names
    assert any(r["type"].endswith("#Organisation") for r in rows)


def test_cq12_contributions_by_whom_when_how_many(store):
    assert run(store, "cq12") == []  # the bundled build holds the report alone
    contributions = Store()
    ttl = """
    @prefix poa: <https://w3id.org/poagraph/ontology#> .
    @prefix prov: <http://www.w3.org/ns/prov#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <https://w3id.org/poagraph/id/contribution/{id}> a poa:Contribution ;
        poa:reportedBy <https://w3id.org/poagraph/id/organisation/{org}> ;
        prov:generatedAtTime "{when}"^^xsd:dateTime .
    <https://w3id.org/poagraph/id/organisation/{org}> rdfs:label "{org}" .
    """
    for cid, org, when, outcomes in [
        ("c2", "ilo", "2026-02-01T10:00:00Z", 1),
        ("c1", "wfp", "2026-01-01T10:00:00Z", 3),
    ]:
        graph = NamedNode(f"https://w3id.org/poagraph/graph/contribution/{cid}")
        text = ttl.format(id=cid, org=org, when=when) + "".join(
            f"<https://w3id.org/poagraph/id/contribution/{cid}/outcome/{n}> a poa:Outcome .\n"
            for n in range(outcomes)
        )
        contributions.load(text.encode(), RdfFormat.TURTLE, to_graph=graph)
    solutions = contributions.query(
        (paths.QUERIES / "cq12-contributions.rq").read_text(encoding="utf-8"),
        use_default_graph_as_union=True,
    )
    rows = [(r["organisation"].value, r["outcomes"].value) for r in solutions]
    assert rows == [("wfp", "3"), ("ilo", "1")]
