"""Cancellable query execution: a small pool of worker processes, each with its own store.

pyoxigraph cannot interrupt a running query, so queries never run in the web process. Each
web process keeps ``EXECUTORS`` worker processes; a worker opens the store read-only (or
copies it into memory, ``IN_MEMORY``) once, then answers jobs from a pipe with serialized
bytes. A request checks out an idle worker, sends the job and waits at most the time limit:
past it, the worker is killed (SIGKILL: the only way to stop Rust code mid-query), a fresh
one is started in the background, and the client gets 503. Other requests use the other
workers meanwhile, so one runaway query never blocks the service.

Results are cached per web process (LRU), keyed by the request and the store version, so a
repeated query costs a dictionary lookup instead of a round trip to a worker.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import queue
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from poagraph.web.results import Job, Outcome, QueryError

log = logging.getLogger(__name__)

_EXTENSION = "poagraph.executor"


class QueryTimeout(Exception):
    """The query ran past its time limit and was stopped."""


class ExecutorUnavailable(Exception):
    """No worker could take the query (store missing, workers failing to start, all busy)."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection


class Executor:
    """A pool of query worker processes with a per-query time limit."""

    def __init__(self, store_path: str, in_memory: bool = True, size: int = 2):
        self.store_path = store_path
        self.in_memory = in_memory
        self.size = max(1, int(size))
        #: when every worker is busy (slow queries), the pool grows up to this many
        self.max_size = 2 * self.size
        self._pending = 0
        self._last_attempt = 0.0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._workers: set[_Worker] = set()
        self._last_failure: str | None = None
        self._closed = False
        #: the content fingerprint of the store, as the first worker to start reports it
        self.fingerprint: str | None = None

    # -- pool management ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers in the background (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.size):
            self._spawn_async()

    def _spawn_async(self, limit: int | None = None) -> bool:
        """Start one more worker in the background unless the pool would exceed `limit`."""
        with self._lock:
            if self._closed:
                return False
            if limit is not None and len(self._workers) + self._pending >= limit:
                return False
            self._pending += 1
            self._last_attempt = time.monotonic()
        threading.Thread(target=self._spawn, daemon=True, name="poagraph-spawn").start()
        return True

    def _spawn(self) -> None:
        try:
            worker = self._start_worker()
        except Exception as exc:  # any failure to start is recorded and reported to clients
            self._last_failure = f"{type(exc).__name__}: {exc}"
            log.error("query worker failed to start: %s", self._last_failure)
            with self._lock:
                self._pending -= 1
            return
        self._last_failure = None
        with self._lock:
            self._pending -= 1
            if self._closed:
                worker.process.kill()
                return
            self._workers.add(worker)
        self._idle.put(worker)

    def _start_worker(self) -> _Worker:
        parent, child = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "poagraph.web.worker",
            str(child.fileno()),
            self.store_path,
            "1" if self.in_memory else "0",
        ]
        process = subprocess.Popen(command, pass_fds=[child.fileno()], stdin=subprocess.DEVNULL)
        child.close()
        conn = Connection(parent.detach())
        try:
            message = conn.recv()
        except (EOFError, OSError):
            message = ("failed", f"query worker exited with code {process.wait()}")
        if message[0] != "ready":
            process.kill()
            process.wait()
            conn.close()
            raise RuntimeError(message[1])
        if self.fingerprint is None:
            self.fingerprint = message[2]
        return _Worker(process, conn)

    def _discard(self, worker: _Worker, replace: bool = True) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.process.kill()
        worker.conn.close()
        threading.Thread(target=worker.process.wait, daemon=True).start()
        if replace:
            self._spawn_async(limit=self.size)

    def close(self) -> None:
        """Stop every worker (at exit). Workers also exit by themselves when we are gone."""
        self._closed = True
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            try:
                if worker.process.poll() is None:
                    worker.process.kill()
            except (ProcessLookupError, SystemExit, KeyboardInterrupt):
                # gunicorn's quit handler may fire during shutdown: the rest still exit alone
                continue

    # -- running queries -----------------------------------------------------------------------

    def run(self, job: Job, timeout_s: float) -> Outcome:
        """Run `job` within `timeout_s` seconds (waiting for a free worker included)."""
        self.start()
        deadline = time.monotonic() + timeout_s
        worker = self._checkout(deadline)
        try:
            worker.conn.send(job)
            remaining = deadline - time.monotonic()
            if not worker.conn.poll(max(0.0, remaining)):
                self._discard(worker)
                raise QueryTimeout(f"the query ran longer than {timeout_s:g} s and was stopped")
            outcome = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            # the worker died under the query (crash, out of memory): replace it, report 500
            self._discard(worker)
            raise ExecutorUnavailable(f"the query worker died: {exc or 'no reply'}") from exc
        self._idle.put(worker)
        return outcome

    def _checkout(self, deadline: float) -> _Worker:
        while True:
            remaining = deadline - time.monotonic()
            if self._last_failure and not self._workers and not self._pending:
                # try again now and then: the store may have been built since
                if time.monotonic() - self._last_attempt > 5:
                    self._spawn_async(limit=self.size)
                raise ExecutorUnavailable(f"the store cannot be queried: {self._last_failure}")
            try:
                # wake up now and then to notice a failed start instead of waiting it out
                worker = self._idle.get(timeout=max(0.0, min(remaining, 0.25)))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    raise QueryTimeout(
                        "every query worker stayed busy for the whole time limit"
                    ) from None
                if self._workers:
                    # every worker is busy (slow queries): grow the pool, up to max_size
                    self._spawn_async(limit=self.max_size)
                continue
            if worker.process.poll() is None:
                return worker
            self._discard(worker)


