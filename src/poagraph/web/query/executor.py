"""Cancellable query execution: a pool of worker processes, each with its own store.

pyoxigraph cannot interrupt a running query, so queries never run in the web process. Each
web process keeps ``EXECUTORS`` worker processes; a worker opens the store read-only (or
copies it into memory, ``IN_MEMORY``) once, under a memory limit (``WORKER_MEMORY_MB``),
then answers jobs from a socket with serialized bytes. A request checks out an idle worker,
sends the job and waits at most the time limit: past it, the worker is killed (SIGKILL: the
only way to stop Rust code mid-query), a fresh one is started in the background, and the
client gets 503. A worker that dies under a query (its memory limit, a crash) is replaced
the same way, and the client gets 503 too.

Slow queries cannot starve the cheap ones: a job that has used ``RENICE_AFTER_S`` of CPU
has the worker's job thread reniced (``NICE``, by the worker itself: worker.py), so workers
answering fresh queries get the CPU first (here, a job unanswered after ``RENICE_AFTER_S``
counts as slow); the worker answers its next jobs on a fresh
thread at the normal priority (an unprivileged process cannot lower a nice value again, but
a new thread starts from its creator's), so no new copy of the store is loaded. While every
worker is busy and slow jobs run, the pool grows for the waiting requests and keeps one
spare idle worker, up to ``EXTRA_WORKERS`` more than ``EXECUTORS``; past
``COPY_MAX_QUADS`` these extra workers query the store on disk (read-only RocksDB: they
start at once and share the page cache) instead of each loading a copy of it into memory.
A worker killed is replaced one for one (the next wave of slow queries finds the pool
grown); workers over ``EXECUTORS`` are retired as they come back idle and unneeded.
"""

from __future__ import annotations

import logging
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from poagraph import changes
from poagraph.errors import QueryTimeout, WorkerUnavailable
from poagraph.web.query.results import Job, Outcome
from poagraph.web.query.worker import NICE, OUT_OF_MEMORY, RENICE_AFTER_S

__all__ = ["EXTRA_WORKERS", "NICE", "RENICE_AFTER_S", "Executor"]

log = logging.getLogger(__name__)
#: how many workers the pool may add to EXECUTORS while every worker is busy
EXTRA_WORKERS = 8
#: past this many quads in the store, only EXECUTORS workers hold an in-memory copy (at
#: 100x the bundled report, a copy is some 450 MB and takes tens of seconds to load)
COPY_MAX_QUADS = 200_000


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    #: running a job past RENICE_AFTER_S (its worker reniced the job's thread)
    slow: bool = False
    #: it holds an in-memory copy of the store (else it reads the store on disk)
    copy: bool = False


