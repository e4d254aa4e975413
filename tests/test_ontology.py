"""The public vocabulary (ontology/poa.ttl) and the Brussels PoA scheme (ontology/bpoa.ttl).

The term names below are typed from DESIGN §2, not read from the ontology: they are the
contract users' queries rely on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from design_terms import (
    DESIGN_CLASSES,
    DESIGN_PROPERTIES,
    DESIGN_STATUS_CONCEPTS,
    DESIGN_STATUS_SCHEME,
)

from poagraph import iris, paths, reference

ONTOLOGY = "https://w3id.org/poagraph/ontology"
OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREFIXES = f"""
PREFIX poa: <{iris.POA}>
PREFIX owl: <{OWL}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX skos: <{SKOS}>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX vann: <http://purl.org/vocab/vann/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

#: Terms the team added (documented in the report of the ontology work).
ADDED_CLASSES = ["Footnote"]
ADDED_PROPERTIES = [
    "footnoteNumber",
    "organisationKind",
    "iso2",
    "m49Region",
    "m49SubRegion",
    "ldcFrom",
    "ldcUntil",
    "curated",
    "region",
    "outsideDecade",
]

#: DESIGN §6: the official titles of the 7 commitments.
COMMITMENT_TITLES = {
    1: "Fostering a people-centred policy framework",
    2: "Good governance at national and international levels",
    3: "Building human and institutional capacities",
    4: "Building productive capacities to make globalization work for LDCs",
    5: "Enhancing the role of trade in development",
    6: "Reducing vulnerability and protecting the environment",
    7: "Mobilizing financial resources",
}

#: What declares a term of the poa: namespace: a class, a property, or a SKOS concept or
#: scheme the ontology defines (poa:OutcomeStatus and its concepts).
DECLARING_TYPES = (
    "owl:Class, owl:ObjectProperty, owl:DatatypeProperty, skos:Concept, skos:ConceptScheme"
)

ORGANISATION_KINDS = [
    "un-agency",
    "government-body",
    "donor-government",
    "intergovernmental",
    "ngo",
    "bank",
    "university",
    "private-sector",
    "other",
]


@pytest.fixture(scope="module")
def onto() -> ox.Store:
    store = ox.Store()
    store.extend(reference.ontology_quads())
    return store


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query, use_default_graph_as_union=True))


def select(store: ox.Store, query: str) -> list:
    return list(store.query(PREFIXES + query, use_default_graph_as_union=True))


def test_design_term_lists_are_complete() -> None:
    # guards the parametrised cases below against silently shrinking
    assert len(DESIGN_CLASSES) == 12 and len(DESIGN_PROPERTIES) == 32
    assert len(set(DESIGN_CLASSES + ADDED_CLASSES + DESIGN_PROPERTIES + ADDED_PROPERTIES)) == 55
    assert len(DESIGN_STATUS_CONCEPTS) == 2


def test_ontology_files_parse_with_a_second_parser() -> None:
    for name in ("poa.ttl", "bpoa.ttl"):
        graph = rdflib.Graph().parse(paths.ONTOLOGY / name, format="turtle")
        assert len(graph) > 50


def test_header(onto: ox.Store) -> None:
    assert ask(
        onto,
        f"""ASK {{ <{ONTOLOGY}> a owl:Ontology ;
            owl:versionIRI ?v ; owl:versionInfo ?vi ;
            vann:preferredNamespacePrefix "poa" ; vann:preferredNamespaceUri "{iris.POA}" ;
            dcterms:title ?t ; dcterms:description ?d ; dcterms:license ?l .
            FILTER(isIRI(?v) && isIRI(?l)) }}""",
    )


@pytest.mark.parametrize("name", DESIGN_CLASSES + ADDED_CLASSES)
def test_class_declared(onto: ox.Store, name: str) -> None:
    assert ask(onto, f"ASK {{ poa:{name} a owl:Class }}"), f"poa:{name} is not an owl:Class"
    assert_documented(onto, name)


