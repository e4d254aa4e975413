"""The change log beside an on-disk store, and the lock that makes one writer at a time.

Beside a store at ``var/store`` live:

``var/store.lock``
    an fcntl lock file: a writer (store.write_graphs) holds it exclusively from before it
    opens the store read-write until the change is logged; a reader holds it shared while
    it opens the store read-only or copies it (pyoxigraph leaves a read-only open during a
    write undefined). fcntl locks die with their process: a killed writer never blocks.
``var/store.changes/state``
    JSON ``{"epoch", "seq", "quads"}``: the log's identity (random, new with each log), the
    number of the last committed change and the store's quad count after it. Replaced
    atomically (write, fsync, rename); `version` reads it: ``{epoch}-{seq}``.
``var/store.changes/{seq:012d}.nq``
    one change: an N-Quads file whose first line is a comment with the graphs replaced
    (``put``), dropped (``drop``) and whether readers must reload fully (``reload``: a build,
    or a crash that leaves the last change unknown), then the put graphs' new quads.

A write goes: lock, stage ``pending.nq``, commit to the store (one transaction) and flush,
rename ``pending.nq`` to its number, replace ``state``, unlock. Readers (query workers)
compare `version` with the version they loaded and apply `changes_since` (drop each graph,
add its new quads) or reload when that is None. A ``pending.nq`` found by the next writer
means a writer died between staging and logging: whether its commit landed is unknown, so
the next writer logs a reload entry first.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse, serialize

#: change files kept; a reader further behind reloads fully
KEEP = 1000
#: the key of the default graph in a change's put/drop lists
DEFAULT = ""
_HEADER = "# poagraph-change "


def lock_path(store_path: str | Path) -> Path:
    return Path(f"{Path(store_path)}.lock")


def log_dir(store_path: str | Path) -> Path:
    return Path(f"{Path(store_path)}.changes")


@contextmanager
def locked(store_path: str | Path, *, exclusive: bool) -> Iterator[None]:
    """Hold the store's lock file: exclusive (a writer) or shared (a reader opening it).

    A reader that cannot create the lock file (a read-only deployment with no writer)
    goes without."""
    path = lock_path(store_path)
    try:
        if exclusive:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if exclusive:
            raise
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass(frozen=True)
class State:
    epoch: str
    seq: int
    quads: int | None = None  #: the store's quads after change `seq` (None: not known)

    @property
    def version(self) -> str:
        return f"{self.epoch}-{self.seq}"


@functools.lru_cache(maxsize=64)
def _state_file(store_path: str | Path) -> str:
    """The state file's path (every query reads it: no path arithmetic each time)."""
    return str(log_dir(store_path) / "state")


