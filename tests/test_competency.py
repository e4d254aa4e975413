"""The competency questions (DESIGN §8): every queries/*.rq parses and answers as the report says.

Expected answers come from reading the report, not from the extraction code.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import datetime
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Store, Variable
from rdflib.plugins.sparql import prepareQuery

from poagraph import paths
from poagraph import store as poagraph_store

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


@pytest.fixture(scope="module")
def with_french_labels(store: Store) -> Store:
    """The store plus a French name beside every English one (as a report in French would
    add): answers must not change, since queries pick labels by lang()."""
    copy = Store()
    copy.extend(store.quads_for_pattern(None, None, None, None))
    names = {
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2004/02/skos/core#altLabel",
        "http://purl.org/dc/terms/title",
    }
    extra = []
    for quad in store.quads_for_pattern(None, None, None, None):
        literal = quad.object
        if (
            quad.predicate.value in names
            and isinstance(literal, Literal)
            and literal.language == "en"
        ):
            french = Literal("fr " + literal.value, language="fr")
            extra.append(Quad(quad.subject, quad.predicate, french, quad.graph_name))
    assert len(extra) > 1000
    copy.extend(extra)
    return copy


@pytest.mark.parametrize(
    "path", [f for f in QUERY_FILES if "SERVICE" not in f.read_text()], ids=lambda p: p.name
)
def test_answers_do_not_change_with_labels_in_another_language(path, store, with_french_labels):
    name = path.name.removesuffix(".rq")
    assert _answer(run(with_french_labels, name)) == _answer(run(store, name))


def _answer(rows: list[dict]) -> list[str]:
    """Rows comparable across stores: GROUP_CONCAT lists in any order, rows in any order."""

    def cell(value: object) -> object:
        if isinstance(value, str):
            return sorted(value.replace(";", " ").replace(",", " ").split())
        return value

    return sorted(repr({k: cell(v) for k, v in row.items()}) for row in rows)


def test_cq01_countries_per_commitment(store):
    rows = {r["number"]: set(r["iso3s"].split()) for r in run(store, "cq01")}
    assert sorted(rows) == [2, 3, 4, 6, 7]  # the report says nothing under commitments 1 and 5
    assert rows[6] == {"AFG", "ETH", "UGA", "BGD"}
    assert rows[7] == {"BGD", "ETH"}
    assert {"SDN", "GNB", "HTI", "MRT", "TLS"} <= rows[2]


def test_cq02_programmes_addressing_commitment_3(store):
    c3 = NamedNode("https://w3id.org/poagraph/id/bpoa/commitment/3")
    answer = run(store, "cq02", commitment=c3)
    rows = {r["name"]: set((r["countries"] or "").split()) for r in answer}
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


POA = "https://w3id.org/poagraph/ontology#"


def _status(store: Store, outcome: str) -> str:
    (quad,) = store.quads_for_pattern(NamedNode(outcome), NamedNode(POA + "status"), None)
    return quad.object.value


def _sentence(source: str, words: str) -> str:
    """The sentence of the report holding `words` (the report's own wording, for the tests)."""
    at = source.index(words)
    start = max(source.rfind(". ", 0, at) + 2, source.rfind("\n", 0, at) + 1)
    return source[start : source.index(".", at) + 1]


#: What the report says was returned, repatriated or resettled, and where (its sentences).
RETURNED = {
    # "It has assisted over 4,400 migrants to voluntarily return home from 30 countries"
    ("AFG",): (4400, "over 4,400 migrants to voluntarily return home"),
    # "a total of 160,000 IDPs were returned with dignity and resettled in their areas of origin"
    ("SLE",): (160000, "a total of 160,000 IDPs were returned"),
    # "IOM provided support for the return of over 180,000 former refugees"
    ("TLS",): (180000, "the return of over 180,000 former refugees"),
    # "more than 63, 000 Angolans have been repatriated back home from Zambia" and "over 1500
    # refugees have been assisted in resettling to countries, such as Australia, Canada"
    ("ZMB",): (63000 + 1500, "more than 63, 000 Angolans have been repatriated"),
    # MIDA Great Lakes, for the three countries together: "a second phase was launched which
    # resulted in 77 short or long-term missions, 4 permanent returns"
    ("BDI", "COD", "RWA"): (4, "4 permanent returns"),
}


def test_cq03_people_returned_achieved_only_with_quotes(store, source):
    rows = run(store, "cq03")
    figures = {(r["iso3"], r["value"]) for r in rows}
    for expected in [
        ("SLE", 160000),
        ("ZMB", 63000),
        ("ZMB", 1500),
        ("TLS", 180000),
        ("AFG", 4400),
        ("COD", 4),
    ]:
        assert expected in figures
    # "By mid-May 2006 IOM will have assisted 5,300 IDPs to return to their communities.": a
    # forecast, and "a nine-month project targeting assistance towards the return of 5,500
    # Internally Displaced Persons": a target. Neither is a result.
    forecast = _sentence(source, "will have assisted 5,300 IDPs")
    target = _sentence(source, "towards the return of 5,500")
    assert not {("ETH", 5300), ("ETH", 5500)} & figures
    assert all(r["quote"] not in (forecast, target) for r in rows)
    for r in rows:
        assert _status(store, r["outcome"]) == POA + "Achieved"
        assert r["quote"] in source
        written = f"{r['value']:,}"
        assert any(w in r["quote"] for w in (written, written.replace(",", ", "), str(r["value"])))
    assert next(r for r in rows if r["iso3"] == "AFG")["qualifier"] == "over"
    # the joint result: one outcome, under each of its three countries, with the other two
    joint = [r for r in rows if "4 permanent returns" in r["quote"]]
    assert {r["iso3"] for r in joint} == {"BDI", "COD", "RWA"}
    assert len({r["outcome"] for r in joint}) == 1
    for r in joint:
        assert set(r["sharedWith"].split()) == {"BDI", "COD", "RWA"} - {r["iso3"]}
    assert all(not r["sharedWith"] for r in rows if r not in joint)


def test_people_returned_per_country_counts_a_joint_result_once(store, source):
    rows = run(store, "people-returned")
    got = {tuple(sorted(r["countries"].split())): r for r in rows}
    assert set(got) == set(RETURNED)
    for countries, (total, words) in RETURNED.items():
        assert words in source
        assert got[countries]["returned"] == total, countries
        assert got[countries]["jointly"] == (len(countries) > 1)
    assert got[("BDI", "COD", "RWA")]["outcomes"] == 1
    # every outcome once: the rows add up to the distinct outcomes CQ3 lists
    distinct = {r["outcome"]: r["value"] for r in run(store, "cq03")}
    assert sum(r["returned"] for r in rows) == sum(distinct.values()) == 408904
    assert sum(r["outcomes"] for r in rows) == len(distinct)


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


def test_cq06_money_achieved_only(store, source):
    rows = run(store, "cq06")
    amounts = {(r["currency"], r["value"]) for r in rows}
    # "USD 10,722 was spent on the reintegration of the six returnees." and "has received a
    # Human Security Fund of about \\$ 1.4 Million USD from the Japanese Government."
    assert amounts == {("USD", 10722), ("USD", 1400000)}
    for r in rows:
        assert r["quote"] in source and _status(store, r["outcome"]) == POA + "Achieved"
    # not results: "... Community Stabilization Project will provide over 1.2 million Euros";
    # "returnees from the United Kingdom are entitled to GBP 3,000"; "IOM in Addis Ababa has
    # submitted a project proposal in response to the Humanitarian Response Fund (HRF); a
    # flexible funding of 4m BP provided by DFID to the UN and NGOs."
    for words in ("will provide over 1.2 million Euros", "entitled to GBP 3,000", "4m BP"):
        assert words in source
        assert all(words not in r["quote"] for r in rows)
    planned = {
        (c.value, int(v.value))
        for c, v in _select(
            store,
            "SELECT ?c ?v { ?o poa:status poa:Planned ; poa:currency ?c ; poa:value ?v }",
        )
    }
    assert {("EUR", 1200000), ("GBP", 3000), ("GBP", 4000000)} <= planned


def _select(store: Store, query: str) -> list[tuple]:
    prefixes = f"PREFIX poa: <{POA}>\n"
    solutions = store.query(prefixes + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [tuple(row[n] for n in names) for row in solutions]


def test_cq07_outcomes_of_a_country_with_evidence(store):
    rows = run(store, "cq07", country=NamedNode("https://w3id.org/poagraph/id/country/SLE"))
    assert {r["iso3"] for r in rows} == {"SLE"}
    assert {37000, 160000, 200, 600, 300} <= {r["value"] for r in rows}
    assert all(_status(store, r["outcome"]) == POA + "Achieved" for r in rows)
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


def test_cq07_lists_a_joint_outcome_as_shared_and_no_target(store, source):
    rwa = run(store, "cq07", country=NamedNode("https://w3id.org/poagraph/id/country/RWA"))
    joint = next(r for r in rwa if "4 permanent returns" in r["quote"])
    assert set(joint["sharedWith"].split()) == {"BDI", "COD"}
    # Ethiopia: "By mid-May 2006 IOM will have assisted 5,300 IDPs" is no result
    eth = run(store, "cq07", country=NamedNode("https://w3id.org/poagraph/id/country/ETH"))
    assert eth and 5300 not in {r["value"] for r in eth}
    assert _sentence(source, "USD 10,722 was spent") in {r["quote"] for r in eth}


def test_outcomes_per_country_counts_achieved_and_flags_shared(store):
    rows = {r["name"]: r for r in run(store, "outcomes-per-country")}
    achieved = _select(
        store,
        "SELECT ?c (COUNT(DISTINCT ?o) AS ?n)"
        " { ?o poa:status poa:Achieved ; poa:country ?c } GROUP BY ?c",
    )
    assert {int(n.value) for _, n in achieved} and len(rows) == len(achieved)
    by_iri = {r["country"]: r["outcomes"] for r in rows.values()}
    assert by_iri == {c.value: int(n.value) for c, n in achieved}
    # the MIDA Great Lakes results are stated for the three countries together
    assert rows["Burundi"]["shared"] >= 1 and rows["Rwanda"]["shared"] >= 1
    assert rows["Afghanistan"]["shared"] == 0


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
    ((total,),) = _select(store, "SELECT (COUNT(*) AS ?n) { ?o poa:status poa:Achieved }")
    assert sum(r["outcomes"] for r in rows) == int(total.value)
    qualifiers = {r["qualifier"] for r in rows if r["precision"] == "approximate"}
    assert {"over", "nearly", "almost", "about", "more than"} <= qualifiers


def test_cq13_events_in_date_order_undated_last(store, source):
    rows = run(store, "cq13")
    dated = [r["date"] for r in rows if r["date"] is not None]
    assert dated == sorted(dated)
    undated = [i for i, r in enumerate(rows) if r["date"] is None]
    assert undated == list(range(len(dated), len(rows)))  # after every dated event
    assert "2006-02-09" in dated and "2005-11-14" in dated
    for r in rows:
        assert r["quote"] in source, r["event"]  # the words of an annotation, verbatim
    # "IOM Addis has also attended several meetings on post-conflict resolution such as ...
    # the Regional Conference on Refugees, Returnees and IDPs in the IGAD, TICAD (Tokyo
    # International Cooperation on African Development) Conference on Consolidation of Peace
    # in Africa among other regional meetings." names meetings without a date
    assert any("TICAD" in r["name"] and r["date"] is None for r in rows)


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


def test_cq12_contributions_by_whom_when_how_many(store, built_store_path, tmp_path):
    assert run(store, "cq12") == []  # the bundled build holds the report alone
    # Two contributions through the real path (accept: checked, then written as their own
    # named graphs with their poa:Contribution record), on a copy of the built store.
    from poagraph import iris
    from poagraph.contributions.accept import accept

    copy = tmp_path / "store"
    shutil.copytree(built_store_path, copy)
    examples = paths.ROOT / "contributions" / "examples"
    epo = iris.organisation("example-partner-organisation")
    first = accept(
        copy,
        (examples / "valid.ttl").read_bytes(),
        fmt="ttl",
        filename="valid.ttl",
        organisation=epo,
        organisation_label="Example Partner Organisation",
    )
    time.sleep(1.1)  # generatedAtTime counts seconds: the order below is the order sent
    second = accept(
        copy,
        (examples / "valid.csv").read_bytes(),
        fmt="csv",
        filename="valid.csv",
        organisation=iris.organisation("iom"),
    )
    with poagraph_store.reading(copy) as db:
        rows = run(db, "cq12")
    assert [(r["graph"], r["organisation"], r["outcomes"]) for r in rows] == [
        (first.graph, "Example Partner Organisation", 2),
        (second.graph, "International Organization for Migration", 3),
    ]
    with poagraph_store.reading(copy) as db:
        for r in rows:  # ?achieved: those of its outcomes that state poa:status poa:Achieved
            query = (
                f"SELECT (COUNT(DISTINCT ?o) AS ?n) {{ GRAPH <{r['graph']}>"
                f" {{ ?o <{POA}status> <{POA}Achieved> }} }}"
            )
            ((n,),) = _select(db, query)
            assert r["achieved"] == int(n.value)
    added = [datetime.fromisoformat(r["added"]) for r in rows]
    assert added[0] < added[1] and added[1].tzinfo is not None
    assert rows[0]["contribution"] == f"{iris.ID}contribution/{first.id}"


def test_programmes_and_their_countries(store, source):
    rows = {r["acronym"]: r for r in run(store, "programmes-countries") if r["acronym"]}
    # "Through its Technical Cooperation on Migration (TCM), IOM activities help governments":
    # a global programme, no country
    assert "Through its Technical Cooperation on Migration (TCM)" in source
    assert not rows["TCM"]["countries"]
    # "through the EC-funded RANA programme" (under the Afghanistan heading)
    assert "through the EC-funded RANA programme" in source
    assert rows["RANA"]["countries"] == "Afghanistan"


def test_class_counts_count_resources_of_the_bundled_report(store):
    counts = {r["class"]: r["resources"] for r in run(store, "class-counts")}
    assert counts[POA + "Report"] == 1  # sources/ holds one report
    assert counts[POA + "Commitment"] == 7  # the seven BPoA commitments
    planned = run(store, "cq03")  # achieved only: fewer rows than outcomes
    assert counts[POA + "Outcome"] > len({r["value"] for r in planned})
