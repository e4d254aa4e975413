"""Check a contribution: read it, resolve its names, apply the boundary rules and the shapes.

The graph and contribution shapes run with the reference data (ontology, vocab) and the
built graph in view; each result says where to fix it (CSV row and column, or line).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import rdflib

from ..validation.labels import describe
from ..validation.model import Result, ValidationReport, merge_results
from ..validation.shacl import run_shapes
from ..validation.shapes import CONTRIBUTION
from ..validation.terms import local_name, to_rdflib_term
from .boundary import RDF_TYPE, boundary_results
from .locate import csv_location, source_lines
from .read import Contribution, parse_contribution
from .reference import Reference, open_reference
from .resolve import resolve_names
from .safety import formula_results, link_results


def validate_contribution(
    data: bytes | Path,
    fmt: str | None = None,
    *,
    reference: Reference | None = None,
    source: str = "",
    contribution_id: str | None = None,
) -> ValidationReport:
    """Parse and check a contribution; ContributionError if it cannot be read.

    The data graph handed to pySHACL is the contribution, what the graph says about every
    IRI it points to (their types, labels, passage texts) and the ontology's subclass
    axioms: enough for sh:class and the quote check, small enough to be fast. Only results
    about the contribution's own resources are reported.
    """
    ref = reference or open_reference(None)
    c = parse_contribution(data, fmt, source=source, contribution_id=contribution_id)
    report, _ = check(c, ref)
    return report


def check(c: Contribution, ref: Reference) -> tuple[ValidationReport, list[ox.Triple]]:
    """Resolve names in `c`, apply the boundary rules and the shapes. Returns the report
    and the contribution's triples as they would be stored (names resolved)."""
    resolve_names(c, ref)
    c.results += link_results(c)
    mentioned = {n for t in c.triples for n in (t.subject, t.object) if isinstance(n, ox.NamedNode)}
    own = {to_rdflib_term(t.subject) for t in c.triples}
    typed = {to_rdflib_term(t.subject) for t in c.triples if t.predicate == RDF_TYPE}
    triples = [*c.triples, *ref.about(mentioned), *ref.class_axioms()]
    shape_results, data = run_shapes(triples, shapes=CONTRIBUTION, only=own, focus=True)
    boundary = boundary_results(c, ref, data)
    # A resource the contribution may not describe gets the boundary violation only.
    flagged = {(r.focus, r.path, r.value) for r in c.results}
    refused = {r.focus for r in boundary}
    shape_results = [
        r
        for r in shape_results
        if (r.focus, r.path, r.value) not in flagged and r.focus not in refused
    ]
    results = boundary + [_with_label(r, data) for r in c.results] + shape_results
    results += [replace(r, focus_label=describe(data, r.focus)) for r in formula_results(c)]
    report = ValidationReport(
        results=merge_results(_located(c, results)),
        source=c.source,
        resources=len(typed),
        notes=[ref.note] if ref.note else [],
    )
    return report, c.triples


def _located(c: Contribution, results: list[Result]) -> list[Result]:
    """Each result with where to fix it: CSV row and column, or the line in the file."""
    if c.fmt == "csv":
        located = []
        for r in results:
            if r.location:  # said already (a formula-like cell)
                located.append(r)
                continue
            order, where = csv_location(c, r.focus, r.path, r.value)
            located.append(replace(r, order=order, location=where))
        return located
    lines = source_lines(c)
    return [
        replace(r, order=line, location=f"line {line}")
        if (line := lines.get(r.focus)) is not None
        else r
        for r in results
    ]


def _with_label(r: Result, data: rdflib.Graph) -> Result:
    return replace(r, focus_label=describe(data, r.focus), path_label=local_name(r.path))
