"""A query worker process: `python -m poagraph.web.query.worker FD STORE IN_MEMORY MB`.

Started by executor.py with one end of a socket pair as FD. Limits its own memory to MB
(RLIMIT_DATA: the heap and private mappings, which the in-memory store copy, query
evaluation and thread stacks count against, while RocksDB's and the allocator's address
space reservations do not), opens the store once, then answers pickled Jobs with pickled
Outcomes until the socket closes. A query over the limit ends the process (Rust aborts on a
failed allocation; a MemoryError exits with OUT_OF_MEMORY): the parent answers 503 and starts
a fresh worker. A plain subprocess (not multiprocessing) so the parent's __main__ is never
re-imported.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from poagraph.errors import QueryError
from poagraph.web.query import guard
from poagraph.web.query.results import Outcome, execute

#: the exit code of a worker whose query raised MemoryError
OUT_OF_MEMORY = 3


def limit_memory(megabytes: int) -> None:
    """Cap this process's data segment (heap and private mappings) at `megabytes` (0: none)."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def open_store(path: str, in_memory: bool):
    """The store a worker queries: read-only on disk, or an in-memory copy of it."""
    from pyoxigraph import Store

    if not Path(path).is_dir():
        raise FileNotFoundError(f"no store at {path}: run `poagraph build` first")
    disk = Store.read_only(path)
    if not in_memory:
        return disk
    memory = Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    del disk
    return memory


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
        store = open_store(store_path, in_memory)
    except Exception as exc:  # report any failure to open to the parent, which logs it
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    from poagraph.store import fingerprint

    conn.send(("ready", os.getpid(), fingerprint(store), len(store)))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the web process went away: so do we
            return
        try:
            outcome = execute(store, job)
        except MemoryError:  # over the memory limit: the parent answers 503, starts another
            os._exit(OUT_OF_MEMORY)
        except QueryError as exc:
            outcome = Outcome(status=exc.status, message=str(exc))
        except OSError as exc:  # a failed SERVICE call (502, no remote text) or the store
            error = guard.os_error(job.query, exc)
            outcome = Outcome(status=error.status, message=str(error))
        except Exception as exc:  # a store or engine failure: the parent logs it as 500
            outcome = Outcome(status=500, message=f"{type(exc).__name__}: {exc}")
        conn.send(outcome)


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group: the web process shuts us down
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, store_path, in_memory, megabytes = sys.argv[1:5]
    limit_memory(int(megabytes))
    serve(Connection(int(fd)), store_path, in_memory == "1")
