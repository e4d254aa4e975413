"""The shapes themselves: complete, documented, named by class and property, consistent
with the ontology, and the bundled graph conforms to them."""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
import pyoxigraph as ox
import pytest
import rdflib
from design_terms import DESIGN_CLASSES
from rdflib.namespace import OWL, RDF, RDFS, SH

from poagraph import iris, paths, reference
from poagraph.validation.render import to_text
from poagraph.validation.shacl import validate_graph, validate_store
from poagraph.validation.shapes import (
    CONTRIBUTION,
    CONTRIBUTION_SHAPES,
    GRAPH_SHAPES,
    REPORT_SHAPES,
    all_shapes,
    load_shapes,
)

POA = rdflib.Namespace(iris.POA)


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    """Every shape: the graph's, the contributions' and the report graphs'."""
    return all_shapes()


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in (paths.ONTOLOGY / "poa.ttl", paths.ONTOLOGY / "bpoa.ttl"):
        graph.parse(path, format="turtle")
    return graph


def _shapes_of(g: rdflib.Graph) -> set[rdflib.term.Node]:
    return set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))


def test_shape_files_parse_and_are_all_loaded():
    files = sorted(p.name for p in paths.SHAPES.glob("*.ttl"))
    assert files == sorted(GRAPH_SHAPES + CONTRIBUTION_SHAPES + REPORT_SHAPES)
    for name in files:
        rdflib.Graph().parse(paths.SHAPES / name, format="turtle")


@pytest.mark.parametrize("cls", DESIGN_CLASSES)
def test_every_design_class_has_a_node_shape(shapes, cls):
    shape = POA[f"{cls}Shape"]
    assert (shape, RDF.type, SH.NodeShape) in shapes
    assert (shape, SH.targetClass, POA[cls]) in shapes


def test_every_shape_is_named_described_and_severe(shapes):
    named = [s for s in _shapes_of(shapes) if isinstance(s, rdflib.URIRef)]
    assert len(named) >= 60  # a suite that shrinks silently is caught here
    for shape in named:
        assert shapes.value(shape, SH.name) is not None, shape
        assert shapes.value(shape, SH.description) is not None, shape


def test_every_constraint_has_a_message_and_a_severity(shapes):
    """Property shapes and SPARQL constraints carry the message a user sees; the class node
    shapes only group them."""
    checks = [s for s in shapes.subjects(RDF.type, SH.PropertyShape)]
    checks += [c for c in shapes.objects(None, SH.sparql)]
    assert len(checks) >= 50
    for check in checks:
        message = shapes.value(check, SH.message)
        assert message is not None and len(str(message)) > 20, check
        assert "sh:" not in str(message) and "SHACL" not in str(message), check
    for shape in _shapes_of(shapes):
        if (shape, SH.sparql, None) in shapes or (shape, RDF.type, SH.PropertyShape) in shapes:
            assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape


def test_shape_iris_derive_from_class_and_property(shapes, ontology):
    classes = {str(c)[len(iris.POA) :] for c in ontology.subjects(RDF.type, OWL.Class)}
    # Shared: for several classes; Annotation: evidence (oa:Annotation); ReportGraph: a
    # report graph as a whole; Contributed{Class}, Report{Class}: a class in a contribution
    # or in a report graph
    prefixes = classes | {"Shared", "Contributed", "Annotation", "ReportGraph"}
    for shape in _shapes_of(shapes):
        if not isinstance(shape, rdflib.URIRef):
            continue
        local = str(shape)[len(iris.POA) :]
        assert str(shape).startswith(iris.POA), shape
        head = local.removesuffix("Shape").split("-")[0]
        kinds = (head, head.removeprefix("Contributed"), head.removeprefix("Report"))
        assert any(k in prefixes for k in kinds), shape
        path = shapes.value(shape, SH.path)
        if isinstance(path, rdflib.URIRef) and "-" in local:
            # poa:Programme-implementedBy checks poa:implementedBy
            prop = str(path).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            assert local.split("-")[1] == prop, shape


def test_terms_used_in_shapes_are_declared_in_the_ontology(shapes, ontology):
    used = {o for o in shapes.objects(None, SH.targetClass)}
    used |= {p for p in shapes.objects(None, SH.path) if isinstance(p, rdflib.URIRef)}
    used |= {o for o in shapes.objects(None, SH["class"])}
    for _, select in shapes.subject_objects(SH.select):
        used |= {POA[name] for name in re.findall(r"poa:([A-Za-z][A-Za-z0-9]*)", str(select))}
    poa_terms = {t for t in used if str(t).startswith(iris.POA)}
    assert len(poa_terms) >= 30
    declared = set(ontology.subjects(RDF.type, None))
    missing = sorted(str(t) for t in poa_terms if t not in declared)
    assert missing == []


