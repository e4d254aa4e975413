"""The IRIs of the public vocabulary (DESIGN §2): one place mints them all."""

from __future__ import annotations

import re
import unicodedata

from pyoxigraph import NamedNode

BASE = "https://w3id.org/poagraph/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
POA = BASE + "ontology#"

ONTOLOGY_GRAPH = NamedNode(GRAPH + "ontology")
VOCAB_GRAPH = NamedNode(GRAPH + "vocab")
BPOA = NamedNode(ID + "bpoa")


def poa(term: str) -> NamedNode:
    return NamedNode(POA + term)


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: stable IRI segments from names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def country(iso3: str) -> NamedNode:
    return NamedNode(f"{ID}country/{iso3.upper()}")


def region(slug: str) -> NamedNode:
    return NamedNode(f"{ID}region/{slug}")


def commitment(n: int) -> NamedNode:
    return NamedNode(f"{ID}bpoa/commitment/{n}")


def report(slug: str) -> NamedNode:
    return NamedNode(f"{ID}report/{slug}")


def passage(slug: str, n: int) -> NamedNode:
    return NamedNode(f"{ID}report/{slug}/passage/{n}")


def report_graph(slug: str) -> NamedNode:
    return NamedNode(f"{GRAPH}report/{slug}")


def contribution_graph(contribution_id: str) -> NamedNode:
    return NamedNode(f"{GRAPH}contribution/{contribution_id}")


def action(commitment_number: int, title: str) -> NamedNode:
    """A BPoA action, named by its commitment and the first words of its official text,
    so that every agency's report that quotes the same action lands on the same IRI."""
    words = slugify(title).split("-")[:8]
    return NamedNode(f"{ID}bpoa/commitment/{commitment_number}/action/{'-'.join(words)}")


def organisation(slug: str) -> NamedNode:
    return NamedNode(f"{ID}organisation/{slug}")


def programme(slug: str) -> NamedNode:
    return NamedNode(f"{ID}programme/{slug}")


def outcome(report_slug: str, n: int) -> NamedNode:
    return NamedNode(f"{ID}report/{report_slug}/outcome/{n}")


def event(report_slug: str, n: int) -> NamedNode:
    return NamedNode(f"{ID}report/{report_slug}/event/{n}")