@pytest.mark.parametrize("name", DESIGN_PROPERTIES + ADDED_PROPERTIES)
def test_property_declared(onto: ox.Store, name: str) -> None:
    assert ask(
        onto, f"ASK {{ poa:{name} a ?k FILTER(?k IN (owl:ObjectProperty, owl:DatatypeProperty)) }}"
    ), f"poa:{name} is not an owl:ObjectProperty or owl:DatatypeProperty"
    assert_documented(onto, name)


def assert_documented(onto: ox.Store, name: str) -> None:
    rows = select(
        onto,
        f"""SELECT ?label ?pref ?def WHERE {{
            poa:{name} rdfs:label ?label ; skos:prefLabel ?pref ; skos:definition ?def ;
                rdfs:isDefinedBy <{ONTOLOGY}> .
            FILTER(LANG(?label) = "en" && LANG(?pref) = "en" && STRLEN(?def) > 15) }}""",
    )
    assert len(rows) == 1, f"poa:{name}: needs one English rdfs:label, skos:prefLabel, a "
    "skos:definition and rdfs:isDefinedBy"


def test_every_term_in_the_namespace_is_a_declared_term(onto: ox.Store) -> None:
    """A typo inside the ontology (a range naming poa:Organization) is caught here."""
    used = {
        r["t"].value
        for r in select(
            onto,
            f"""SELECT DISTINCT ?t WHERE {{ {{ ?t ?p ?o }} UNION {{ ?s ?t ?o }} UNION {{ ?s ?p ?t }}
                FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{iris.POA}")) }}""",
        )
    }
    declared = {
        r["t"].value
        for r in select(
            onto,
            "SELECT ?t WHERE { ?t a ?k ; rdfs:isDefinedBy ?o "
            f"FILTER(?k IN ({DECLARING_TYPES})) }}",
        )
    }
    assert used - declared == set()


@pytest.mark.parametrize(
    ("term", "axiom", "other"),
    [
        ("Organisation", "rdfs:subClassOf", "org:Organization"),
        ("Programme", "rdfs:subClassOf", "prov:Activity"),
        ("Outcome", "rdfs:subClassOf", "prov:Entity"),
        ("ProgrammeOfAction", "rdfs:subClassOf", "skos:ConceptScheme"),
        ("Commitment", "rdfs:subClassOf", "skos:Concept"),
        ("Action", "rdfs:subClassOf", "skos:Concept"),
        ("Footnote", "rdfs:subClassOf", "poa:Passage"),
        ("outcomeOf", "rdfs:subPropertyOf", "prov:wasGeneratedBy"),
        ("inReport", "rdfs:subPropertyOf", "dcterms:isPartOf"),
        ("acronym", "rdfs:subPropertyOf", "skos:altLabel"),
    ],
)
def test_alignment(onto: ox.Store, term: str, axiom: str, other: str) -> None:
    assert ask(onto, f"ASK {{ poa:{term} {axiom} {other} }}")


def test_datatypes_of_literals(onto: ox.Store) -> None:
    expected = {
        "value": "decimal",
        "startYear": "gYear",
        "endYear": "gYear",
        "ldcGraduationYear": "gYear",
        "isLDC": "boolean",
        "curated": "boolean",
        "discovered": "boolean",
        "number": "integer",
        "footnoteNumber": "integer",
        "startOffset": "integer",
        "endOffset": "integer",
        "m49": "string",
        "iso3": "string",
    }
    for name, datatype in expected.items():
        assert ask(onto, f"ASK {{ poa:{name} rdfs:range xsd:{datatype} }}"), name


