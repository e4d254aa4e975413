"""The validation engine's shortcuts give what the plain way gives.

Shapes are parsed by Oxigraph (validation/shapes.py) instead of rdflib's Turtle parser, and
pySHACL's constraint parameters are looked up in a set (validation/shacl.py) instead of its
list: the same shapes graphs (triples and prefixes), and the same results for every bad
contribution of test_contribution.py with pySHACL's own list put back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyshacl import shape as pyshacl_shape
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from rdflib.compare import isomorphic
from test_contribution import CASES, csv_rows, turtle

from poagraph import paths
from poagraph.contributions.check import validate_contribution
from poagraph.contributions.reference import open_reference
from poagraph.validation import shacl
from poagraph.validation.shapes import SHAPE_SETS, all_shapes, load_shapes


def _rdflib_parse(names) -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in names:
        graph.parse(paths.SHAPES / name, format="turtle")
    return graph


@pytest.mark.parametrize("shape_set", sorted(SHAPE_SETS))
def test_shapes_parse_as_rdflib_parses_them(shape_set):
    # parsed afresh: the cached graphs are shared with other tests of the session
    mine, theirs = load_shapes.__wrapped__(shape_set), _rdflib_parse(SHAPE_SETS[shape_set])
    assert len(mine) == len(theirs) > 100
    assert isomorphic(mine, theirs)
    assert sorted(mine.namespaces()) == sorted(theirs.namespaces())


def test_every_shape_parses_as_rdflib_parses_it():
    files = dict.fromkeys(f for names in SHAPE_SETS.values() for f in names)
    assert isomorphic(all_shapes.__wrapped__(), _rdflib_parse(files))


def test_the_parameter_list_answers_as_a_list():
    params = shacl._ParameterList(ALL_CONSTRAINT_PARAMETERS)
    copy = params.copy()
    copy.append(rdflib.URIRef("http://example.org/extra"))
    assert list(params) == list(ALL_CONSTRAINT_PARAMETERS)
    assert all(p in params for p in ALL_CONSTRAINT_PARAMETERS)
    assert rdflib.URIRef("http://example.org/extra") in copy
    assert rdflib.URIRef("http://example.org/extra") not in params
    assert rdflib.Literal(str(ALL_CONSTRAINT_PARAMETERS[0])) not in params
    assert isinstance(pyshacl_shape.CONSTRAINT_PARAMS[0], shacl._ParameterList)  # in use


def _results(report) -> list[tuple]:
    return [
        (r.severity, r.message, str(r.focus), str(r.path), str(r.value), r.location)
        for r in report.results
    ]


@pytest.fixture(scope="module")
def ref(built_store_path: Path):
    reference = open_reference(built_store_path)
    yield reference
    del reference.db


def test_bad_contributions_give_the_same_results_with_pyshacls_list(ref):
    bodies = [(turtle(**c.ttl), "ttl") for c in CASES]
    bodies += [(csv_rows(c.csv), "csv") for c in CASES if c.csv is not None]
    indexed = pyshacl_shape.CONSTRAINT_PARAMS
    try:
        pyshacl_shape.CONSTRAINT_PARAMS = (ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP)
        plain = [_results(validate_contribution(b, f, reference=ref)) for b, f in bodies]
    finally:
        pyshacl_shape.CONSTRAINT_PARAMS = indexed
    fast = [_results(validate_contribution(b, f, reference=ref)) for b, f in bodies]
    assert fast == plain
    assert sum(len(r) for r in plain) > len(bodies)  # they are bad: results to compare
