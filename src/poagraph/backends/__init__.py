"""Where the graphs live: the embedded on-disk Oxigraph store (the default, store.py) or any
SPARQL 1.1 store over HTTP (`--backend URL`, backends.remote). Both implement `Backend`:

``commit(graphs, reload=False) -> store.Commit``
    replace each named graph (IRI -> triples, or None to drop it) in one step.
``reading()``
    a context manager yielding an object with the read API of a pyoxigraph Store
    (query with substitutions / use_default_graph_as_union / prefixes, quads_for_pattern,
    named_graphs, contains_named_graph, iteration, len).
``version()``, ``stats()``, ``export(fmt, output)``, ``fingerprint()``, ``exists()``.

`open_backend(spec)` picks one: an http(s) URL is a remote store (credentials from the
environment or config, see docs/backends.md), anything else a store directory.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, Protocol

from pyoxigraph import Literal, NamedNode, Quad, Triple

from .. import changes, store
from ..errors import BackendError
from .remote import Client, Remote, is_url
from .view import META_GRAPH, RemoteView

__all__ = ["Backend", "EmbeddedBackend", "RemoteBackend", "is_url", "open_backend"]

_VERSION = NamedNode(META_GRAPH + "#version")
_SEQ = NamedNode(META_GRAPH + "#seq")


class Backend(Protocol):
    name: str  #: for messages: the store directory or URL

    def exists(self) -> bool: ...
    def commit(
        self, graphs: Mapping[str, Iterable[Quad | Triple] | None], *, reload: bool = False
    ) -> store.Commit: ...
    def reading(self, *, locked: bool = True): ...
    def version(self) -> str: ...
    def stats(self) -> store.GraphStats: ...
    def export(self, fmt: str, output: BinaryIO | str | Path | None = None) -> bytes | None: ...
    def fingerprint(self) -> str: ...


def open_backend(spec: str | Path | Backend | None, config: Mapping | None = None) -> Backend:
    """A Backend for a store directory (str or Path), an http(s) URL, or one already open
    (returned as is). None: POAGRAPH_BACKEND or the config's [backend] url, else the
    default store directory."""
    if spec is not None and not isinstance(spec, str | Path):
        return spec
    config = config if config is not None else load_config()
    if spec is None:
        url = os.environ.get("POAGRAPH_BACKEND") or (config.get("backend") or {}).get("url")
        if url:
            return RemoteBackend(Remote.from_env(url, config))
        from .. import paths

        return EmbeddedBackend(paths.default_store())
    if is_url(str(spec)):
        return RemoteBackend(Remote.from_env(str(spec), config))
    return EmbeddedBackend(Path(spec))


def load_config() -> dict:
    """The TOML file named by POAGRAPH_CONFIG (the server's config; its [backend] table:
    url, user, password, auth, flavour, timeout_s), or {}."""
    name = os.environ.get("POAGRAPH_CONFIG")
    if not name:
        return {}
    try:
        with open(name, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BackendError(f"{name}: cannot read the config (POAGRAPH_CONFIG): {e}") from None


class EmbeddedBackend:
    """The on-disk Oxigraph store: store.py's functions, unchanged."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = str(self.path)

    def exists(self) -> bool:
        return store.exists(self.path)

    def commit(self, graphs, *, reload: bool = False) -> store.Commit:
        return store.commit(self.path, graphs, reload=reload)

    def reading(self, *, locked: bool = True):
        """store.reading (the shared lock); `locked=False`: a read-only open without the
        lock, as the CLI's one-shot reads (query, stats, export) have always done."""
        if locked:
            return store.reading(self.path)
        return _unlocked(self.path)

    def version(self) -> str:
        return store.store_version(self.path)

    def stats(self) -> store.GraphStats:
        with self.reading(locked=False) as db:
            return store.graph_stats(db)

    def export(self, fmt, output=None):
        with self.reading(locked=False) as db:
            return store.export(db, fmt, output)

    def fingerprint(self) -> str:
        with self.reading() as db:
            return store.fingerprint(db)


