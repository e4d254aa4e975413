"""Queries on a remote SPARQL 1.1 store (config ``BACKEND``): what the query service uses
instead of the worker pool (executor.py) when the site serves a store over HTTP.

The same contract as `Executor`: ``run(job, limit) -> Outcome`` with the same formats, row
and byte caps and CSV rule (writers.py, results.py), ``start()``, ``close()``,
``wait_ready()`` and ``load()`` for /health. Each query goes to the store through the
backend client (poagraph.backends.remote), with the store's own time limit where it has one
(Virtuoso's ``timeout``) and a deadline here: at the limit the HTTP connection is shut down
(the request cancelled) and the client gets the 503 QueryTimeout of the embedded path. The
answer is read as a stream and only the rows within the caps are parsed.

Bound values (Job.bindings, Job.literals) stay RDF terms: each is written as a one-row
``VALUES ?var { term }`` block (the term's escaped SPARQL form from pyoxigraph) at the start
of the query's WHERE group and of every sub-SELECT that projects the variable, which gives
the answers of pyoxigraph's substitutions (tested on every page and catalogue query). The
dataset of the request (default-graph-uri, named-graph-uri) is forwarded; without one and
without FROM, the default graph is the union of the graphs, as on the embedded store.
"""

from __future__ import annotations

import io
import logging
import queue
import re
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    parse,
    parse_query_results,
)

from poagraph.backends import RemoteBackend
from poagraph.backends.remote import NTRIPLES, SELECT_JSON, VIRTUOSO_DEFAULT_GRAPH, Client, Remote
from poagraph.backends.view import RemoteView
from poagraph.errors import BackendError, QueryError, QueryTimeout, WorkerUnavailable
from poagraph.web import formats
from poagraph.web.query import guard
from poagraph.web.query.results import Job, Outcome, _graph, _negotiate
from poagraph.web.query.values import bound_terms, iri_term, with_values
from poagraph.web.query.writers import boolean, write_solutions

log = logging.getLogger(__name__)

#: the graph named when a dataset must name none (no store has a graph of this name)
EMPTY_GRAPH = VIRTUOSO_DEFAULT_GRAPH
#: how often the store's version marker is read (cache keys and ETags follow it)
VERSION_INTERVAL_S = 1.0


# --- the executor ---------------------------------------------------------------------------


