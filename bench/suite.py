"""The bench suite (`make bench`): poagraph at 1x/10x/100x the bundled report, side by side
with Oxigraph server and rdflib-endpoint in one run, printed as ONE table with ratios and
written to bench/results/ (JSON + Markdown, named by date, with machine and versions).

`python -m bench suite [--scales 1,10,100] [--seed S]`. Per size: a corpus (1x: sources/;
else bench/corpus.py into a temporary directory), `build()` (time, peak memory), whole-graph
validation, one contribution of 100 outcomes (validate, accept), the N-Quads export loaded
into each system (quads/s), then the three servers on 127.0.0.1 and wrk on a query mix,
cached (the same request) and uncached (a unique comment per request). Every heavy step is a
child process with its own peak memory and a time limit; every server is stopped on the way
out, failure and Ctrl-C included.

Settings (environment): BENCH_SCALES (1,10,100), BENCH_ENDPOINT_SCALES (the same),
BENCH_DURATION_S (5 per cell), BENCH_CONNECTIONS (8), BENCH_THREADS (2),
BENCH_STEP_TIMEOUT_S (1800 per step), BENCH_OUTCOMES (100 per contribution).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, suppress
from dataclasses import asdict
from pathlib import Path

import requests
from rich.console import Console

from bench import _proc, _report, console
from bench._wrk import wrk
from bench.endpoint import POA, QUERIES

#: poagraph's result cap (MAX_ROWS, triples of a CONSTRUCT): a CONSTRUCT answered in full by
#: a peer but cut by poagraph is no comparison, so the suite's CONSTRUCT stays under it.
CONSTRUCT_LIMIT = 5000

#: The endpoint bench's queries, a CONSTRUCT no server cuts, the text filter on a word both
#: the bundled report and the synthetic corpus use, and a property-path query.
MIX: dict[str, tuple[str, str]] = {
    **QUERIES,
    "construct": (
        POA + "CONSTRUCT { ?o ?p ?v } WHERE { ?o a poa:Outcome ; ?p ?v } "
        f"LIMIT {CONSTRUCT_LIMIT}",
        "text/turtle",
    ),
    "text-filter": (
        POA + "SELECT ?passage ?text WHERE { ?passage poa:text ?text "
        'FILTER(CONTAINS(LCASE(?text), "health")) }',
        "application/sparql-results+json",
    ),
    "path": (
        POA + "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?c (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p poa:addresses/skos:broader* ?c . "
        "?c a poa:Commitment } GROUP BY ?c ORDER BY ?c",
        "application/sparql-results+json",
    ),
}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _scales(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def _corpus(scale: int, seed: int, workdir: Path, timeout_s: float) -> list[Path]:
    from poagraph import paths

    if scale == 1:
        return list(paths.BUNDLED_REPORTS)
    out = workdir / "corpus"
    command = [sys.executable, "-m", "bench", "corpus", "--scale", str(scale)]
    command += ["--seed", str(seed), "--out", str(out)]
    step = _proc.run_step(command, timeout_s)
    if step.error:
        raise RuntimeError(f"corpus at {scale}x: {step.error}")
    return sorted(out.glob("*.md"))


def _record(step: _proc.Step, **extra: object) -> dict:
    if step.error:
        console.print(f"[red]  failed: {step.error}[/red]")
        return {"error": step.error, "seconds": step.seconds}
    return {**step.data, "wall_s": step.seconds, "peak_mib": step.peak_mib, **extra}


def _loads(dump: Path, quads: int, workdir: Path, timeout_s: float) -> dict:
    """N-Quads -> each system's store: poagraph (store.write_graphs), `oxigraph load`,
    rdflib's parser (what rdflib-endpoint does at start-up)."""
    out = {}
    poa = _proc.python_step(["load-poagraph", str(dump), str(workdir / "loaded")], timeout_s)
    out["poagraph"] = _record(poa)
    shutil.rmtree(workdir / "loaded", ignore_errors=True)
    oxi_cmd = [str(_proc.BIN / "oxigraph"), "load", "--location", str(workdir / "oxigraph")]
    oxi = _proc.run_step([*oxi_cmd, "--file", str(dump)], timeout_s)
    out["oxigraph"] = _record(oxi, quads=quads)
    if not oxi.error:
        out["oxigraph"]["seconds"] = oxi.seconds
    out["rdflib"] = _record(_proc.python_step(["load-rdflib", str(dump)], timeout_s))
    for figures in out.values():
        if not figures.get("error"):
            figures["quads_per_s"] = figures["quads"] / figures["seconds"]
    return out


