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
from poagraph.validation.shapes import CONTRIBUTION_SHAPES, GRAPH_SHAPES, load_shapes

POA = rdflib.Namespace(iris.POA)


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes(contribution=True)


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
    assert files == sorted(GRAPH_SHAPES + CONTRIBUTION_SHAPES)
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
    prefixes = classes | {"Shared", "Contributed", "ContributedOutcome"}
    for shape in _shapes_of(shapes):
        if not isinstance(shape, rdflib.URIRef):
            continue
        local = str(shape)[len(iris.POA) :]
        assert str(shape).startswith(iris.POA), shape
        head = local.removesuffix("Shape").split("-")[0]
        assert head in prefixes or head.removeprefix("Contributed") in classes, shape
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
        used |= {POA[name] for name in re.findall(r"poa:([A-Za-z]+)", str(select))}
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
        (r.focus, r.value, r.shape, r.message) for r in run_sparql(triples, data, contribution=True)
    }
    assert len(ours) >= 4  # quote, money, years, commitment
    _, graph, _ = shacl_validate(
        to_rdflib(triples),
        shacl_graph=load_shapes(contribution=True),
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
