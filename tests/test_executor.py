"""The query worker pool in-process (Flask test client): failures are reported, not hidden."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _endpoint import conformance_store
from flask import Flask

from poagraph.web import create_app
from poagraph.web.store import get_service


@pytest.fixture
def missing_store_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"STORE": str(tmp_path / "store"), "TESTING": True, "EXECUTORS": 1})
    yield app
    get_service(app).close()


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/sparql?query=ASK%20%7B%7D", "application/sparql-results+json"),
        ("/", "application/json"),
        ("/id/country/AFG", "text/turtle"),
        ("/browse/Country", "text/html"),
    ],
)
def test_no_worker_is_503_with_retry_after_on_every_route(
    missing_store_app: Flask, path: str, accept: str
) -> None:
    """Regression: the same failure (no worker can run the query) was 500 on /sparql and
    503 on the pages; it is 503 with Retry-After everywhere, in the client's shape."""
    r = missing_store_app.test_client().get(path, headers={"Accept": accept})
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) > 0
    if accept == "text/html":
        assert r.mimetype == "text/html" and "poagraph build" in r.get_data(as_text=True)
    else:
        assert r.get_json() == {"error": r.get_json()["error"], "status": 503}
        assert "poagraph build" in r.get_json()["error"]


def test_health_without_workers_is_503_with_retry_after(missing_store_app: Flask) -> None:
    r = missing_store_app.test_client().get("/health")
    assert r.status_code == 503
    assert r.get_json()["status"] == "unavailable"
    assert int(r.headers["Retry-After"]) > 0


def test_missing_store_is_503_with_the_reason_then_recovers(tmp_path: Path) -> None:
    store = tmp_path / "store"
    app = create_app({"STORE": str(store), "TESTING": True})
    client = app.test_client()
    r = client.get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 503
    assert "poagraph build" in r.get_json()["error"]
    conformance_store(store)  # the store appears (built by someone) while we serve
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        if r.status_code == 200:
            break
        time.sleep(0.5)
    assert r.status_code == 200
    assert r.get_json()["boolean"] is True
    get_service(app).close()


def test_a_get_is_cached_once_and_revalidates(tmp_path: Path) -> None:
    """Regression: each GET /sparql was kept twice (a whole-response cache in front of Flask
    and the result cache); the result cache alone answers repeats and If-None-Match."""
    app = create_app({"STORE": str(conformance_store(tmp_path / "store")), "EXECUTORS": 1})
    client = app.test_client()
    cache = get_service(app).cache
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}
    try:
        first = client.get("/sparql", query_string=query)
        assert first.status_code == 200 and len(cache) == 1
        again = client.get("/sparql", query_string=query)
        assert again.get_data() == first.get_data() and len(cache) == 1
        etag = first.headers["ETag"]
        revalidated = client.get("/sparql", query_string=query, headers={"If-None-Match": etag})
        assert revalidated.status_code == 304 and revalidated.get_data() == b""
    finally:
        get_service(app).close()


