"""Names for people: a resource by its label (an outcome by its value and what it counts),
a property by the sh:name the shapes give it."""

from __future__ import annotations

import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS

from .. import iris
from .shapes import all_shapes, property_names
from .terms import local_name

POA = rdflib.Namespace(iris.POA)

_LABELS = (RDFS.label, SKOS.prefLabel, POA.acronym)


def label(data: rdflib.Graph, node: rdflib.term.Node) -> str:
    """The best human name of `node` in `data`: English label, any label, acronym."""
    for prop in _LABELS:
        values = list(data.objects(node, prop))
        english = [v for v in values if getattr(v, "language", None) in ("en", None)]
        if english or values:
            return str((english or values)[0])
    return ""


def describe(data: rdflib.Graph, node: rdflib.term.Node) -> str:
    """'Outcome: over 4400 migrants returned (Ethiopia)', 'Programme: MIDA', ..."""
    types = [t for t in data.objects(node, RDF.type) if str(t).startswith(iris.POA)]
    kind = str(types[0])[len(iris.POA) :] if types else ""
    name = label(data, node)
    if not name and kind == "Outcome":
        name = _outcome_name(data, node)
    if not name and kind == "Passage":
        text = data.value(node, POA.text)
        name = f'"{str(text)[:60]}..."' if text is not None and len(text) > 60 else str(text or "")
    return f"{kind}: {name}".strip(": ") if kind else name


def _outcome_name(data: rdflib.Graph, node: rdflib.term.Node) -> str:
    """'over 4400 migrants returned (Ethiopia)': qualifier, currency, value, unit, countries."""
    value, unit = data.value(node, POA.value), data.value(node, POA.unit)
    qualifier, currency = data.value(node, POA.qualifier), data.value(node, POA.currency)
    words = [str(w) for w in (qualifier, currency, value, unit) if w is not None]
    countries = sorted(label(data, c) or local_name(c) for c in data.objects(node, POA.country))
    return " ".join(words) + (f" ({', '.join(countries)})" if countries else "")


def path_label(path: rdflib.term.Node | None, shape: rdflib.term.Node | None = None) -> str:
    """The property in words (the sh:name the shapes give it), else its local name; for a
    check on the whole resource, the name of the shape."""
    shapes = all_shapes()
    own = shapes.value(shape, SH.name) if shape is not None else None
    if path is None or (own is not None and shapes.value(shape, SH.path) is not None):
        return str(own or "")
    return property_names().get(path) or local_name(path)