class RemoteExecutor:
    """Queries on one remote store, each within its time limit; HTTP sessions are kept
    (keep-alive) and reused, one per concurrent request."""

    def __init__(self, remote: Remote):
        self.remote = remote
        #: what /health and the logs name (never the credentials)
        self.description = remote.describe()
        self._clients: queue.LifoQueue[Client] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._busy = 0
        self._version: tuple[str, float] | None = None
        self._count: tuple[str, int | None] | None = None
        self._ours: tuple[str, list[str]] | None = None
        self._reading = threading.Lock()
        self._closed = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RemoteExecutor:
        """The executor for the BACKEND* keys of the web configuration (web/__init__.py)."""
        return cls(remote_from_config(config))

    # -- what the query service and /health read ------------------------------------------------

    def start(self) -> None:
        """Nothing to start: requests open connections as they need them."""

    def wait_ready(self, timeout_s: float) -> str | None:
        """None when the store answers a trivial query within `timeout_s`, else why not."""
        try:
            with self._session() as client:
                client.query("ASK { }", timeout_s=timeout_s).close()
        except (BackendError, QueryTimeout, QueryError) as exc:
            log.warning("the SPARQL store does not answer: %s", exc)
            return f"the SPARQL store does not answer: {_public(exc, self.remote)}"
        return None

    def load(self) -> dict[str, Any]:
        """Requests in flight and idle connections, for /health."""
        with self._lock:
            return {
                "backend": self.remote.flavour,
                "busy": self._busy,
                "idle": self._clients.qsize(),
            }

    def version(self) -> str:
        """The store's version marker (cache keys, ETags), read at most every
        VERSION_INTERVAL_S; "" when the store has none or cannot be read now."""
        now = time.monotonic()
        cached = self._version
        if cached is not None and now - cached[1] < VERSION_INTERVAL_S:
            return cached[0]
        if cached is not None and not self._reading.acquire(blocking=False):
            return cached[0]  # another request is reading it now
        try:
            with self._session() as client:
                value = read_version(client)
        except (BackendError, QueryTimeout, QueryError) as exc:
            log.warning("cannot read the store's version: %s", exc)
            value = cached[0] if cached is not None else ""
        finally:
            if cached is not None:
                self._reading.release()
        self._version = (value, time.monotonic())
        return value

    def forget_version(self) -> None:
        """Read the version marker again on the next request (after a write of ours)."""
        self._version = None

    def _graphs(self, client: Client) -> list[str]:
        """Our named graphs in the store, listed once per version."""
        version = self.version()
        cached = self._ours
        if cached is not None and cached[0] == version and version:
            return cached[1]
        graphs = RemoteView(client).graphs
        self._ours = (version, graphs)
        return graphs

    @property
    def triples(self) -> int | None:
        """The quads in the store's named graphs, counted once per version."""
        version = self.version()
        if self._count is not None and self._count[0] == version and version:
            return self._count[1]
        try:
            with self._session() as client:
                ours = self._graphs(client) or [EMPTY_GRAPH]  # not the store's own graphs
                rows = client.select(
                    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", dataset=(ours, ours)
                )
            count = int(rows[0]["n"].value) if rows else 0
        except (BackendError, QueryTimeout, QueryError, ValueError) as exc:
            log.warning("cannot count the store's triples: %s", exc)
            count = None
        self._count = (version, count)
        return count

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._clients.get_nowait().session.close()
            except queue.Empty:
                return

    # -- running queries -------------------------------------------------------------------------

    def run(self, job: Job, timeout_s: float) -> Outcome:
        """Run `job` on the store within `timeout_s` seconds.

        Raises QueryTimeout (the request is cancelled) or WorkerUnavailable (the store cannot
        be reached); a query the store rejects or fails comes back as an Outcome with its
        status (400, 406, 502), as the worker pool's do."""
        deadline = time.monotonic() + timeout_s
        try:
            return self._run(job, deadline)
        except QueryError as exc:
            return Outcome(status=exc.status, message=str(exc))
        except QueryTimeout:
            raise QueryTimeout(
                f"the query ran longer than {timeout_s:g} s and was stopped"
            ) from None
        except BackendError as exc:
            log.error("SPARQL store: %s", exc)
            if exc.status is None:  # no answer at all: unavailable for now (503)
                raise WorkerUnavailable(_public(exc, self.remote)) from None
            return Outcome(status=502, message=_public(exc, self.remote))

    def _run(self, job: Job, deadline: float) -> Outcome:
        shape = guard.inspect(job.query)
        if shape.form is None:
            if shape.update:
                raise QueryError(403, guard.READ_ONLY_UPDATE)
            raise QueryError(400, "SPARQL syntax error: not a SELECT, ASK, CONSTRUCT or DESCRIBE")
        graph = shape.form in ("CONSTRUCT", "DESCRIBE")
        if graph:
            fmt = _negotiate(job, formats.GRAPHS, formats.GRAPH_ALIASES)
        else:
            fmt = _negotiate(job, formats.RESULTS, formats.RESULT_ALIASES)
        text = with_values(job.query, bound_terms(job))
        if job.base_iri:  # relative IRIs resolve against our endpoint, as on the embedded store
            text = f"BASE {iri_term(job.base_iri, 'base IRI')}\n{text}"
        with self._session() as client:
            own = shape.dataset and not job.default_graphs and not job.named_graphs
            # no dataset for a query with FROM: the store reads the query's own
            dataset = None if own else _dataset(job, self._graphs(client))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout("no time left")
            response = client.query(
                text,
                accept=NTRIPLES if graph else SELECT_JSON,
                timeout_s=remaining,
                union_default_graph=self.remote.flavour == "virtuoso",  # (no parameter)
                stream=True,
                dataset=dataset,
            )
            with _Watchdog(response, deadline) as watchdog:
                try:
                    return _read(job, fmt, response.raw, graph, self.remote.flavour == "virtuoso")
                except Exception as exc:
                    if watchdog.fired:
                        raise QueryTimeout("cancelled") from None
                    raise BackendError(
                        f"{self.remote.query_url}: the answer cannot be read: {exc}",
                        url=self.remote.query_url,
                        status=response.status_code,
                    ) from None

    def _session(self) -> _Session:
        return _Session(self)


class _Session:
    """A client checked out for one request (created when none is idle), counted busy."""

    def __init__(self, executor: RemoteExecutor):
        self.executor = executor
        self.client: Client | None = None

    def __enter__(self) -> Client:
        try:
            self.client = self.executor._clients.get_nowait()
        except queue.Empty:
            self.client = Client(self.executor.remote)
        with self.executor._lock:
            self.executor._busy += 1
        return self.client

    def __exit__(self, *exc) -> None:
        with self.executor._lock:
            self.executor._busy -= 1
        if self.executor._closed or self.client is None:
            return
        self.executor._clients.put(self.client)


