"""Check graphs against the SHACL shapes of shapes/ and say what is wrong in plain words.

Two entry points: `validate_graph` for the build (a report graph with the reference data in
view; the build fails unless it conforms) and `validate_contribution` for a partner's file
(Turtle, JSON-LD or CSV; see contribution.py), both returning a `ValidationReport` that
renders as text, Turtle, JSON or HTML (validation_output.py). `poagraph validate` is the
command-line face of the second one.

The shapes are plain SHACL and SHACL-SPARQL (any engine can run shapes/*.ttl). Here the
core constraints run in pySHACL, without inference (the ontology's subclass axioms are in
the data graph for sh:class) and in place on a graph built for the purpose; the SPARQL
constraints (quote in passage, years, money, commitment or action) run once per
constraint in pyoxigraph instead of once per focus node in rdflib: see run_shapes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import rdflib
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store, Triple
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD

from . import iris, paths

POA = rdflib.Namespace(iris.POA)

#: Shapes every graph must satisfy; contributions must satisfy CONTRIBUTION_SHAPES as well.
GRAPH_SHAPES = ("poa.ttl", "currencies.ttl")
CONTRIBUTION_SHAPES = ("contribution.ttl",)

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_RANK = {"Violation": 0, "Warning": 1, "Info": 2}

_XSD_STRING = str(XSD.string)
_SUBCLASS = str(RDFS.subClassOf)


# ------------------------------------------------------------------------------ results


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


@dataclass
class ValidationReport:
    """The outcome of a validation: results sorted by resource, and what was checked."""

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

    @property
    def text(self) -> str:
        from .validation_output import to_text

        return to_text(self)

    def render(self, output: str) -> str:
        """The report as `text`, `turtle`, `json` or `html`."""
        from . import validation_output

        return validation_output.render(self, output)


# ------------------------------------------------------------------------------ shapes


@functools.cache
def load_shapes(contribution: bool = False) -> rdflib.Graph:
    """The shapes graph (cached: parsed once per process)."""
    graph = rdflib.Graph()
    names = GRAPH_SHAPES + (CONTRIBUTION_SHAPES if contribution else ())
    for name in names:
        graph.parse(paths.SHAPES / name, format="turtle")
    return graph


# ------------------------------------------------------------------------------ terms


def to_rdflib_term(term: NamedNode | BlankNode | Literal) -> rdflib.term.Node:
    """A pyoxigraph term as the equal rdflib term (xsd:string literals stay plain)."""
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))


def to_rdflib(triples: Iterable[Quad | Triple], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Add pyoxigraph triples or quads (graph names dropped) to an rdflib graph."""
    graph = rdflib.Graph() if graph is None else graph
    memo: dict[object, rdflib.term.Node] = {}

    def conv(t: NamedNode | BlankNode | Literal) -> rdflib.term.Node:
        node = memo.get(t)
        if node is None:
            node = memo[t] = to_rdflib_term(t)
        return node

    add = graph.add
    for q in triples:
        add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return graph


# ------------------------------------------------------------------------------ running


