"""What a validation found: `Result`s (one problem with one resource) in a `ValidationReport`.

Plain data, no engine and no rendering (see shacl.py and render.py), so every layer can
build, merge and pass reports around.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import SH

#: Severity names, most severe first.
RANK = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Result:
    """One thing wrong with one resource, in terms a person can act on."""

    severity: str  #: "Violation" (breaks queries), "Warning" (incomplete) or "Info"
    message: str
    focus: rdflib.term.Node  #: the resource the problem is about
    path: rdflib.term.Node | None = None  #: the property, when there is one
    value: rdflib.term.Node | None = None  #: the offending value, when there is one
    shape: rdflib.term.Node | None = None  #: the shape (or boundary rule) that failed
    component: rdflib.term.Node | None = None  #: sh:...ConstraintComponent
    focus_label: str = ""  #: "Outcome: over 4400 migrants returned"
    path_label: str = ""  #: "country"
    location: str = ""  #: "row 3, column country" for CSV input
    order: int = 0  #: sort key before the resource label (the CSV row)
    shape_name: str = ""  #: the shape's sh:name, for SPARQL checks (see merge_results)


@dataclass
class ValidationReport:
    """The outcome of a validation: results sorted by resource, and what was checked.

    Rendered by render.render(report, "text" | "turtle" | "json" | "html").
    """

    results: list[Result] = field(default_factory=list)
    source: str = ""  #: what was validated, for the headline ("contribution.csv")
    resources: int = 0  #: how many resources were checked
    notes: list[str] = field(default_factory=list)  #: e.g. "checked without a built graph"

    @property
    def conforms(self) -> bool:
        """No violations (warnings and infos do not stop data from entering the graph)."""
        return not self.violations

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]


def merge_results(results: list[Result]) -> list[Result]:
    """Say each problem once, sorted by resource, then severity, then property.

    Two results are the same problem when they are about the same resource, property and
    value and come from the same shape (a value that is both not a number and negative) or
    the same kind of check (a graph shape warns that an outcome has no country, the
    contribution shape says it is a violation): the most severe is kept, and among equally
    severe ones the first by component, shape and message, so the report is the same from
    run to run. Linear in the number of results: only results about the same resource,
    property and value are compared.
    """
    by_value: dict[tuple, list[Result]] = {}
    for r in sorted(results, key=_preference):
        kept = by_value.setdefault((r.focus, r.path, r.value), [])
        if not any(_same_problem(r, k) for k in kept):
            kept.append(r)
    return sorted(
        (r for kept in by_value.values() for r in kept),
        key=lambda r: (
            r.order,
            r.focus_label,
            str(r.focus),
            RANK[r.severity],
            r.path_label,
            str(r.value),
            str(r.component),
            str(r.shape),
            r.message,
        ),
    )


def _preference(r: Result) -> tuple:
    """Which of two results saying the same thing is kept: the most severe, then the
    first by component, shape and message (never the order the engine found them in)."""
    return (RANK[r.severity], str(r.component), str(r.shape), r.shape_name, r.message)


def _same_problem(a: Result, b: Result) -> bool:
    if a.shape == b.shape:
        return True
    if a.component != b.component:
        return False
    # SPARQL checks share one component: the same one only if they say the same thing
    return a.component != SH.SPARQLConstraintComponent or a.shape_name == b.shape_name
