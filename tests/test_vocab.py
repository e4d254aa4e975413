"""The UN reference data in ontology/vocab/ and the script that derives it.

Expected facts come from the shared reference data and DESIGN §6 (49 LDCs at Brussels,
50 with Timor-Leste from 2003, 49 at the end of 2010 after Cape Verde's graduation; Sudan
M49 736), never from the derived files themselves. The shared folder is not in the
repository: the tests read its committed slice, tests/data/vocab/ (scripts/slice_vocab.py),
and, when ../shared/vocab is there too, the whole of it.
"""

from __future__ import annotations

import csv
import filecmp
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from poagraph import iris, paths, reference
from poagraph.extract import themes

SHARED_VOCAB = paths.ROOT.parent / "shared" / "vocab"
SLICE = paths.ROOT / "tests" / "data" / "vocab"
SCRIPT = paths.ROOT / "scripts" / "derive_vocab.py"
VOCAB_FILES = ["countries.ttl", "sdg.ttl", "unbis.ttl"]
PREFIXES = f"""
PREFIX poa: <{iris.POA}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
"""

#: DESIGN §6: for 2001-2010 facts Sudan is M49 736 "Sudan (pre-2011)", not today's 729.
DECADE_M49 = {"SDN": "736"}

#: The documented way to ask "LDCs on day D" (poa:ldcFrom's scope note).
LDC_ON = """SELECT ?c ?day WHERE { GRAPH ?g {
    ?c a poa:Country ; poa:isLDC true .
    OPTIONAL { ?c poa:ldcFrom ?from } OPTIONAL { ?c poa:ldcUntil ?until }
    FILTER(!BOUND(?from) || STR(?from) <= ?day)
    FILTER(!BOUND(?until) || STR(?until) > ?day)
} }"""


@pytest.fixture(scope="module")
def vocab() -> ox.Store:
    store = ox.Store()
    store.extend(reference.reference_quads())
    return store


def select(store: ox.Store, query: str, **bindings: ox.Literal) -> list:
    substitutions = {ox.Variable(name): value for name, value in bindings.items()}
    return list(store.query(PREFIXES + query, substitutions=substitutions))


def ldcs_on(store: ox.Store, day: str) -> set[str]:
    rows = select(store, LDC_ON, day=ox.Literal(day))
    return {r["c"].value.rsplit("/", 1)[1] for r in rows}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def crosswalk(source: Path) -> list[dict[str, str]]:
    return read_csv(source / "countries" / "ldc_crosswalk_2001_2010.csv")


def code_table(source: Path) -> list[dict[str, str]]:
    return read_csv(source / "countries" / "country-codes.csv")


def run_derive(source: Path, out: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"derive_vocab.py --source {source} failed (if a linked concept is missing from "
        f"tests/data/vocab, run scripts/slice_vocab.py):\n{result.stderr}"
    )


def triples_by_subject(path: Path) -> dict[ox.NamedNode, set[ox.Triple]]:
    """The triples of a Turtle file grouped by subject; the derived files have no blank
    nodes (they could not be compared across files by label)."""
    grouped: dict[ox.NamedNode, set[ox.Triple]] = {}
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        assert not isinstance(t.subject, ox.BlankNode), f"{path.name}: blank node in {t}"
        assert not isinstance(t.object, ox.BlankNode), f"{path.name}: blank node in {t}"
        grouped.setdefault(t.subject, set()).add(t)
    return grouped


def test_vocab_files_are_in_the_vocab_graph(vocab: ox.Store) -> None:
    graphs = {g.value for g in vocab.named_graphs()}
    assert graphs == {iris.ONTOLOGY_GRAPH, iris.VOCAB_GRAPH}
    in_vocab = select(
        vocab, f"SELECT ?c WHERE {{ GRAPH <{iris.VOCAB_GRAPH}> {{ ?c a poa:Country }} }}"
    )
    in_onto = select(
        vocab, f"SELECT ?c WHERE {{ GRAPH <{iris.ONTOLOGY_GRAPH}> {{ ?c a poa:Country }} }}"
    )
    assert len(in_vocab) > 240 and in_onto == []


@pytest.mark.parametrize(
    ("day", "count"),
    [("2001-05-14", 49), ("2003-12-31", 50), ("2007-11-30", 50), ("2010-12-31", 49)],
)
def test_ldc_count_on_a_day_of_the_decade(vocab: ox.Store, day: str, count: int) -> None:
    assert len(ldcs_on(vocab, day)) == count


def test_timor_leste_joins_and_cape_verde_graduates(vocab: ox.Store) -> None:
    brussels, end = ldcs_on(vocab, "2001-05-14"), ldcs_on(vocab, "2010-12-31")
    assert end - brussels == {"TLS"}
    assert brussels - end == {"CPV"}
    assert "SEN" in brussels  # added April 2001, just before Brussels
    assert len(select(vocab, "SELECT ?c WHERE { GRAPH ?g { ?c poa:isLDC true } }")) == 50