class Executor:
    """A pool of query worker processes with a per-query time limit."""

    def __init__(self, store_path: str, in_memory: bool = True, size: int = 2, memory_mb: int = 0):
        self.store_path = store_path
        self.in_memory = in_memory
        self.size = max(1, int(size))
        #: when every worker is busy (slow queries), the pool grows up to this many
        self.max_size = self.size + EXTRA_WORKERS
        #: the memory limit of each worker (0: none)
        self.memory_mb = int(memory_mb)
        self._pending = 0
        self._copies_pending = 0
        self._busy = 0
        self._slow = 0
        self._waiting = 0
        self._last_attempt = 0.0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._workers: set[_Worker] = set()
        self._last_failure: str | None = None
        self._closed = False
        #: the store version (changes.version) the first worker to start loaded
        self.fingerprint: str | None = None
        #: the number of quads in the store: as the change log last counted them, then as
        #: the first worker to start counted them
        state = changes.read_state(store_path)
        self.triples: int | None = state.quads if state else None

    # -- pool management ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers in the background (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.size):
            self._spawn_async()
        if self.in_memory and (self.triples or 0) > COPY_MAX_QUADS:
            # a large store takes a while to copy into memory: a worker on disk answers
            # meanwhile (retired once the copies are up and it is not needed)
            self._spawn_async(limit=self.max_size)

    def _spawn_async(self, limit: int | None = None) -> bool:
        """Start one more worker in the background unless the pool would exceed `limit`."""
        with self._lock:
            if self._closed:
                return False
            if limit is not None and len(self._workers) + self._pending >= limit:
                return False
            self._pending += 1
            self._last_attempt = time.monotonic()
            copy = self._wants_copy()
            self._copies_pending += copy
        threading.Thread(
            target=self._spawn, args=(copy,), daemon=True, name="poagraph-spawn"
        ).start()
        return True

    def _wants_copy(self) -> bool:
        """Whether the next worker loads the store into memory: while fewer than EXECUTORS
        do, or for a store of at most COPY_MAX_QUADS (call with the lock held)."""
        if not self.in_memory:
            return False
        if self.triples is None or self.triples <= COPY_MAX_QUADS:
            return True
        return sum(w.copy for w in self._workers) + self._copies_pending < self.size

    def _spawn(self, copy: bool) -> None:
        try:
            worker = self._start_worker(copy)
        except Exception as exc:  # any failure to start is recorded and reported to clients
            self._last_failure = f"{type(exc).__name__}: {exc}"
            log.error("query worker failed to start: %s", self._last_failure)
            with self._lock:
                self._pending -= 1
                self._copies_pending -= copy
            return
        self._last_failure = None
        with self._lock:
            self._pending -= 1
            self._copies_pending -= copy
            if self._closed:
                worker.process.kill()
                worker.process.wait()  # reaped: no zombie, no "still running" at exit
                return
            self._workers.add(worker)
        self._idle.put(worker)

    def _start_worker(self, copy: bool) -> _Worker:
        parent, child = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "poagraph.web.query.worker",
            str(child.fileno()),
            self.store_path,
            "1" if copy else "0",
            str(self.memory_mb),
        ]
        process = subprocess.Popen(command, pass_fds=[child.fileno()], stdin=subprocess.DEVNULL)
        child.close()
        conn = Connection(parent.detach())
        try:
            message = conn.recv()
        except (EOFError, OSError):
            message = ("failed", self._exit_reason(process, "query worker"))
        if message[0] != "ready":
            process.kill()
            process.wait()
            conn.close()
            raise RuntimeError(message[1])
        if self.fingerprint is None:
            self.fingerprint = message[2]
            self.triples = message[3]
        return _Worker(process, conn, copy=copy)

    def _exit_reason(self, process: subprocess.Popen, what: str) -> str:
        """Why a worker process ended, for the client and the log."""
        try:
            code = process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"the {what} stopped answering"
        if self.memory_mb and code in (OUT_OF_MEMORY, -signal.SIGABRT):
            # Rust aborts when an allocation fails; Python raises MemoryError (we exit)
            return f"the {what} needed more memory than allowed ({self.memory_mb} MB)"
        if code < 0:
            return f"the {what} died ({signal.Signals(-code).name})"
        return f"the {what} died (exit code {code})"

    def _discard(self, worker: _Worker, keep: bool = True) -> None:
        """Kill a worker; start a fresh one to keep the pool as large as it is (`keep`: a
        pool grown by slow queries stays ready for the next ones), or at least EXECUTORS."""
        with self._lock:
            before = len(self._workers) + self._pending
            self._workers.discard(worker)
        worker.process.kill()
        worker.conn.close()
        threading.Thread(target=worker.process.wait, daemon=True).start()
        self._spawn_async(limit=max(self.size, before) if keep else self.size)

    def _heal(self) -> None:
        """Replace workers lost while starting (killed, crashed) when others are up, at most
        once a second (the pool without any worker retries on requests, every 5 s)."""
        with self._lock:
            short = self._workers and len(self._workers) + self._pending < self.size
            due = time.monotonic() - self._last_attempt > 1
        if short and due:
            self._spawn_async(limit=self.size)

    def _grow(self) -> None:
        """While slow jobs run, start workers for the requests waiting and one spare. While
        only quick jobs keep every worker busy, requests wait for the next idle one: more
        processes would share the same CPUs, and each costs a start (at 100x, a second of
        CPU on disk, a minute to copy the store)."""
        with self._lock:
            wanted = self._waiting + 1 if self._slow else 0
            missing = wanted - self._idle.qsize() - self._pending
            room = self.max_size - len(self._workers) - self._pending
            count = min(missing, room)
        for _ in range(count):
            self._spawn_async(limit=self.max_size)

    def _checkin(self, worker: _Worker) -> None:
        """Back to the idle workers, or retired when over EXECUTORS and not needed."""
        with self._lock:
            wanted = self._waiting + (1 if self._slow else 0)
            # workers still starting do not count: the next request must not wait for one
            spare = self._idle.qsize() + 1 - wanted
            surplus = len(self._workers) > self.size and spare > 0
            if surplus and worker.copy and any(not w.copy for w in self._workers):
                surplus = False  # keep the copy: a worker on disk retires when it is back
        if surplus:
            self._discard(worker, keep=False)
        else:
            self._idle.put(worker)

    def load(self) -> dict[str, int]:
        """The pool now: configured size and cap, workers busy, idle, starting, and the
        requests waiting for one (for /health; needs no worker)."""
        with self._lock:
            return {
                "size": self.size,
                "max": self.max_size,
                "alive": len(self._workers),
                "busy": self._busy,
                "slow": self._slow,
                "idle": self._idle.qsize(),
                "starting": self._pending,
                "waiting": self._waiting,
            }

    def wait_ready(self, timeout_s: float) -> str | None:
        """Start the pool and wait at most `timeout_s` for a worker to be up: None when one
        is, else why not (the last failure to start, or still starting)."""
        self.start()
        self._heal()
        deadline = time.monotonic() + timeout_s
        while not self._workers:
            if self._last_failure and not self._pending:
                return f"the store cannot be queried: {self._last_failure}"
            if time.monotonic() >= deadline:
                return "no query worker has started yet"
            time.sleep(0.05)
        return None

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
                worker.process.wait(timeout=2)  # reaped: no zombie, no "still running" at exit
            except (ProcessLookupError, subprocess.TimeoutExpired, SystemExit, KeyboardInterrupt):
                # the server's quit handler may fire during shutdown: the rest still exit alone
                continue

    # -- running queries -----------------------------------------------------------------------

    @contextmanager
    def _counting(self, name: str):
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)
        try:
            yield
        finally:
            with self._lock:
                setattr(self, name, getattr(self, name) - 1)

    def run(self, job: Job, timeout_s: float) -> Outcome:
        """Run `job` within `timeout_s` seconds (waiting for a free worker included)."""
        self.start()
        self._heal()
        deadline = time.monotonic() + timeout_s
        with self._counting("_waiting"):
            worker = self._checkout(deadline)
        with self._counting("_busy"):
            try:
                worker.conn.send(job)
                if not self._wait(worker, deadline):
                    self._discard(worker)
                    raise QueryTimeout(f"the query ran longer than {timeout_s:g} s and was stopped")
                outcome = worker.conn.recv()
            except (EOFError, OSError) as exc:
                # the worker died under the query (memory limit, crash): replace it, 503
                reason = self._exit_reason(worker.process, "query worker")
                self._discard(worker)
                raise WorkerUnavailable(reason) from exc
            finally:
                if worker.slow:
                    worker.slow = False
                    with self._lock:
                        self._slow -= 1
        self._checkin(worker)
        return outcome

    def _wait(self, worker: _Worker, deadline: float) -> bool:
        """Wait for the worker's answer until `deadline`; past RENICE_AFTER_S the job is a slow
        one (the worker renices its thread): a spare worker starts for the next request."""
        if worker.conn.poll(max(0.0, min(deadline - time.monotonic(), RENICE_AFTER_S))):
            return True
        if time.monotonic() >= deadline:
            return False
        worker.slow = True
        with self._lock:
            self._slow += 1
        self._grow()  # a spare worker for the next request, while this one runs
        return worker.conn.poll(max(0.0, deadline - time.monotonic()))

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
                worker = self._idle.get(timeout=max(0.0, min(remaining, 0.1)))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    # no worker to run it: unavailable (503, retry), not a slow query
                    raise WorkerUnavailable(
                        "every query worker stayed busy for the whole time limit"
                    ) from None
                if self._workers:
                    self._grow()  # every worker is busy (slow queries): grow the pool
                continue
            if worker.process.poll() is None:
                return worker
            self._discard(worker)
