"""A query worker process: `python -m poagraph.web.query.worker FD STORE IN_MEMORY`.

Started by executor.py with one end of a socket pair as FD. Opens the store once, then
answers pickled Jobs with pickled Outcomes until the socket closes. A plain subprocess
(not multiprocessing) so the parent's __main__ is never re-imported.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from poagraph.errors import QueryError
from poagraph.web.query.results import Outcome, execute


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

    conn.send(("ready", os.getpid(), fingerprint(store)))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the web process went away: so do we
            return
        try:
            outcome = execute(store, job)
        except QueryError as exc:
            outcome = Outcome(status=exc.status, message=str(exc))
        except Exception as exc:  # a store or engine failure: the parent logs it as 500
            outcome = Outcome(status=500, message=f"{type(exc).__name__}: {exc}")
        conn.send(outcome)


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group: the web process shuts us down
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, store_path, in_memory = sys.argv[1:4]
    serve(Connection(int(fd)), store_path, in_memory == "1")
