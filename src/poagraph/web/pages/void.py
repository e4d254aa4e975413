"""The VoID description of the dataset (https://www.w3.org/TR/void/), counted from the store:
triples, classes and properties (with partitions), one void:subset per named graph with its
triple count, and a linkset per link property and target namespace (Wikidata, UN M49 areas,
EU authority tables, UNBIS, ...). Built as pyoxigraph terms, serialized by pyoxigraph.
"""

from __future__ import annotations

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from poagraph import __version__, iris
from poagraph.web import formats
from poagraph.web.pages import pagedata
from poagraph.web.urls import external_url_for

VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = NamedNode(iris.RDF + "type")
DCTERMS = iris.DCTERMS
XSD_INTEGER = NamedNode(iris.XSD + "integer")

#: The dataset's IRI (the VoID document at /void describes it).
DATASET = NamedNode(iris.BASE + "void#dataset")

PREFIXES = {**iris.PREFIXES, "void": VOID}


def _v(term: str) -> NamedNode:
    return NamedNode(VOID + term)


def _count(n: int) -> Literal:
    return Literal(str(n), datatype=XSD_INTEGER)


def triples(endpoint_url: str) -> list[Triple]:
    """The VoID triples for the store the app serves; `endpoint_url` is its /sparql URL."""
    out = [
        Triple(DATASET, RDF_TYPE, _v("Dataset")),
        Triple(DATASET, NamedNode(DCTERMS + "title"), Literal("poagraph", language="en")),
        Triple(
            DATASET,
            NamedNode(DCTERMS + "description"),
            Literal(
                "UN reports on the Programme of Action for the Least Developed Countries as a "
                "knowledge graph: organisations, countries, commitments, programmes, outcomes "
                "and the passages that state them.",
                language="en",
            ),
        ),
        Triple(DATASET, NamedNode(DCTERMS + "hasVersion"), Literal(__version__)),
        Triple(DATASET, _v("sparqlEndpoint"), NamedNode(endpoint_url)),
        Triple(DATASET, _v("uriSpace"), Literal(iris.ID)),
        Triple(DATASET, _v("vocabulary"), NamedNode(iris.POA)),
        Triple(DATASET, _v("rootResource"), NamedNode(iris.BPOA)),
        Triple(DATASET, _v("exampleResource"), NamedNode(iris.country("AFG"))),
    ]
    # the formats the endpoint answers CONSTRUCT queries in
    out += [
        Triple(DATASET, _v("feature"), NamedNode(formats.W3C_FORMATS + f.w3c))
        for f in formats.GRAPHS
    ]

    total = pagedata.number(pagedata.select("triple-count")[0].get("n"))
    entities = pagedata.select("entity-counts")[0]
    classes = pagedata.select("class-counts")
    properties = pagedata.select("property-counts")
    out += [
        Triple(DATASET, _v("triples"), _count(total)),
        Triple(DATASET, _v("distinctSubjects"), _count(pagedata.number(entities.get("subjects")))),
        Triple(DATASET, _v("distinctObjects"), _count(pagedata.number(entities.get("objects")))),
        Triple(DATASET, _v("classes"), _count(len(classes))),
        Triple(DATASET, _v("properties"), _count(len(properties))),
    ]
    for row in classes:
        part = BlankNode()
        out += [
            Triple(DATASET, _v("classPartition"), part),
            Triple(part, _v("class"), NamedNode(row["class"].value)),
            Triple(part, _v("entities"), _count(pagedata.number(row["n"]))),
        ]
    for row in properties:
        part = BlankNode()
        out += [
            Triple(DATASET, _v("propertyPartition"), part),
            Triple(part, _v("property"), NamedNode(row["p"].value)),
            Triple(part, _v("triples"), _count(pagedata.number(row["n"]))),
        ]
    for row in pagedata.select("graph-counts"):
        graph = NamedNode(row["g"].value)
        out += [
            Triple(DATASET, _v("subset"), graph),
            Triple(graph, RDF_TYPE, _v("Dataset")),
            Triple(graph, _v("triples"), _count(pagedata.number(row["n"]))),
            Triple(graph, _v("sparqlEndpoint"), NamedNode(endpoint_url)),
        ]
        if graph.value.startswith(iris.GRAPH):  # each of our graphs can be downloaded
            rest = graph.value[len(iris.GRAPH) :]
            dump = external_url_for("resources.graph", rest=rest, format="nt")
            out.append(Triple(graph, _v("dataDump"), NamedNode(dump)))
    out += _linksets()
    return out


def _linksets() -> list[Triple]:
    out: list[Triple] = []
    targets: dict[str, BlankNode] = {}
    for row in pagedata.select("linksets"):
        namespace = row["ns"].value
        target = targets.get(namespace)
        if target is None:
            target = targets[namespace] = BlankNode()
            out += [
                Triple(target, RDF_TYPE, _v("Dataset")),
                Triple(target, _v("uriSpace"), Literal(namespace)),
            ]
            if "title" in row:
                title = Literal(row["title"].value)
                out.append(Triple(target, NamedNode(DCTERMS + "title"), title))
        linkset = BlankNode()
        out += [
            Triple(DATASET, _v("subset"), linkset),
            Triple(linkset, RDF_TYPE, _v("Linkset")),
            Triple(linkset, _v("subjectsTarget"), DATASET),
            Triple(linkset, _v("objectsTarget"), target),
            Triple(linkset, _v("linkPredicate"), NamedNode(row["p"].value)),
            Triple(linkset, _v("triples"), _count(pagedata.number(row["n"]))),
        ]
    return out


def serialized(endpoint_url: str, fmt: RdfFormat) -> bytes:
    """The VoID description in `fmt`. Turtle goes through rdflib, whose writer nests the
    partitions as [ ... ] blocks under the dataset, which people read more easily."""
    data = triples(endpoint_url)
    if fmt != RdfFormat.TURTLE:
        return serialize(data, format=fmt)
    graph = rdflib.Graph()
    graph.parse(data=serialize(data, format=RdfFormat.N_TRIPLES), format="nt")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph.serialize(format="turtle", encoding="utf-8")