def _servers(stack: ExitStack, store: Path, location: Path, dump: Path) -> dict:
    def port_url(path: str) -> tuple[int, str]:
        port = _proc.free_port()
        return port, f"http://127.0.0.1:{port}{path}"

    port, url = port_url("/sparql")
    poagraph = [str(_proc.BIN / "poagraph"), "serve", "--store", str(store), "--port", str(port)]
    oport, ourl = port_url("/query")
    oxigraph = [str(_proc.BIN / "oxigraph"), "serve-read-only", "--location", str(location)]
    oxigraph += ["--bind", f"127.0.0.1:{oport}", "--union-default-graph"]
    rport, rurl = port_url("/")
    rdflib = [str(_proc.BIN / "rdflib-endpoint"), "serve", str(dump)]
    rdflib += ["--host", "127.0.0.1", "--port", str(rport)]
    servers = {"poagraph": stack.enter_context(_proc.server(poagraph, url))}
    _warm(url.removesuffix("/sparql"))
    return {
        **servers,
        "oxigraph": stack.enter_context(_proc.server(oxigraph, ourl)),
        "rdflib": stack.enter_context(_proc.server(rdflib, rurl)),
    }


def _warm(base: str, limit_s: float = 600) -> None:
    """Wait until every web process of poagraph has its copy of the store for the queries
    it answers itself (/health "local"; at 100x it loads for some seconds after the server
    answers): the cells time a server as it runs, not as it starts."""
    deadline = time.monotonic() + limit_s
    ready = 0
    while time.monotonic() < deadline:
        with suppress(requests.RequestException, ValueError):
            local = requests.get(base + "/health", timeout=30).json().get("local")
            ready = ready + 1 if local is None or local["ready"] else 0
            if ready >= 8:  # several answers in a row: each web process answered ready
                return
        time.sleep(0.25)
    console.print("  poagraph: the local copy of the store was not ready in time")


def _rows(url: str, query: str) -> int | str:
    try:
        r = requests.get(
            url,
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=120,
        )
        r.raise_for_status()
        return len(r.json()["results"]["bindings"])
    except (requests.RequestException, ValueError, KeyError) as e:
        return f"error: {e}"[:200]


def _triples(url: str, query: str) -> int | str:
    try:
        r = requests.get(
            url, params={"query": query}, headers={"Accept": "application/n-triples"}, timeout=120
        )
        r.raise_for_status()
        return sum(1 for line in r.text.splitlines() if line.strip())
    except requests.RequestException as e:
        return f"error: {e}"[:200]


def _answers(servers: dict) -> list[str]:
    """The row counts of the SELECT queries and the triple counts of the CONSTRUCT on each
    server: they must agree (else a note)."""
    notes = []
    for name, (query, accept) in MIX.items():
        count = _rows if "sparql-results" in accept else _triples
        counts = {system: count(s.url, query) for system, s in servers.items()}
        if len(set(counts.values())) != 1 or counts["poagraph"] == 0:
            notes.append(f"{name}: rows differ or empty: {counts}")
    return notes


def _settle(url: str) -> None:
    """Let a server finish what wrk left in flight (closed connections whose queries still
    run) before the next cell: a pause, then one answered request."""
    time.sleep(0.5)
    with suppress(requests.RequestException):
        requests.get(url, params={"query": "ASK {}"}, timeout=60)


def _endpoint(store: Path, location: Path, dump: Path, duration: float) -> dict:
    """wrk on the query mix against the three servers, each cell back to back, so a change
    in machine load hits all three alike."""
    result: dict = {"endpoint": {}, "servers": {}, "notes": []}
    with ExitStack() as stack:
        servers = _servers(stack, store, location, dump)
        result["notes"] = _answers(servers)
        for query_name, (query, accept) in MIX.items():
            for mode in _report.MODES:
                for system, s in servers.items():
                    try:
                        figures = wrk(s.url, query, accept, duration, unique=mode == "uncached")
                        cell = asdict(figures)
                    except (subprocess.SubprocessError, ValueError) as e:
                        cell = {"error": str(e)[-300:]}
                    _settle(s.url)
                    result["endpoint"].setdefault(system, {}).setdefault(query_name, {})
                    result["endpoint"][system][query_name][mode] = cell
            console.print(f"  endpoint: {query_name} done")
        for system, s in servers.items():
            result["servers"][system] = {"startup_s": s.startup_s, "peak_mib": s.peak_mib}
    return result