def test_organisation_kinds(onto: ox.Store) -> None:
    scheme = iris.ID + "organisation-kind"
    rows = select(
        onto,
        f"""SELECT ?c WHERE {{ <{scheme}> skos:hasTopConcept ?c .
            ?c a skos:Concept ; skos:inScheme <{scheme}> ;
               skos:prefLabel ?l ; skos:definition ?d }}""",
    )
    assert sorted(r["c"].value.rsplit("/", 1)[1] for r in rows) == sorted(ORGANISATION_KINDS)


def test_outcome_status_scheme(onto: ox.Store) -> None:
    """DESIGN §2: poa:status takes poa:Achieved ("it happened: done, received, spent,
    reached") or poa:Planned ("target, forecast, commitment"), the skos:Concepts of the
    scheme poa:OutcomeStatus."""
    scheme = f"poa:{DESIGN_STATUS_SCHEME}"
    assert ask(
        onto, f"ASK {{ {scheme} a skos:ConceptScheme ; skos:prefLabel ?l ; skos:definition ?d }}"
    )
    rows = select(
        onto,
        f"""SELECT ?c ?label ?def WHERE {{ {scheme} skos:hasTopConcept ?c .
            ?c a skos:Concept ; skos:inScheme {scheme} ; skos:topConceptOf {scheme} ;
               skos:prefLabel ?label ; skos:definition ?def ;
               rdfs:isDefinedBy <{ONTOLOGY}> .
            FILTER(LANG(?label) = "en") }}""",
    )
    found = {r["c"].value.removeprefix(iris.POA): r["def"].value for r in rows}
    assert sorted(found) == sorted(DESIGN_STATUS_CONCEPTS)
    assert "happened" in found["Achieved"]
    assert all(w in found["Planned"] for w in ("target", "forecast", "will", "aims to"))
    # the property: on outcomes, one of the two concepts
    assert ask(onto, "ASK { poa:status a owl:ObjectProperty ; rdfs:domain poa:Outcome }")
    values = select(
        onto,
        """SELECT ?v WHERE { poa:status rdfs:range ?r . ?r owl:oneOf ?list .
            ?list rdf:rest*/rdf:first ?v }""",
    )
    assert sorted(r["v"].value for r in values) == [iris.poa("Achieved"), iris.poa("Planned")]


def test_inferred_and_discovered(onto: ox.Store) -> None:
    """poa:inferred names a property (rdf:Property) whose value the text does not state,
    with skos:editorialNote giving the reason; poa:discovered is a boolean."""
    assert ask(onto, "ASK { poa:inferred a owl:ObjectProperty ; rdfs:range rdf:Property }")
    assert ask(
        onto,
        """ASK { poa:inferred skos:definition ?d
            FILTER(CONTAINS(STR(?d), "skos:editorialNote")) }""",
    )
    assert ask(onto, "ASK { poa:discovered a owl:DatatypeProperty ; rdfs:range xsd:boolean }")


def test_evidence_and_language_rules_are_documented(onto: ox.Store) -> None:
    """The ontology says how evidence uses Web Annotation (oa:hasBody, oa:exact, offsets)
    and that report literals carry a language tag."""
    notes = " ".join(
        r["n"].value for r in select(onto, f"SELECT ?n WHERE {{ <{ONTOLOGY}> skos:scopeNote ?n }}")
    )
    for words in (
        "oa:Annotation",
        "oa:hasBody",
        "rdf:Statement",
        "oa:TextQuoteSelector",
        "oa:exact",
        "oa:TextPositionSelector",
        "oa:start",
        "language tag",
    ):
        assert words in notes, words
    assert ask(
        onto, """ASK { poa:quote skos:scopeNote ?n FILTER(CONTAINS(STR(?n), "oa:exact")) }"""
    )


