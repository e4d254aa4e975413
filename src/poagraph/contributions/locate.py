"""Where a result points in the contributed file: a CSV row and column, or the line of a
Turtle or JSON-LD file where the resource is first written as a subject."""

from __future__ import annotations

import re

import pyoxigraph as ox
import rdflib

from ..validation.terms import to_rdflib_term
from .config import context, csv_columns, csv_derived
from .read import Contribution

_JSON_ID = re.compile(r'"@id"\s*:\s*"([^"\\]*)"')


def source_lines(c: Contribution) -> dict[rdflib.term.Node, int]:
    """The line where each IRI-named resource of a Turtle or JSON-LD contribution is first
    written as a subject (`<outcome/1> a poa:Outcome`, `country:ETH rdfs:label ...`,
    `"@id": "outcome/1"`); blank nodes get none, and their results say no line.

    One pass over the lines, each looked up by its first word (Turtle) or its "@id"s
    (JSON-LD) in a table of every way a subject may be written: linear in the file."""
    prefixes = re.findall(r"(?im)^\s*@?prefix\s+([\w-]*):\s*<([^>]*)>", c.text)
    terms = [(k, v) for k, v in context().items() if isinstance(v, str) and v[-1:] in "/#"]
    spelt: dict[str, rdflib.term.Node] = {}
    for subject in {t.subject for t in c.triples if isinstance(t.subject, ox.NamedNode)}:
        for spelling in _spellings(subject.value, c.namespace, prefixes, terms):
            spelt.setdefault(spelling, to_rdflib_term(subject))
    found: dict[rdflib.term.Node, int] = {}
    for n, line in enumerate(c.text.splitlines(), start=1):
        words = line.split(None, 1)
        if not words:
            continue
        first = words[0]
        keys = [first, first[: first.find(">") + 1] if first.startswith("<") else first]
        keys += [f'"@id": "{i}"' for i in _JSON_ID.findall(line)]
        for key in keys:
            subject = spelt.get(key)
            if subject is not None and subject not in found:
                found[subject] = n
    return found


def _spellings(
    iri: str, namespace: str, prefixes: list[tuple[str, str]], terms: list[tuple[str, str]]
) -> list[str]:
    """How a Turtle line may start when `iri` is its subject, and how JSON-LD names it."""
    spellings = [f"<{iri}>"] + [f"{p}:{iri[len(ns) :]}" for p, ns in prefixes if iri.startswith(ns)]
    spellings.append(f'"@id": "{iri}"')
    spellings += [f'"@id": "{p}:{iri[len(ns) :]}"' for p, ns in terms if iri.startswith(ns)]
    if iri.startswith(namespace):
        spellings.append(f"<{iri[len(namespace) :]}>")
        spellings.append(f'"@id": "{iri[len(namespace) :]}"')
    return spellings


def csv_location(
    c: Contribution,
    focus: rdflib.term.Node,
    path: rdflib.term.Node | None,
    value: rdflib.term.Node | None,
) -> tuple[int, str]:
    """(row, "row 3, column country") for a result about a CSV contribution."""
    row = c.rows.get(str(focus), 0)
    if not row:
        return 0, ""
    kind = str(focus)[len(c.namespace) :].split("/", 1)[0]
    candidates = [
        col["name"]
        for col in csv_columns()
        if (col["subject"], col["property"]) == (kind, str(path))
    ]
    candidates += [
        d["column"] for d in csv_derived() if (d["subject"], d["property"]) == (kind, str(path))
    ]
    # Where two columns feed one property (commitment and action), the cell holding the
    # offending text tells which; a minted commitment IRI comes from the commitment column.
    cells = c.cells.get(row, {})
    same = [name for name in candidates if value is not None and cells.get(name) == str(value)]
    column = (same or candidates or [""])[0]
    return row, f"row {row}" + (f", column {column}" if column else "")