def run_scale(scale: int, seed: int, endpoint: bool, settings: dict) -> dict:
    """Every measure at one size, in a temporary directory removed afterwards."""
    timeout_s = settings["step_timeout_s"]
    size: dict = {"scale": scale}
    with tempfile.TemporaryDirectory(prefix=f"poagraph-bench-{scale}x-") as tmp:
        workdir = Path(tmp)
        reports = _corpus(scale, seed, workdir, timeout_s)
        store = workdir / "store"
        console.print(f"[bold]{scale}x[/bold]: building {len(reports)} reports...")
        size["build"] = _record(
            _proc.python_step(["build", str(store), *map(str, reports)], timeout_s)
        )
        if size["build"].get("error"):
            return size
        size["quads"] = size["build"]["triples"]
        console.print(f"  built {size['quads']:,} quads; validating the whole graph...")
        size["validate"] = _record(_proc.python_step(["validate", str(store)], timeout_s))
        console.print("  one contribution...")
        outcomes = str(settings["outcomes"])
        size["contribution"] = _record(
            _proc.python_step(["contribution", str(store), outcomes], timeout_s)
        )
        dump = workdir / "data.nq"
        export = [str(_proc.BIN / "poagraph"), "export", "--store", str(store)]
        subprocess.run(
            [*export, "--format", "nquads", "-o", str(dump)], check=True, capture_output=True
        )
        with dump.open("rb") as f:
            quads = sum(1 for _ in f)
        size["quads"] = quads
        console.print(f"  loading {quads:,} quads into each system...")
        size["load"] = _loads(dump, quads, workdir, timeout_s)
        if endpoint and not size["load"]["oxigraph"].get("error"):
            console.print("  endpoint: starting the three servers...")
            size.update(_endpoint(store, workdir / "oxigraph", dump, settings["duration_s"]))
    return size


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench suite", description=__doc__)
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "1,10,100"))
    parser.add_argument("--endpoint-scales", default=os.environ.get("BENCH_ENDPOINT_SCALES"))
    parser.add_argument("--seed", type=int, default=_env_int("BENCH_SEED", 13))
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        console.print("the bench suite needs wrk (make system-deps)")
        return 2
    scales = _scales(args.scales)
    endpoint_scales = _scales(args.endpoint_scales) if args.endpoint_scales else scales
    settings = {
        "scales": scales,
        "endpoint_scales": endpoint_scales,
        "seed": args.seed,
        "duration_s": float(os.environ.get("BENCH_DURATION_S", "5")),
        "connections": _env_int("BENCH_CONNECTIONS", 8),
        "threads": _env_int("BENCH_THREADS", 2),
        "step_timeout_s": float(os.environ.get("BENCH_STEP_TIMEOUT_S", "1800")),
        "outcomes": _env_int("BENCH_OUTCOMES", 100),
    }
    results = {
        "date": _report.now(),
        "machine": _report.machine(),
        "versions": _report.versions(str(_proc.BIN / "oxigraph")),
        "settings": settings,
        "sizes": {},
    }
    # SIGTERM unwinds like Ctrl-C, so every server's and step's `finally` stops it
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    for scale in scales:
        try:
            size = run_scale(scale, args.seed, scale in endpoint_scales, settings)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            console.print(f"[red]{scale}x failed: {e}[/red]")  # the other sizes still count
            size = {"scale": scale, "error": str(e)[-800:]}
        results["sizes"][str(scale)] = size
        _report.write(results)  # after each size, so a run cut short leaves its figures
    header, rows = _report.table_rows(results)
    console.print(_report.preamble(results))
    wide = Console(width=max(120, 44 + 46 * len(scales)))
    wide.print(_report.rich_table(header, rows))
    for scale, size in results["sizes"].items():
        for note in size.get("notes", []):
            console.print(f"[yellow]{scale}x: {note}[/yellow]")
    json_path, md_path = _report.write(results)
    console.print(f"written: {json_path} and {md_path.name}")
    return 0