def run_shapes(
    triples: Iterable[Quad | Triple] | rdflib.Graph,
    *,
    contribution: bool = False,
    only: set[rdflib.term.Node] | None = None,
) -> tuple[list[Result], rdflib.Graph]:
    """Validate `triples` with the shapes; keep results about `only` (if given).

    Core constraints run in pySHACL. The SPARQL-based constraints (sh:sparql) run once
    per constraint over the whole data in pyoxigraph, with $this bound by the shape's
    targets, instead of once per focus node in rdflib (which parses the query again for
    every node: 5 s instead of 0.1 s on the bundled graph). Same shapes, same results.

    Results that say the same thing twice (a graph shape warns that a contributed outcome
    has no country, the contribution shape says it is a violation) are merged, keeping the
    most severe. Returns the results and the data as an rdflib graph (for labels).
    """
    if isinstance(triples, rdflib.Graph):
        data, triples = triples, [_to_ox(t) for t in triples]
    else:
        triples = list(triples)
        data = to_rdflib(triples)
    _conforms, results_graph, text = shacl_validate(
        data,
        shacl_graph=_core_shapes(contribution),
        inference="none",
        advanced=True,
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(results_graph, rdflib.Graph):  # pySHACL could not run the shapes
        raise RuntimeError(f"the shapes in {paths.SHAPES} cannot be used: {text}")
    results = [
        _result(results_graph, data, node)
        for node in results_graph.subjects(RDF.type, SH.ValidationResult)
    ]
    results += run_sparql(triples, data, contribution=contribution)
    if only is not None:
        results = [r for r in results if r.focus in only]
    return merge_results(results), data


@functools.cache
def _core_shapes(contribution: bool) -> rdflib.Graph:
    """The shapes without their SPARQL constraints (run by run_sparql instead)."""
    graph = rdflib.Graph()
    for t in load_shapes(contribution):
        if t[1] != SH.sparql:
            graph.add(t)
    return graph


@dataclass(frozen=True)
class _SparqlCheck:
    shape: rdflib.term.Node
    severity: str
    message: str
    targets: tuple[str, ...]  #: the shape's target classes
    head: str  #: prefixes and the query up to its WHERE clause's opening brace
    body: str  #: the rest, with $this as ?this

    def query(self, classes: Iterable[str]) -> str:
        """The query with ?this bound to instances of `classes` (targets and subclasses)."""
        values = " ".join(f"<{c}>" for c in sorted(classes))
        return f"{self.head} VALUES ?shapeType {{ {values} }} ?this a ?shapeType . {self.body}"


@functools.cache
def _sparql_checks(contribution: bool) -> tuple[_SparqlCheck, ...]:
    shapes = load_shapes(contribution)
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
    triples: list[Quad | Triple], data: rdflib.Graph, *, contribution: bool = False
) -> list[Result]:
    """The shapes' SPARQL constraints, each run once over all its targets (pyoxigraph)."""
    db = Store()
    db.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    subclasses = _subclasses(triples)
    results = []
    for check in _sparql_checks(contribution):
        classes = set().union(*(subclasses.get(t, {t}) for t in check.targets))
        solutions = db.query(check.query(classes))
        names = [v.value for v in solutions.variables]
        for row in solutions:
            bound = {n: row[n] for n in names if row[n] is not None}
            focus = to_rdflib_term(bound["this"])
            path = to_rdflib_term(bound["path"]) if "path" in bound else None
            value = to_rdflib_term(bound["value"]) if "value" in bound else None
            message = check.message
            for name, term in bound.items():
                message = message.replace(f"{{?{name}}}", term.value).replace(
                    f"{{${name}}}", term.value
                )
            results.append(
                Result(
                    severity=check.severity,
                    message=message,
                    focus=focus,
                    path=path,
                    value=value,
                    shape=check.shape,
                    component=SH.SPARQLConstraintComponent,
                    focus_label=describe(data, focus),
                    path_label=path_label(path, check.shape),
                )
            )
    return results


def _to_ox(t: tuple) -> Triple:
    return Triple(*(_ox_term(n) for n in t))


def _ox_term(node: rdflib.term.Node) -> NamedNode | BlankNode | Literal:
    if isinstance(node, rdflib.URIRef):
        return NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return BlankNode(str(node))
    if node.language:
        return Literal(str(node), language=node.language)
    if node.datatype:
        return Literal(str(node), datatype=NamedNode(str(node.datatype)))
    return Literal(str(node))


def _result(g: rdflib.Graph, data: rdflib.Graph, node: rdflib.term.Node) -> Result:
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


def merge_results(results: list[Result]) -> list[Result]:
    """Say each problem once, sorted by resource, then severity, then property.

    Two results are the same problem when they are about the same resource, property and
    value and come from the same shape (a value that is both not a number and negative) or
    the same kind of check (a graph shape warns that an outcome has no country, the
    contribution shape says it is a violation): the most severe is kept.
    """
    kept: list[Result] = []
    for r in sorted(results, key=lambda r: _RANK[r.severity]):
        if not any(_same_problem(r, k) for k in kept):
            kept.append(r)
    return sorted(
        kept,
        key=lambda r: (
            r.order,
            r.focus_label,
            str(r.focus),
            _RANK[r.severity],
            r.path_label,
            str(r.value),
        ),
    )


