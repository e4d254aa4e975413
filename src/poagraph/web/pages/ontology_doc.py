"""The ontology (ontology/poa.ttl) as documentation: header, classes and properties with
their labels, definitions and alignments to other vocabularies, for the /ontology page.

Read from the file (not the store) so the page shows exactly what is published; parsed once
per process and again when the file changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from poagraph import iris
from poagraph.iris import curie
from poagraph.web.pages.pagedata import local_href

VANN = "http://purl.org/vocab/vann/"

#: Kinds of terms, in page order: (heading, anchor, rdf:type IRIs).
KINDS = [
    ("Classes", "classes", [OWL.Class, RDFS.Class]),
    ("Object properties", "object-properties", [OWL.ObjectProperty]),
    ("Datatype properties", "datatype-properties", [OWL.DatatypeProperty]),
    ("Annotation properties", "annotation-properties", [OWL.AnnotationProperty]),
    ("Concept schemes and their values", "concepts", [SKOS.ConceptScheme, SKOS.Concept]),
]

#: Relations shown for each term, with their headings.
RELATIONS = [
    (RDFS.subClassOf, "Subclass of"),
    (OWL.equivalentClass, "Equivalent to"),
    (RDFS.subPropertyOf, "Subproperty of"),
    (OWL.equivalentProperty, "Equivalent to"),
    (OWL.inverseOf, "Inverse of"),
    (RDFS.domain, "Domain"),
    (RDFS.range, "Range"),
    (RDFS.seeAlso, "See also"),
    (SKOS.exactMatch, "Exact match"),
    (SKOS.closeMatch, "Close match"),
    (SKOS.inScheme, "In scheme"),
]


@dataclass
class Link:
    iri: str
    text: str

    @property
    def href(self) -> str:
        return local_href(self.iri)


@dataclass
class TermDoc:
    iri: str
    name: str
    label: str
    definition: str = ""
    notes: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    relations: list[tuple[str, list[Link]]] = field(default_factory=list)
    deprecated: bool = False


@dataclass
class OntologyDoc:
    iri: str
    title: str
    description: str
    version: str
    prefix: str
    namespace: str
    license: str | None
    sections: list[tuple[str, str, list[TermDoc]]]


def _text(graph: Graph, subject, *predicates) -> str:
    for predicate in predicates:
        values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
        english = [v for v in values if (v.language or "en").startswith("en")]
        if english or values:
            return str(sorted(english or values)[0])
    return ""


def _link(graph: Graph, node) -> Link | None:
    if not isinstance(node, URIRef):
        return None  # class expressions (owl:unionOf ...) are listed in the Turtle only
    return Link(str(node), curie(str(node)))  # the names queries use: poa:isLDC, prov:Entity


#: Relations read backwards: what points at a term (a class's subclasses and properties).
INVERSE_RELATIONS = [
    (RDFS.subClassOf, "Superclass of"),
    (RDFS.subPropertyOf, "Superproperty of"),
    (RDFS.domain, "Properties of it"),
    (RDFS.range, "Value of"),
]


def _term(graph: Graph, subject: URIRef, namespace: str) -> TermDoc:
    relations = []
    for predicate, heading in RELATIONS:
        links = [link for o in graph.objects(subject, predicate) if (link := _link(graph, o))]
        if links:
            relations.append((heading, sorted(links, key=lambda lk: lk.text.lower())))
    for predicate, heading in INVERSE_RELATIONS:
        links = [link for s in graph.subjects(predicate, subject) if (link := _link(graph, s))]
        if links:
            relations.append((heading, sorted(links, key=lambda lk: lk.text.lower())))
    return TermDoc(
        iri=str(subject),
        name=str(subject)[len(namespace) :],
        label=_text(graph, subject, SKOS.prefLabel, RDFS.label) or str(subject)[len(namespace) :],
        definition=_text(graph, subject, SKOS.definition, RDFS.comment, DCTERMS.description),
        notes=sorted(str(o) for o in graph.objects(subject, SKOS.scopeNote)),
        examples=sorted(str(o) for o in graph.objects(subject, SKOS.example)),
        relations=relations,
        deprecated=(subject, OWL.deprecated, Literal(True)) in graph,
    )


def parse(path: Path) -> OntologyDoc:
    """Documentation of the ontology in the Turtle file at `path`."""
    return _parse(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _parse(path: str, _mtime: int) -> OntologyDoc:
    graph = Graph()
    graph.parse(path, format="turtle")
    onto = next(iter(graph.subjects(RDF.type, OWL.Ontology)), URIRef(iris.POA.rstrip("#")))
    namespace = _text(graph, onto, URIRef(VANN + "preferredNamespaceUri")) or iris.POA
    sections = []
    seen: set[URIRef] = set()
    for heading, anchor, types in KINDS:
        terms = []
        for rdf_type in types:
            for subject in graph.subjects(RDF.type, rdf_type):
                ours = isinstance(subject, URIRef) and str(subject).startswith(namespace)
                if ours and subject not in seen:
                    seen.add(subject)
                    terms.append(_term(graph, subject, namespace))
        sections.append((heading, anchor, sorted(terms, key=lambda t: t.name.lower())))
    license_iri = next(iter(graph.objects(onto, DCTERMS.license)), None)
    return OntologyDoc(
        iri=str(onto),
        title=_text(graph, onto, DCTERMS.title, RDFS.label) or "Ontology",
        description=_text(graph, onto, DCTERMS.description, RDFS.comment),
        version=_text(graph, onto, OWL.versionInfo),
        prefix=_text(graph, onto, URIRef(VANN + "preferredNamespacePrefix")) or "poa",
        namespace=namespace,
        license=str(license_iri) if license_iri else None,
        sections=sections,
    )