def test_currency_codes_are_iso_4217_from_pycountry(shapes):
    pattern = str(shapes.value(POA["Outcome-currency"], SH.pattern))
    codes = set(pattern.strip("^$()").split("|"))
    assert codes == {c.alpha_3 for c in pycountry.currencies}
    assert {"USD", "EUR", "CHF", "ETB"} <= codes


def test_bundled_graph_conforms(built_store_path: Path):
    db = ox.Store.read_only(str(built_store_path))
    try:
        report = validate_store(db, source="bundled graph")
    finally:
        del db
    assert report.conforms, to_text(report)
    assert report.resources > 500


def test_build_check_catches_a_broken_report_graph(built_store_path: Path):
    """What `poagraph build` checks: take the built report graph, break one programme's
    label and one outcome's country, and the check fails naming both."""
    db = ox.Store.read_only(str(built_store_path))
    try:
        graph = ox.NamedNode(iris.report_graph("iom-bpoa-review"))
        quads = list(db.quads_for_pattern(None, None, None, graph))
    finally:
        del db
    label = ox.NamedNode(str(RDFS.label))
    programme = next(q.subject for q in quads if q.object == ox.NamedNode(iris.POA + "Programme"))
    outcome_country = next(
        q
        for q in quads
        if q.predicate.value == iris.poa("country") and "/outcome/" in q.subject.value
    )
    broken = [q for q in quads if not (q.subject == programme and q.predicate == label)]
    broken = [q for q in broken if q != outcome_country]
    broken.append(
        ox.Quad(
            outcome_country.subject,
            ox.NamedNode(iris.poa("country")),
            ox.NamedNode(iris.country("XYZ")),
            graph,
        )
    )
    report = validate_graph(broken, reference.reference_quads())
    assert not report.conforms
    messages = {(str(r.focus), r.message) for r in report.violations}
    assert any(f == programme.value and "no name" in m for f, m in messages)
    assert any(
        f == outcome_country.subject.value and "not a country of the UN reference data" in m
        for f, m in messages
    )
    assert "does not conform" in to_text(report)


def test_sparql_constraints_run_once_give_what_pyshacl_gives():
    """run_shapes runs the SPARQL constraints itself (once each, in pyoxigraph); pySHACL
    running the same shapes node by node must find exactly the same problems."""
    from pyshacl import validate as shacl_validate

    from poagraph.contributions.read import parse_contribution
    from poagraph.validation.shacl import run_sparql
    from poagraph.validation.terms import to_rdflib

    examples = paths.ROOT / "contributions" / "examples"
    c = parse_contribution(examples / "invalid.ttl")
    triples = [*c.triples, *reference.reference_quads()]
    data = to_rdflib(triples)
    ours = {
        (r.focus, r.value, r.shape, r.message)
        for r in run_sparql(triples, data, shapes=CONTRIBUTION)
    }
    assert len(ours) >= 4  # quote, money, years, commitment
    _, graph, _ = shacl_validate(
        to_rdflib(triples),
        shacl_graph=load_shapes(CONTRIBUTION),
        inference="none",
        advanced=True,
    )
    theirs = {
        (
            graph.value(r, SH.focusNode),
            graph.value(r, SH.value),
            graph.value(r, SH.sourceShape),
            str(graph.value(r, SH.resultMessage)),
        )
        for r in graph.subjects(SH.sourceConstraintComponent, SH.SPARQLConstraintComponent)
    }
    assert ours == theirs


# --------------------------------------------------------------- issue 10: fixtures that break
#
# tests/fixtures/shapes/report.ttl is what the build makes of two paragraphs of the IOM
# report (passages 107 and 109); each break-*.trig changes it in one way (triples of its
# graph <urn:poagraph:fixture:remove> removed, of <urn:poagraph:fixture:add> added).

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
REPORT_GRAPH = ox.NamedNode(iris.report_graph("iom-bpoa-review"))
OUTCOME = iris.outcome("iom-bpoa-review", 25)
PROGRAMME = iris.programme("mida-great-lakes")