def _same_problem(a: Result, b: Result) -> bool:
    if (a.focus, a.path, a.value) != (b.focus, b.path, b.value):
        return False
    if a.shape == b.shape:
        return True
    if a.component != b.component:
        return False
    # SPARQL checks share one component: the same one only if they say the same thing
    return a.component != SH.SPARQLConstraintComponent or _shape_name(a) == _shape_name(b)


def _shape_name(r: Result) -> str:
    return str(load_shapes(True).value(r.shape, SH.name) or "")


# ------------------------------------------------------------------------------ labels

_LABELS = (RDFS.label, SKOS.prefLabel, POA.acronym)


def label(data: rdflib.Graph, node: rdflib.term.Node) -> str:
    """The best human name of `node` in `data`: English label, any label, acronym."""
    for prop in _LABELS:
        values = list(data.objects(node, prop))
        english = [v for v in values if getattr(v, "language", None) in ("en", None)]
        if english or values:
            return str((english or values)[0])
    return ""


def describe(data: rdflib.Graph, node: rdflib.term.Node) -> str:
    """'Outcome: over 4400 migrants returned (Ethiopia)', 'Programme: MIDA', ..."""
    types = [t for t in data.objects(node, RDF.type) if str(t).startswith(iris.POA)]
    kind = str(types[0])[len(iris.POA) :] if types else ""
    name = label(data, node)
    if not name and kind == "Outcome":
        value, unit = data.value(node, POA.value), data.value(node, POA.unit)
        qualifier, currency = data.value(node, POA.qualifier), data.value(node, POA.currency)
        words = [str(w) for w in (qualifier, currency, value, unit) if w is not None]
        countries = sorted(label(data, c) or _short(c) for c in data.objects(node, POA.country))
        name = " ".join(words) + (f" ({', '.join(countries)})" if countries else "")
    if not name and kind == "Passage":
        text = data.value(node, POA.text)
        name = f'"{str(text)[:60]}..."' if text is not None and len(text) > 60 else str(text or "")
    return f"{kind}: {name}".strip(": ") if kind else name


def path_label(path: rdflib.term.Node | None, shape: rdflib.term.Node | None = None) -> str:
    """The property in words (the sh:name the shapes give it), else its local name; for a
    check on the whole resource, the name of the shape."""
    shapes = load_shapes(True)
    own = shapes.value(shape, SH.name) if shape is not None else None
    if path is None or (own is not None and shapes.value(shape, SH.path) is not None):
        return str(own or "")
    return _property_names().get(path) or _short(path)


@functools.cache
def _property_names() -> dict[rdflib.term.Node, str]:
    shapes = load_shapes(True)
    names: dict[rdflib.term.Node, str] = {}
    for shape, path in shapes.subject_objects(SH.path):
        name = shapes.value(shape, SH.name)
        if isinstance(path, rdflib.URIRef) and name is not None:
            names.setdefault(path, str(name))
    return names


def _short(node: rdflib.term.Node) -> str:
    text = str(node)
    for sep in ("#", "/"):
        if sep in text:
            return text.rsplit(sep, 1)[1] or text
    return text


# ------------------------------------------------------------------------------ entry points


def validate_graph(
    quads: Iterable[Quad | Triple],
    reference: Iterable[Quad | Triple] = (),
    *,
    source: str = "graph",
) -> ValidationReport:
    """Check a built graph (e.g. a report graph) with the reference data in view.

    `quads` are what is checked; `reference` (ontology and vocab quads) resolves classes,
    countries and commitments the graph points to, and is checked too, so that the bundled
    graph as a whole must conform. The build fails unless `.conforms`.
    """
    triples = [*quads, *reference]
    results, data = run_shapes(triples)
    report = ValidationReport(source=source, results=results)
    report.resources = len(set(data.subjects(RDF.type, None)))
    return report


def validate_store(db: Store, *, source: str = "store") -> ValidationReport:
    """Check every graph of a pyoxigraph store (ontology, vocab, reports, contributions)."""
    return validate_graph(db, source=source)


def validate_contribution(*args: object, **kwargs: object) -> ValidationReport:
    """See contribution.validate_contribution (imported lazily: CSV and JSON-LD readers)."""
    from .contribution import validate_contribution as run

    return run(*args, **kwargs)  # type: ignore[arg-type]
