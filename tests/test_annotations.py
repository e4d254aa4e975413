"""Evidence as W3C Web Annotations, and what the graph marks as inferred (issue 10).

Checked on the built graphs of both reports of the common layout: the bundled IOM report
(built once per session) and the UNCDF fixture (built here into a temporary store).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pyoxigraph import NamedNode, Store

from poagraph import iris, paths, store
from poagraph.build import build

POA, OA, RDF = iris.POA, iris.OA, iris.RDF
FIXTURE = Path(__file__).parent / "fixtures" / "reports" / "uncdf-bpoa-review.md"
PREFIXES = (
    "PREFIX poa: <https://w3id.org/poagraph/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "PREFIX dcterms: <http://purl.org/dc/terms/> "
)


def _graph(store_path: Path, slug: str) -> Store:
    """The report's graph, copied into a store in memory (the on-disk one stays closed)."""
    mem = Store()
    with store.reading(store_path) as db:
        mem.extend(db.quads_for_pattern(None, None, None, NamedNode(iris.report_graph(slug))))
    return mem


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("uncdf") / "store"
    build([FIXTURE], path)
    return path


@pytest.fixture(scope="module")
def iom(built_store_path: Path) -> Store:
    return _graph(built_store_path, "iom-bpoa-review")


@pytest.fixture(scope="module", params=["iom-bpoa-review", "uncdf-bpoa-review"])
def report(request, built_store_path: Path, fixture_store: Path) -> tuple[Store, str]:
    """(graph, source text) of each report."""
    if request.param == "iom-bpoa-review":
        return _graph(built_store_path, request.param), paths.BUNDLED_REPORTS[0].read_text(
            encoding="utf-8"
        )
    return _graph(fixture_store, request.param), FIXTURE.read_text(encoding="utf-8")


def _rows(g: Store, query: str, **bindings: str) -> list:
    """Run `query` on the report graph with `bindings` (variable -> IRI) as inline data."""
    if bindings:
        names = " ".join(f"?{k}" for k in bindings)
        values = " ".join(str(NamedNode(v)) for v in bindings.values())
        query += f" VALUES ({names}) {{ ({values}) }}"
    return list(g.query(PREFIXES + query, use_default_graph_as_union=True))


def _words(g: Store, body: str) -> list[str]:
    """The exact words of every annotation of `body`."""
    return [
        r["x"].value
        for r in _rows(
            g,
            "SELECT ?x WHERE { ?a oa:hasBody ?b ; oa:hasTarget/oa:hasSelector/oa:exact ?x }",
            b=body,
        )
    ]


def _statement_words(g: Store, s: str, p: str, o: str) -> list[str]:
    rows = _rows(
        g,
        "SELECT ?x WHERE { ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; "
        "rdf:object ?o . ?a oa:hasBody ?st ; oa:hasTarget/oa:hasSelector/oa:exact ?x }",
        s=s,
        p=p,
        o=o,
    )
    return [r["x"].value for r in rows]


def _notes(g: Store, iri: str) -> list[str]:
    rows = _rows(g, "SELECT ?n WHERE { ?r skos:editorialNote ?n }", r=iri)
    return [r["n"].value for r in rows]


def _inferred(g: Store, iri: str) -> set[str]:
    return {r["p"].value for r in _rows(g, "SELECT ?p WHERE { ?r poa:inferred ?p }", r=iri)}


# -- every annotation, both reports ----------------------------------------------------------


def test_every_annotation_quotes_the_source_at_its_offsets(report: tuple[Store, str]) -> None:
    g, source = report
    rows = _rows(
        g,
        "SELECT ?a ?x ?s ?e ?text WHERE { ?a a oa:Annotation ; oa:motivatedBy oa:describing ; "
        "oa:hasTarget ?t . ?t a oa:SpecificResource ; oa:hasSource ?p ; oa:hasSelector ?q , ?pos . "
        "?q a oa:TextQuoteSelector ; oa:exact ?x . "
        "?pos a oa:TextPositionSelector ; oa:start ?s ; oa:end ?e . ?p poa:text ?text }",
    )
    total = _rows(g, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a oa:Annotation }")[0]["n"].value
    assert len(rows) == int(total) > 10
    for r in rows:
        start, end = int(r["s"].value), int(r["e"].value)
        assert source[start:end] == r["x"].value, r["a"].value
        assert r["x"].value in r["text"].value, r["a"].value
        assert r["x"].language == r["text"].language == "en"