def test_seven_commitments_with_official_titles(onto: ox.Store) -> None:
    rows = select(
        onto,
        f"""SELECT ?c ?n ?title WHERE {{
            ?c a poa:Commitment ; poa:number ?n ; skos:prefLabel ?title ;
               skos:inScheme <{iris.BPOA}> ; skos:topConceptOf <{iris.BPOA}> .
            <{iris.BPOA}> skos:hasTopConcept ?c .
            FILTER(DATATYPE(?n) = xsd:integer) }}""",
    )
    found = {int(r["n"].value): (r["c"], r["title"]) for r in rows}
    assert sorted(found) == list(range(1, 8))
    for n, (commitment, title) in found.items():
        assert commitment.value == iris.commitment(n)
        assert title.value == COMMITMENT_TITLES[n] and title.language == "en"


def test_bpoa_scheme(onto: ox.Store) -> None:
    assert ask(
        onto,
        f"""ASK {{ <{iris.BPOA}> a poa:ProgrammeOfAction, skos:ConceptScheme ;
            skos:prefLabel ?l ;
            poa:startYear "2001"^^xsd:gYear ; poa:endYear "2010"^^xsd:gYear }}""",
    )


# --- every poa: term the project uses is declared -------------------------------------------

SCANNED = ("mappings", "shapes", "queries", "src")
TEXT_SUFFIXES = {".py", ".ttl", ".rq", ".yaml", ".yml", ".json", ".jsonld", ".csv", ".html"}
TEXT_SUFFIXES |= {".md", ".trig", ".nq", ".nt", ".txt", ".js"}
#: A local name as Turtle and SPARQL allow it here: may hold "-" and "." but not end in ".",
#: so shape names such as poa:Programme-implementedBy are read whole.
_LOCAL = r"([A-Za-z_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)"
_FULL = re.compile(re.escape(iris.POA) + _LOCAL)
_PREFIXED = re.compile(r"(?<![\w/#.:-])poa:" + _LOCAL)
_PY_CALL = re.compile(r"""\bpoa\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\)""")


def _declared_terms() -> set[str]:
    store = ox.Store()
    store.extend(reference.ontology_quads())
    query = f"""SELECT ?t WHERE {{ ?t a ?k ; rdfs:isDefinedBy <{ONTOLOGY}>
        FILTER(?k IN ({DECLARING_TYPES})) }}"""
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    return {r["t"].value.removeprefix(iris.POA) for r in rows}


def _shape_names() -> set[str]:
    """Shapes may be named in the poa: namespace (STYLE: poa:ProgrammeShape); they are not
    ontology terms."""
    names: set[str] = set()
    for path in sorted(paths.SHAPES.glob("**/*.ttl")):
        graph = rdflib.Graph().parse(path, format="turtle")
        sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        for kind in (sh.NodeShape, sh.PropertyShape):
            for s in graph.subjects(rdflib.RDF.type, kind):
                if str(s).startswith(iris.POA):
                    names.add(str(s).removeprefix(iris.POA))
    return names


def _context_terms(path: Path) -> set[str]:
    """Terms a JSON-LD context maps into the poa: namespace (directly or through @vocab)."""
    context = json.loads(path.read_text(encoding="utf-8")).get("@context", {})
    if not isinstance(context, dict):
        return set()
    vocab = context.get("@vocab", "")
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    terms: set[str] = set()

    def expand(value: str) -> str:
        prefix, _, local = value.partition(":")
        if local and prefix in prefixes:
            return prefixes[prefix] + local
        return value if ":" in value else vocab + value

    for key, definition in context.items():
        if key.startswith("@") or key in prefixes:
            continue
        iri = definition if isinstance(definition, str) else (definition or {}).get("@id", key)
        if isinstance(iri, str) and not iri.startswith("@"):
            full = expand(iri)
            if full.startswith(iris.POA):
                terms.add(full.removeprefix(iris.POA))
    return terms


