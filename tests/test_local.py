"""Queries in the web process (web/query/local.py) and the query service's use of them.

Proves, on copies of the bundled report's store: a LocalRunner admits only bounded queries
under its max_work, answers them as the engine does on the store itself and refuses a stale
version or a too short time limit; the service answers bounded queries (the catalogue's
among them) without the worker pool, byte for byte as a worker does, and unbounded ones in
a worker; a write is seen right away and the local copy catches up with it; the watchdog
notices a query that outruns its time limit, and in `poagraph serve` it ends the web process,
which granian replaces.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests
from _endpoint import server_process
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store, Triple

from poagraph import catalogue, changes
from poagraph.errors import QueryTimeout
from poagraph.store import write_graphs
from poagraph.web import load_config
from poagraph.web.query import local
from poagraph.web.query.local import LocalRunner
from poagraph.web.query.results import Job, execute
from poagraph.web.query.service import QueryService

AFG = "https://w3id.org/poagraph/id/country/AFG"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{AFG}> ?p ?o }}"
PATH = "SELECT ?x ?y WHERE { ?x <http://www.w3.org/2004/02/skos/core#broader>+ ?y }"
#: a cartesian product the bound admits (about 4e7 rows) that takes some 4 s of CPU time
#: on the bundled report (measured: 3.8 s), so well over a 1 s time limit
SLOW = (
    "PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX poa: <https://w3id.org/poagraph/ontology#> "
    "SELECT (COUNT(*) AS ?n) WHERE "
    "{ ?a oa:hasBody ?b . ?c oa:hasBody ?d . ?e poa:implementedBy ?f }"
)
WAIT_S = 20.0


@pytest.fixture
def store_copy(built_store_path: Path, tmp_path: Path) -> Path:
    """A writable copy of the built store, with its change log (a sibling directory)."""
    dest = tmp_path / "store"
    shutil.copytree(built_store_path, dest)
    log = changes.log_dir(built_store_path)
    if log.is_dir():
        shutil.copytree(log, changes.log_dir(dest))
    return dest


class Runaways:
    """Stands in for the watchdog's SIGKILL: records (used, limit)."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []
        self.called = threading.Event()

    def __call__(self, used: float, limit: float) -> None:
        self.calls.append((used, limit))
        self.called.set()


def ready(runner: LocalRunner) -> LocalRunner:
    """Start `runner` (its watchdog recording, never killing) and wait for its copy."""
    runner.on_runaway = Runaways()
    runner.start()
    deadline = time.monotonic() + WAIT_S
    while not runner.ready:
        assert time.monotonic() < deadline, "the local copy never loaded"
        time.sleep(0.05)
    return runner


def service(store: Path, **config) -> QueryService:
    return QueryService.from_config(
        load_config({"STORE": str(store), "EXECUTORS": 1, "IN_MEMORY": True, **config})
    )


def json_job(query: str) -> Job:
    return Job(query=query, format="json")


def rows(body: bytes) -> list[str]:
    """The SPARQL JSON result's rows, sorted."""
    return sorted(json.dumps(b, sort_keys=True) for b in json.loads(body)["results"]["bindings"])


def never_started(svc: QueryService) -> bool:
    load = svc.executor.load()
    return load["alive"] == 0 and load["starting"] == 0 and load["busy"] == 0


# -- 1. the runner -------------------------------------------------------------------------


