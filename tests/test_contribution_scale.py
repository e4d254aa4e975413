"""A contribution is checked at the cost of its own size, with the same results.

Names resolve through an index of each class's keys (contributions/names.py) instead of
one store-wide query per name; a changed graph can be validated on its own nodes alone,
the rest of the data being their neighbourhood in view (validation/shacl.py: run_shapes
`focus`, validate_graph `focus`). Each is compared here with the way it was done before
(the query; every node validated, then the results filtered), on the built bundled report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from test_contribution import CASES, csv_rows, turtle

from poagraph import iris, reference
from poagraph.contributions.config import rules
from poagraph.contributions.names import KEY_PROPERTIES
from poagraph.contributions.read import parse_contribution
from poagraph.contributions.reference import open_reference
from poagraph.contributions.resolve import resolve_names
from poagraph.validation.shacl import run_shapes, validate_graph
from poagraph.validation.shapes import CONTRIBUTION
from poagraph.validation.terms import to_rdflib_term


@pytest.fixture(scope="module")
def ref(built_store_path: Path):
    reference = open_reference(built_store_path)
    yield reference
    del reference.db


def _classes() -> list[str]:
    names = rules()
    return sorted({c for cs in names["resolve"].values() for c in cs} | set(names["merge_classes"]))


def _by_query(ref, name: str, cls: str) -> list[ox.NamedNode]:
    """contribution-lookup.rq itself, as Reference.lookup runs it on a remote store."""
    return ref.query_lookup(name, cls)


def test_the_name_index_answers_as_the_lookup_query(ref):
    keys = sorted(
        {
            q.object.value
            for p in KEY_PROPERTIES
            for q in ref.db.quads_for_pattern(None, p, None, None)
            if isinstance(q.object, ox.Literal)
        }
    )
    names = [
        *keys[:: max(1, len(keys) // 300)],
        "commitment 3",  # the start of a label, 12 characters
        "COMMITMENT 3: BUILDING",  # any case
        "niger",
        "NER",
        "united states",  # exact wins over the start of a longer name
        "nobody by this name",
    ]
    answered = 0
    for cls in _classes():
        for name in names:
            want = _by_query(ref, name, cls)
            assert ref._index.lookup(name, cls) == want, (name, cls)
            answered += bool(want)
    assert answered > 100  # most of them name something


def _data(ref, body: bytes, fmt: str):
    """What check() hands the shapes: the contribution, its neighbours, the axioms."""
    c = parse_contribution(body, fmt, source=f"c.{fmt}", contribution_id="0123456789ab")
    resolve_names(c, ref)
    mentioned = {n for t in c.triples for n in (t.subject, t.object) if isinstance(n, ox.NamedNode)}
    own = {to_rdflib_term(t.subject) for t in c.triples}
    return [*c.triples, *ref.about(mentioned), *ref.class_axioms()], own


def _key(results) -> list[tuple]:
    return sorted(
        (str(r.focus), str(r.path), str(r.value), r.severity, r.message, r.focus_label)
        for r in results
    )


def _whole_then_filtered(triples, own) -> list[tuple]:
    """Every node validated, then the results about `own` kept (as before)."""
    results, _ = run_shapes(triples, shapes=CONTRIBUTION)
    return _key(r for r in results if r.focus in own)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_own_nodes_validated_alone_give_the_whole_graph_results(ref, case):
    triples, own = _data(ref, turtle(**case.ttl), "ttl")
    focused, _ = run_shapes(triples, shapes=CONTRIBUTION, only=own, focus=True)
    assert _key(focused) == _whole_then_filtered(triples, own)


@pytest.mark.parametrize("case", [c for c in CASES if c.csv is not None], ids=lambda c: c.name)
def test_own_blank_nodes_give_the_whole_graph_results(ref, case):
    triples, own = _data(ref, csv_rows(case.csv), "csv")
    focused, _ = run_shapes(triples, shapes=CONTRIBUTION, only=own, focus=True)
    assert _key(focused) == _whole_then_filtered(triples, own)


def test_a_node_linking_to_a_report_passage_is_checked_with_it_in_view(ref):
    """The report's passage is no focus node, but its text is what the quote is checked
    against: a quote from it passes, a changed one is refused, as when all is validated."""
    passage = ox.NamedNode(iris.passage("iom-bpoa-review", 37))
    [text] = [
        q.object.value
        for q in ref.db.quads_for_pattern(passage, ox.NamedNode(iris.poa("text")), None)
    ]
    quote = " ".join(text.split()[3:11])
    for words, violations in ((quote, 0), (quote.upper() + " X", 1)):
        body = turtle(
            outcome={"poa:evidence": f"<{passage.value}>", "poa:quote": json.dumps(words)}
        )
        triples, own = _data(ref, body, "ttl")
        assert rdflib.URIRef(passage.value) not in own
        focused, _ = run_shapes(triples, shapes=CONTRIBUTION, only=own, focus=True)
        assert sum(r.severity == "Violation" for r in focused) == violations
        assert _key(focused) == _whole_then_filtered(triples, own)


def test_validate_graph_with_a_focus_checks_only_the_changed_graph(ref):
    """A changed graph checked with the reference data in view (as a maintainer's write
    is): the same results about its nodes, and none about the reference data."""
    bad = turtle(outcome={"poa:country": "country:XXX", "poa:value": None})
    graph = [t for t in ox.parse(bad, ox.RdfFormat.TURTLE, base_iri="https://example.org/c/")]
    ref_quads = list(reference.reference_quads())
    focus = {to_rdflib_term(t.subject) for t in graph}
    whole = validate_graph(graph, ref_quads)
    focused = validate_graph(graph, ref_quads, focus=focus)
    assert not focused.conforms
    assert _key(focused.results) == _key(r for r in whole.results if r.focus in focus)
    assert {r.path_label for r in focused.results} >= {"country", "value"}