def used_terms() -> dict[str, set[str]]:
    """poa: local name -> the files that use it, across mappings/, shapes/, queries/, src/."""
    used: dict[str, set[str]] = {}
    for folder in SCANNED:
        for path in sorted((paths.ROOT / folder).rglob("*")):
            if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
                continue
            if "static" in path.parts or "__pycache__" in path.parts:
                continue  # vendored assets
            text = path.read_text(encoding="utf-8", errors="replace")
            names = {m.group(1) for rx in (_FULL, _PREFIXED) for m in rx.finditer(text)}
            if path.suffix == ".py":
                names |= {m.group(1) for m in _PY_CALL.finditer(text)}
            if path.suffix in (".jsonld", ".json") and "@context" in text:
                names |= _context_terms(path)
            for name in names:
                used.setdefault(name, set()).add(str(path.relative_to(paths.ROOT)))
    return used


def test_scanner_finds_terms_in_every_notation(tmp_path: Path) -> None:
    """The scanner below must see full IRIs, prefixed names, iris.poa(...) calls and JSON-LD
    context terms, or the test that relies on it passes vacuously."""
    text = f'x = iris.poa("alpha")\ny = "<{iris.POA}beta> poa:gamma."\nz = "ex:poa:no"\n'
    text += "poa:Outcome-value a sh:PropertyShape .\n"
    found = {m.group(1) for rx in (_FULL, _PREFIXED, _PY_CALL) for m in rx.finditer(text)}
    assert found == {"alpha", "beta", "gamma", "Outcome-value"}
    ctx = tmp_path / "context.jsonld"
    ctx.write_text(
        json.dumps(
            {
                "@context": {
                    "@vocab": iris.POA,
                    "poa": iris.POA,
                    "xsd": "http://www.w3.org/2001/XMLSchema#",
                    "delta": {"@type": "@id"},
                    "eps": "poa:epsilon",
                    "label": "http://www.w3.org/2000/01/rdf-schema#label",
                }
            }
        )
    )
    assert _context_terms(ctx) == {"delta", "epsilon"}


def test_every_poa_term_used_in_the_project_is_declared() -> None:
    used = used_terms()
    assert "Outcome" in used or "country" in used or not any(used), "scanner found nothing"
    undeclared = {
        name: sorted(files)
        for name, files in used.items()
        if name not in _declared_terms() and name not in _shape_names()
    }
    assert undeclared == {}, (
        "poa: terms used but not declared in ontology/poa.ttl (declare them there, or fix the "
        f"name): {undeclared}"
    )


def test_every_poa_term_in_the_built_graph_is_declared(built_store_path: Path) -> None:
    """Records become RDF through the JSON-LD context, so a key that the context does not
    map still lands in the poa: namespace via @vocab: only the built graph shows it."""
    store = ox.Store(str(built_store_path))
    try:
        query = f"""SELECT DISTINCT ?t WHERE {{ {{ ?s ?t ?o }} UNION {{ ?s a ?t }}
            FILTER(STRSTARTS(STR(?t), "{iris.POA}")) }}"""
        rows = store.query(query, use_default_graph_as_union=True)
        used = {r["t"].value.removeprefix(iris.POA) for r in rows}
    finally:
        del store
    assert used, "the built graph uses no poa: term at all"
    assert used - _declared_terms() == set()


def test_the_vocabulary_guide_queries_run_on_the_built_graph(built_store_path: Path) -> None:
    """docs/vocabulary.md says every query in it runs as it is on the bundled graph: each
    returns rows, and the status query finds both achieved and planned outcomes (the report
    says "By mid-May 2006 IOM will have assisted 5,300 IDPs")."""
    guide = (paths.ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sparql\n(.*?)```", guide, re.S)
    assert len(queries) >= 6
    store = ox.Store.read_only(str(built_store_path))
    try:
        answers = [list(store.query(q, use_default_graph_as_union=True)) for q in queries]
    finally:
        del store
    assert all(answers), [q.splitlines()[1] for q, a in zip(queries, answers, strict=True) if not a]
    statuses = {r["status"].value for r in answers[0]}
    assert statuses == {iris.poa("Achieved"), iris.poa("Planned")}
