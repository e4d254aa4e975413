"""A runaway query is stopped at the time limit with 503 while other clients are served.

Timing on a shared 2-core machine is noisy, so nothing here sleeps and hopes: a test waits
until a query worker is seen busy (its CPU time growing, read from /proc), and every bound
is relative to the configured limit (a cheap query must not wait for the runaway to end).
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from _endpoint import server_process, wait_until_busy
from pyoxigraph import Literal, NamedNode, Quad, Store

pytestmark = pytest.mark.server

EX = "http://example.org/"
LIMIT_S = 4.0
#: A cross product of four triple patterns over 400 triples: 2.6e10 solutions to count.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
SIMPLE = f"ASK {{ <{EX}s/1> ?p ?o }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("timeout") / "store"
    store = Store(str(path))
    graph = NamedNode(EX + "graph")
    for i in range(400):
        store.add(Quad(NamedNode(f"{EX}s/{i}"), NamedNode(EX + "p"), Literal(str(i)), graph))
    store.flush()
    del store
    with server_process(path, timeout_s=LIMIT_S, executors=2) as server:
        yield server


def timed_get(url: str, params: dict, results: dict, key: str) -> None:
    started = time.monotonic()
    response = requests.get(url, params=params, timeout=120)
    results[key] = (response, time.monotonic() - started)


def test_runaway_query_gets_503_while_others_are_served(server) -> None:
    endpoint = server.base + "/sparql"
    workers_before = server.query_worker_pids()
    assert len(workers_before) == 2
    results: dict = {}
    runaway = threading.Thread(
        target=timed_get, args=(endpoint, {"query": RUNAWAY}, results, "runaway")
    )
    runaway.start()
    wait_until_busy(server)  # the runaway now holds one worker
    for i in range(3):
        timed_get(endpoint, {"query": SIMPLE, "i": str(i)}, results, f"simple{i}")
        response, seconds = results[f"simple{i}"]
        assert response.status_code == 200
        assert response.json()["boolean"] is True
        assert seconds < LIMIT_S / 2, f"a simple query waited {seconds:.2f} s behind the runaway"
    assert runaway.is_alive(), "the simple queries must be answered while the runaway runs"
    runaway.join()
    response, seconds = results["runaway"]
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503 and "timeout" in body["error"]
    assert LIMIT_S - 0.5 <= seconds <= LIMIT_S + 10
    # the work stopped: the worker that ran it is gone and a fresh one took its place
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        workers_after = server.query_worker_pids()
        if len(workers_after) == 2 and workers_after != workers_before:
            break
        time.sleep(0.2)
    assert len(workers_after) == 2
    assert len(workers_after & workers_before) == 1
    # and the server keeps serving
    ok = requests.get(endpoint, params={"query": SIMPLE}, timeout=30)
    assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_timeout_parameter_lowers_the_limit(server) -> None:
    started = time.monotonic()
    r = requests.get(server.base + "/sparql", params={"query": RUNAWAY, "timeout": "1"}, timeout=60)
    seconds = time.monotonic() - started
    assert r.status_code == 503
    assert "1 s" in r.json()["error"]
    assert seconds < LIMIT_S + 1.5


def test_timeout_parameter_never_raises_the_limit(server) -> None:
    started = time.monotonic()
    r = requests.get(
        server.base + "/sparql", params={"query": RUNAWAY, "timeout": "600"}, timeout=60
    )
    assert r.status_code == 503
    assert time.monotonic() - started < LIMIT_S + 10


def test_two_runaways_do_not_block_a_simple_query(server) -> None:
    """Both workers of the process stuck: the pool grows and the simple query is served."""
    endpoint = server.base + "/sparql"
    results: dict = {}
    runaways = [
        threading.Thread(
            target=timed_get, args=(endpoint, {"query": RUNAWAY, "n": str(i)}, results, f"r{i}")
        )
        for i in range(2)
    ]
    for thread in runaways:
        thread.start()
    wait_until_busy(server, n=2)
    timed_get(endpoint, {"query": SIMPLE, "two": "1"}, results, "simple")
    response, seconds = results["simple"]
    assert response.status_code == 200
    assert all(thread.is_alive() for thread in runaways), "answered while both runaways run"
    assert seconds < LIMIT_S / 2, f"a simple query waited {seconds:.2f} s behind two runaways"
    for thread in runaways:
        thread.join()
    assert [results[f"r{i}"][0].status_code for i in range(2)] == [503, 503]


def test_query_workers_die_with_their_web_process(tmp_path) -> None:
    """Regression: a worker busy with a runaway query must not outlive a killed server."""
    import os
    import signal

    path = tmp_path / "store"
    store = Store(str(path))
    for i in range(400):
        store.add(Quad(NamedNode(f"{EX}s/{i}"), NamedNode(EX + "p"), Literal(str(i))))
    store.flush()
    del store
    aborted = []

    def runaway() -> None:
        try:
            requests.get(server.base + "/sparql", params={"query": RUNAWAY}, timeout=60)
        except requests.ConnectionError:  # expected: we kill the server under it
            aborted.append(True)

    with server_process(path, timeout_s=600) as server:
        thread = threading.Thread(target=runaway, daemon=True)
        thread.start()
        assert wait_until_busy(server)  # the runaway is now running in a worker
        for pid in server.web_pids():
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while server.query_worker_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert server.query_worker_pids() == set()
        thread.join(timeout=30)
        assert aborted == [True]
