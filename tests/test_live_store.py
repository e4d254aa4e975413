"""Live updates: a write to the store from another process (store.write_graphs, `poagraph
build`) is seen by every query worker of a running `poagraph serve` without a restart, and
the single-writer path stays consistent under concurrent writers and a writer killed
mid-write. A real server (2 web processes x 2 query workers), real writer processes."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from _endpoint import Server, poagraph_command, server_process
from pyoxigraph import Literal, NamedNode, Triple

from poagraph import changes, iris, store

P = NamedNode("https://example.org/live#value")
#: requests per check: enough to reach every query worker of both web processes
REQUESTS = 20


def contribution(name: str) -> str:
    return iris.GRAPH + f"contribution/live-{name}"


def triples(name: str, n: int) -> list[Triple]:
    return [
        Triple(NamedNode(f"https://example.org/live/{name}/{i}"), P, Literal(i)) for i in range(n)
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, built_store_path: Path) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("live") / "store"
    shutil.copytree(built_store_path, path)
    store.write_graphs(path, {}, reload=True)  # its own change log, as a build leaves it
    with server_process(path, workers=2, executors=2) as server:
        server.store = path
        yield server


def graph_sizes(base: str, graph: str) -> list[int]:
    """The triples in `graph` as REQUESTS queries see them, 4 at a time; each query text
    differs (a comment) so that every one is evaluated by a worker, not the cache."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

    def ask(i: int) -> int:
        r = requests.get(
            f"{base}/sparql",
            params={"query": f"{query} # {i} {time.time_ns()}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,  # a busy machine: workers reloading after a crash take a while
        )
        r.raise_for_status()
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    query = query.replace("?g", f"<{graph}>")
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(ask, range(REQUESTS)))


def visible_after(base: str, graph: str, size: int) -> float:
    """Seconds until one query (the first after the write, no retry) sees `size` triples
    in `graph`."""
    started = time.monotonic()
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = requests.get(f"{base}/sparql", params={"query": query}, timeout=10)
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == size
    return time.monotonic() - started


def test_a_write_from_another_process_is_seen_by_every_worker_at_once(served: Server) -> None:
    graph = contribution("seen")
    etag_query = {"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"}
    before = requests.get(f"{served.base}/sparql", params=etag_query, timeout=10)
    health = requests.get(f"{served.base}/health", timeout=10).json()
    assert graph_sizes(served.base, graph) == [0] * REQUESTS

    store.write_graphs(served.store, {graph: triples("seen", 1500)})
    assert visible_after(served.base, graph, 1500) < 1.0
    assert graph_sizes(served.base, graph) == [1500] * REQUESTS  # every worker: no retry
    after = requests.get(f"{served.base}/sparql", params=etag_query, timeout=10)
    assert after.json()["boolean"] and not before.json()["boolean"]
    assert after.headers["ETag"] != before.headers["ETag"]
    now = requests.get(f"{served.base}/health", timeout=10).json()
    assert now["triples"] == health["triples"] + 1500
    assert now["store_version"] != health["store_version"]

    store.write_graphs(served.store, {graph: None})
    assert visible_after(served.base, graph, 0) < 1.0
    assert graph_sizes(served.base, graph) == [0] * REQUESTS
    assert requests.get(f"{served.base}/health", timeout=10).json()["triples"] == health["triples"]


