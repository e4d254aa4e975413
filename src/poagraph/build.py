"""The build pipeline: reports -> parsed documents -> records -> RDF -> SHACL check -> store.

Everything is computed and checked before the store is touched, then all graphs are
replaced in one atomic step: a report that fails to parse or to validate leaves the store
exactly as it was. Graphs of reports not named in this build and every contribution graph
are kept, so `poagraph build --report other.md` adds or refreshes one report. The write goes
through store.commit (the single-writer path): a running server picks the new graphs up.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize
from rdflib.namespace import RDF, RDFS

from . import iris, qa, store
from .backends import open_backend
from .errors import BuildError, PoagraphError
from .qa import CheckResult
from .validation.model import Result, ValidationReport, merge_results
from .validation.render import to_text
from .validation.shacl import run_shapes
from .validation.shapes import REPORT
from .validation.terms import to_rdflib_term

#: progress(description, completed_steps, total_steps); called before each step and at the end.
Progress = Callable[[str, int, int], None]

#: Steps per report: parse, extract, map, validate.
STEPS_PER_REPORT = 4


@dataclass
class ReportResult:
    slug: str
    path: Path
    graph: str
    records: int
    triples: int
    warnings: str = ""  #: the SHACL report when the graph conforms with warnings
    #: what the build could not place, as "FILE:LINE: message" (an unknown place heading)
    notes: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    store_path: Path
    reports: list[ReportResult] = field(default_factory=list)
    graphs: dict[str, int] = field(default_factory=dict)  #: graph IRI -> triples written
    seconds: float = 0.0
    fingerprint: str = ""
    #: the data-quality checks of qa/ on the store just written (qa.py); a failing one warns
    checks: list[CheckResult] = field(default_factory=list)


def _no_progress(description: str, completed: int, total: int) -> None:
    pass


def total_steps(n_reports: int) -> int:
    """Steps `build` reports through `progress`: reference data, each report, the write."""
    return 1 + STEPS_PER_REPORT * n_reports + 1


def build(
    reports: Iterable[Path],
    store_path: Path | str,
    progress: Progress | None = None,
    strict: bool = False,
    workers: int | None = None,
) -> BuildResult:
    """Build the graphs of `reports` (plus the ontology and vocab graphs) into the store.

    What a report leaves unplaced (a place heading naming no known country or region) is
    a note of its ReportResult, and its passages carry no place; `strict` makes the first
    such note the ReportError it raises, before the store is touched.

    The reports are parsed, extracted, mapped and validated in `workers` processes (default:
    one per core, at most one per report; 1 does them in this process): each report is
    done on its own and the results are taken in the order given, so the graphs, the error
    (the first failing report's, in order) and the progress are those of a serial build.

    Raises report.ReportError for an unreadable report (with file and line), BuildError
    when a graph does not conform to the shapes, store.StoreError when the store is locked.
    """
    # Imported here so `poagraph --help`, `query` and `export` need not load the extraction.
    from . import reference

    started = time.perf_counter()
    reports = [Path(p) for p in reports]
    progress = progress or _no_progress
    total, done = total_steps(len(reports)), 0

    def step(description: str) -> None:
        nonlocal done
        progress(description, done, total)
        done += 1

    step("Loading reference data (ontology, vocabularies)")
    graphs: dict[NamedNode, Iterable[Quad]] = {}
    for q in reference.reference_quads():
        graphs.setdefault(q.graph_name, []).append(q)
    checked = _check_reference(dict(graphs))  # validated once, not with every report

    results: list[ReportResult] = []
    seen: dict[str, Path] = {}
    for path, built in _built_reports(reports, strict, checked, step, workers):
        if built.slug is not None and built.slug in seen:
            raise BuildError(f"{path}: same slug {built.slug!r} as {seen[built.slug]}")
        if built.error is not None:
            raise built.error
        seen[built.slug] = path
        graph = NamedNode(iris.report_graph(built.slug))
        graphs[graph] = _Quads(built.nquads)
        results.append(
            ReportResult(
                built.slug, path, graph.value, built.records, 0, built.warnings, built.notes
            )
        )

    backend = open_backend(store_path)  # a store directory, or a SPARQL store's URL
    step(f"Writing {len(graphs)} graphs to {backend.name}")
    # one atomic, locked write; the query workers of a running server reload (no restart)
    counts = backend.commit({g.value: qs for g, qs in graphs.items()}, reload=True).counts
    with backend.reading() as db:
        fingerprint = store.fingerprint(db)
        checks = qa.check_store(db)
    for r in results:
        r.triples = counts[r.graph]
    result = BuildResult(
        store_path=getattr(backend, "path", backend.name),
        reports=results,
        graphs=dict(counts),
        fingerprint=fingerprint,
        checks=checks,
    )
    progress("Done", total, total)
    result.seconds = time.perf_counter() - started
    return result


class _Quads:
    """A report graph kept as N-Quads bytes until the write reads it (a fraction of the
    memory of as many Quad objects: at 100x the bundled report, 600k quads)."""

    def __init__(self, nquads: bytes) -> None:
        self.nquads = nquads

    def __iter__(self) -> Iterator[Quad]:
        return iter(parse(self.nquads, format=RdfFormat.N_QUADS))


@dataclass
class _Built:
    """One report's graph, made by _build_report here or in a worker process."""

    slug: str | None
    records: int = 0
    nquads: bytes = b""  #: the graph, as N-Quads (compact between processes)
    warnings: str = ""
    notes: list[str] = field(default_factory=list)
    #: what went wrong after parsing; build() raises it once the slug is checked (as before)
    error: PoagraphError | None = None


def _built_reports(
    reports: list[Path],
    strict: bool,
    reference: _Reference,
    step: Callable[[str], None],
    workers: int | None,
) -> Iterator[tuple[Path, _Built]]:
    """Each report with its graph, in the order given: here (one worker, or one report), or
    from a pool of processes that each build a report at a time."""
    from .extract.gazetteer import load_gazetteer

    gaz = load_gazetteer()
    workers = min(workers or os.cpu_count() or 1, len(reports))
    if workers <= 1:
        for path in reports:
            yield path, _build_report(path, strict, gaz, reference, step)
        return
    # fork: the workers start with what is loaded here (no re-import, no pickled gazetteer)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(gaz, reference)
    ) as pool:
        futures = [pool.submit(_worker_build, path, strict) for path in reports]
        try:
            for path, future in zip(reports, futures, strict=True):
                built = future.result()  # raises what the worker raised (a parse error)
                step(f"Parsing {path.name}")
                step(f"Extracting {built.slug}")
                step(f"Mapping {built.records} records to RDF")
                step(f"Validating {built.slug}")
                yield path, built
        finally:
            for future in futures:  # an error stops the build: drop the reports not begun
                future.cancel()


