"""The suite's steps, each run in a fresh process by bench/_proc.run_step so its peak memory
is its own: `python -m bench._child STEP ARGS`, printing one JSON line of figures.

Steps call poagraph's public entry points (build(), store.write_graphs, validate_store,
validate_contribution, accept), so work done on them shows up here.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

RUNS = 3


def build_step(store_path: str, *reports: str) -> dict:
    """build() of the reports into a new store, with the seconds of each kind of step."""
    from poagraph.build import build

    phases: dict[str, float] = {}
    last: list = [None, 0.0]

    def progress(description: str, completed: int, total: int) -> None:
        now = time.perf_counter()
        if last[0] is not None:
            phases[last[0]] = phases.get(last[0], 0.0) + now - last[1]
        last[:] = [description.split()[0].lower(), now]

    result = build([Path(r) for r in reports], Path(store_path), progress=progress)
    return {
        "seconds": result.seconds,
        "reports": len(result.reports),
        "triples": sum(result.graphs.values()),
        "phases": phases,
    }


def load_poagraph(dump: str, store_path: str) -> dict:
    """N-Quads -> a new poagraph store, graph by graph in one write (store.write_graphs)."""
    import pyoxigraph as ox

    from poagraph import store

    started = time.perf_counter()
    graphs: dict[str, list] = {}
    with open(dump, "rb") as f:
        for q in ox.parse(f, ox.RdfFormat.N_QUADS):
            graphs.setdefault(q.graph_name.value, []).append(q)
    store.write_graphs(Path(store_path), graphs)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "quads": sum(len(v) for v in graphs.values())}


def load_rdflib(dump: str) -> dict:
    """N-Quads -> an rdflib Dataset with the union default graph (rdflib-endpoint's)."""
    from rdflib import Dataset

    started = time.perf_counter()
    ds = Dataset(default_union=True)
    ds.parse(dump, format="nquads")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "quads": sum(1 for _ in ds.quads((None, None, None, None)))}


def validate_whole(store_path: str) -> dict:
    """The shapes over every graph of the store (validate_store), as `poagraph build` would."""
    from poagraph import store
    from poagraph.validation.shacl import validate_store

    db = store.open_store(Path(store_path), create=False, read_only=True)
    started = time.perf_counter()
    report = validate_store(db)
    return {"seconds": time.perf_counter() - started, "conforms": report.conforms}


def contribution(store_path: str, outcomes: str) -> dict:
    """One contribution of N outcomes: validate_contribution (median of RUNS after a warm-up)
    and accept (two distinct bodies, each written as its own named graph)."""
    from bench.validate import contribution_turtle
    from poagraph import iris
    from poagraph.contributions.accept import accept
    from poagraph.contributions.check import validate_contribution
    from poagraph.contributions.reference import open_reference

    n = int(outcomes)
    body = contribution_turtle(n)
    ref = open_reference(Path(store_path))
    first = time.perf_counter()
    report = validate_contribution(body, "ttl", reference=ref)
    cold = time.perf_counter() - first
    if not report.conforms:
        raise SystemExit(f"the bench contribution does not conform:\n{report.results[:3]}")
    checks = []
    for _ in range(RUNS):
        started = time.perf_counter()
        validate_contribution(body, "ttl", reference=ref)
        checks.append(time.perf_counter() - started)
    accepts = []
    for i in range(2):
        started = time.perf_counter()
        accept(
            Path(store_path),
            body + f"\n# bench contribution {i}\n".encode(),
            fmt="ttl",
            filename="bench.ttl",
            organisation=iris.organisation("example-partner-organisation"),
            organisation_label="Example Partner Organisation",
        )
        accepts.append(time.perf_counter() - started)
    return {
        "outcomes": n,
        "validate_cold_s": cold,
        "validate_s": statistics.median(checks),
        "accept_s": statistics.median(accepts),
    }


STEPS = {
    "build": build_step,
    "load-poagraph": load_poagraph,
    "load-rdflib": load_rdflib,
    "validate": validate_whole,
    "contribution": contribution,
}


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(STEPS[name](*args)))