def test_concurrent_writer_processes_all_land_exactly_once(served: Server) -> None:
    script = (
        "import sys\n"
        "from pyoxigraph import Literal, NamedNode, Triple\n"
        "from poagraph import store\n"
        "name = sys.argv[2]\n"
        "ts = [Triple(NamedNode(f'https://example.org/live/{name}/{i}'),"
        " NamedNode('https://example.org/live#value'), Literal(i)) for i in range(1500)]\n"
        "print(store.write_graphs(sys.argv[1], {sys.argv[3]: ts}))\n"
    )
    names = [f"writer{i}" for i in range(8)]
    first = changes.read_state(served.store)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(served.store), name, contribution(name)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    seqs = []
    for w in writers:
        out, _ = w.communicate(timeout=60)
        assert w.returncode == 0
        seqs.append(int(out))
    assert len(set(seqs)) == 8  # one change each, one at a time
    state = changes.read_state(served.store)
    assert state.seq - first.seq == 8 and state.quads - first.quads == 8 * 1500
    with store.reading(served.store) as db:
        for name in names:
            graph = NamedNode(contribution(name))
            assert len(list(db.quads_for_pattern(None, None, None, graph))) == 1500
        del db
    for name in names:
        assert graph_sizes(served.base, contribution(name)) == [1500] * REQUESTS


def test_a_rebuild_is_picked_up_without_restart_and_keeps_contributions(served: Server) -> None:
    report = iris.report_graph("iom-bpoa-review")
    size = graph_sizes(served.base, report)[0]
    assert size > 1000
    kept = contribution("kept")
    store.write_graphs(served.store, {kept: triples("kept", 10), report: None})
    assert graph_sizes(served.base, report) == [0] * REQUESTS
    build = subprocess.run(
        [*poagraph_command(), "build", "--store", str(served.store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    assert graph_sizes(served.base, report) == [size] * REQUESTS  # reloaded, no restart
    assert graph_sizes(served.base, kept) == [10] * REQUESTS  # the contribution survived


def _held_by_another(lock: Path) -> bool:
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _writer(path: Path, graph: str, n: int) -> subprocess.Popen:
    script = (
        "import sys\n"
        "from pyoxigraph import Literal, NamedNode, Triple\n"
        "from poagraph import store\n"
        "ts = [Triple(NamedNode(f'https://example.org/live/big/{i}'),"
        " NamedNode('https://example.org/live#value'), Literal(i))"
        " for i in range(int(sys.argv[3]))]\n"
        "store.write_graphs(sys.argv[1], {sys.argv[2]: ts})\n"
    )
    return subprocess.Popen([sys.executable, "-c", script, str(path), graph, str(n)])


def _wait_for_lock(writer: subprocess.Popen, lock: Path) -> float:
    """Wait until the writer holds the store's lock; returns when (monotonic)."""
    deadline = time.monotonic() + 60
    while not _held_by_another(lock):
        assert writer.poll() is None and time.monotonic() < deadline
        time.sleep(0.002)
    return time.monotonic()


def test_a_writer_killed_mid_write_leaves_the_store_consistent(served: Server) -> None:
    n = 30_000
    lock = changes.lock_path(served.store)
    # how long a whole write holds the lock here, to kill writers all along it
    writer = _writer(served.store, contribution("whole"), n)
    locked = _wait_for_lock(writer, lock)
    assert writer.wait(timeout=120) == 0
    held = time.monotonic() - locked
    sizes = {contribution("whole"): n}
    for step in range(6):
        graph = contribution(f"killed-{step}")
        writer = _writer(served.store, graph, n)
        _wait_for_lock(writer, lock)
        time.sleep(held * step / 5)  # from just after taking the lock to about the end
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        assert not _held_by_another(lock)  # released with its process
        with store.reading(served.store) as db:
            sizes[graph] = len(list(db.quads_for_pattern(None, None, None, NamedNode(graph))))
            del db
        assert sizes[graph] in (0, n)  # absent or whole, never partial
        # the next write succeeds (and logs a reload when the killed one's fate is unknown)
        after = contribution(f"after-{step}")
        store.write_graphs(served.store, {after: triples("after", 5)})
        sizes[after] = 5
    # every reader ends up with what the store holds
    for graph, size in sizes.items():
        assert graph_sizes(served.base, graph) == [size] * REQUESTS
    with store.reading(served.store) as db:
        assert changes.read_state(served.store).quads == len(db)
        del db
