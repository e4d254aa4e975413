"""The one bridge between pyoxigraph terms (store, parsers) and rdflib terms (pySHACL).

Also `local_name`, the last segment of an IRI, which reports use where a label is missing.
"""

from __future__ import annotations

from collections.abc import Iterable

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from .. import iris

_XSD_STRING = iris.XSD + "string"


def to_rdflib_term(term: NamedNode | BlankNode | Literal) -> rdflib.term.Node:
    """A pyoxigraph term as the equal rdflib term (xsd:string literals stay plain)."""
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))


def to_rdflib(triples: Iterable[Quad | Triple], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Add pyoxigraph triples or quads (graph names dropped) to an rdflib graph."""
    graph = rdflib.Graph() if graph is None else graph
    memo: dict[object, rdflib.term.Node] = {}

    def conv(t: NamedNode | BlankNode | Literal) -> rdflib.term.Node:
        node = memo.get(t)
        if node is None:
            node = memo[t] = to_rdflib_term(t)
        return node

    add = graph.add
    for q in triples:
        add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return graph


def to_ox_term(node: rdflib.term.Node) -> NamedNode | BlankNode | Literal:
    """An rdflib term as the equal pyoxigraph term."""
    if isinstance(node, rdflib.URIRef):
        return NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return BlankNode(str(node))
    if node.language:
        return Literal(str(node), language=node.language)
    if node.datatype:
        return Literal(str(node), datatype=NamedNode(str(node.datatype)))
    return Literal(str(node))


def to_ox_triple(t: tuple) -> Triple:
    """An rdflib (subject, predicate, object) as a pyoxigraph Triple."""
    return Triple(*(to_ox_term(n) for n in t))


def local_name(node: object) -> str:
    """The IRI's last segment (after '#', else after '/'): 'Outcome', 'ETH'; the whole IRI
    if that segment is empty; a blank node or literal by its value."""
    text = node.value if isinstance(node, (NamedNode, BlankNode, Literal)) else str(node)
    for sep in ("#", "/"):
        if sep in text:
            return text.rsplit(sep, 1)[1] or text
    return text