def test_runner_admits_bounded_queries_and_answers_as_the_engine(store_copy: Path) -> None:
    runner = ready(LocalRunner(str(store_copy), in_memory=True, max_work=1_000_000))
    version = changes.version(store_copy)
    assert runner._replica.version == version

    lookup = json_job(LOOKUP)
    planned = runner.plan(lookup, 5.0)
    assert isinstance(planned, float) and 0 < planned <= 5.0 / runner.headroom
    assert runner.plan(json_job(PATH), 5.0) is None

    ordered = json_job(LOOKUP + " ORDER BY ?p ?o")
    outcomes = [runner.run(job, version, 5.0) for job in (lookup, ordered)]
    disk = Store.read_only(str(store_copy))
    try:
        expected = [execute(disk, job) for job in (lookup, ordered)]
    finally:
        del disk
    assert all(o is not None and o.status == 200 for o in outcomes)
    # the copy holds its quads in another order than the store on disk: rows in any order
    assert rows(outcomes[0].body) == rows(expected[0].body)
    assert len(rows(outcomes[0].body)) > 5
    assert outcomes[1].body == expected[1].body
    assert outcomes[1].content_type == expected[1].content_type

    assert runner.run(json_job(PATH), version, 5.0) is None
    assert runner.run(lookup, version + "-other", 5.0) is None
    assert runner.run(lookup, version, local.MIN_TIMEOUT_S / 2) is None
    assert runner.run(lookup, version, local.MIN_TIMEOUT_S) is not None
    assert not runner.on_runaway.calls


def test_runner_refuses_work_over_its_max_work(store_copy: Path) -> None:
    small = ready(LocalRunner(str(store_copy), in_memory=True, max_work=10))
    lookup = json_job(LOOKUP)
    assert small.plan(lookup, 5.0) is None
    assert small.run(lookup, changes.version(store_copy), 5.0) is None
    assert small.plan(json_job("ASK { }"), 5.0) is not None  # bound 1: under 10


def test_runner_refuses_a_query_estimated_too_slow_for_its_time_limit(
    store_copy: Path,
) -> None:
    """The estimate (cost.Estimate.seconds) times the headroom must fit the time limit: the
    same query runs here with a long limit, goes to a worker with a short one."""
    runner = ready(LocalRunner(str(store_copy), in_memory=True, max_work=10**12))
    job = json_job(SLOW)
    planned = runner.plan(job, 10**6)
    assert planned is not None and planned * runner.headroom > 5.0
    assert runner.plan(job, 5.0) is None
    assert runner.run(job, changes.version(store_copy), 5.0) is None


# -- 2. the service --------------------------------------------------------------------------


def test_service_answers_bounded_queries_without_workers(store_copy: Path) -> None:
    svc = service(store_copy)
    try:
        assert svc.local is not None and svc.local.max_work == 1_000_000
        ready(svc.local)
        for query in (LOOKUP, "ASK { ?s ?p ?o }", "SELECT (COUNT(*) AS ?n) { ?s a ?t }"):
            outcome = svc.run(json_job(query), cache=False)
            assert outcome.status == 200
        assert never_started(svc), svc.executor.load()

        outcome = svc.run(json_job(PATH), cache=False)
        assert outcome.status == 200
        assert svc.executor.load()["alive"] >= 1  # that one went to a worker
    finally:
        svc.close()


def test_local_answers_equal_worker_answers_for_the_catalogue(store_copy: Path) -> None:
    # under the defaults no catalogue query is cheap enough (their bounds are products over
    # several patterns): larger limits, the estimate taken at its word, admit class-counts,
    # cq09 and cq11
    here = service(store_copy, LOCAL_MAX_WORK=10**10, LOCAL_HEADROOM=1e-9)
    there = service(store_copy, LOCAL_MAX_WORK=0)
    try:
        assert there.local is None
        ready(here.local)
        entries = [e for e in catalogue.load() if not e.params]
        bounded = [e for e in entries if here.local_plan(json_job(e.query)) is not None]
        assert len(bounded) >= 2, [e.name for e in entries]
        for entry in bounded:
            for fmt in ("json", "csv"):
                job = Job(query=entry.query, format=fmt)
                mine = here.run(job, cache=False)
                theirs = there.run(job, cache=False)
                assert mine.body == theirs.body, entry.name
                assert mine.content_type == theirs.content_type
                assert mine.truncated == theirs.truncated
        assert never_started(here), here.executor.load()
        assert there.executor.load()["alive"] >= 1
    finally:
        here.close()
        there.close()


