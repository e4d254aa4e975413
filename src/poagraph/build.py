"""The build pipeline: reports -> parsed documents -> records -> RDF -> SHACL check -> store.

Everything is computed and checked before the store is touched, then all graphs are
replaced in one atomic step: a report that fails to parse or to validate leaves the store
exactly as it was. Graphs of reports not named in this build and every contribution graph
are kept, so `poagraph build --report other.md` adds or refreshes one report. The write goes
through store.commit (the single-writer path): a running server picks the new graphs up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad
from rdflib.namespace import RDF

from . import iris, qa, store
from .errors import BuildError
from .qa import CheckResult
from .validation.model import ValidationReport
from .validation.render import to_text
from .validation.shacl import run_shapes
from .validation.shapes import REPORT

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
    store_path: Path,
    progress: Progress | None = None,
    strict: bool = False,
) -> BuildResult:
    """Build the graphs of `reports` (plus the ontology and vocab graphs) into the store.

    What a report leaves unplaced (a place heading naming no known country or region) is
    a note of its ReportResult, and its passages carry no place; `strict` makes the first
    such note the ReportError it raises, before the store is touched.

    Raises report.ReportError for an unreadable report (with file and line), BuildError
    when a graph does not conform to the shapes, store.StoreError when the store is locked.
    """
    # Imported here so `poagraph --help`, `query` and `export` need not load the extraction.
    from . import mapping, reference
    from .extract import extract
    from .extract.document import check_places
    from .extract.gazetteer import load_gazetteer
    from .extract.report import parse_report

    started = time.perf_counter()
    reports = [Path(p) for p in reports]
    progress = progress or _no_progress
    total, done = total_steps(len(reports)), 0

    def step(description: str) -> None:
        nonlocal done
        progress(description, done, total)
        done += 1

    step("Loading reference data (ontology, vocabularies)")
    graphs: dict[NamedNode, list[Quad]] = {}
    for q in reference.reference_quads():
        graphs.setdefault(q.graph_name, []).append(q)
    reference_graphs = dict(graphs)
    gaz = load_gazetteer()

    results: list[ReportResult] = []
    seen: dict[str, Path] = {}
    for path in reports:
        step(f"Parsing {path.name}")
        doc = parse_report(path)
        if doc.slug in seen:
            raise BuildError(f"{path}: same slug {doc.slug!r} as {seen[doc.slug]}")
        seen[doc.slug] = path
        graph = NamedNode(iris.report_graph(doc.slug))

        step(f"Extracting {doc.slug}")
        notes = check_places(doc, gaz)
        if strict and notes:
            raise notes[0]
        records = extract(doc, gaz)

        step(f"Mapping {len(records)} records to RDF")
        quads = list(mapping.records_to_quads(records, graph.value, language=doc.language))

        step(f"Validating {doc.slug}")
        warnings = _validate(doc.slug, quads, reference_graphs)

        graphs[graph] = quads
        results.append(
            ReportResult(
                doc.slug, path, graph.value, len(records), 0, warnings, list(map(str, notes))
            )
        )

    step(f"Writing {len(graphs)} graphs to {store_path}")
    # one atomic, locked write; the query workers of a running server reload (no restart)
    counts = store.commit(store_path, {g.value: qs for g, qs in graphs.items()}, reload=True).counts
    with store.reading(store_path) as db:
        fingerprint = store.fingerprint(db)
        checks = qa.check_store(db)
    for r in results:
        r.triples = counts[r.graph]
    result = BuildResult(
        store_path=Path(store_path),
        reports=results,
        graphs=dict(counts),
        fingerprint=fingerprint,
        checks=checks,
    )
    progress("Done", total, total)
    result.seconds = time.perf_counter() - started
    return result


def _validate(slug: str, quads: list[Quad], reference_graphs: dict[NamedNode, list[Quad]]) -> str:
    """Check a report graph against the graph shapes and the report shapes (shapes/report.ttl:
    a status for every outcome, evidence annotations, language tags), with the reference
    data in view (and checked too).

    Raises BuildError on violations; returns the report text when there are warnings.
    """
    reference = [q for qs in reference_graphs.values() for q in qs]
    results, data = run_shapes([*quads, *reference], shapes=REPORT)
    report = ValidationReport(source=slug, results=results)
    report.resources = len(set(data.subjects(RDF.type, None)))
    if not report.conforms:
        raise BuildError(
            f"the graph of report {slug!r} does not conform to the shapes", to_text(report)
        )
    return to_text(report) if report.warnings else ""