def read_state(store_path: str | Path) -> State | None:
    """The log's state, or None when the store has no log (never written by write_graphs)."""
    try:
        with open(_state_file(store_path), "rb") as f:
            data = json.loads(f.read())
        return State(str(data["epoch"]), int(data["seq"]), data.get("quads"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def version(store_path: str | Path) -> str:
    """The store's version: one small file read; "0" for a store without a change log."""
    state = read_state(store_path)
    return state.version if state else "0"


class VersionWatch:
    """The store's version for a reader that asks on every request (a web process, a query
    worker): the state file is read again only when its stat changes (a write replaces it:
    a new inode, size or time) and at least every `reread_s` seconds, so most asks cost one
    stat instead of an open, a read and a parse."""

    def __init__(self, store_path: str | Path, reread_s: float = 1.0):
        self.store_path = store_path
        self.path = _state_file(store_path)
        self.reread_s = reread_s
        #: (the stat it was read with, the version, when it was read)
        self._last: tuple[tuple | None, str, float] = (None, "", -reread_s)

    def version(self) -> str:
        try:
            st = os.stat(self.path)
            stat = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except OSError:
            stat = None
        seen, known, read_at = self._last
        now = time.monotonic()
        if stat is None or stat != seen or now - read_at > self.reread_s:
            known = version(self.store_path)  # read after the stat: at least as new
            self._last = (stat, known, now)
        return known


@dataclass
class Change:
    epoch: str
    seq: int
    put: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    reload: bool = False
    path: Path | None = None  #: the change file: its header line, then the put graphs' quads

    @property
    def version(self) -> str:
        return f"{self.epoch}-{self.seq}"

    def quads(self) -> list[Quad]:
        """The put graphs' new quads (parsed from the change file)."""
        with open(self.path, "rb") as f:
            return list(parse(f, format=RdfFormat.N_QUADS))

    def apply(self, store: Store) -> None:
        """Make `store` (a reader's copy) hold this change: drop each graph, load the new
        quads (parsed in Rust, straight from the file)."""
        for iri in (*self.drop, *self.put):
            store.remove_graph(graph_term(iri))
        if self.put:
            store.load(path=str(self.path), format=RdfFormat.N_QUADS)


def graph_term(iri: str) -> NamedNode | DefaultGraph:
    return DefaultGraph() if iri == DEFAULT else NamedNode(iri)


def _change_file(store_path: str | Path, seq: int) -> Path:
    return log_dir(store_path) / f"{seq:012d}.nq"


def read_change(store_path: str | Path, epoch: str, seq: int) -> Change:
    """One logged change's header (OSError when pruned, ValueError when unreadable)."""
    path = _change_file(store_path, seq)
    with open(path, "rb") as f:
        header = f.readline().decode()
    if not header.startswith(_HEADER):
        raise ValueError(f"{path}: not a change file")
    meta = json.loads(header[len(_HEADER) :])
    return Change(epoch, seq, meta["put"], meta["drop"], bool(meta["reload"]), path)


def changes_since(store_path: str | Path, since: str) -> list[Change] | None:
    """The changes after version `since`, oldest first ([] when up to date), or None when
    the reader must reload fully: another epoch (a new log), a reload entry (a build), or a
    change no longer (or not yet readable) in the log.

    A reader at "0" loaded the store before it had a log: the log's change 0 is that store
    (the first writer begins the log on it), so it follows the log from there instead of
    reloading, as the first contribution to a store built without one used to make every
    copy do (0.8 s before a query saw it, measured)."""
    state = read_state(store_path)
    if state is None:
        return [] if since == "0" else None
    if since == "0":
        since = f"{state.epoch}-0"
    epoch, _, seq = since.rpartition("-")
    if epoch != state.epoch or not seq.isdigit() or int(seq) > state.seq:
        return None
    found = []
    for n in range(int(seq) + 1, state.seq + 1):
        try:
            change = read_change(store_path, state.epoch, n)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if change.reload:
            return None
        found.append(change)
    return found


# -- the writer's side (under the exclusive lock) ---------------------------------------------


def _write_atomic(path: Path, data: bytes | None = None, source: Path | None = None) -> None:
    """Replace `path` with `data` (or rename `source` over it), durably."""
    if source is None:
        source = path.with_name(path.name + ".tmp")
        with open(source, "wb") as f:
            f.write(data or b"")
            f.flush()
            os.fsync(f.fileno())
    os.replace(source, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _write_state(store_path: str | Path, state: State) -> None:
    data = {"epoch": state.epoch, "seq": state.seq, "quads": state.quads}
    _write_atomic(log_dir(store_path) / "state", json.dumps(data).encode())


def prepare(store_path: str | Path) -> State:
    """The state a writer starts from (a new log when there is none); logs a reload entry
    first when the previous writer died between staging a change and logging it."""
    state = read_state(store_path)
    directory = log_dir(store_path)
    if state is None:
        directory.mkdir(parents=True, exist_ok=True)
        state = State(secrets.token_hex(4), 0, None)
        _write_state(store_path, state)
    pending = directory / "pending.nq"
    if pending.exists() or _change_file(store_path, state.seq + 1).exists():
        # unknown whether the dead writer's commit landed: every reader reloads
        state = _log(store_path, state, stage(store_path, {}, [], reload=True), None)
    return state


def stage(
    store_path: str | Path,
    put: dict[str, Iterable[Quad]],
    drop: Iterable[str],
    *,
    reload: bool,
) -> Path:
    """Write the change about to be committed as ``pending.nq`` (put: graph -> its quads)."""
    meta = {"put": list(put), "drop": list(drop), "reload": reload}
    pending = log_dir(store_path) / "pending.nq"
    with open(pending, "wb") as f:
        f.write(f"{_HEADER}{json.dumps(meta)}\n".encode())
        if not reload:
            for quads in put.values():
                serialize(quads, f, RdfFormat.N_QUADS)
        f.flush()
        os.fsync(f.fileno())
    return pending


def log(store_path: str | Path, state: State, pending: Path, quads: int | None) -> int:
    """Log the staged change once the store has committed it; returns its number."""
    return _log(store_path, state, pending, quads).seq


def _log(store_path: str | Path, state: State, pending: Path, quads: int | None) -> State:
    new = State(state.epoch, state.seq + 1, quads)
    _write_atomic(_change_file(store_path, new.seq), source=pending)
    _write_state(store_path, new)
    _prune(store_path, new.seq)
    return new


def _prune(store_path: str | Path, seq: int) -> None:
    """Keep the last KEEP change files (now and then: every 100 changes)."""
    if seq % 100:
        return
    for path in log_dir(store_path).glob("*.nq"):
        if path.stem.isdigit() and int(path.stem) <= seq - KEEP:
            path.unlink(missing_ok=True)
