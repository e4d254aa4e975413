"""A query worker process: `python -m poagraph.web.query.worker FD STORE IN_MEMORY MB`.

Started by executor.py with one end of a socket pair as FD. Limits its own memory to MB
(RLIMIT_DATA: the heap and private mappings, which the in-memory store copy, query
evaluation and thread stacks count against, while RocksDB's and the allocator's address
space reservations do not), opens the store once, then answers pickled Jobs with pickled
Outcomes until the socket closes. Before each job it catches up with the writes logged since
(changes.py: a few graphs applied to the in-memory copy, or a reload after a build). A
query over the limit ends the process (Rust aborts on a failed allocation; a MemoryError
exits with OUT_OF_MEMORY): the parent answers 503 and starts a fresh worker. Jobs run on a
job thread; a job that has used RENICE_AFTER_S of CPU has that thread reniced (a watchdog
thread), and the next jobs run on a fresh thread at the normal priority. A plain
subprocess (not multiprocessing) so the parent's __main__ is never re-imported.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from poagraph import changes
from poagraph.web.query.results import Outcome, answer

#: the exit code of a worker whose query raised MemoryError
OUT_OF_MEMORY = 3
#: how often an idle worker looks for writes to the store (one small file read)
SYNC_INTERVAL_S = 0.1
#: a job that has used this much CPU time is a slow one: its thread yields the CPU (nice
#: NICE). CPU time, not time on the clock: on a busy machine a cheap job waits longer, but
#: is no slower to answer once it runs
RENICE_AFTER_S = 0.5
NICE = 10
#: how often the watchdog looks at the running job
WATCH_INTERVAL_S = 0.05


def limit_memory(megabytes: int) -> None:
    """Cap this process's data segment (heap and private mappings) at `megabytes` (0: none)."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def open_store(path: str, in_memory: bool):
    """The store a worker queries: read-only on disk, or an in-memory copy of it; opened
    (and copied) under the store's shared lock, so that no write runs meanwhile."""
    return _load(path, in_memory)[0]


def _load(path: str, in_memory: bool):
    """(the store, the version it holds), read under the shared lock."""
    from pyoxigraph import Store

    if not Path(path).is_dir():
        raise FileNotFoundError(f"no store at {path}: run `poagraph build` first")
    with changes.locked(path, exclusive=False):
        version = changes.version(path)
        disk = Store.read_only(path)
        if not in_memory:
            return disk, version
        memory = copy_store(disk)
        del disk
    return memory, version


def copy_store(disk):
    """An in-memory copy of `disk`, loaded one predicate at a time (in the store's
    predicate-object order). The in-memory store chains each predicate's quads in the order
    they were added, so a predicate's quads end up next to each other in memory: scans of a
    predicate (aggregates, text filters: most queries that read much) then read memory in
    order. Measured at 100x the bundled report: an aggregate 11.7 -> 5.0 ms, a text filter
    16 -> 11 ms, against 7.4 and 35 ms on disk; lookups by subject are unchanged."""
    from pyoxigraph import Store

    memory = Store()
    query = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"
    for (predicate,) in disk.query(query, use_default_graph_as_union=True):
        memory.bulk_extend(disk.quads_for_pattern(None, predicate, None, None))
    if len(memory) != len(disk):  # not expected (the union covers every graph): copy all
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return memory


class Replica:
    """The worker's store, brought up to date by a background thread (every
    SYNC_INTERVAL_S) and before each job: the logged changes since the version it holds are
    applied to the in-memory copy (drop each graph, load its new quads), or it is loaded
    again (a build, a gap in the log, on-disk mode). `lock` keeps a job and a sync apart."""

    def __init__(self, path: str, in_memory: bool):
        self.path = path
        self.in_memory = in_memory
        self.lock = threading.Lock()
        self.store, self.version = _load(path, in_memory)
        self._watch = changes.VersionWatch(path)

    def current(self) -> bool:
        """Whether the copy holds the store's latest version (one stat, mostly)."""
        return self._watch.version() == self.version

    def sync(self) -> None:
        """Catch up with the store on disk (one stat when nothing changed); call with `lock`
        held."""
        if self._watch.version() == self.version:
            return
        delta = changes.changes_since(self.path, self.version) if self.in_memory else None
        try:
            for change in delta or ():
                change.apply(self.store)
                self.version = change.version
        except Exception as exc:  # a change that cannot be applied: start again from the store
            message = f"query worker: a change failed ({exc!r:.200}): reloading the store"
            print(message, file=sys.stderr)
            delta = None
        if delta is None:
            self.store = None  # free the old copy before loading the new one
            self.store, self.version = _load(self.path, self.in_memory)

    def follow(self) -> None:
        """Keep catching up while idle, so that a job seldom waits for a sync."""
        while True:
            time.sleep(SYNC_INTERVAL_S)
            with self.lock:
                try:
                    self.sync()
                except Exception:  # the next job syncs again, and reports what fails
                    continue


