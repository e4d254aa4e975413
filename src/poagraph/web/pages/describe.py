"""What a resource page shows: its label, types and statements both ways with labelled links
(evidence.py adds the words of the report that state it, summaries.py the lists of a country,
programme or report).

Pure functions over the rows of the page queries (see pagedata.py), so the HTML templates
only lay things out. Literals stay plain strings here; Jinja escapes them when rendering
(and tidies report text: poagraph.text.tidy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from poagraph import iris
from poagraph.iris import curie
from poagraph.web.pages import pagedata
from poagraph.web.pages.pagedata import Term

RDF_TYPE = iris.RDF + "type"
RDFS = iris.RDFS
SKOS = iris.SKOS
XSD = iris.XSD
POA = iris.POA

#: Label properties, most preferred first (also the order of the label queries' VALUES).
LABEL_PROPERTIES = [
    RDFS + "label",
    SKOS + "prefLabel",
    "http://purl.org/dc/terms/title",
    "https://schema.org/name",
    POA + "acronym",
]

#: How many values of one property a page lists before saying "and N more".
MAX_VALUES = 200


def _label_rank(prop: Term | None, label: Term) -> tuple[int, int]:
    """Lower is better: the page's language (or no tag) first, then the property's place in
    LABEL_PROPERTIES; a label in another language only when there is no other."""
    prop_rank = LABEL_PROPERTIES.index(prop.value) if prop and prop.value in LABEL_PROPERTIES else 9
    return (0 if pagedata.in_page_language(label) else 1), prop_rank


def best_label(candidates: Iterable[tuple[Term | None, Term]]) -> str | None:
    """The preferred label among (label property, label) pairs, or None."""
    ranked = sorted(candidates, key=lambda c: (*_label_rank(*c), c[1].value))
    return ranked[0][1].value if ranked else None


@dataclass
class Value:
    """One object (or, for inverse links, subject) of a statement, ready to show."""

    term: Term
    label: str | None = None

    @property
    def text(self) -> str:
        if self.term.is_literal:
            return self.term.value
        return self.label or fallback_label(self.term.value)

    @property
    def datatype(self) -> str | None:
        """A short datatype to show beside typed literals (not for plain strings)."""
        dt = self.term.datatype
        if not self.term.is_literal or not dt or dt == XSD + "string" or self.term.lang:
            return None
        return curie(dt)


@dataclass
class PropertyValues:
    """A property of the page's resource with its values, sorted for reading."""

    predicate: Term
    label: str
    values: list[Value] = field(default_factory=list)
    total: int = 0
    #: the resource names this property with poa:inferred: the text does not state its value
    inferred: bool = False

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.values))

    @property
    def curie(self) -> str:
        return curie(self.predicate.value)


def group_statements(
    rows: list[dict[str, Term]],
    node: str,
    node_label: str,
    node_label_prop: str,
    figure: str = "",
) -> list[PropertyValues]:
    """Group (predicate, node) rows into properties with labelled, de-duplicated values;
    `figure` names the column that names an unlabelled outcome by its figures."""
    props: dict[str, PropertyValues] = {}
    labels: dict[tuple[str, Term], list[tuple[Term | None, Term]]] = {}
    plabels: dict[str, list[tuple[Term | None, Term]]] = {}
    for row in rows:
        p = row["p"]
        entry = props.setdefault(p.value, PropertyValues(predicate=p, label=""))
        value = row[node]
        key = (p.value, value)
        if key not in labels:
            labels[key] = []
            entry.values.append(Value(value))
        if node_label in row:
            labels[key].append((row.get(node_label_prop), row[node_label]))
        if figure in row:  # ranks below every label property
            labels[key].append((None, row[figure]))
        if "plabel" in row:
            plabels.setdefault(p.value, []).append((None, row["plabel"]))
    for p, entry in props.items():
        entry.label = best_label(plabels.get(p, [])) or curie(p)
        for value in entry.values:
            value.label = best_label(labels[(p, value.term)])
        entry.values.sort(key=_value_order)
        entry.total = len(entry.values)
        entry.values = entry.values[:MAX_VALUES]
    return sorted(props.values(), key=_property_order)


def _value_order(value: Value) -> tuple:
    return (value.term.kind != "uri", natural(value.text.lower()))


def natural(text: str) -> list:
    """Sort key that puts passage/2 before passage/10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _property_order(prop: PropertyValues) -> tuple:
    first = [RDF_TYPE, *LABEL_PROPERTIES]
    rank = first.index(prop.predicate.value) if prop.predicate.value in first else len(first)
    return (rank, prop.label.lower())


def subject_label(out: list[PropertyValues], iri: str) -> str:
    """The page title: a label, else a name made from an outcome's figures, else the IRI end."""
    by_p = {prop.predicate.value: prop for prop in out}
    candidates = [
        (Term("uri", p), value.term)
        for p in LABEL_PROPERTIES
        if p in by_p
        for value in by_p[p].values
        if value.term.is_literal
    ]
    label = best_label(candidates)
    if label:
        return label
    parts = [iris.RDF + "subject", iris.RDF + "predicate", iris.RDF + "object"]
    if all(p in by_p and by_p[p].values for p in parts):  # a relation: "X — partner — Y"
        return " — ".join(by_p[p].values[0].text for p in parts)
    if POA + "value" in by_p:
        names = ("qualifier", "currency", "value", "unit")
        parts = [by_p[POA + n] for n in names if POA + n in by_p]
        return " ".join(part.values[0].text for part in parts)
    return fallback_label(iri)


def passage_label(iri: str) -> str:
    """'Passage 12' for .../passage/12."""
    tail = iri.rstrip("/").rsplit("/", 2)
    return f"Passage {tail[-1]}" if len(tail) == 3 and tail[-2] == "passage" else iri


def fallback_label(iri: str) -> str:
    """A name for an IRI without a label: 'Passage 12' or 'Outcome 3' for numbered parts of
    a report, the last segment for our other resources, a prefixed name or the IRI elsewhere."""
    if iri.startswith(iris.ID):
        parts = iri[len(iris.ID) :].rstrip("/").split("/")
        if len(parts) >= 2 and parts[-1].isdigit():
            return f"{parts[-2].capitalize()} {parts[-1]}"
        return parts[-1]
    if iri.startswith(POA):
        return iri[len(POA) :]
    return curie(iri)