_worker: dict = {}


def _start_worker(gaz: object, reference: _Reference) -> None:
    _worker.update(gaz=gaz, reference=reference)


def _worker_build(path: Path, strict: bool) -> _Built:
    return _build_report(path, strict, _worker["gaz"], _worker["reference"], _no_step)


def _no_step(description: str) -> None:
    pass


def _build_report(
    path: Path,
    strict: bool,
    gaz: object,
    reference: _Reference,
    step: Callable[[str], None],
) -> _Built:
    """Parse, extract, map and validate one report. A parse error is raised; a later one is
    returned with the report's slug, so that a duplicate slug is reported first."""
    from . import mapping
    from .extract import extract
    from .extract.document import check_places
    from .extract.report import parse_report

    step(f"Parsing {path.name}")
    doc = parse_report(path)
    try:
        step(f"Extracting {doc.slug}")
        notes = check_places(doc, gaz)
        if strict and notes:
            raise notes[0]
        records = extract(doc, gaz)

        step(f"Mapping {len(records)} records to RDF")
        graph = iris.report_graph(doc.slug)
        quads = list(mapping.records_to_quads(records, graph, language=doc.language))

        step(f"Validating {doc.slug}")
        warnings = _validate(doc.slug, quads, {}, reference)
    except PoagraphError as e:
        return _Built(doc.slug, error=e)
    nquads = serialize(quads, format=RdfFormat.N_QUADS)
    return _Built(doc.slug, len(records), nquads, warnings, list(map(str, notes)))