def _exit_with_parent(parent: int) -> None:
    """Exit as soon as the web process is gone, even in the middle of a query."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def serve(conn: Connection, store_path: str, in_memory: bool) -> None:
    """Open the store once, then answer jobs until the pipe closes."""
    # pyoxigraph releases the GIL while it evaluates, so this thread runs during queries
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    try:
        try:
            replica = Replica(store_path, in_memory)
        except Exception as exc:  # report any failure to open to the parent, which logs it
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
            return
        conn.send(("ready", os.getpid(), replica.version, len(replica.store)))
    except OSError:  # the web process went away while we started (shutdown): so do we
        return
    threading.Thread(target=replica.follow, daemon=True, name="poagraph-sync").start()
    jobs = Jobs(conn, replica)
    threading.Thread(target=jobs.watch, daemon=True, name="poagraph-watch").start()
    while True:
        # a thread at nice 0 (threads inherit their creator's nice value) answers jobs until
        # one of them was slow and reniced it: then a fresh one takes over
        thread = threading.Thread(target=jobs.answer, name="poagraph-job")
        thread.start()
        thread.join()
        if not jobs.renew:
            return


class Jobs:
    """The thread answering jobs, and the watchdog that renices it (that thread only, so
    the worker stays) once its job has run RENICE_AFTER_S: slow queries yield the CPU to
    fresh ones, and the worker is not replaced (no new copy of the store to load)."""

    def __init__(self, conn: Connection, replica: Replica):
        self.conn = conn
        self.replica = replica
        self.lock = threading.Lock()
        self.thread_id = 0
        #: the job thread's CPU clock, and its reading when the running job started
        self.clock = time.CLOCK_MONOTONIC
        self.started: float | None = None
        self.reniced = False
        #: the job thread ended after a slow job (a fresh one goes on), not with the socket
        self.renew = False

    def watch(self) -> None:
        """Renice the job thread once its job is slow (a look every WATCH_INTERVAL_S)."""
        while True:
            time.sleep(WATCH_INTERVAL_S)
            with self.lock:
                slow = self.started is not None and not self.reniced
                if slow and time.clock_gettime(self.clock) - self.started >= RENICE_AFTER_S:
                    # not Linux (no per-thread priority): the job runs on as it is
                    with contextlib.suppress(OSError):
                        os.setpriority(os.PRIO_PROCESS, self.thread_id, NICE)
                    self.reniced = True

    def answer(self) -> None:
        """Answer jobs on this thread until the web process is gone, or until a job reniced
        this thread (`renew`: a fresh thread answers the next ones)."""
        self.renew = False
        thread_id = threading.get_native_id()
        try:
            clock = time.pthread_getcpuclockid(threading.get_ident())
        except (AttributeError, OSError):  # no per-thread CPU clock: time on the clock
            clock = time.CLOCK_MONOTONIC
        while True:
            try:
                job = self.conn.recv()
            except (EOFError, OSError):  # the web process went away: so do we
                return
            with self.lock:
                self.thread_id, self.clock, self.reniced = thread_id, clock, False
                self.started = time.clock_gettime(clock)
            outcome = run(self.replica, job)
            with self.lock:
                self.started = None
                reniced = self.reniced
            try:
                self.conn.send(outcome)
            except OSError:  # the web process went away mid-job: so do we
                return
            if reniced:
                self.renew = True
                return


def run(replica: Replica, job) -> Outcome:
    """The outcome of one job on the replica, brought up to date first; errors as statuses."""
    try:
        with replica.lock:
            replica.sync()  # a write or a build since the last look: seen by this job
            return answer(replica.store, job)
    except MemoryError:  # over the memory limit: the parent answers 503, starts another
        os._exit(OUT_OF_MEMORY)
    except Exception as exc:  # a failed sync: the parent logs it as 500
        return Outcome(status=500, message=f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group: the web process shuts us down
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, store_path, in_memory, megabytes = sys.argv[1:5]
    limit_memory(int(megabytes))
    serve(Connection(int(fd)), store_path, in_memory == "1")
