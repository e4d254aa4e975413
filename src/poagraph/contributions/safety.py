"""Values a contribution may write that are harmless to whoever reads the graph.

Links (every IRI a contribution writes: sources, evidence, its own resources' names) must be
web addresses (http, https) or URNs: a `javascript:` or `data:` source would become a link
that runs code in a browser. CSV cells that look like spreadsheet formulas (`=`, `+`, `-`,
`@` first) are flagged, since a spreadsheet that opens the data may run them.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import rdflib

from .. import iris
from ..validation.model import Result
from ..validation.terms import to_rdflib_term
from .boundary import BOUNDARY
from .config import csv_columns, rules
from .read import Contribution

_SOURCE = iris.DCTERMS + "source"
_NUMBER = re.compile(r"[+-]?[0-9][0-9, ]*(\.[0-9]+)?")


def is_web_or_urn(iri: str) -> bool:
    """Whether `iri` is a web address (http, https) or a URN: a safe link."""
    scheme = iri.split(":", 1)[0].lower() if ":" in iri else ""
    return scheme in rules()["link_schemes"]


def link_results(c: Contribution) -> list[Result]:
    """One violation per triple whose subject, property or value is an IRI of another
    scheme than http, https or urn."""
    results = []
    for t in c.triples:
        for role, node in (("value", t.object), ("resource", t.subject), ("property", t.predicate)):
            if isinstance(node, ox.NamedNode) and not is_web_or_urn(node.value):
                results.append(_link_result(t, role, node))
                break
    return results


def _link_result(t: ox.Triple, role: str, node: ox.NamedNode) -> Result:
    if role == "value" and t.predicate.value == _SOURCE:
        what = "a source must be a web address (http or https) or a URN"
        fix = "give the URL of your report, or write a document reference as text"
    else:
        what = f"a link must be a web address (http or https) or a URN (this {role} is not)"
        fix = "use an https:// address, a URN, or a relative IRI such as outcome/1"
    return Result(
        severity="Violation",
        message=f"{what[0].upper()}{what[1:]}: <{node.value}> is neither; {fix}.",
        focus=to_rdflib_term(t.subject),
        path=to_rdflib_term(t.predicate),
        value=to_rdflib_term(t.object),
        shape=BOUNDARY,
    )


def formula_results(c: Contribution) -> list[Result]:
    """A warning for each CSV cell that starts like a spreadsheet formula (not a number)."""
    if c.fmt != "csv":
        return []
    starts = tuple(rules()["formula_starts"])
    properties = {col["name"]: col["property"] for col in csv_columns()}
    results = []
    for row, cells in sorted(c.cells.items()):
        for column, text in cells.items():
            if text.startswith(starts) and not _NUMBER.fullmatch(text):
                results.append(
                    Result(
                        severity="Warning",
                        message=f"This cell looks like a spreadsheet formula (it starts with"
                        f' "{text[0]}"): a spreadsheet that opens the data may run it.'
                        " Remove the sign if it is not meant, or reword the cell.",
                        focus=rdflib.URIRef(f"{c.namespace}outcome/row-{row}"),
                        path=rdflib.URIRef(properties[column]),
                        value=rdflib.Literal(text),
                        shape=BOUNDARY,
                        path_label=column,
                        location=f"row {row}, column {column}",
                        order=row,
                    )
                )
    return results