def fixture(*changes: str) -> list[ox.Quad]:
    """The conforming fixture report graph, with the changes of `changes` applied."""
    base = FIXTURES / "report.ttl"
    triples = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=base, format=ox.RdfFormat.TURTLE)
    }
    for change in changes:
        for q in ox.parse(path=FIXTURES / change, format=ox.RdfFormat.TRIG):
            t = ox.Triple(q.subject, q.predicate, q.object)
            if q.graph_name == ox.NamedNode("urn:poagraph:fixture:remove"):
                assert t in triples, f"{change} removes a triple the fixture lacks: {t}"
                triples.discard(t)
            else:
                assert q.graph_name == ox.NamedNode("urn:poagraph:fixture:add"), q
                triples.add(t)
    return [
        ox.Quad(t.subject, t.predicate, t.object, REPORT_GRAPH) for t in sorted(triples, key=str)
    ]


def check_report(quads: list[ox.Quad]):
    """What `poagraph build` checks: graph and report shapes, reference data in view."""
    from poagraph.validation.shacl import run_shapes
    from poagraph.validation.shapes import REPORT

    results, _ = run_shapes([*quads, *reference.reference_quads()], shapes=REPORT)
    return results


def annotation(n: int, part: str = "") -> str:
    return iris.annotation("iom-bpoa-review", n) + part


#: (fixture, focus, words of the message, also refused in any graph (a contribution too)).
BREAKS = [
    ("break-status-missing.trig", OUTCOME, "does not say whether it happened (achieved)", False),
    ("break-status-value.trig", OUTCOME, "The status must say once whether the result", True),
    ("break-status-two.trig", OUTCOME, "The status must say once whether the result", True),
    ("break-shared-split.trig", OUTCOME, "state it once with all its countries", True),
    ("break-annotation-body-missing.trig", annotation(4), "about exactly one claim", True),
    ("break-annotation-body-two.trig", annotation(4), "about exactly one claim", True),
    ("break-annotation-selector-missing.trig", annotation(4), "say once where its words", True),
    ("break-annotation-offsets.trig", annotation(4), "not what the report says at", True),
    ("break-annotation-order.trig", annotation(4, "/position"), "start before they end", True),
    (
        "break-annotation-datatype.trig",
        annotation(4, "/position"),
        "is not a whole number of characters, zero or more",
        True,
    ),
    ("break-annotation-source.trig", annotation(4), "exactly one passage of a report", True),
    ("break-claim-unannotated.trig", PROGRAMME, "Nothing shows where the report speaks", False),
    (
        "break-event-unannotated.trig",
        iris.event("iom-bpoa-review", 1),
        "Nothing shows where the report speaks",
        False,
    ),
    ("break-relation-unannotated.trig", PROGRAMME, "(implemented by ", False),
    ("break-quote-on-country.trig", iris.country("BDI"), "cannot carry one report's quote", True),
    ("break-evidence-on-programme.trig", PROGRAMME, "Only an outcome carries", False),
    ("break-two-quotes.trig", OUTCOME, "The outcome has several quotes", False),
    ("break-language.trig", OUTCOME, "has no language tag", False),
    ("break-inferred-note.trig", iris.report("iom-bpoa-review"), "without saying why", True),
    ("break-inferred-value.trig", PROGRAMME, "startYear is marked as inferred, but", True),
]


def test_every_break_fixture_is_tested():
    assert sorted(p.name for p in FIXTURES.glob("break-*.trig")) == sorted(b[0] for b in BREAKS)


def test_the_fixture_quotes_the_report_at_its_offsets(report_path: Path):
    """The fixture is the report's own words: "After a thorough evaluation of the project, a
    second phase was launched which resulted in 77 short or long-term missions, 4 permanent
    returns (from February 1, 2005 to March 31, 2006)." sits at its offsets in the source."""
    source = report_path.read_text(encoding="utf-8")
    db = ox.Store()
    db.extend(fixture())
    rows = db.query(
        """PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX poa: <https://w3id.org/poagraph/ontology#>
        SELECT ?exact ?start ?end ?text WHERE {
            ?a oa:hasTarget [ oa:hasSource ?p ; oa:hasSelector [ oa:exact ?exact ] ,
                                                              [ oa:start ?start ; oa:end ?end ] ] .
            ?p poa:text ?text }""",
        use_default_graph_as_union=True,
    )
    found = 0
    for r in rows:
        start, end = int(r["start"].value), int(r["end"].value)
        assert source[start:end] == r["exact"].value
        assert r["exact"].value in r["text"].value
        found += 1
    assert found == 4
    assert "4 permanent returns (from February 1, 2005" in source


