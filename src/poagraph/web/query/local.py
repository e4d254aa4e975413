"""Cheap queries in the web process: no hop to a worker process, for the queries whose work
the cost bound (cost.py) caps at ``LOCAL_MAX_WORK`` pattern matches and whose estimated CPU
time is at most their time limit divided by ``LOCAL_HEADROOM``.

A hop to a worker costs more than a lookup itself (pickling, two context switches, a second
process on the CPU): measured on the bundled report, a lookup takes 0.05 ms in the engine and
0.25 ms through a worker. So the web process keeps its own copy of the store (a `Replica`,
as a worker does) and runs there what the bound admits; everything else (unbounded, over
the limits, while the copy loads, while it catches up with a write, a time limit under
``MIN_TIMEOUT_S``) goes to the workers as before.

pyoxigraph cannot stop a query, so the bound is what keeps these short, and a watchdog stands
behind it: should a query here ever use more CPU time than its time limit (the estimate was
wrong by more than the headroom), the web process ends itself (SIGKILL, the only way to stop
Rust code) and the server starts a new one. Its clients lose their connections; the query is
stopped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence

from poagraph.errors import QueryError, QueryTimeout
from poagraph.web.query import cost, guard
from poagraph.web.query.results import Job, Outcome, answer
from poagraph.web.query.stats import Stats
from poagraph.web.query.worker import SYNC_INTERVAL_S, Replica

log = logging.getLogger(__name__)

#: Below this time limit (a client's timeout=), queries go to a worker, which stops them at
#: the limit to the millisecond; here only the watchdog would, after that much CPU time
MIN_TIMEOUT_S = 1.0
#: How long the copy waits before it tries again to catch up, after a failure
RETRY_S = 5.0
#: How often the watchdog looks at the queries running here
WATCH_INTERVAL_S = 0.1


class _Gate:
    """Many queries at once, or one catch-up with the store alone. A query never waits for
    a catch-up: it goes to a worker instead."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  #: taken directly by queries: cheaper than the condition
        self._cond = threading.Condition(self._lock)
        self._readers = 0
        self._writing = False

    def enter(self) -> bool:
        with self._lock:
            if self._writing:
                return False
            self._readers += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._readers -= 1
            if not self._readers and self._writing:  # a catch-up waits for the last one
                self._cond.notify_all()

    @contextlib.contextmanager
    def alone(self):
        with self._cond:
            self._writing = True
            self._cond.wait_for(lambda: not self._readers)
        try:
            yield
        finally:
            with self._cond:
                self._writing = False


