"""The IRIs of the public vocabulary (DESIGN §2): one place mints them all.

IRIs are plain strings here, so that extraction (text -> records) needs no RDF library;
code that builds RDF terms wraps them (`NamedNode(iris.country("AFG"))`). PREFIXES is the
one prefix table of the project and `curie()` the one way to shorten an IRI for people.
"""

from __future__ import annotations

import re
import unicodedata

BASE = "https://w3id.org/poagraph/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
POA = BASE + "ontology#"

ONTOLOGY_GRAPH = GRAPH + "ontology"
VOCAB_GRAPH = GRAPH + "vocab"
BPOA = ID + "bpoa"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"
OA = "http://www.w3.org/ns/oa#"

#: The prefixes written into Turtle and TriG (exports, CONSTRUCT results, pages, reports),
#: predeclared for `poagraph query`, and used to show IRIs as short names.
PREFIXES = {
    "poa": POA,
    "id": ID,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "org": "http://www.w3.org/ns/org#",
    "prov": PROV,
    "schema": "https://schema.org/",
    "oa": OA,
}

#: Namespaces shown short too, though the graph does not write them.
_ALSO_SHORT = {"schema": "http://schema.org/", "vann": "http://purl.org/vocab/vann/"}


def curie(iri: str) -> str:
    """`poa:Country`, `id:country/AFG` for a known namespace; the IRI itself otherwise."""
    for prefix, ns in (*PREFIXES.items(), *_ALSO_SHORT.items()):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def poa(term: str) -> str:
    return POA + term


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: stable IRI segments from names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def country(iso3: str) -> str:
    return f"{ID}country/{iso3.upper()}"


def region(slug: str) -> str:
    return f"{ID}region/{slug}"


def commitment(n: int) -> str:
    return f"{ID}bpoa/commitment/{n}"


def report(slug: str) -> str:
    return f"{ID}report/{slug}"


def passage(slug: str, n: int) -> str:
    return f"{ID}report/{slug}/passage/{n}"


def report_graph(slug: str) -> str:
    return f"{GRAPH}report/{slug}"


def contribution_graph(contribution_id: str) -> str:
    return f"{GRAPH}contribution/{contribution_id}"


def action(commitment_number: int, title: str) -> str:
    """A BPoA action, named by its commitment and the first words of its official text,
    so that every agency's report that quotes the same action lands on the same IRI."""
    words = slugify(title).split("-")[:8]
    return f"{ID}bpoa/commitment/{commitment_number}/action/{'-'.join(words)}"


def organisation(slug: str) -> str:
    return f"{ID}organisation/{slug}"


def programme(slug: str) -> str:
    return f"{ID}programme/{slug}"


def outcome(report_slug: str, n: int) -> str:
    return f"{ID}report/{report_slug}/outcome/{n}"


def event(report_slug: str, n: int) -> str:
    return f"{ID}report/{report_slug}/event/{n}"


def annotation(report_slug: str, n: int) -> str:
    """The n-th evidence annotation of a report (oa:Annotation); its target and selectors
    are `{annotation}/target`, `{annotation}/quote` and `{annotation}/position`."""
    return f"{ID}report/{report_slug}/annotation/{n}"


def statement(report_slug: str, n: int) -> str:
    """The n-th relation of a report stated as an rdf:Statement, the body of an annotation."""
    return f"{ID}report/{report_slug}/statement/{n}"