class _Watchdog:
    """Shuts the response's connection down at `deadline` (a blocked read then ends), and
    closes the response when the block is left."""

    def __init__(self, response, deadline: float):
        self.response = response
        self.fired = False
        self.timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        connection = getattr(self.response.raw, "connection", None)
        sock = getattr(connection, "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def __enter__(self) -> _Watchdog:
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.cancel()
        self.response.close()


def _dataset(job: Job, ours: list[str]) -> tuple[list[str], list[str]]:
    """The dataset sent with a query: the request's (default-graph-uri, named-graph-uri),
    else every graph of ours as the default graph (their union, as on the embedded store)
    and as the named graphs. Only our graphs are ever named: the store's own (Virtuoso's
    system graphs, the backend's version marker) stay out, as graphs the embedded store
    does not have; an empty list names an unused IRI (an empty graph)."""
    if job.default_graphs or job.named_graphs:
        default = [iri_term(g, "default-graph-uri").value for g in job.default_graphs]
        named = [iri_term(g, "named-graph-uri").value for g in job.named_graphs]
        known = set(ours)
        default = [g for g in default if g in known]
        named = [g for g in named if g in known]
    else:
        default, named = ours, ours
    return default or [EMPTY_GRAPH], named or [EMPTY_GRAPH]


def _read(job: Job, fmt: formats.Format, raw, graph: bool, virtuoso: bool) -> Outcome:
    """The store's streamed answer (N-Triples or SPARQL JSON) in the negotiated format, the
    rows past the caps never read."""
    raw.decode_content = True
    if virtuoso and not graph:
        raw = io.BufferedReader(_BlankLabels(raw))
    if graph:
        triples = (quad.triple for quad in parse(raw, RdfFormat.N_TRIPLES))
        return _graph(job, triples)
    result = parse_query_results(raw, QueryResultsFormat.JSON)
    if isinstance(result, QueryBoolean):
        return Outcome(content_type=fmt.content_type, body=boolean(bool(result), fmt.media_type))
    variables = [v.value for v in result.variables]
    body, truncated = write_solutions(
        fmt.media_type, variables, result, job.max_rows, job.max_bytes
    )
    return Outcome(content_type=fmt.content_type, body=body, truncated=truncated)


class _BlankLabels(io.RawIOBase):
    """Virtuoso's SPARQL JSON as a stream, its blank node labels (``nodeID://b1``, which
    no parser takes) made plain (``b1``), as backends.remote does for whole bodies."""

    #: bytes held back: a label's prefix cut at a chunk's end is completed by the next one
    KEEP = 128

    def __init__(self, raw):
        super().__init__()
        self.raw = raw
        self.buffer = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while len(self.buffer) <= self.KEEP and not self.done:
            chunk = self.raw.read(64 * 1024)
            if chunk:
                self.buffer = _BNODE_LABEL.sub(rb"\1", self.buffer + chunk)
            else:
                self.done = True
        ready = len(self.buffer) if self.done else len(self.buffer) - self.KEEP
        size = min(len(target), ready)
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size


_BNODE_LABEL = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')


def _public(exc: Exception, remote: Remote) -> str:
    """An error's message for the site's users: the store's URLs left out (they are the
    operator's; the log keeps them)."""
    message = str(exc)
    for url in {remote.query_url, remote.update_url, remote.gsp_url or ""} - {""}:
        message = message.replace(f" at {url}", "").replace(url, "the SPARQL store")
    return message


def remote_from_config(config: Mapping[str, Any]) -> Remote:
    """The store of the BACKEND* keys (BACKEND, BACKEND_USER, BACKEND_PASSWORD, BACKEND_AUTH,
    BACKEND_FLAVOUR, BACKEND_TIMEOUT_S)."""

    def get(key: str) -> str | None:
        value = config.get(key)
        return None if value in (None, "") else str(value)

    timeout = get("BACKEND_TIMEOUT_S")
    return Remote.from_url(
        str(config["BACKEND"]),
        user=get("BACKEND_USER"),
        password=get("BACKEND_PASSWORD"),
        auth=get("BACKEND_AUTH"),
        flavour=get("BACKEND_FLAVOUR"),
        timeout_s=float(timeout) if timeout else 60.0,
    )


def read_version(client: Client) -> str:
    """The store's version marker: new with every write through poagraph (backends)."""
    return RemoteBackend(client.remote, client).version()
