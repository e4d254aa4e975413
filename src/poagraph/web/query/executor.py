"""Cancellable query execution: a small pool of worker processes, each with its own store.

pyoxigraph cannot interrupt a running query, so queries never run in the web process. Each
web process keeps ``EXECUTORS`` worker processes; a worker opens the store read-only (or
copies it into memory, ``IN_MEMORY``) once, then answers jobs from a pipe with serialized
bytes. A request checks out an idle worker, sends the job and waits at most the time limit:
past it, the worker is killed (SIGKILL: the only way to stop Rust code mid-query), a fresh
one is started in the background, and the client gets 503. Other requests use the other
workers meanwhile, so one runaway query never blocks the service.
"""

from __future__ import annotations

import logging
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from poagraph.errors import QueryTimeout, WorkerUnavailable
from poagraph.web.query.results import Job, Outcome

log = logging.getLogger(__name__)


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
            "poagraph.web.query.worker",
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
            # the worker died under the query (crash, out of memory): replace it, report 503
            self._discard(worker)
            raise WorkerUnavailable(f"the query worker died: {exc or 'no reply'}") from exc
        self._idle.put(worker)
        return outcome

    def _checkout(self, deadline: float) -> _Worker:
        while True:
            remaining = deadline - time.monotonic()
            if self._last_failure and not self._workers and not self._pending:
                # try again now and then: the store may have been built since
                if time.monotonic() - self._last_attempt > 5:
                    self._spawn_async(limit=self.size)
                raise WorkerUnavailable(f"the store cannot be queried: {self._last_failure}")
            try:
                # wake up now and then to notice a failed start instead of waiting it out
                worker = self._idle.get(timeout=max(0.0, min(remaining, 0.25)))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    # no worker to run it: unavailable (503, retry), not a slow query
                    raise WorkerUnavailable(
                        "every query worker stayed busy for the whole time limit"
                    ) from None
                if self._workers:
                    # every worker is busy (slow queries): grow the pool, up to max_size
                    self._spawn_async(limit=self.max_size)
                continue
            if worker.process.poll() is None:
                return worker
            self._discard(worker)