class LocalRunner:
    """The web process's own copy of the store, and the queries it runs there."""

    def __init__(
        self,
        store_path: str,
        in_memory: bool = True,
        max_work: int = 1_000_000,
        headroom: float = 10.0,
    ):
        self.store_path = store_path
        self.in_memory = in_memory
        self.max_work = int(max_work)
        #: a query runs here only when its estimated CPU time is at most its time limit
        #: divided by this: the watchdog behind it then fires only for an estimate this wrong
        self.headroom = float(headroom)
        self._replica: Replica | None = None
        self._stats: Stats | None = None
        self._gate = _Gate()
        self._started = False
        self._start_lock = threading.Lock()
        #: thread ident -> (its CPU clock, the clock's reading at the start, the limit)
        self._running: dict[int, tuple[int, float, float]] = {}
        self._running_lock = threading.Lock()
        #: what the web process does when a query here outlives its limit (tests replace it)
        self.on_runaway = _end_this_process

    @property
    def ready(self) -> bool:
        return self._replica is not None and self._stats is not None

    def start(self) -> None:
        """Load the copy in the background, then keep it up to date (idempotent)."""
        if self.max_work <= 0:
            return
        with self._start_lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._follow, daemon=True, name="poagraph-local").start()
        threading.Thread(target=self._watch, daemon=True, name="poagraph-watchdog").start()

    def _follow(self) -> None:
        try:
            replica = Replica(self.store_path, self.in_memory)
            stats = Stats.of(replica.store)
        except Exception as exc:  # the workers report the store's problems to clients
            log.warning("no local copy of the store (queries go to the workers): %s", exc)
            return
        self._replica, self._stats = replica, stats
        while True:
            time.sleep(SYNC_INTERVAL_S)
            try:
                if not replica.current():
                    with self._gate.alone():
                        self._stats = None
                        replica.sync()
                        self._stats = Stats.of(replica.store)
            except Exception as exc:  # keep trying; queries go to the workers meanwhile
                log.warning("the local copy of the store failed to catch up: %s", exc)
                time.sleep(RETRY_S)

    # -- queries -------------------------------------------------------------------------

    def plan(
        self, job: Job, timeout_s: float, tokens: Sequence[guard.Token] | None = None
    ) -> float | None:
        """The estimated CPU time of `job` (cost.py) when it may run here, else None: its
        bound is at most max_work and the estimate at most its time limit / headroom
        (its tokens: the guard's, when the caller has them)."""
        stats = self._stats
        if stats is None or not self.ready:
            self.start()
            return None
        if timeout_s < MIN_TIMEOUT_S:
            return None
        if tokens is None:
            if "\\u" in job.query or "\\U" in job.query:
                return None  # read two ways (guard.readings): leave it to a worker
            try:
                tokens = guard.tokenize(job.query)
            except QueryError:  # a string never closed: the worker gives the syntax error
                return None
        estimate = cost.estimate(tokens, stats, job.base_iri)
        if estimate is None or cost.work(estimate.rows) > self.max_work:
            return None
        seconds = estimate.seconds(stats)
        return seconds if seconds * self.headroom <= timeout_s else None

    def run(
        self,
        job: Job,
        version: str,
        timeout_s: float,
        tokens: Sequence[guard.Token] | None = None,
        planned: float | None = None,
    ) -> Outcome | None:
        """The outcome of `job` run here, or None when it is not for here (the caller sends
        it to a worker); `planned`: self.plan(job, timeout_s, tokens) when the caller read
        it already. Raises QueryTimeout when it finished past its time limit."""
        if not self.ready:
            self.start()
            return None
        replica = self._replica
        if replica.version != version:
            return None
        if planned is None and self.plan(job, timeout_s, tokens) is None:
            return None
        if not self._gate.enter():
            return None
        try:
            if replica.version != version:  # caught up meanwhile with a newer write
                return None
            started = time.monotonic()
            ident = self._watch_start(timeout_s)
            try:
                outcome = answer(replica.store, job)
            finally:
                with self._running_lock:
                    del self._running[ident]  # watched no more
        finally:
            self._gate.leave()
        if time.monotonic() - started > timeout_s:
            raise QueryTimeout(f"the query ran longer than {timeout_s:g} s")
        return outcome

    def _watch_start(self, limit_s: float) -> int:
        """Show the watchdog the query this thread starts (its CPU clock now, its limit);
        the thread's ident, under which it is shown."""
        ident = threading.get_ident()
        try:
            clock = time.pthread_getcpuclockid(ident)
        except (AttributeError, OSError):  # no per-thread CPU clock: time on the clock
            clock = time.CLOCK_MONOTONIC
        with self._running_lock:
            self._running[ident] = (clock, time.clock_gettime(clock), limit_s)
        return ident

    def _watch(self) -> None:
        """End the process when a query here has used more CPU time than its limit."""
        while True:
            time.sleep(WATCH_INTERVAL_S)
            with self._running_lock:
                running = list(self._running.values())
            for clock, start, limit in running:
                try:
                    used = time.clock_gettime(clock) - start
                except OSError:  # the thread ended meanwhile
                    continue
                if used > limit:
                    self.on_runaway(used, limit)
                    return


def _end_this_process(used: float, limit: float) -> None:
    message = (
        f"a query in the web process used {used:.1f} s of CPU, over its {limit:g} s limit: "
        "ending this web process to stop it (the server starts a new one)"
    )
    log.critical(message)
    print(f"poagraph: {message}", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