def test_every_programme_organisation_and_event_has_an_annotation(
    report: tuple[Store, str],
) -> None:
    g, _ = report
    rows = _rows(
        g,
        "SELECT ?r WHERE { VALUES ?c { poa:Programme poa:Organisation poa:Event } ?r a ?c . "
        "FILTER NOT EXISTS { ?a a oa:Annotation ; oa:hasBody ?r } }",
    )
    assert [r["r"].value for r in rows] == []
    claims = _rows(g, "SELECT ?r WHERE { ?r a poa:Programme }")
    assert claims


def test_every_relation_is_an_annotated_statement_or_marked_inferred(
    report: tuple[Store, str],
) -> None:
    """implementedBy / partner / fundedBy: the report's words state it (an rdf:Statement
    that is the body of an annotation), or the resource marks the property inferred."""
    g, _ = report
    rows = _rows(
        g,
        "SELECT ?s ?p ?o WHERE { VALUES ?p { poa:implementedBy poa:partner poa:fundedBy } "
        "?s ?p ?o . FILTER NOT EXISTS { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o . "
        "?a oa:hasBody ?st } FILTER NOT EXISTS { ?s poa:inferred ?p } }",
    )
    assert [(r["s"].value, r["p"].value, r["o"].value) for r in rows] == []
    stated = _rows(g, "SELECT ?st WHERE { ?st a rdf:Statement . ?a oa:hasBody ?st }")
    assert stated


def test_only_an_outcome_keeps_evidence_and_one_quote(report: tuple[Store, str]) -> None:
    g, _ = report
    carriers = _rows(
        g,
        "SELECT DISTINCT ?r WHERE { { ?r poa:quote ?q } UNION { ?r poa:evidence ?e } "
        "FILTER NOT EXISTS { ?r a poa:Outcome } }",
    )
    assert [r["r"].value for r in carriers] == []
    several = _rows(
        g,
        "SELECT ?r WHERE { ?r a poa:Outcome ; poa:quote ?q1 , ?q2 . FILTER (?q1 != ?q2) }",
    )
    assert several == []
    on_shared = _rows(
        g,
        "SELECT ?r WHERE { VALUES ?c { poa:Country poa:Region } ?r a ?c ; ?p ?o . "
        "VALUES ?p { poa:quote poa:evidence } }",
    )
    assert on_shared == []
    countries = _rows(g, "SELECT ?c WHERE { ?c poa:iso3 ?code }")
    assert countries == []  # the report graph states nothing on a country


def test_each_outcome_is_annotated_with_its_quote(report: tuple[Store, str]) -> None:
    g, _ = report
    rows = _rows(g, "SELECT ?o ?q ?p WHERE { ?o a poa:Outcome ; poa:quote ?q ; poa:evidence ?p }")
    assert rows
    for r in rows:
        words = _rows(
            g,
            "SELECT ?x WHERE { ?a oa:hasBody ?o ; oa:hasTarget ?t . ?t oa:hasSource ?p ; "
            "oa:hasSelector/oa:exact ?x }",
            o=r["o"].value,
            p=r["p"].value,
        )
        assert [w["x"].value for w in words] == [r["q"].value], r["o"].value


def test_outcome_of_a_programme_is_an_annotated_statement(report: tuple[Store, str]) -> None:
    g, _ = report
    rows = _rows(g, "SELECT ?o ?prog ?q WHERE { ?o poa:outcomeOf ?prog ; poa:quote ?q }")
    assert rows
    for r in rows:
        words = _statement_words(g, r["o"].value, POA + "outcomeOf", r["prog"].value)
        assert r["q"].value in words


# -- deterministic numbering -----------------------------------------------------------------

_DUMP = """
import sys
from pyoxigraph import Store
from poagraph import iris, mapping, paths
from poagraph.extract import extract
from poagraph.extract.gazetteer import load_gazetteer
from poagraph.extract.report import parse_report
doc = parse_report(paths.BUNDLED_REPORTS[0])
quads = mapping.records_to_quads(extract(doc, load_gazetteer()), iris.report_graph(doc.slug),
                                 language=doc.language)
stored = Store()  # as the store keeps them (it writes xsd:nonNegativeInteger as xsd:integer)
stored.extend(quads)
sys.stdout.write("\\n".join(sorted(str(q) for q in stored)))
"""


