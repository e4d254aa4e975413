"""Bounded work per query: bytes, memory and CPU a query may take, and workers that die.

Against a real `poagraph serve` on loopback. Each load here is bounded in count and time
and stops by itself: the runaways end at the server's time limit, the memory-hungry query at
the worker's memory limit. Nothing sleeps and hopes: a test waits until a query worker is
seen busy (its CPU time growing, read from /proc).
"""

from __future__ import annotations

import csv
import io
import os
import signal
import statistics
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from _endpoint import oxigraph_server, poagraph_command, server_process, wait_until_busy
from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    Store,
    parse_query_results,
)
from rdflib.query import Result

pytestmark = pytest.mark.server

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
LIMIT_S = 8.0
MEMORY_MB = 512
MAX_RESULT_BYTES = 16 * 1024 * 1024  # the default: the test server does not change it
#: A cross product of four triple patterns over 400 triples: 2.6e10 solutions to count.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
#: 160 000 solutions: cut at the row cap (MAX_ROWS, 10 000)
MANY_ROWS = f"SELECT ?a ?b WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y }}"


def doubling(n: int, select: str = "?big") -> str:
    """A query whose one row holds "0123456789" doubled n times (10 * 2**n characters)."""
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(n))
    return f'SELECT {select} WHERE {{ BIND("0123456789" AS ?a0) {binds} BIND(?a{n} AS ?big) }}'


#: one row of 41 943 040 characters (42 MB), over MAX_RESULT_BYTES
HUGE_ROW = doubling(22)
#: 671 MB in the last string, 1.3 GB with the ones before it: over the test's memory limit
MEMORY_HOG = doubling(26, select="(STRLEN(?big) AS ?n)")


def fill(path: Path) -> Path:
    store = Store(str(path))
    graph = NamedNode(EX + "graph")
    for i in range(400):
        store.add(Quad(NamedNode(f"{EX}s/{i}"), NamedNode(EX + "p"), Literal(str(i)), graph))
    store.flush()
    del store
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    path = fill(tmp_path_factory.mktemp("bounded") / "store")
    env = {"POAGRAPH_WORKER_MEMORY_MB": str(MEMORY_MB)}
    # one web process; more HTTP threads than the 8 runaways below hold (each request holds
    # a thread while its query runs), so that /health and cheap queries get one
    args = ("--threads", "16")
    with server_process(path, timeout_s=LIMIT_S, executors=2, env=env, args=args) as server:
        yield server


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_for_pool(server, size: int, without: set[int], within_s: float = 30.0) -> set[int]:
    """Wait until the pool is back to `size` workers, none of them in `without`."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        pids = server.query_worker_pids()
        if len(pids) == size and not pids & without:
            return pids
        time.sleep(0.2)
    raise AssertionError(f"pool {server.query_worker_pids()} not back to {size} new workers")


def health(server) -> dict:
    r = requests.get(server.base + "/health", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def settle(server, within_s: float = 30.0) -> set[int]:
    """Wait until the pool is back to its size, every worker idle (after earlier tests)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        load = health(server)["workers"]
        if load["idle"] == load["alive"] == load["size"] and not load["starting"]:
            return server.query_worker_pids()
        time.sleep(0.2)
    raise AssertionError(f"the pool did not settle: {load}")


def get(server, params: dict, results: dict, key: str, headers: dict | None = None) -> None:
    started = time.monotonic()
    response = requests.get(server.base + "/sparql", params=params, headers=headers, timeout=120)
    results[key] = (response, time.monotonic() - started)


# --- bytes: MAX_RESULT_BYTES ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_one_huge_row_is_cut_at_the_byte_cap(server, fmt: str) -> None:
    """Finding: a 42 MB single-row result was served whole (the row cap bounds rows only)."""
    r = requests.get(server.base + "/sparql", params={"query": HUGE_ROW, "format": fmt}, timeout=60)
    assert r.status_code == 200
    assert len(r.content) <= MAX_RESULT_BYTES
    assert r.headers.get("X-Poagraph-Truncated") == "true"
    # a valid document with the rows that fit: none here
    parsed = Result.parse(io.BytesIO(r.content), format=fmt)
    assert len(parsed) == 0 and [str(v) for v in parsed.vars] == ["big"]
    if fmt == "json":
        assert r.json()["head"]["link"] == ["urn:poagraph:truncated"]