# -- 3. read your writes -------------------------------------------------------------------


def test_a_write_is_seen_at_once_and_the_local_copy_catches_up(store_copy: Path) -> None:
    svc = service(store_copy)
    try:
        runner = ready(svc.local)
        subject = NamedNode("https://example.org/test-local/thing")
        predicate = NamedNode("https://example.org/test-local/says")
        ask = json_job(f'ASK {{ <{subject.value}> <{predicate.value}> "hello" }}')
        assert json.loads(svc.run(ask, cache=False).body)["boolean"] is False
        before = svc.live_version()

        write_graphs(
            store_copy,
            {
                "https://example.org/test-local/graph": [
                    Triple(subject, predicate, Literal("hello"))
                ]
            },
        )
        assert svc.live_version() != before
        # right away: a worker (the local copy is behind) or the local copy (caught up)
        assert json.loads(svc.run(ask, cache=False).body)["boolean"] is True

        deadline = time.monotonic() + WAIT_S
        while runner._replica.version != svc.live_version() or not runner.ready:
            assert time.monotonic() < deadline, "the local copy never caught up"
            time.sleep(0.05)
        outcome = runner.run(ask, svc.live_version(), 5.0)
        assert outcome is not None
        assert json.loads(outcome.body)["boolean"] is True
        assert not runner.on_runaway.calls
    finally:
        svc.close()


# -- 4. the watchdog -----------------------------------------------------------------------


def test_the_watchdog_reports_a_query_past_its_time_limit(store_copy: Path) -> None:
    # no headroom: the estimate is taken at its word, and the query is admitted here
    runner = ready(LocalRunner(str(store_copy), in_memory=True, max_work=10**15, headroom=1e-9))
    job = json_job(SLOW)
    assert runner.plan(job, 1.0) is not None  # admitted: it runs here
    ended: list[BaseException | object] = []

    def query() -> None:
        try:
            ended.append(runner.run(job, changes.version(store_copy), 1.0))
        except BaseException as exc:
            ended.append(exc)

    thread = threading.Thread(target=query, daemon=True)
    thread.start()
    assert runner.on_runaway.called.wait(WAIT_S), "the watchdog never reported the query"
    (used, limit) = runner.on_runaway.calls[0]
    assert limit == 1.0
    assert used > limit
    thread.join(WAIT_S)
    assert not thread.is_alive()
    # it ran to its end (nothing stops it in the engine), past its limit
    assert len(ended) == 1 and isinstance(ended[0], QueryTimeout), ended


# -- 5. the watchdog in a server -----------------------------------------------------------


def test_the_watchdog_ends_the_web_process_and_the_server_replaces_it(
    store_copy: Path,
) -> None:
    env = {
        "POAGRAPH_LOCAL_MAX_WORK": "100000000000",
        "POAGRAPH_LOCAL_HEADROOM": "1e-9",
        "POAGRAPH_QUERY_TIMEOUT_S": "1",
    }
    with server_process(store_copy, timeout_s=None, workers=1, env=env) as server:
        sparql = f"{server.base}/sparql"
        before = server.web_pids()
        killed = False
        deadline = time.monotonic() + WAIT_S
        while not killed:
            # 503 (a worker stopped it at its limit) while the local copy loads: again
            assert time.monotonic() < deadline, "the web process was never ended"
            try:
                r = requests.get(sparql, params={"query": SLOW}, timeout=WAIT_S)
                assert r.status_code in (503, 500, 502), r.status_code
                killed = r.status_code != 503
            except requests.ConnectionError:
                killed = True

        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, "no web process answered again"
            try:
                r = requests.get(sparql, params={"query": "ASK {}"}, timeout=5)
                if r.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        assert r.json()["boolean"] is True
        after = server.web_pids()
        assert before - after, "no web process ended"
        assert after - before, "no new web process"
        assert server.process.poll() is None  # the server itself lives on
        os.set_blocking(server.process.stderr.fileno(), False)
        log = server.process.stderr.read() or b""
        assert b"ending this web process" in log


