"""Validation time: the whole bundled graph (what `poagraph build` checks) and a contribution
of 100 outcomes in each format (target: under 0.5 s on this machine), in-process after a
warm-up (shapes parsed, imports done), and `poagraph validate` as a user runs it.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import print_figures, summary, timings
from poagraph import iris, paths, reference, store
from poagraph.build import build
from poagraph.contributions.check import validate_contribution
from poagraph.contributions.config import csv_columns
from poagraph.contributions.reference import open_reference
from poagraph.validation.render import to_text
from poagraph.validation.shacl import validate_graph
from poagraph.validation.shapes import REPORT

RUNS = 5
OUTCOMES = 100
TARGET_SECONDS = 0.5


def contribution_csv(n: int = OUTCOMES) -> bytes:
    """A valid CSV contribution of `n` outcomes (one per row), spread over countries."""
    countries = ["Ethiopia", "Mali", "Niger", "NPL", "Haiti", "BGD", "Senegal", "Chad"]
    out = io.StringIO()
    writer = csv.DictWriter(out, [c["name"] for c in csv_columns()])
    writer.writeheader()
    for i in range(n):
        writer.writerow(
            {
                "organisation": "Example Partner Organisation",
                "country": countries[i % len(countries)],
                "commitment": str(i % 7 + 1),
                "programme": f"Programme {i % 10}",
                "counted": "people trained",
                "value": str(100 + i),
                "start_year": "2005",
                "end_year": "2006",
                "source": f"https://example.org/report-{i}.pdf",
                "quote": f"In 2005 and 2006, {100 + i} people were trained.",
            }
        )
    return out.getvalue().encode()


def contribution_turtle(n: int = OUTCOMES) -> bytes:
    """The same contribution in Turtle (IRIs, not names)."""
    lines = [
        "@prefix poa: <https://w3id.org/poagraph/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        '<org> a poa:Organisation ; rdfs:label "Example Partner Organisation"@en .',
        '<prog> a poa:Programme ; rdfs:label "Training"@en ; poa:implementedBy <org> .',
    ]
    codes = ["ETH", "MLI", "NER", "NPL", "HTI", "BGD", "SEN", "TCD"]
    for i in range(n):
        text = f"In 2005 and 2006, {100 + i} people were trained."
        lines.append(
            f"<p{i}> a poa:Passage ; dcterms:source <https://example.org/r{i}.pdf> ;"
            f' poa:text "{text}" .'
        )
        lines.append(
            f"<o{i}> a poa:Outcome ; poa:reportedBy <org> ; poa:outcomeOf <prog> ;"
            f" poa:country <{iris.ID}country/{codes[i % len(codes)]}> ;"
            f" poa:addresses <{iris.ID}bpoa/commitment/{i % 7 + 1}> ;"
            f' poa:value {100 + i} ; poa:unit "people trained" ;'
            f' poa:startYear "2005"^^xsd:gYear ; poa:evidence <p{i}> ; poa:quote "{text}" .'
        )
    return "\n".join(lines).encode()


def _poagraph() -> str:
    beside = Path(sys.executable).parent / "poagraph"
    return str(beside) if beside.exists() else shutil.which("poagraph") or "poagraph"


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="poagraph-bench-") as tmp:
        store_path = Path(tmp) / "store"
        build(paths.BUNDLED_REPORTS, store_path)
        db = store.open_store(store_path, create=False)
        report_quads = [q for q in db if q.graph_name.value.startswith(iris.GRAPH + "report/")]
        del db
        ref_quads = reference.reference_quads()
        whole = timings(
            lambda: validate_graph(report_quads, ref_quads, shapes=REPORT), runs=RUNS, warmup=1
        )

        ref = open_reference(store_path)
        rows = [
            ("whole graph (build check)", len(report_quads) + len(ref_quads), whole),
        ]
        for fmt, data in (("csv", contribution_csv()), ("ttl", contribution_turtle())):
            report = validate_contribution(data, fmt, reference=ref, source=f"bench.{fmt}")
            assert report.conforms, to_text(report)
            samples = timings(
                lambda data=data, fmt=fmt: validate_contribution(data, fmt, reference=ref),
                runs=RUNS,
                warmup=1,
            )
            rows.append((f"{OUTCOMES}-outcome contribution ({fmt})", OUTCOMES, samples))

        path = Path(tmp) / "contribution.csv"
        path.write_bytes(contribution_csv())
        command = [_poagraph(), "validate", str(path), "--store", str(store_path)]
        cli = timings(lambda: subprocess.run(command, check=True, capture_output=True), RUNS)
        rows.append((f"poagraph validate ({OUTCOMES} rows, fresh process)", OUTCOMES, cli))

    print_figures(
        f"Validation time, seconds (target: {OUTCOMES}-outcome contribution under"
        f" {TARGET_SECONDS} s in-process)",
        [(name, size, *summary(s).values()) for name, size, s in rows],
        ["what", "size (quads/outcomes)", "median", "min", "max"],
    )
