"""Names -> IRIs: a contribution may name countries, commitments, actions, organisations and
programmes by name (for the properties listed under `resolve:` in the rules); here they
become the resources they name, and IRIs are minted for the blank nodes of an accepted one."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from .. import iris
from ..validation.model import Result
from ..validation.terms import to_rdflib_term
from .boundary import BOUNDARY, RDF_TYPE
from .config import rules
from .read import Contribution
from .reference import Reference

_LABEL_PROPERTIES = {iris.RDFS + "label", iris.POA + "acronym"}


def resolve_names(c: Contribution, ref: Reference) -> None:
    """Replace names by the resources they name, and link described organisations and
    programmes the graph already knows to the known ones (see the rules file)."""
    resolve = rules()["resolve"]
    out: list[ox.Triple] = []
    for t in c.triples:
        classes = resolve.get(t.predicate.value)
        if classes and isinstance(t.object, ox.Literal):
            found = ref.lookup(t.object.value, classes)
            if len(found) == 1:
                t = ox.Triple(t.subject, t.predicate, found[0])
            elif len(found) > 1:
                c.results.append(_ambiguous(t, found))
        out.append(t)
    c.triples = out
    _merge_known(c, ref)


def _ambiguous(t: ox.Triple, found: list[ox.NamedNode]) -> Result:
    names = ", ".join(f"{n.value.rsplit('/', 1)[-1]}" for n in found[:5])
    return Result(
        severity="Violation",
        message=f'"{t.object.value}" names more than one resource ({names}): use a more'
        " precise name, a code, or the IRI.",
        focus=to_rdflib_term(t.subject),
        path=to_rdflib_term(t.predicate),
        value=to_rdflib_term(t.object),
        shape=BOUNDARY,
    )


def _known(c: Contribution, ref: Reference) -> dict[ox.NamedNode | ox.BlankNode, ox.NamedNode]:
    """The contribution's own organisations and programmes (merge_classes) that the graph
    already knows by one of their names or acronyms, each with the known resource."""
    merge = set(rules()["merge_classes"])
    names_of: dict[object, list[str]] = {}  # one pass, not one per resource
    for u in c.triples:
        if u.predicate.value in _LABEL_PROPERTIES:
            names_of.setdefault(u.subject, []).append(u.object.value)
    replace: dict[ox.NamedNode | ox.BlankNode, ox.NamedNode] = {}
    for t in c.triples:
        if t.predicate == RDF_TYPE and t.object.value in merge and _own(t.subject, c):
            for name in names_of.get(t.subject, []):
                found = ref.lookup(name, [t.object.value])
                if len(found) == 1:
                    replace[t.subject] = found[0]
                    break
    return replace


def _merge_known(c: Contribution, ref: Reference) -> None:
    replace = _known(c, ref)
    if not replace:
        return
    identifying = set(rules()["identifying_properties"])
    out = []
    for t in c.triples:
        s, o = replace.get(t.subject, t.subject), replace.get(t.object, t.object)
        if t.subject in replace and t.predicate.value in identifying:
            continue  # the graph already knows its name and type
        if t.subject in replace and ref.states(ox.Triple(s, t.predicate, o)):
            continue  # nor does it need to be told again what it already says
        out.append(ox.Triple(s, t.predicate, o))
    for old, new in replace.items():
        if old.value in c.rows:
            c.rows.setdefault(new.value, c.rows[old.value])
    c.triples = list(dict.fromkeys(out))


def mint_blank_nodes(triples: Iterable[ox.Triple], namespace: str) -> list[ox.Triple]:
    """IRIs for the blank nodes of an accepted contribution, so that everything it says can
    be looked up and linked to: {namespace}{class}/b{n}, the class being the node's poa:
    type in lower case (outcome/b1, programme/b2), n counting in order of appearance."""
    triples = list(triples)
    kinds = {
        t.subject: t.object.value.removeprefix(iris.POA).lower()
        for t in reversed(triples)
        if t.predicate == RDF_TYPE and t.object.value.startswith(iris.POA)
    }
    minted: dict[ox.BlankNode, ox.NamedNode] = {}
    for t in triples:
        for node in (t.subject, t.object):
            if isinstance(node, ox.BlankNode) and node not in minted:
                kind = kinds.get(node, "node")
                minted[node] = ox.NamedNode(f"{namespace}{kind}/b{len(minted) + 1}")
    return [
        ox.Triple(minted.get(t.subject, t.subject), t.predicate, minted.get(t.object, t.object))
        for t in triples
    ]


def _own(node: object, c: Contribution) -> bool:
    return isinstance(node, ox.BlankNode) or (
        isinstance(node, ox.NamedNode) and node.value.startswith(c.namespace)
    )
