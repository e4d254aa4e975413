"""The build checks a report graph on its own nodes, with the reference data in view and the
reference data's own results found once per build (build._validate, _focus): the same
text as validating the two together, node by node, as the build did before. Compared here
on the bundled report, a synthetic one, every fixture of tests/fixtures/shapes and graphs
that speak of reference nodes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.namespace import RDF, RDFS
from test_shapes import FIXTURES, REPORT_GRAPH, fixture

from poagraph import iris, paths, reference
from poagraph.build import _check_reference, _focus, _validate, build
from poagraph.errors import BuildError
from poagraph.validation.model import ValidationReport
from poagraph.validation.render import to_text
from poagraph.validation.shacl import run_shapes
from poagraph.validation.shapes import REPORT
from poagraph.validation.terms import to_rdflib_term


@pytest.fixture(scope="module")
def checked():
    graphs: dict = {}
    for q in reference.reference_quads():
        graphs.setdefault(q.graph_name, []).append(q)
    return _check_reference(graphs)


def _whole(slug: str, quads: list[ox.Quad]) -> tuple[bool, str]:
    """The build's check before: report and reference data validated together."""
    results, data = run_shapes([*quads, *reference.reference_quads()], shapes=REPORT)
    report = ValidationReport(source=slug, results=results)
    report.resources = len(set(data.subjects(RDF.type, None)))
    if not report.conforms:
        return False, to_text(report)
    return True, to_text(report) if report.warnings else ""


def _focused(slug: str, quads: list[ox.Quad], checked) -> tuple[bool, str]:
    try:
        return True, _validate(slug, quads, {}, checked)
    except BuildError as refused:
        return False, refused.details


def _graph(store_path: Path, slug: str) -> list[ox.Quad]:
    db = ox.Store.read_only(str(store_path))
    try:
        graph = ox.NamedNode(iris.report_graph(slug))
        return list(db.quads_for_pattern(None, None, None, graph))
    finally:
        del db


def test_the_bundled_report_gives_the_same_text(built_store_path: Path, checked):
    quads = _graph(built_store_path, "iom-bpoa-review")
    whole = _whole("iom-bpoa-review", quads)
    assert whole[1]  # it has warnings: the text says something
    assert _focused("iom-bpoa-review", quads, checked) == whole
    assert _focus(quads, checked) is not None  # ... and was checked on its own nodes


def test_a_synthetic_report_gives_the_same_text(tmp_path: Path, checked):
    corpus = tmp_path / "corpus"
    bench = [sys.executable, "-m", "bench", "corpus", "--scale", "1", "--seed", "7"]
    subprocess.run([*bench, "--out", str(corpus)], cwd=paths.ROOT, check=True)
    [report] = corpus.glob("*.md")
    slug = build([report], tmp_path / "store", workers=1).reports[0].slug
    quads = _graph(tmp_path / "store", slug)
    whole = _whole(slug, quads)
    assert "Warning" in whole[1]
    assert _focused(slug, quads, checked) == whole


@pytest.mark.parametrize("change", sorted(p.name for p in FIXTURES.glob("*.trig")))
def test_every_fixture_gives_the_same_text(change: str, checked):
    quads = fixture(change)
    whole = _whole("iom-bpoa-review", quads)
    assert whole[0] == change.startswith("ok-"), whole[1]
    assert _focused("iom-bpoa-review", quads, checked) == whole


def _with(*triples: tuple[str, str, str]) -> list[ox.Quad]:
    return [*fixture(), *(ox.Quad(*map(ox.NamedNode, t), REPORT_GRAPH) for t in triples)]


def test_a_reference_node_typed_by_a_report_is_checked_as_its_new_class(checked):
    """A report that makes a commitment a programme: the commitment is checked as a
    programme (no implementer), and what points to it (its actions) is in the focus."""
    commitment = next(
        q.subject
        for q in checked.quads
        if q.predicate.value == str(RDF.type) and q.object.value == iris.POA + "Commitment"
    )
    quads = _with((commitment.value, str(RDF.type), iris.POA + "Programme"))
    focus = _focus(quads, checked)
    assert to_rdflib_term(commitment) in focus
    pointing = {q.subject for q in checked.quads if q.object == commitment}
    assert pointing and all(to_rdflib_term(n) in focus for n in pointing)
    whole = _whole("iom-bpoa-review", quads)
    assert not whole[0] and "does not say who implements it" in whole[1]
    assert _focused("iom-bpoa-review", quads, checked) == whole


def test_a_subclass_axiom_in_a_report_checks_every_node(checked):
    """Countries made programmes by an axiom: every country fails, none named by the report;
    such a graph is validated whole."""
    quads = _with((iris.POA + "Country", str(RDFS.subClassOf), iris.POA + "Programme"))
    assert _focus(quads, checked) is None
    whole = _whole("iom-bpoa-review", quads)
    assert not whole[0] and whole[1].count("does not say who implements it") > 100
    assert _focused("iom-bpoa-review", quads, checked) == whole
