"""Check graphs against the SHACL shapes of shapes/: the engine.

`validate_graph` checks a built graph (a report graph with the reference data in view; the
build fails unless it conforms), `validate_store` every graph of a store; both return a
`ValidationReport` (model.py), rendered by render.py. Contributions are checked with
`run_shapes` too (see poagraph.contributions).

The shapes are plain SHACL and SHACL-SPARQL (any engine can run shapes/*.ttl). Here the
core constraints run in pySHACL, without inference (the ontology's subclass axioms are in
the data graph for sh:class) and in place on a graph built for the purpose; the SPARQL
constraints (quote in passage, years, money, commitment or action) run once per
constraint in pyoxigraph instead of once per focus node in rdflib: see run_shapes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import rdflib
from pyoxigraph import DefaultGraph, NamedNode, Quad, Store, Triple
from pyshacl import Validator
from pyshacl import validate as shacl_validate
from pyshacl.errors import ValidationFailure
from pyshacl.graph_abstraction import DataGraph
from pyshacl.pytypes import SHACLExecutor
from rdflib.namespace import RDF, RDFS, SH

from .. import paths
from ..errors import ShapesError
from .labels import describe, path_label
from .model import Result, ValidationReport, merge_results
from .shapes import GRAPH, SEVERITIES, core_shapes, load_shapes, shape_name
from .terms import to_ox_term, to_ox_triple, to_rdflib, to_rdflib_term

_SUBCLASS = str(RDFS.subClassOf)
_TYPE = str(RDF.type)


# ------------------------------------------------------------------------------ entry points


def validate_graph(
    quads: Iterable[Quad | Triple],
    reference: Iterable[Quad | Triple] = (),
    *,
    source: str = "graph",
    shapes: str = GRAPH,
    focus: Iterable[rdflib.term.Node] | None = None,
) -> ValidationReport:
    """Check a built graph (e.g. a report graph) with the reference data in view.

    `quads` are what is checked; `reference` (ontology and vocab quads) resolves classes,
    countries and commitments the graph points to, and is checked too, so that the bundled
    graph as a whole must conform. `shapes` names the shape set (shapes.SHAPE_SETS: a
    report graph must satisfy shapes.REPORT as well). The build fails unless `.conforms`.

    `focus` (if given) are the nodes whose results are wanted, e.g. the subjects of the
    graphs that changed: only they are validated (the others are in view), so a change to
    one contribution does not validate the reference data again. Same results about them.
    """
    triples = [*quads, *reference]
    only = None if focus is None else set(focus)
    results, data = run_shapes(triples, shapes=shapes, only=only, focus=only is not None)
    report = ValidationReport(source=source, results=results)
    report.resources = len(set(data.subjects(RDF.type, None)))
    return report


def validate_store(db: Store, *, source: str = "store") -> ValidationReport:
    """Check every graph of a pyoxigraph store (ontology, vocab, reports, contributions)."""
    return validate_graph(db, source=source)


# ------------------------------------------------------------------------------ running


def run_shapes(
    triples: Iterable[Quad | Triple] | rdflib.Graph,
    *,
    shapes: str = GRAPH,
    only: set[rdflib.term.Node] | None = None,
    focus: bool = False,
) -> tuple[list[Result], rdflib.Graph]:
    """Validate `triples` with the shapes; keep results about `only` (if given).

    Core constraints run in pySHACL. The SPARQL-based constraints (sh:sparql) run once
    per constraint over the whole data in pyoxigraph, with $this bound by the shape's
    targets, instead of once per focus node in rdflib (which parses the query again for
    every node: 5 s instead of 0.1 s on the bundled graph). Same shapes, same results.

    With `focus`, only the nodes of `only` are validated (pySHACL's focus nodes when they
    are all IRIs, the SPARQL checks with ?this bound to them): the rest of `triples` is
    their neighbourhood, in view for sh:class, the quote check and labels, not checked
    itself: a changed graph beside the reference data, a contribution beside what the
    graph says about the resources it names (its results are the same either way).

    Results that say the same thing twice (a graph shape warns that a contributed outcome
    has no country, the contribution shape says it is a violation) are merged, keeping the
    most severe. Returns the results and the data as an rdflib graph (for labels).
    """
    with _no_cyclic_gc():
        return _run_shapes(triples, shapes=shapes, only=only if focus else None, keep=only)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while pySHACL runs: it allocates millions
    of small objects, and the collector's full passes over them grew the time faster than
    the data (3,000 outcomes took 4.4 times as long as 1,000). Reference counting still
    frees what is no longer used; one collection afterwards takes what is left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_shapes(
    triples: Iterable[Quad | Triple] | rdflib.Graph,
    *,
    shapes: str,
    only: set[rdflib.term.Node] | None,
    keep: set[rdflib.term.Node] | None,
) -> tuple[list[Result], rdflib.Graph]:
    """`only`: the nodes validated (None: every one); `keep`: those whose results count."""
    if isinstance(triples, rdflib.Graph):
        data, triples = triples, [to_ox_triple(t) for t in triples]
    else:
        triples = list(triples)
        data = to_rdflib(triples)
    iris_only = only is not None and all(isinstance(n, rdflib.URIRef) for n in only)
    _conforms, results_graph, text = _pyshacl(
        data, shapes, list(only) if iris_only and only else None
    )
    if not isinstance(results_graph, rdflib.Graph):  # pySHACL could not run the shapes
        raise ShapesError(f"the shapes in {paths.SHAPES} cannot be used: {text}")
    results = [
        _result(results_graph, data, node)
        for node in results_graph.subjects(RDF.type, SH.ValidationResult)
    ]
    results += run_sparql(triples, data, shapes=shapes, focus=only)
    if keep is not None:
        results = [r for r in results if r.focus in keep]
    return merge_results(results), data


_OPTIONS = {
    "inference": "none",
    "advanced": True,
    "inplace": True,
    "allow_warnings": True,
    "allow_infos": True,
}


def _pyshacl(data: rdflib.Graph, shapes: str, focus_nodes: list[rdflib.URIRef] | None) -> tuple:
    """pySHACL's (conforms, results graph, text): on every target, or on `focus_nodes`."""
    if not focus_nodes:
        return shacl_validate(data, shacl_graph=core_shapes(shapes), **_OPTIONS)
    options = {**_OPTIONS, "focus_nodes": focus_nodes}
    validator = _FocusValidator(
        DataGraph.from_rdflib(data), shacl_graph=core_shapes(shapes), options=options
    )
    try:
        return validator.run()
    except ValidationFailure as e:  # as pyshacl.validate reports it
        return False, e, f"Validation Failure - {e.message}"