class ResultCache:
    """A thread-safe LRU of serialized results, bounded in entries, entry size and total bytes."""

    def __init__(self, entries: int, max_bytes: int, total_bytes: int = 64 * 1024 * 1024):
        self.entries = entries
        self.max_bytes = max_bytes
        self.total_bytes = total_bytes
        self._data: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        if self.entries <= 0:
            return None
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            self._data.move_to_end(key)
            return item[0]

    def put(self, key: Any, outcome: Any, size: int | None = None) -> None:
        """Keep `outcome` (an Outcome, or anything with its `size` given)."""
        size = len(outcome.body) if size is None else size
        if self.entries <= 0 or size > self.max_bytes or size > self.total_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._data[key] = (outcome, size)
            self._size += size
            while len(self._data) > self.entries or self._size > self.total_bytes:
                _, (_, evicted) = self._data.popitem(last=False)
                self._size -= evicted

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0


def store_version(path: str) -> str:
    """A short fingerprint of the on-disk store: changes whenever its files do."""
    digest = hashlib.sha1(str(Path(path).resolve()).encode())
    root = Path(path)
    if root.is_dir():
        for file in sorted(root.rglob("*")):
            if file.is_file():
                stat = file.stat()
                digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


@dataclass
class QueryService:
    """What the app keeps: the worker pool, the result cache and the store version."""

    executor: Executor
    cache: ResultCache
    #: whole GET /sparql responses, keyed by the raw request (see sparql.ResponseCache)
    responses: ResultCache
    file_version: str
    timeout_s: float
    max_rows: int

    @property
    def version(self) -> str:
        """The store version for cache keys and ETags: its content fingerprint once a worker
        has reported it, a fingerprint of the store's files until then."""
        return self.executor.fingerprint or self.file_version

    def run(self, job: Job, timeout_s: float | None = None) -> Outcome:
        """Run a job (no caching) within the given or configured time limit."""
        limit = self.timeout_s if timeout_s is None else min(timeout_s, self.timeout_s)
        return self.executor.run(job, limit)

    def select(
        self,
        query: str,
        timeout_s: float | None = None,
        bindings: tuple[tuple[str, str], ...] = (),
    ) -> dict:
        """Run a SELECT/ASK and return the SPARQL JSON results as a dict (for HTML pages).

        `bindings` are (variable, IRI) pairs substituted before evaluation.
        """
        import json

        job = Job(query=query, format="json", max_rows=self.max_rows, bindings=bindings)
        outcome = self.run(job, timeout_s)
        if outcome.status != 200:
            raise QueryError(outcome.status, outcome.message)
        return json.loads(outcome.body)

    def graph(
        self,
        query: str,
        media_type: str = "text/turtle",
        bindings: tuple[tuple[str, str], ...] = (),
    ) -> Outcome:
        """Run a CONSTRUCT/DESCRIBE serialized as `media_type` (for linked-data pages)."""
        job = Job(query=query, format=media_type, max_rows=self.max_rows, bindings=bindings)
        outcome = self.run(job)
        if outcome.status != 200:
            raise QueryError(outcome.status, outcome.message)
        return outcome


def init_app(app: Flask) -> None:
    """Create the query service from the app config; workers start on first use."""
    config = app.config
    executor = Executor(config["STORE"], bool(config["IN_MEMORY"]), int(config["EXECUTORS"]))
    atexit.register(executor.close)
    app.extensions[_EXTENSION] = QueryService(
        executor=executor,
        cache=_cache(config),
        responses=_cache(config),
        file_version=store_version(config["STORE"]),
        timeout_s=float(config["QUERY_TIMEOUT_S"]),
        max_rows=int(config["MAX_ROWS"]),
    )


def _cache(config) -> ResultCache:
    return ResultCache(
        int(config["CACHE_ENTRIES"]),
        int(config["CACHE_MAX_BYTES"]),
        int(config["CACHE_TOTAL_BYTES"]),
    )


def get_executor(app: Flask | None = None) -> QueryService:
    """The query service of `app` (default: the current app)."""
    return (app or current_app).extensions[_EXTENSION]