@contextmanager
def _unlocked(path: Path) -> Iterator:
    db = store.open_store(path, read_only=True)
    try:
        yield db
    finally:
        del db


class RemoteBackend:
    """A SPARQL 1.1 store over HTTP. A commit stages each graph (GSP PUT into a scratch
    graph), then one SPARQL Update moves the scratch graphs over their targets, drops the
    dropped ones and bumps the version marker (see docs/backends.md for what each store
    makes atomic). Blank nodes get the same canonical labels as in the embedded store."""

    def __init__(self, remote: Remote, client: Client | None = None):
        self.remote = remote
        self.client = client or Client(remote)
        self.name = remote.query_url

    def exists(self) -> bool:
        self.client.ping()
        return True

    @contextmanager
    def reading(self, *, locked: bool = True) -> Iterator[RemoteView]:
        """A view answering over HTTP (`locked` is the embedded store's business)."""
        yield RemoteView(self.client)

    def version(self) -> str:
        rows = self.client.select(
            f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> {_VERSION} ?v }} }}"
        )
        return rows[0]["v"].value if rows else "empty"

    def _seq(self) -> int:
        rows = self.client.select(
            f"SELECT ?n WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> {_SEQ} ?n }} }}"
        )
        return int(rows[0]["n"].value) if rows else 0

    def commit(self, graphs, *, reload: bool = False) -> store.Commit:
        terms = {changes.graph_term(str(g)): quads for g, quads in graphs.items()}
        if any(not isinstance(g, NamedNode) for g in terms):
            raise BackendError(f"{self.name}: a remote store takes named graphs only")
        # canonical triples first: bad input fails here, before anything is sent
        wanted = {
            g: None if q is None else store._triples_of(g, q)  # the embedded labels
            for g, q in terms.items()
        }
        staging = {g: f"{store._STAGING}{uuid.uuid4().hex}" for g, ts in wanted.items() if ts}
        seq = self._seq() + 1
        try:
            for g, scratch in staging.items():
                self.client.put_graph(scratch, _ntriples(wanted[g]))
            steps = []
            for g in wanted:
                if g in staging:
                    steps.append(f"MOVE SILENT GRAPH <{staging[g]}> TO GRAPH {g}")
                else:  # dropped, or replaced by nothing
                    steps.append(f"DROP SILENT GRAPH {g}")
            marker = f"{seq}-{uuid.uuid4().hex[:12]}"
            meta = NamedNode(META_GRAPH)
            steps.append(f"DROP SILENT GRAPH {meta}")
            steps.append(
                f"INSERT DATA {{ GRAPH {meta} {{ {meta} {_VERSION} {Literal(marker)} ."
                f" {meta} {_SEQ} {Literal(str(seq))} }} }}"
            )
            self.client.update(" ;\n".join(steps))
        finally:
            for scratch in staging.values():  # a no-op after a successful move
                # the store went away: the scratch graph has a fresh name next time
                with suppress(BackendError):
                    self.client.delete_graph(scratch)
        return store.Commit(seq, {g.value: len(ts or ()) for g, ts in wanted.items()})

    def stats(self) -> store.GraphStats:
        with self.reading() as db:
            return store.graph_stats(db)

    def export(self, fmt, output=None):
        with self.reading() as db:
            return store.export(db, fmt, output)

    def fingerprint(self) -> str:
        with self.reading() as db:
            return store.fingerprint(db)


def _ntriples(triples: set[Triple]) -> Iterator[str]:
    """N-Triples lines, those with blank nodes last and together (one GSP chunk keeps them
    in one request, so their labels stay one node)."""
    plain, blank = [], []
    for t in triples:
        (blank if "_:" in str(t.subject) + str(t.object) else plain).append(f"{t} .\n")
    yield from plain
    yield from blank