def test_ldc_lists_match_the_crosswalk_flags(vocab: ox.Store) -> None:
    sliced = {r["ISO3166-1-Alpha-3"] for r in code_table(SLICE)}
    rows = crosswalk(SLICE)
    at_brussels = {r["iso3"] for r in rows if r["ldc_at_brussels_2001_05"] == "True"}
    at_end = {r["iso3"] for r in rows if r["ldc_on_2010_12_31"] == "True"}
    # the slice has the decade's changes and countries that were never LDCs in it
    assert (at_brussels - at_end, at_end - at_brussels) == ({"CPV"}, {"TLS"})
    assert sliced - at_brussels - at_end >= {"CHE", "NAM", "BWA", "SSD"}
    assert ldcs_on(vocab, "2001-05-14") & sliced == at_brussels
    assert ldcs_on(vocab, "2010-12-31") & sliced == at_end
    if SHARED_VOCAB.is_dir():  # the whole crosswalk too
        rows = crosswalk(SHARED_VOCAB)
        at_brussels = {r["iso3"] for r in rows if r["ldc_at_brussels_2001_05"] == "True"}
        at_end = {r["iso3"] for r in rows if r["ldc_on_2010_12_31"] == "True"}
        assert ldcs_on(vocab, "2001-05-14") == at_brussels
        assert ldcs_on(vocab, "2010-12-31") == at_end