def _dump(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", _DUMP], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout


def test_two_builds_number_everything_the_same(iom: Store) -> None:
    """Two extractions (different hash seeds, so no set order leaks in) and the session's
    build give the same graph, annotation and statement numbers included."""
    first, second = _dump("1"), _dump("4242")
    assert first == second
    built = "\n".join(sorted({str(q) for q in iom}))
    assert built == first
    assert "/annotation/1/position>" in first


# -- the IOM report's words ------------------------------------------------------------------


def test_mida_launch_states_who_implements_it(iom: Store) -> None:
    """ "In 2001 IOM launched a new programme: "Migration for Development in Africa (MIDA)"
    in Libreville, Gabon." names the reporter: the implementer is stated, not inferred."""
    mida = iris.programme("mida")
    words = _statement_words(g=iom, s=mida, p=POA + "implementedBy", o=iris.organisation("iom"))
    assert any("In 2001 IOM launched a new programme" in w for w in words)
    assert POA + "implementedBy" not in _inferred(iom, mida)


def test_mida_addresses_where_the_report_describes_it_and_is_not_ethiopian(iom: Store) -> None:
    """MIDA's actions are those of the passages whose words describe it (its quotes in
    programmes.yaml, its outcomes); "the MIDA website" of IOM Addis (Ethiopia) is a passing
    mention: it gives MIDA neither that passage's action nor Ethiopia."""
    mida = iris.programme("mida")
    data = yaml.safe_load((paths.MAPPINGS / "programmes.yaml").read_text(encoding="utf-8"))
    (entry,) = [e for e in data if e["slug"] == "mida"]
    quotes = [str(q) for q in entry.get("quote") or []]
    quotes += [
        i["quote"] for k in ("implementedBy", "partner", "fundedBy") for i in entry.get(k) or []
    ]
    expected = set()
    for r in _rows(
        iom, "SELECT ?t ?act WHERE { ?p a poa:Passage ; poa:text ?t ; poa:addresses ?act }"
    ):
        if any(q in r["t"].value for q in quotes):
            expected.add(r["act"].value)
    for r in _rows(
        iom, "SELECT ?act WHERE { ?o poa:outcomeOf ?m ; poa:evidence/poa:addresses ?act }", m=mida
    ):
        expected.add(r["act"].value)
    addressed = {
        r["a"].value for r in _rows(iom, "SELECT ?a WHERE { ?m poa:addresses ?a }", m=mida)
    }
    assert expected and addressed == expected
    website = _rows(
        iom,
        "SELECT ?act WHERE { ?p poa:text ?t ; poa:addresses ?act ; poa:mentions ?m . "
        'FILTER CONTAINS(STR(?t), "IOM Addis") }',
        m=mida,
    )
    assert website  # the passage names MIDA, and its action counts only if words describe it
    countries = {r["c"].value for r in _rows(iom, "SELECT ?c WHERE { ?m poa:country ?c }", m=mida)}
    assert iris.country("ETH") not in countries


def test_a_funder_is_stated_by_its_curated_quote(iom: Store) -> None:
    """ "... through the EC-funded RANA programme.\""""
    words = _statement_words(
        iom, iris.programme("rana"), POA + "fundedBy", iris.organisation("european-commission")
    )
    assert "through the EC-funded RANA programme" in words


def test_global_programmes_run_in_no_country(iom: Store) -> None:
    data = yaml.safe_load((paths.MAPPINGS / "programmes.yaml").read_text(encoding="utf-8"))
    for entry in data:
        if entry.get("global"):
            rows = _rows(
                iom, "SELECT ?c WHERE { ?p poa:country ?c }", p=iris.programme(entry["slug"])
            )
            assert rows == [], entry["slug"]


def test_returnees_from_the_european_union_are_no_evidence_of_it(iom: Store) -> None:
    """ "Returnees from the European Union receive an integrated reception and reintegration
    package": the European Union is where they come from, not an actor."""
    words = _words(iom, iris.organisation("european-union"))
    assert not any("Returnees from the European Union" in w for w in words)
    mentions = _rows(
        iom,
        "SELECT ?p WHERE { ?p poa:mentions ?eu ; poa:text ?t . "
        'FILTER CONTAINS(STR(?t), "Returnees from the European Union") }',
        eu=iris.organisation("european-union"),
    )
    assert mentions == []


def test_the_reports_year_comes_from_its_metadata(report: tuple[Store, str]) -> None:
    """Neither title ("... for the decade 2001-2010") dates the report: dcterms:issued is
    the metadata's year, marked inferred."""
    g, _ = report
    (row,) = _rows(g, "SELECT ?r ?y WHERE { ?r a poa:Report ; dcterms:issued ?y }")
    assert iris.DCTERMS + "issued" in _inferred(g, row["r"].value)
    (note,) = [n for n in _notes(g, row["r"].value) if n.startswith("issued:")]
    assert row["y"].value in note and "metadata" in note


def test_a_label_the_report_never_writes_is_inferred_with_its_words(iom: Store) -> None:
    """ "... from the Japanese Government": the label "Government of Japan" is not the
    report's words; the note says what the report writes."""
    japan = iris.organisation("government-jpn")
    assert iris.RDFS + "label" in _inferred(iom, japan)
    assert any(n.startswith("label:") and "Japanese Government" in n for n in _notes(iom, japan))


def test_labels_are_inferred_exactly_when_the_source_lacks_them(
    report: tuple[Store, str],
) -> None:
    g, source = report
    plain = " ".join(source.replace("’", "'").split()).casefold()
    rows = _rows(
        g,
        "SELECT ?r ?l WHERE { VALUES ?c { poa:Programme poa:Organisation } "
        "?r a ?c ; rdfs:label ?l }",
    )
    assert rows
    for r in rows:
        written = " ".join(r["l"].value.replace("’", "'").split()).casefold() in plain
        marked = iris.RDFS + "label" in _inferred(g, r["r"].value)
        assert marked == (not written), (r["r"].value, r["l"].value)


def test_region_members_are_inferred_unless_the_report_lists_them(iom: Store) -> None:
    source = paths.BUNDLED_REPORTS[0].read_text(encoding="utf-8")
    data = {
        r["slug"]: r
        for r in yaml.safe_load((paths.MAPPINGS / "regions.yaml").read_text(encoding="utf-8"))
    }
    rows = _rows(iom, "SELECT DISTINCT ?r WHERE { ?r a poa:Region ; poa:includesCountry ?c }")
    assert rows
    for row in rows:
        entry = data[row["r"].value.rsplit("/", 1)[-1]]
        stated = entry.get("stated") and str(entry["stated"]) in source
        marked = POA + "includesCountry" in _inferred(iom, row["r"].value)
        assert marked != bool(stated), entry["slug"]
        if marked and entry.get("note"):
            assert f"includesCountry: {entry['note']}" in _notes(iom, row["r"].value)


def test_a_member_list_the_report_states_is_not_inferred(tmp_path: Path) -> None:
    """ "... selected countries in the Mekong Region (Thailand, Cambodia, Vietnam, Myanmar
    and Lao PDR)": with that quote as `stated`, the members are the report's words; with a
    `note` only, they are inferred and the note gives the reason."""
    from poagraph.extract.annotations import Wording
    from poagraph.extract.entities import regions
    from poagraph.extract.gazetteer import load_gazetteer
    from poagraph.extract.report import parse_report

    doc = parse_report(paths.BUNDLED_REPORTS[0])
    stated = "the Mekong Region (Thailand, Cambodia, Vietnam, Myanmar and Lao PDR)"
    for name in ("countries", "place-names"):
        text = (paths.MAPPINGS / f"{name}.yaml").read_text(encoding="utf-8")
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "organisations.yaml").write_text("[]\n", encoding="utf-8")
    (tmp_path / "programmes.yaml").write_text("[]\n", encoding="utf-8")
    entries = [
        {
            "slug": "mekong-region",
            "label": "Mekong Region",
            "includesCountry": ["THA", "KHM", "VNM", "MMR", "LAO"],
            "stated": stated,
        },
        {
            "slug": "igad-countries",
            "label": "IGAD countries",
            "includesCountry": ["DJI", "ERI", "ETH", "KEN", "SOM", "SDN", "UGA"],
            "note": "the members of IGAD in 2006",
        },
    ]
    (tmp_path / "regions.yaml").write_text(yaml.safe_dump(entries), encoding="utf-8")
    gaz = load_gazetteer(tmp_path)
    igad, mekong = regions(doc, gaz, ["mekong-region", "igad-countries"], Wording(doc))
    assert "inferred" not in mekong and len(mekong["includesCountry"]) == 5
    assert igad["inferred"] == [POA + "includesCountry"]
    assert igad["editorialNote"] == ["includesCountry: the members of IGAD in 2006"]