def test_the_conforming_fixture_passes():
    assert check_report(fixture()) == []


def test_an_inferred_relation_needs_no_annotation():
    """The reporting organisation as implementer when no sentence says so: marked
    poa:inferred poa:implementedBy with its reason, it passes without an annotation."""
    assert check_report(fixture("ok-relation-inferred.trig")) == []


@pytest.mark.parametrize(("change", "focus", "words", "any_graph"), BREAKS, ids=lambda b: str(b))
def test_a_fixture_that_breaks_a_rule_is_refused(change, focus, words, any_graph):
    results = check_report(fixture(change))
    found = [r for r in results if str(r.focus) == focus and words in r.message]
    assert found, "\n".join(f"{r.focus} {r.message}" for r in results)
    assert all(r.severity == "Violation" for r in found)
    # graph shapes (a contribution's too) refuse what breaks queries in any graph; what only
    # a report can give (status, annotations, language tags) is left to the report shapes
    graph_only = validate_graph(fixture(change), reference.reference_quads())
    assert any(words in r.message for r in graph_only.violations) == any_graph


def test_the_build_refuses_a_report_graph_that_breaks_a_rule():
    """`poagraph build` fails on the report shapes, naming the problem and the resource."""
    from poagraph.build import _validate
    from poagraph.errors import BuildError

    graphs = {ox.NamedNode(iris.ONTOLOGY_GRAPH): list(reference.reference_quads())}
    assert _validate("iom-bpoa-review", fixture(), graphs) == ""
    with pytest.raises(BuildError) as refused:
        _validate("iom-bpoa-review", fixture("break-status-missing.trig"), graphs)
    assert "does not conform to the shapes" in str(refused.value)
    assert "does not say whether it happened" in refused.value.details
    assert "outcome/25" in refused.value.details


def test_language_tags_are_for_report_graphs_only():
    """A contribution may write plain strings; a report graph may not."""
    plain = fixture("break-language.trig")
    assert validate_graph(plain, reference.reference_quads()).conforms
    paths_refused = {str(r.path) for r in check_report(plain) if "language tag" in r.message}
    assert paths_refused == {
        str(RDFS.label),
        iris.poa("unit"),
        "http://www.w3.org/ns/oa#exact",
    }


@pytest.mark.parametrize(
    "changes",
    [
        (
            "break-annotation-body-missing.trig",
            "break-annotation-selector-missing.trig",
            "break-annotation-source.trig",
            "break-shared-split.trig",
            "break-inferred-value.trig",
            "break-relation-unannotated.trig",
        ),
        ("break-annotation-body-two.trig", "break-annotation-order.trig"),
        ("break-annotation-offsets.trig",),
        ("break-annotation-datatype.trig",),
    ],
    ids=["several", "two-bodies-order", "offsets", "datatype"],
)
def test_the_report_shapes_run_as_pyshacl_runs_them(changes):
    """The SPARQL constraints new in issue 10 (annotations, offsets, shared outcomes,
    inferred values, annotated relations) give in our engine what pySHACL gives node by
    node: the shapes are plain SHACL-SPARQL. Values are compared as text: pyoxigraph stores
    xsd:nonNegativeInteger as xsd:integer."""
    from pyshacl import validate as shacl_validate

    from poagraph.validation.shacl import run_sparql
    from poagraph.validation.shapes import REPORT
    from poagraph.validation.terms import to_rdflib

    # the ontology (subclass axioms) is enough for the SPARQL checks, and keeps pySHACL quick
    triples = [*fixture(*changes), *reference.ontology_quads()]
    ours = {
        (r.focus, str(r.value), r.shape, r.message)
        for r in run_sparql(triples, to_rdflib(triples), shapes=REPORT)
    }
    assert len(ours) >= len(changes)
    _, graph, _ = shacl_validate(
        to_rdflib(triples), shacl_graph=load_shapes(REPORT), inference="none", advanced=True
    )
    theirs = {
        (
            graph.value(r, SH.focusNode),
            str(graph.value(r, SH.value)),
            graph.value(r, SH.sourceShape),
            str(graph.value(r, SH.resultMessage)),
        )
        for r in graph.subjects(SH.sourceConstraintComponent, SH.SPARQLConstraintComponent)
    }
    assert ours == theirs
