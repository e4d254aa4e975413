"""The shapes of shapes/, parsed once per process: what graphs and contributions must satisfy."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from .. import paths
from .terms import to_rdflib

#: Shapes every graph must satisfy; contributions must satisfy CONTRIBUTION_SHAPES as well,
#: and a report graph the build made REPORT_SHAPES (status, annotations, language tags).
GRAPH_SHAPES = ("poa.ttl", "currencies.ttl")
CONTRIBUTION_SHAPES = ("contribution.ttl",)
REPORT_SHAPES = ("report.ttl",)

#: The shape sets, by name: any graph, a partner's contribution, a report graph the build made.
GRAPH = "graph"
CONTRIBUTION = "contribution"
REPORT = "report"

#: Which files each check reads.
SHAPE_SETS: dict[str, tuple[str, ...]] = {
    GRAPH: GRAPH_SHAPES,
    CONTRIBUTION: GRAPH_SHAPES + CONTRIBUTION_SHAPES,
    REPORT: GRAPH_SHAPES + REPORT_SHAPES,
}

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@functools.cache
def load_shapes(shape_set: str = GRAPH) -> rdflib.Graph:
    """The shapes graph of one check (cached: parsed once per process): GRAPH any graph,
    CONTRIBUTION a partner's contribution, REPORT a report graph (see SHAPE_SETS)."""
    return _parse(SHAPE_SETS[shape_set])


@functools.cache
def all_shapes() -> rdflib.Graph:
    """Every shape of shapes/, for the names results are shown with."""
    return _parse(dict.fromkeys(f for names in SHAPE_SETS.values() for f in names))


def _parse(names: Iterable[str]) -> rdflib.Graph:
    """The shape files as one rdflib graph, with their prefixes bound. Parsed by Oxigraph
    (in a third of the time of rdflib's Turtle parser: it counts in every command's start);
    the same triples, each parse with its own blank nodes as rdflib's would have."""
    graph = rdflib.Graph()
    for name in names:
        parser = ox.parse(path=str(paths.SHAPES / name), format=ox.RdfFormat.TURTLE)
        to_rdflib(parser, graph)
        for prefix, namespace in (parser.prefixes or {}).items():
            graph.bind(prefix, namespace, override=False)
    return graph


@functools.cache
def core_shapes(shape_set: str) -> rdflib.Graph:
    """The shapes without their SPARQL constraints (shacl.run_sparql runs those)."""
    graph = rdflib.Graph()
    for t in load_shapes(shape_set):
        if t[1] != SH.sparql:
            graph.add(t)
    return graph


def shape_name(shape: rdflib.term.Node | None) -> str:
    """The sh:name the shapes give `shape` ("" if none)."""
    if shape is None:
        return ""
    return str(all_shapes().value(shape, SH.name) or "")


@functools.cache
def property_names() -> dict[rdflib.term.Node, str]:
    """Each property a shape constrains with the sh:name it is given there (the first)."""
    shapes = all_shapes()
    names: dict[rdflib.term.Node, str] = {}
    for shape, path in shapes.subject_objects(SH.path):
        name = shapes.value(shape, SH.name)
        if isinstance(path, rdflib.URIRef) and name is not None:
            names.setdefault(path, str(name))
    return names