def test_health_says_whether_the_local_copy_is_ready(store_copy: Path) -> None:
    """/health names the local copy's state (the bench waits for it); without local queries
    (LOCAL_MAX_WORK = 0) it has no such entry."""
    from poagraph.web import create_app
    from poagraph.web.store import get_service

    app = create_app({"STORE": str(store_copy)})
    try:
        first = app.test_client().get("/health").get_json()
        assert first["local"]["max_work"] == 1_000_000
        ready(get_service(app).local)
        assert app.test_client().get("/health").get_json()["local"]["ready"] is True
    finally:
        get_service(app).close()
    off = create_app({"STORE": str(store_copy), "LOCAL_MAX_WORK": 0})
    try:
        assert "local" not in off.test_client().get("/health").get_json()
    finally:
        get_service(off).close()


def _store_with(path: Path, longest: int) -> Path:
    """A store of 2,000 short literals on one predicate and one literal `longest` long."""
    store = Store(str(path))
    p = NamedNode("http://ex.org/p")
    for i in range(2000):
        store.add(Quad(NamedNode(f"http://ex.org/s{i}"), p, Literal(f"v{i}"), DefaultGraph()))
    store.add(Quad(NamedNode("http://ex.org/long"), p, Literal("x" * longest), DefaultGraph()))
    store.flush()
    del store
    return path


def test_a_long_literal_elsewhere_leaves_sorts_over_short_terms_here(tmp_path: Path) -> None:
    """What a query's patterns can bind is what it is charged for: a megabyte literal on one
    predicate sends sorts that may read it to a worker, not sorts over another predicate."""
    path = _store_with(tmp_path / "mixed", 100)
    store = Store(str(path))
    other = NamedNode("http://ex.org/other")
    store.extend(
        Quad(NamedNode(f"http://ex.org/t{i}"), other, Literal(f"w{i}"), DefaultGraph())
        for i in range(2000)
    )
    store.add(Quad(NamedNode("http://ex.org/big"), other, Literal("x" * 5_000_000), DefaultGraph()))
    store.flush()
    del store
    runner = ready(LocalRunner(str(path), in_memory=True))
    short = json_job("SELECT ?o WHERE { ?s <http://ex.org/p> ?o } ORDER BY ?o")
    assert runner.plan(short, 2.0) is not None
    assert runner.plan(json_job("SELECT ?o WHERE { ?s ?q ?o } ORDER BY ?o"), 2.0) is None
    big = json_job("SELECT ?o WHERE { ?s <http://ex.org/other> ?o } ORDER BY ?o")
    assert runner.plan(big, 2.0) is None
    assert runner.plan(big, 10**6) is not None  # bounded all the same: only too slow for 2 s


def test_a_very_long_literal_sends_sorts_over_it_to_a_worker(tmp_path: Path) -> None:
    """A contribution may hold a literal of megabytes: sorting or writing out rows that may
    hold it is estimated by its length, so such a query goes to a worker (which a timeout
    stops) instead of running here past a short time limit."""
    query = json_job("SELECT ?o WHERE { ?s <http://ex.org/p> ?o } ORDER BY ?o")
    short = ready(LocalRunner(str(_store_with(tmp_path / "short", 100)), in_memory=True))
    long = ready(LocalRunner(str(_store_with(tmp_path / "long", 5_000_000)), in_memory=True))
    assert short._stats.max_term == 100 and long._stats.max_term == 5_000_000
    assert short.plan(query, 2.0) is not None
    assert long.plan(query, 2.0) is None
    assert long.plan(query, 10**6) is not None  # bounded all the same: only too slow for 2 s