def test_the_query_worker_never_imports_flask(tmp_path: Path) -> None:
    """A query worker opens the store and answers a job without loading Flask."""
    store = conformance_store(tmp_path / "store")
    script = (
        "import sys\n"
        "from poagraph.web.query import worker\n"
        "from poagraph.web.query.results import Job, execute\n"
        "from poagraph.store import fingerprint\n"
        "store = worker.open_store(sys.argv[1], True)\n"
        "fingerprint(store)\n"
        "for fmt in ('json', 'ttl'):\n"
        "    query = 'SELECT * { ?s ?p ?o }' if fmt == 'json' else 'CONSTRUCT WHERE { ?s ?p ?o }'\n"
        "    assert execute(store, Job(query=query, format=fmt)).status == 200\n"
        "try:\n"  # an update sent as a query: the 403 path (rdflib's update parser)
        "    execute(store, Job(query='DELETE WHERE { ?s ?p ?o }'))\n"
        "except Exception as exc:\n"
        "    assert exc.status == 403\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(store)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_result_cache_is_bounded_in_entries_and_bytes() -> None:
    from poagraph.web.query.cache import ResultCache
    from poagraph.web.query.results import Outcome

    cache = ResultCache(entries=3, max_bytes=100, total_bytes=250)
    for key in "abc":
        cache.put(key, Outcome(body=b"x" * 80))
    assert len(cache) == 3 and cache.size == 240
    cache.get("a")  # a is now the most recently used
    cache.put("d", Outcome(body=b"y" * 80))  # over 3 entries: evicts b, the least recent
    assert cache.get("b") is None and cache.get("a") is not None
    cache.put("e", Outcome(body=b"z" * 60))  # 300 bytes > 250: evicts c, the least recent
    assert cache.size == 220
    assert cache.get("c") is None and cache.get("d") is not None
    cache.put("big", Outcome(body=b"w" * 101))  # larger than one entry may be: never kept
    assert cache.get("big") is None
    cache.put("a", Outcome(body=b"v" * 10))  # replacing an entry frees its old size
    assert cache.size == 10 + 80 + 60


def test_a_memory_limit_too_low_to_start_says_so(tmp_path: Path) -> None:
    """WORKER_MEMORY_MB below what opening the store takes: the workers cannot start, and
    the reason (the memory limit) reaches the client and /health, as 503."""
    from poagraph.errors import WorkerUnavailable
    from poagraph.web.query.executor import Executor
    from poagraph.web.query.results import Job

    executor = Executor(str(conformance_store(tmp_path / "store")), size=1, memory_mb=64)
    try:
        problem = executor.wait_ready(timeout_s=30)
        assert problem is not None and "more memory than allowed (64 MB)" in problem
        with pytest.raises(WorkerUnavailable, match="more memory than allowed"):
            executor.run(Job(query="ASK {}"), timeout_s=10)
    finally:
        executor.close()


def test_a_job_that_runs_long_is_reniced_and_its_worker_kept(tmp_path: Path) -> None:
    """A slow job's thread yields the CPU (nice +10); the worker stays (no new copy of the
    store to load) and answers the next job on a fresh thread at the normal priority."""
    import os
    import threading

    from poagraph.web.query.executor import NICE, Executor
    from poagraph.web.query.results import Job

    def niceness(pid: int) -> set[int]:
        """The nice values of the worker's threads now."""
        values = set()
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                values.add(os.getpriority(os.PRIO_PROCESS, int(tid)))
            except OSError:  # the thread ended meanwhile
                continue
        return values

    executor = Executor(str(conformance_store(tmp_path / "store")), size=1)
    executor.max_size = 1  # no spare worker while the slow job runs: the pool is this one
    # 20 million solutions to count: about 2 s, past RENICE_AFTER_S, far below the limit
    values = [" ".join(str(i) for i in range(n)) for n in (100, 200, 1000)]
    patterns = " ".join(f"VALUES ?x{i} {{ {v} }}" for i, v in enumerate(values))
    slow = f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}"
    try:
        assert executor.wait_ready(timeout_s=30) is None
        (first,) = executor._workers
        pid = first.process.pid
        assert executor.run(Job(query="ASK {}"), 10).status == 200
        assert niceness(pid) == {0} and executor._workers == {first}
        results = []
        job = threading.Thread(
            target=lambda: results.append(executor.run(Job(query=slow, format="json"), 60))
        )
        job.start()
        seen = set()
        while job.is_alive():  # the priorities of the worker's threads while it runs the job
            seen |= niceness(pid)
            time.sleep(0.05)
        job.join()
        assert results[0].status == 200 and b"20000000" in results[0].body
        assert seen == {0, NICE}
        assert executor._workers == {first} and executor.load()["slow"] == 0
        # the next job runs on a fresh thread at nice 0: the reniced one is gone
        assert executor.run(Job(query="ASK {}"), 10).status == 200
        deadline = time.monotonic() + 5
        while niceness(pid) != {0} and time.monotonic() < deadline:
            time.sleep(0.05)
        assert niceness(pid) == {0}
    finally:
        executor.close()
