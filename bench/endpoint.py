"""Endpoint benchmark: `poagraph serve` vs `oxigraph serve-read-only` on the same data.

The same query mix (a lookup by IRI, a per-country aggregate, a CONSTRUCT, a text FILTER)
is sent by wrk on loopback, one query at a time, for a bounded time against each server:
poagraph with its result cache (the default), poagraph with the cache off (every request
runs in a query worker), and Oxigraph server with the union default graph. Prints
throughput and p50/p99 latency of each, and poagraph's throughput as a ratio of Oxigraph's.

Settings (environment): BENCH_DURATION_S (default 8), BENCH_CONNECTIONS (8),
BENCH_THREADS (2), BENCH_STORE (an existing store; default: build the bundled report).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bench import _proc, console, print_figures

POA = "PREFIX poa: <https://w3id.org/poagraph/ontology#>\n"

#: name -> (query, Accept)
QUERIES: dict[str, tuple[str, str]] = {
    "lookup": (
        "SELECT ?p ?o WHERE { <https://w3id.org/poagraph/id/country/AFG> ?p ?o }",
        "application/sparql-results+json",
    ),
    "aggregate": (
        POA + "SELECT ?country (COUNT(?x) AS ?n) WHERE { ?x poa:country ?country } "
        "GROUP BY ?country ORDER BY DESC(?n) ?country",
        "application/sparql-results+json",
    ),
    "construct": (
        POA + "CONSTRUCT { ?o ?p ?v } WHERE { ?o a poa:Outcome ; ?p ?v }",
        "text/turtle",
    ),
    "text-filter": (
        POA + "SELECT ?passage ?text WHERE { ?passage poa:text ?text "
        'FILTER(CONTAINS(LCASE(?text), "remittance")) }',
        "application/sparql-results+json",
    ),
}


@dataclass
class Figures:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


@contextmanager
def _server(command: list[str], query_url: str, env: dict[str, str] | None = None):
    """The server of `command` (bench/_proc.py starts, waits for and stops it): its URL."""
    with _proc.server(command, query_url, env, limit_s=60) as server:
        yield server.url


def poagraph_server(store: Path, cache: bool):
    port = _proc.free_port()
    command = [str(Path(sys.executable).parent / "poagraph"), "serve", "--store", str(store)]
    command += ["--port", str(port), "--workers", "2"]
    env = {} if cache else {"POAGRAPH_CACHE_ENTRIES": "0"}
    return _server(command, f"http://127.0.0.1:{port}/sparql", env)


def oxigraph_server(location: Path):
    port = _proc.free_port()
    command = [str(Path(sys.executable).parent / "oxigraph"), "serve-read-only"]
    command += ["--location", str(location), "--bind", f"127.0.0.1:{port}"]
    command += ["--union-default-graph"]
    return _server(command, f"http://127.0.0.1:{port}/query")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, query: str, accept: str, duration_s: int) -> Figures:
    """Run wrk against `url?query=...` and read throughput and latency percentiles."""
    full = f"{url}?{urllib.parse.urlencode({'query': query})}"
    threads = os.environ.get("BENCH_THREADS", "2")
    connections = os.environ.get("BENCH_CONNECTIONS", "8")
    out = subprocess.run(
        [
            "wrk",
            "-t",
            threads,
            "-c",
            connections,
            "-d",
            f"{duration_s}s",
            "--latency",
            "-H",
            f"Accept: {accept}",
            full,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration_s + 60,
    ).stdout
    if "Latency Distribution" not in out:
        raise RuntimeError(f"wrk gave no figures:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # the percentile lines of the "Latency Distribution" block ("     50%    1.23ms")
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)$", out, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)$", out, re.MULTILINE).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    n_errors = int(errors.group(1)) if errors else 0
    if socket_errors:
        n_errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Figures(rps, p50, p99, n_errors)


def _check_same_answers(poagraph_url: str, oxigraph_url: str) -> None:
    """Both servers must agree on the row count of each query before we time them."""
    for name, (query, _) in QUERIES.items():
        if name == "construct":
            continue
        counts = []
        for url in (poagraph_url, oxigraph_url):
            r = requests.get(
                url,
                params={"query": query},
                headers={"Accept": "application/sparql-results+json"},
                timeout=60,
            )
            r.raise_for_status()
            counts.append(len(r.json()["results"]["bindings"]))
        if counts[0] != counts[1] or counts[0] == 0:
            raise RuntimeError(f"{name}: poagraph gives {counts[0]} rows, Oxigraph {counts[1]}")


def _prepare(workdir: Path) -> tuple[Path, Path]:
    """The poagraph store (given or built) and an Oxigraph server store with the same quads."""
    from pyoxigraph import RdfFormat, Store

    given = os.environ.get("BENCH_STORE")
    if given:
        store = Path(given)
    else:
        from poagraph import paths
        from poagraph.build import build

        store = workdir / "store"
        console.print("building the bundled report into a fresh store...")
        build(paths.BUNDLED_REPORTS, store)
    dump = workdir / "data.nq"
    Store.read_only(str(store)).dump(str(dump), RdfFormat.N_QUADS)
    location = workdir / "oxigraph"
    oxigraph = str(Path(sys.executable).parent / "oxigraph")
    subprocess.run(
        [oxigraph, "load", "--location", str(location), "--file", str(dump)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return store, location


def run() -> None:
    if shutil.which("wrk") is None:
        console.print("endpoint bench skipped: wrk is not installed (make system-deps)")
        return
    duration = int(os.environ.get("BENCH_DURATION_S", "8"))
    workdir = Path(tempfile.mkdtemp(prefix="poagraph-bench-"))
    try:
        store, location = _prepare(workdir)
        results: dict[str, dict[str, Figures]] = {}
        # All three run at once (idle servers cost no CPU) and each query is timed on each
        # server back to back, so a change in machine load hits all three alike.
        with (
            oxigraph_server(location) as oxi_url,
            poagraph_server(store, cache=True) as poa_url,
            poagraph_server(store, cache=False) as raw_url,
        ):
            _check_same_answers(poa_url, oxi_url)
            servers = {"oxigraph": oxi_url, "poagraph": poa_url, "poagraph, no cache": raw_url}
            for name, (query, accept) in QUERIES.items():
                for label, url in servers.items():
                    figures = wrk(url, query, accept, duration)
                    results.setdefault(label, {})[name] = figures
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = []
    for name in QUERIES:
        oxi = results["oxigraph"][name]
        for label, per_query in results.items():
            figures = per_query[name]
            ratio = figures.requests_per_s / oxi.requests_per_s if oxi.requests_per_s else 0.0
            rows.append(
                (
                    name,
                    label,
                    f"{figures.requests_per_s:.0f}",
                    f"{figures.p50_ms:.2f}",
                    f"{figures.p99_ms:.2f}",
                    f"{ratio:.2f}x",
                    str(figures.errors),
                )
            )
    connections = os.environ.get("BENCH_CONNECTIONS", "8")
    print_figures(
        f"Endpoint: wrk -c{connections} for {duration} s per query on loopback "
        f"({os.cpu_count()} cores)",
        rows,
        ["query", "server", "req/s", "p50 ms", "p99 ms", "vs oxigraph", "errors"],
    )