class _FocusValidator(Validator):
    """pySHACL's Validator, the focus nodes kept in a set: pySHACL tests every target of
    every shape for membership in them, as a list (a linear scan: 10 s instead of 0.5 s for
    the 4,000 nodes of a report graph). Same nodes, same answers."""

    def make_executor(self) -> SHACLExecutor:
        executor = super().make_executor()
        if executor.focus_nodes:
            executor.focus_nodes = frozenset(executor.focus_nodes)  # type: ignore[assignment]
        return executor


class _ParameterList(list):
    """pySHACL's list of constraint parameters that answers `in` from a set. pySHACL looks
    every predicate of a shape up in that list (a linear scan) each time the shape is
    evaluated, i.e. per value node of a nested shape: 650,000 term comparisons for a
    100-outcome contribution. Same members, same order, same answers."""

    def __init__(self, items: Iterable = ()):
        super().__init__(items)
        self._members = set(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members

    def copy(self) -> _ParameterList:
        return _ParameterList(self)

    def append(self, item: object) -> None:
        super().append(item)
        self._members.add(item)


def _index_constraint_parameters() -> None:
    """Give pySHACL (shape.py reads its module attribute CONSTRAINT_PARAMS, filled from
    pyshacl.constraints on first use) the set-backed list; a pySHACL that no longer reads
    that attribute ignores it."""
    from pyshacl import shape as pyshacl_shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    params = _ParameterList(ALL_CONSTRAINT_PARAMETERS)
    pyshacl_shape.CONSTRAINT_PARAMS = (params, CONSTRAINT_PARAMETERS_MAP)


_index_constraint_parameters()


def _result(g: rdflib.Graph, data: rdflib.Graph, node: rdflib.term.Node) -> Result:
    """A pySHACL sh:ValidationResult as a Result."""
    focus = g.value(node, SH.focusNode)
    path = g.value(node, SH.resultPath)
    if isinstance(path, rdflib.BNode):  # an alternative path: show its first member
        path = _first_path(g, path)
    shape = g.value(node, SH.sourceShape)
    # pySHACL copies the shape's sh:message (with {?value} filled in for SPARQL checks).
    messages = [str(m) for m in g.objects(node, SH.resultMessage)]
    message = messages[0] if messages else "This does not conform to the shapes."
    return Result(
        severity=SEVERITIES.get(g.value(node, SH.resultSeverity), "Violation"),
        message=message,
        focus=focus,
        path=path,
        value=g.value(node, SH.value),
        shape=shape,
        component=g.value(node, SH.sourceConstraintComponent),
        focus_label=describe(data, focus),
        path_label=path_label(path, shape),
    )


def _first_path(g: rdflib.Graph, path: rdflib.BNode) -> rdflib.term.Node | None:
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        members = list(rdflib.collection.Collection(g, alternatives))
        return members[0] if members else None
    return None


# ------------------------------------------------------------------------------ SPARQL


@dataclass(frozen=True)
class _SparqlCheck:
    shape: rdflib.term.Node
    name: str  #: the shape's sh:name
    severity: str
    message: str
    targets: tuple[str, ...]  #: the shape's target classes
    head: str  #: prefixes and the query up to its WHERE clause's opening brace
    body: str  #: the rest, with $this as ?this

    def query(self, classes: Iterable[str], focus: bool = False) -> str:
        """The query with ?this bound to instances of `classes` (targets and subclasses);
        with `focus`, to those typed in the focus graph too (see _focus_types)."""
        values = " ".join(f"<{c}>" for c in sorted(classes))
        this = f"GRAPH <{_FOCUS}> {{ ?this a ?shapeType }}" if focus else "?this a ?shapeType ."
        return f"{self.head} VALUES ?shapeType {{ {values} }} {this} {self.body}"


@functools.cache
def _sparql_checks(shape_set: str) -> tuple[_SparqlCheck, ...]:
    shapes = load_shapes(shape_set)
    checks = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        prefixes = "".join(
            f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
            for decl in shapes.objects(constraint, SH.prefixes)
            for d in shapes.objects(decl, SH.declare)
        )
        select = str(shapes.value(constraint, SH.select)).replace("$this", "?this")
        where = select.index("{", select.upper().index("WHERE")) + 1
        checks.append(
            _SparqlCheck(
                shape=shape,
                name=shape_name(shape),
                severity=SEVERITIES.get(shapes.value(shape, SH.severity), "Violation"),
                message=str(shapes.value(constraint, SH.message)),
                targets=tuple(str(t) for t in shapes.objects(shape, SH.targetClass)),
                head=prefixes + select[:where],
                body=select[where:],
            )
        )
    return tuple(checks)


def _subclasses(triples: list[Quad | Triple]) -> dict[str, set[str]]:
    """Each class with all its subclasses (itself included), from rdfs:subClassOf."""
    direct: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == _SUBCLASS and isinstance(t.object, NamedNode):
            direct.setdefault(t.object.value, set()).add(t.subject.value)

    def closure(cls: str) -> set[str]:
        seen, todo = {cls}, [cls]
        while todo:
            for sub in direct.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return seen

    return {c: closure(c) for c in direct}


def run_sparql(
    triples: list[Quad | Triple],
    data: rdflib.Graph,
    *,
    shapes: str = GRAPH,
    focus: set[rdflib.term.Node] | None = None,
) -> list[Result]:
    """The shapes' SPARQL constraints, each run once over all its targets (pyoxigraph);
    with `focus`, over those of its targets that are in `focus` (IRIs; a blank node in it
    means all targets, filtered afterwards)."""
    db = Store()
    db.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    focused = _focus_types(db, triples, focus)
    subclasses = _subclasses(triples)
    results = []
    for check in _sparql_checks(shapes):
        classes = set().union(*(subclasses.get(t, {t}) for t in check.targets))
        solutions = db.query(check.query(classes, focused))
        names = [v.value for v in solutions.variables]
        for row in solutions:
            bound = {n: row[n] for n in names if row[n] is not None}
            results.append(_sparql_result(check, bound, data))
    return results


#: The graph of the focus nodes' types, beside the data (in the default graph) in run_sparql.
_FOCUS = "urn:x-poagraph:focus"


def _focus_types(db: Store, triples: list[Quad | Triple], focus: set | None) -> bool:
    """Copy the rdf:type triples of the nodes of `focus` (IRIs) into the graph _FOCUS of
    `db`, for the checks to take their targets from: a join on an index, where a VALUES
    clause of thousands of nodes made each check 10 to 40 times slower. False (no focus
    graph: every target) when there is no focus or a node of it is not an IRI."""
    if not focus or not all(isinstance(n, rdflib.URIRef) for n in focus):
        return False
    nodes = {to_ox_term(n) for n in focus}
    graph = NamedNode(_FOCUS)
    db.extend(
        Quad(t.subject, t.predicate, t.object, graph)
        for t in triples
        if t.predicate.value == _TYPE and t.subject in nodes
    )
    return True


def _sparql_result(check: _SparqlCheck, bound: dict, data: rdflib.Graph) -> Result:
    """One solution of a SPARQL check as a Result, its message's {?var} filled in."""
    focus = to_rdflib_term(bound["this"])
    path = to_rdflib_term(bound["path"]) if "path" in bound else None
    value = to_rdflib_term(bound["value"]) if "value" in bound else None
    message = check.message
    for name, term in bound.items():
        message = message.replace(f"{{?{name}}}", term.value).replace(f"{{${name}}}", term.value)
    return Result(
        severity=check.severity,
        message=message,
        focus=focus,
        path=path,
        value=value,
        shape=check.shape,
        component=SH.SPARQLConstraintComponent,
        focus_label=describe(data, focus),
        path_label=path_label(path, check.shape),
        shape_name=check.name,
    )