@dataclass(frozen=True)
class _Reference:
    """The reference data (ontology, vocab) every report graph is checked beside, with its
    own results: _check_reference validates it once per build, not with every report."""

    quads: list[Quad]
    nodes: frozenset  #: what it states something about or points to (pyoxigraph terms)
    results: list[Result]  #: its results under the report shapes, validated on its own


def _check_reference(reference_graphs: dict[NamedNode, list[Quad]]) -> _Reference:
    quads = [q for qs in reference_graphs.values() for q in qs]
    results, _ = run_shapes(quads, shapes=REPORT)
    nodes = {q.subject for q in quads} | {
        q.object for q in quads if not isinstance(q.object, Literal)
    }
    return _Reference(quads, frozenset(nodes), results)


def _focus(quads: list[Quad], reference: _Reference) -> set | None:
    """The nodes whose results a report graph can change, as rdflib terms; None: any node.

    Every node the graph states something about or points to: a shape targets a node by its
    type or its properties (shapes/*.ttl: sh:targetClass, sh:targetSubjectsOf), both stated
    by the node's subject triples, and an inverse path (shapes/report.ttl: an annotation's
    oa:hasBody) reads the triples that point to it. A reference node the graph states
    something about (a country given a quote) may break what points to it (sh:class): those
    are added. A subclass axiom changes the targets and classes of nodes anywhere: None.
    Left out: a reference node that reaches what the graph says only through other nodes;
    no shape of shapes/ reads that far from a reference node (they read its own triples,
    and the types of its values)."""
    if any(q.predicate.value == _SUBCLASS for q in quads):
        return None
    stated = {q.subject for q in quads}
    focus = stated | {q.object for q in quads if not isinstance(q.object, Literal)}
    shared = stated & reference.nodes
    if shared:
        focus |= {q.subject for q in reference.quads if q.object in shared}
    return {to_rdflib_term(n) for n in focus}


_SUBCLASS = str(RDFS.subClassOf)


def _validate(
    slug: str,
    quads: list[Quad],
    reference_graphs: dict[NamedNode, list[Quad]],
    reference: _Reference | None = None,
) -> str:
    """Check a report graph against the graph shapes and the report shapes (shapes/report.ttl:
    a status for every outcome, evidence annotations, language tags), with the reference
    data in view: the same results as validating the two together, found by validating the
    report graph's nodes (_focus) beside the reference data, whose own results (`reference`,
    from _check_reference on `reference_graphs` when not given) come from one validation per
    build. The resources counted as checked are those of both, as before: the reference
    data's are checked once per build.

    Raises BuildError on violations; returns the report text when there are warnings.
    """
    reference = reference or _check_reference(reference_graphs)
    focus = _focus(quads, reference)
    triples = [*quads, *reference.quads]
    if focus is None:
        results, data = run_shapes(triples, shapes=REPORT)
    else:
        results, data = run_shapes(triples, shapes=REPORT, only=focus, focus=True)
        results = merge_results([*results, *(r for r in reference.results if r.focus not in focus)])
    report = ValidationReport(source=slug, results=results)
    report.resources = len(set(data.subjects(RDF.type, None)))
    if not report.conforms:
        raise BuildError(
            f"the graph of report {slug!r} does not conform to the shapes", to_text(report)
        )
    return to_text(report) if report.warnings else ""