def test_a_huge_construct_is_cut_at_the_byte_cap(server) -> None:
    query = HUGE_ROW.replace("SELECT ?big", f"CONSTRUCT {{ <{EX}s> <{EX}p> ?big }}")
    for fmt in ("nt", "ttl", "jsonld"):
        r = requests.get(
            server.base + "/sparql", params={"query": query, "format": fmt}, timeout=60
        )
        assert r.status_code == 200
        assert len(r.content) <= MAX_RESULT_BYTES
        assert r.headers.get("X-Poagraph-Truncated") == "true"


def test_results_under_the_byte_cap_are_whole(server) -> None:
    r = requests.get(server.base + "/sparql", params={"query": doubling(10)}, timeout=60)
    assert "X-Poagraph-Truncated" not in r.headers
    assert len(r.json()["results"]["bindings"][0]["big"]["value"]) == 10 * 2**10
    assert "link" not in r.json()["head"]


# --- the truncation flag: where JSON readers accept it ----------------------------------------


def test_the_truncation_flag_is_in_the_json_head_and_readers_parse_it(server) -> None:
    """Finding: `"truncated": true` after the bindings array broke Oxigraph's JSON reader."""
    r = requests.get(server.base + "/sparql", params={"query": MANY_ROWS}, timeout=60)
    assert r.headers.get("X-Poagraph-Truncated") == "true"
    doc = r.json()
    assert list(doc) == ["head", "results"]
    assert doc["head"] == {"vars": ["a", "b"], "link": ["urn:poagraph:truncated"]}
    assert len(doc["results"]["bindings"]) == 10_000
    solutions = parse_query_results(r.content, QueryResultsFormat.JSON)
    assert isinstance(solutions, QuerySolutions) and len(list(solutions)) == 10_000
    assert len(Result.parse(io.BytesIO(r.content), format="json")) == 10_000


