"""The reference-data guard: a contribution describes only its own resources.

Whatever the shapes say, statements about countries, commitments, actions, ontology terms,
another report's or contribution's resources, resources in a reserved namespace, and new
resources of a reserved class are refused, one violation per resource.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from .. import iris
from ..validation.labels import describe
from ..validation.model import Result
from ..validation.terms import local_name, to_rdflib_term
from .config import rules
from .read import Contribution
from .reference import Reference

#: The shape IRI reported for boundary results (not a SHACL shape: a rule of this package).
BOUNDARY = rdflib.URIRef("https://w3id.org/poagraph/shapes#boundary")
RDF_TYPE = ox.NamedNode(iris.RDF + "type")

#: Why a resource is refused: the message, the resource's label, the triple to point at.
_Refusal = tuple[str, str, ox.Triple]


def boundary_results(c: Contribution, ref: Reference, data: rdflib.Graph) -> list[Result]:
    """One violation per resource the contribution may not describe, whatever the shapes
    say: reference data, another report's or contribution's resources, reserved
    namespaces, and resources typed with a reserved class."""
    by_subject: dict[object, list[ox.Triple]] = {}
    for t in c.triples:
        by_subject.setdefault(t.subject, []).append(t)
    results: list[Result] = []
    for subject, triples in by_subject.items():
        focus = to_rdflib_term(subject)
        label = describe(data, focus) or local_name(subject)
        refusal = _not_own(subject, triples, c, ref, label) or _reserved_class(triples, label)
        if refusal is not None:
            message, label, first = refusal
            results.append(
                Result(
                    severity="Violation",
                    message=message,
                    focus=focus,
                    path=to_rdflib_term(first.predicate),
                    value=to_rdflib_term(first.object),
                    shape=BOUNDARY,
                    focus_label=label,
                    path_label="reference data",
                )
            )
    return results


def _not_own(
    subject: object, triples: list[ox.Triple], c: Contribution, ref: Reference, label: str
) -> _Refusal | None:
    """(message, label, first triple) if `subject` is an IRI outside the contribution's
    namespace that the graph describes or that lies in a reserved namespace."""
    if not isinstance(subject, ox.NamedNode) or subject.value.startswith(c.namespace):
        return None
    graph = ref.graph_of(subject)
    if graph is not None:
        kind = label.split(":", 1)[0] if ":" in label else "the resource"
        label = f"{kind}: {ref.label(subject)}" if ref.label(subject) else label
        message = (
            f"You cannot change reference data: {label} is already described in"
            f" {_graph_name(graph)}. A contribution may only describe its own"
            " resources: link to it (use its IRI as a value) instead of adding"
            f" statements about it ({len(triples)} here)."
        )
        return message, label, triples[0]
    if any(subject.value.startswith(ns) for ns in rules()["reserved_namespaces"]):
        message = (
            f"You cannot change reference data: {subject.value} lies in a namespace"
            " your contribution does not own. Name your own resources with blank"
            " nodes, relative IRIs (outcome/1) or IRIs of your own domain."
        )
        return message, label, triples[0]
    return None


def _reserved_class(triples: list[ox.Triple], label: str) -> _Refusal | None:
    """(message, label, the rdf:type triple) if the resource is typed with a reserved class."""
    reserved = set(rules()["reserved_classes"])
    for t in triples:
        if t.predicate == RDF_TYPE and t.object.value in reserved:
            message = (
                f"You cannot change reference data: a contribution cannot create a"
                f" new {local_name(t.object)}. Countries, regions, the Programme of Action,"
                " its commitments and actions, reports and ontology terms come from the"
                " reference data: name an existing one instead."
            )
            return message, label, t
    return None


def _graph_name(graph: ox.NamedNode | ox.DefaultGraph) -> str:
    value = getattr(graph, "value", "")
    if value == iris.VOCAB_GRAPH:
        return "the UN reference data"
    if value == iris.ONTOLOGY_GRAPH:
        return "the ontology (the public vocabulary and the Programme of Action)"
    if value.startswith(iris.GRAPH + "report/"):
        return f"report {value.rsplit('/', 1)[-1]}"
    if value.startswith(iris.GRAPH + "contribution/"):
        return f"contribution {value.rsplit('/', 1)[-1]}"
    return "the graph"