def test_cape_verde_graduation_facts(vocab: ox.Store) -> None:
    rows = select(
        vocab,
        f"""SELECT ?year ?until WHERE {{ GRAPH ?g {{ <{iris.country("CPV")}>
            poa:ldcGraduationYear ?year ; poa:ldcUntil ?until }} }}""",
    )
    assert [(r["year"], r["until"].value) for r in rows] == [
        (
            ox.Literal("2007", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
            "2007-12",
        )
    ]


def test_sudan_is_m49_736_for_the_decade(vocab: ox.Store) -> None:
    sdn = iris.country("SDN")
    rows = select(
        vocab,
        f"""SELECT ?m49 ?notation WHERE {{ GRAPH ?g {{
            <{sdn}> poa:m49 ?m49 ; skos:notation ?notation ;
            skos:exactMatch <http://metadata.un.org/sdg/codes/geoArea/736> }} }}""",
    )
    assert [(r["m49"].value, r["notation"].value) for r in rows] == [("736", "736")]


def test_afghanistan(vocab: ox.Store) -> None:
    afg = iris.country("AFG")
    rows = select(vocab, f"SELECT ?p ?o WHERE {{ GRAPH ?g {{ <{afg}> ?p ?o }} }}")
    facts = {(r["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], r["o"].value) for r in rows}
    for expected in [
        ("m49", "004"),
        ("notation", "004"),
        ("iso3", "AFG"),
        ("iso2", "AF"),
        ("isLDC", "true"),
        ("exactMatch", "http://metadata.un.org/sdg/codes/geoArea/004"),
        ("exactMatch", "http://www.wikidata.org/entity/Q889"),
        ("exactMatch", "http://publications.europa.eu/resource/authority/country/AFG"),
        ("exactMatch", "http://metadata.un.org/thesaurus/1000096"),
        ("m49Region", "http://metadata.un.org/sdg/codes/geoArea/142"),
        ("m49SubRegion", "http://metadata.un.org/sdg/codes/geoArea/034"),
    ]:
        assert expected in facts


def test_m49_regions_are_labelled_concepts(vocab: ox.Store) -> None:
    rows = select(
        vocab,
        f"""SELECT ?region ?rl ?sub ?sl WHERE {{ GRAPH ?g {{
            <{iris.country("AFG")}> poa:m49Region ?region ; poa:m49SubRegion ?sub .
            ?region skos:prefLabel ?rl . ?sub skos:prefLabel ?sl ; skos:broader ?region }} }}""",
    )
    assert [(r["rl"].value, r["sl"].value) for r in rows] == [("Asia", "Southern Asia")]


def test_every_country_has_one_code_of_each_kind(vocab: ox.Store) -> None:
    rows = select(
        vocab,
        """SELECT ?c (COUNT(DISTINCT ?m49) AS ?m) (COUNT(DISTINCT ?iso3) AS ?i)
                  (COUNT(DISTINCT ?label) AS ?l) (SAMPLE(?m49) AS ?code) (SAMPLE(?iso3) AS ?iso)
           WHERE { GRAPH ?g { ?c a poa:Country ; poa:m49 ?m49 ; poa:iso3 ?iso3 ;
                    skos:prefLabel ?label ; poa:isLDC ?ldc } } GROUP BY ?c""",
    )
    assert len(rows) > 240
    for r in rows:
        assert (r["m"].value, r["i"].value, r["l"].value) == ("1", "1", "1"), r["c"]
        assert len(r["code"].value) == 3 and r["code"].value.isdigit()
        assert r["c"].value == iris.country(r["iso"].value)


def test_every_country_of_the_code_table_is_there(vocab: ox.Store) -> None:
    table = code_table(SLICE)
    assert {r["ISO3166-1-Alpha-2"] for r in table if r["ISO3166-1-Alpha-3"] == "NAM"} == {"NA"}
    for row in table:
        iso3 = row["ISO3166-1-Alpha-3"]
        rows = select(
            vocab,
            f"""SELECT ?iso3 ?iso2 ?m49 WHERE {{ GRAPH ?g {{
                <{iris.country(iso3)}> a poa:Country ; poa:iso3 ?iso3 ; poa:m49 ?m49 .
                OPTIONAL {{ <{iris.country(iso3)}> poa:iso2 ?iso2 }} }} }}""",
        )
        found = [(r["iso3"].value, r["iso2"] and r["iso2"].value, r["m49"].value) for r in rows]
        m49 = DECADE_M49.get(iso3, row["M49"].zfill(3))
        assert found == [(iso3, row["ISO3166-1-Alpha-2"] or None, m49)], iso3
    if SHARED_VOCAB.is_dir():  # the whole table too
        expected = {row["ISO3166-1-Alpha-3"] for row in code_table(SHARED_VOCAB)}
        rows = select(vocab, "SELECT ?iso WHERE { GRAPH ?g { ?c a poa:Country ; poa:iso3 ?iso } }")
        assert {r["iso"].value for r in rows} == expected


def test_every_linked_concept_is_labelled(vocab: ox.Store) -> None:
    """Queries work offline: every SDG and UNBIS concept the graph links to has a label."""
    sdg, unbis = themes.linked_concepts()
    rows = select(
        vocab,
        """SELECT ?c WHERE { GRAPH ?g { ?s ?p ?c FILTER(isIRI(?c) && (
            STRSTARTS(STR(?c), "http://metadata.un.org/thesaurus/") ||
            STRSTARTS(STR(?c), "http://metadata.un.org/sdg/C") )) } }""",
    )
    linked = sdg | unbis | {r["c"].value for r in rows}
    labelled = {
        r["c"].value
        for r in select(
            vocab,
            'SELECT ?c WHERE { GRAPH ?g { ?c skos:prefLabel ?l FILTER(LANG(?l) = "en") } }',
        )
    }
    assert linked - labelled == set()
    assert "http://metadata.un.org/thesaurus/1004111" in labelled  # MIGRATION


def test_sdg_indicator_and_its_hierarchy(vocab: ox.Store) -> None:
    rows = select(
        vocab,
        """SELECT ?target ?goal ?gl WHERE { GRAPH ?g {
            <http://metadata.un.org/sdg/C100702> skos:broader ?target ; skos:notation ?n .
            ?target skos:broader ?goal . ?goal skos:prefLabel ?gl FILTER(STR(?n) = "10.7.2") } }""",
    )
    assert [(r["target"].value, r["goal"].value) for r in rows] == [
        ("http://metadata.un.org/sdg/10.7", "http://metadata.un.org/sdg/10")
    ]
    assert rows[0]["gl"].value == "Reduce inequality within and among countries"


def test_each_file_says_where_its_facts_came_from(vocab: ox.Store) -> None:
    rows = select(
        vocab,
        """SELECT ?d (COUNT(?src) AS ?n) (SAMPLE(?terms) AS ?t) WHERE { GRAPH ?g {
            ?d a void:Dataset ; dcterms:source ?src .
            OPTIONAL { ?d dcterms:license|dcterms:rights ?terms } } } GROUP BY ?d""",
    )
    assert len(rows) == 3
    assert all(r["t"] is not None for r in rows)
    citation = select(vocab, "SELECT ?c WHERE { GRAPH ?g { ?d dcterms:bibliographicCitation ?c } }")
    assert any("Knowledge Organization System" in r["c"].value for r in citation)


def test_derive_script_is_deterministic_and_committed_output_is_up_to_date(tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        run_derive(SLICE, out)
    for name in VOCAB_FILES:
        assert filecmp.cmp(outs[0] / name, outs[1] / name, shallow=False), name
    # what the slice derives (its countries, their regions, the linked SDG and UNBIS
    # concepts, each file's provenance) is what the committed files say about the same IRIs
    sliced = {ox.NamedNode(iris.country(r["ISO3166-1-Alpha-3"])) for r in code_table(SLICE)}
    for name in VOCAB_FILES:
        derived = triples_by_subject(outs[0] / name)
        committed = triples_by_subject(paths.VOCAB / name)
        if name == "countries.ttl":
            assert {s for s in derived if s.value.startswith(iris.country(""))} == sliced
        for subject, triples in derived.items():
            assert triples == committed.get(subject, set()), (
                f"ontology/vocab/{name} is out of date for {subject}: "
                "run scripts/derive_vocab.py and commit"
            )
    if SHARED_VOCAB.is_dir():  # the whole shared folder gives exactly the committed files
        run_derive(SHARED_VOCAB, tmp_path / "full")
        for name in VOCAB_FILES:
            assert filecmp.cmp(tmp_path / "full" / name, paths.VOCAB / name, shallow=False), (
                f"ontology/vocab/{name} is out of date: run scripts/derive_vocab.py and commit"
            )


def test_derive_script_reports_a_missing_source(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--source",
            str(tmp_path / "nowhere"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "missing reference file" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.glob("*.ttl")) == []