def test_oxigraph_server_reads_a_truncated_result_through_service(server, tmp_path) -> None:
    with oxigraph_server(tmp_path / "oxi") as oxigraph:
        query = (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{server.base}/sparql> "
            f"{{ ?a <{EX}p> ?x . ?b <{EX}p> ?y }} }}"
        )
        r = requests.get(
            oxigraph + "/query",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "10000"


# --- memory: WORKER_MEMORY_MB ------------------------------------------------------------------


def test_a_query_over_the_memory_limit_gets_503_and_a_fresh_worker(server) -> None:
    """Finding: 22 chained CONCAT doublings reached 2 GB within the time limit."""
    before = settle(server)
    results: dict = {}
    thread = threading.Thread(target=get, args=(server, {"query": MEMORY_HOG}, results, "hog"))
    thread.start()
    peak = 0.0
    while thread.is_alive():  # the query worker's memory, sampled while it runs
        peak = max([peak, *(rss_mb(pid) for pid in server.query_worker_pids())])
        time.sleep(0.02)
    thread.join()
    response, seconds = results["hog"]
    assert response.status_code == 503
    assert "memory" in response.json()["error"]
    assert int(response.headers["Retry-After"]) > 0
    assert seconds < LIMIT_S, "stopped by the memory limit, not the time limit"
    assert peak < MEMORY_MB + 150, f"a query worker reached {peak:.0f} MB"
    after = wait_for_pool(server, 2, without=before - server.query_worker_pids())
    assert len(after - before) >= 1
    ok = requests.get(server.base + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code == 200 and ok.json()["boolean"] is True


# --- a worker that dies ------------------------------------------------------------------------


def test_a_worker_killed_by_a_signal_gives_503_and_the_pool_heals(server) -> None:
    before = settle(server)
    results: dict = {}
    thread = threading.Thread(target=get, args=(server, {"query": RUNAWAY}, results, "runaway"))
    thread.start()
    busy = wait_until_busy(server)
    for pid in busy:
        os.kill(pid, signal.SIGSEGV)
    thread.join()
    response, seconds = results["runaway"]
    assert response.status_code == 503
    assert "died" in response.json()["error"]
    assert int(response.headers["Retry-After"]) > 0
    assert seconds < LIMIT_S
    after = wait_for_pool(server, 2, without=busy)
    assert after - before, "a fresh worker took the dead one's place"
    ok = requests.get(server.base + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code == 200 and ok.json()["boolean"] is True


# --- CPU: /health and cheap queries while every worker runs away -------------------------------


def test_health_and_cheap_queries_answer_while_eight_runaways_run(server) -> None:
    """Finding: 8 concurrent runaways made /health answer 503, and cheap queries waited."""
    settle(server)
    results: dict = {}
    runaways = [
        threading.Thread(target=get, args=(server, {"query": RUNAWAY, "n": str(i)}, results, i))
        for i in range(8)
    ]
    for thread in runaways:
        thread.start()
    probes: list[tuple[int, dict]] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            r = requests.get(server.base + "/health", timeout=30)
            probes.append((r.status_code, r.json()))
            stop.wait(0.2)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        # until every runaway has a worker, and the spare worker for other queries is up
        deadline = time.monotonic() + LIMIT_S / 2
        while time.monotonic() < deadline:
            load = health(server)["workers"]
            if load["busy"] >= 8 and load["idle"] >= 1:
                break
            time.sleep(0.1)
        seconds = []
        for i in range(20):  # a distinct query each time: the result cache must not answer
            started = time.monotonic()
            r = requests.get(
                server.base + "/sparql",
                params={"query": f"ASK {{ <{EX}s/{i}> ?p ?o }}"},
                timeout=30,
            )
            seconds.append(time.monotonic() - started)
            assert r.status_code == 200 and r.json()["boolean"] is True
        running = sum(thread.is_alive() for thread in runaways)
    finally:
        for thread in runaways:
            thread.join()
        stop.set()
        prober.join()
    p50 = statistics.median(seconds)
    p95 = statistics.quantiles(seconds, n=20)[-1]
    print(f"\ncheap query with 8 runaways: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert running == 8, "the cheap queries were answered while every runaway ran"
    assert p95 < 1.0, f"cheap query p95 {p95:.2f} s behind 8 runaways: {seconds}"
    assert [results[i][0].status_code for i in range(8)] == [503] * 8
    assert probes and all(status == 200 for status, _ in probes), probes
    assert max(body["workers"]["busy"] for _, body in probes) >= 8
    assert all(body["status"] == "ok" and body["triples"] == 400 for _, body in probes)


# --- CSV / TSV: spreadsheet formula injection ---------------------------------------------------

CELLS = (
    '"=HYPERLINK(\\"http://evil.example/\\", \\"x\\")" "+1" "@SUM(A1)" "-x" "\\tx" '
    '"plain" -5 "-5"^^<http://www.w3.org/2001/XMLSchema#decimal>'
)
VALUES = f"SELECT ?v WHERE {{ VALUES ?v {{ {CELLS} }} }}"
EXPECTED = [
    '\'=HYPERLINK("http://evil.example/", "x")',
    "'+1",
    "'@SUM(A1)",
    "'-x",
    "'\tx",
    "plain",
    "-5",
    "-5",
]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(server) -> None:
    r = requests.get(server.base + "/sparql", params={"query": VALUES, "format": "csv"}, timeout=30)
    rows = list(csv.reader(io.StringIO(r.text)))
    assert [row[0] for row in rows[1:]] == EXPECTED


def test_tsv_cells_that_a_spreadsheet_would_run_are_neutralised(server) -> None:
    r = requests.get(server.base + "/sparql", params={"query": VALUES, "format": "tsv"}, timeout=30)
    cells = r.text.splitlines()[1:]
    assert cells[0] == '"\'=HYPERLINK(\\"http://evil.example/\\", \\"x\\")"'
    assert cells[1:6] == ['"\'+1"', '"\'@SUM(A1)"', '"\'-x"', '"\'\\tx"', '"plain"']
    assert cells[6] == "-5"


def test_cli_csv_cells_are_neutralised(tmp_path: Path) -> None:
    store = fill(tmp_path / "store")
    out = subprocess.run(
        [*poagraph_command(), "query", "--store", str(store), "--format", "csv", "-e", VALUES],
        capture_output=True,
        check=True,
        timeout=60,
    )
    rows = list(csv.reader(io.StringIO(out.stdout.decode())))
    assert rows[0] == ["v"]
    assert [row[0] for row in rows[1:]] == EXPECTED
