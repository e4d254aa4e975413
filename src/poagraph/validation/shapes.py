"""The shapes of shapes/, parsed once per process: what graphs and contributions must satisfy."""

from __future__ import annotations

import functools

import rdflib
from rdflib.namespace import SH

from .. import paths

#: Shapes every graph must satisfy; contributions must satisfy CONTRIBUTION_SHAPES as well.
GRAPH_SHAPES = ("poa.ttl", "currencies.ttl")
CONTRIBUTION_SHAPES = ("contribution.ttl",)

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@functools.cache
def load_shapes(contribution: bool = False) -> rdflib.Graph:
    """The shapes graph (cached: parsed once per process)."""
    graph = rdflib.Graph()
    names = GRAPH_SHAPES + (CONTRIBUTION_SHAPES if contribution else ())
    for name in names:
        graph.parse(paths.SHAPES / name, format="turtle")
    return graph


@functools.cache
def core_shapes(contribution: bool) -> rdflib.Graph:
    """The shapes without their SPARQL constraints (shacl.run_sparql runs those)."""
    graph = rdflib.Graph()
    for t in load_shapes(contribution):
        if t[1] != SH.sparql:
            graph.add(t)
    return graph


def shape_name(shape: rdflib.term.Node | None) -> str:
    """The sh:name the shapes give `shape` ("" if none)."""
    if shape is None:
        return ""
    return str(load_shapes(True).value(shape, SH.name) or "")


@functools.cache
def property_names() -> dict[rdflib.term.Node, str]:
    """Each property a shape constrains with the sh:name it is given there (the first)."""
    shapes = load_shapes(True)
    names: dict[rdflib.term.Node, str] = {}
    for shape, path in shapes.subject_objects(SH.path):
        name = shapes.value(shape, SH.name)
        if isinstance(path, rdflib.URIRef) and name is not None:
            names.setdefault(path, str(name))
    return names
