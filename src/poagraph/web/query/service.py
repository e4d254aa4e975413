"""The query service a web process keeps: the worker pool (or, with ``BACKEND``, the remote
executor of remote.py), the result cache and the store version; every query of /sparql and
of the pages goes through `QueryService.run`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from poagraph import changes
from poagraph.errors import QueryError
from poagraph.web.query.cache import ResultCache, job_key
from poagraph.web.query.executor import Executor
from poagraph.web.query.guard import Token
from poagraph.web.query.local import LocalRunner
from poagraph.web.query.remote import RemoteExecutor
from poagraph.web.query.results import Job, Outcome


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
    """The worker pool (or the remote store), the result cache and the limits, from the
    app's configuration."""

    executor: Executor | RemoteExecutor
    cache: ResultCache
    file_version: str
    timeout_s: float
    max_rows: int
    #: the byte cap of one serialized result (MAX_RESULT_BYTES)
    max_bytes: int = 16 * 1024 * 1024
    #: cheap queries run in this process (local.py); None: every query goes to a worker
    local: LocalRunner | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> QueryService:
        """The service for the configuration keys of poagraph.web (workers start on first use):
        on the remote store of BACKEND when it is set, else on the store directory STORE."""
        remote = bool(config.get("BACKEND"))
        return cls(
            executor=RemoteExecutor.from_config(config)
            if remote
            else Executor(
                config["STORE"],
                bool(config["IN_MEMORY"]),
                int(config["EXECUTORS"]),
                memory_mb=int(config["WORKER_MEMORY_MB"]),
            ),
            cache=ResultCache(
                int(config["CACHE_ENTRIES"]),
                int(config["CACHE_MAX_BYTES"]),
                int(config["CACHE_TOTAL_BYTES"]),
            ),
            file_version="" if remote else store_version(config["STORE"]),
            timeout_s=float(config["QUERY_TIMEOUT_S"]),
            max_rows=int(config["MAX_ROWS"]),
            max_bytes=int(config["MAX_RESULT_BYTES"]),
            local=None
            if remote or int(config["LOCAL_MAX_WORK"]) <= 0
            else LocalRunner(
                config["STORE"],
                bool(config["IN_MEMORY"]),
                int(config["LOCAL_MAX_WORK"]),
                float(config["LOCAL_HEADROOM"]),
            ),
        )

    def __post_init__(self) -> None:
        store = getattr(self.executor, "store_path", None)
        self._watch = changes.VersionWatch(store) if store is not None else None

    def start(self) -> None:
        """Start the workers and the local copy of the store (both in the background)."""
        if isinstance(self.executor, Executor):
            self.executor.start()
        if self.local is not None:
            self.local.start()

    @property
    def version(self) -> str:
        """The store version for cache keys and ETags: the change log's (changes.py: one
        small file read, new with every write and build, which the workers catch up with
        before their next job), or for a store never written through store.write_graphs a
        fingerprint of its files when the service started. On a remote store: its version
        marker (read at most once a second; new with each write through poagraph)."""
        return self._public(self.live_version())

    def live_version(self) -> str | None:
        """The change log's version of the store (None on a remote store): the one a copy
        of the store holds once it caught up (local.py, worker.py)."""
        if isinstance(self.executor, RemoteExecutor):
            return None
        return self._watch.version()

    def _public(self, live: str | None) -> str:
        if live is None:
            return "remote-" + self.executor.version()
        return self.file_version if live == "0" else live

    @property
    def triples(self) -> int | None:
        """The quads in the store: as the last write logged it, else as the first worker
        counted them when it started (on a remote store: counted once per version)."""
        if isinstance(self.executor, RemoteExecutor):
            return self.executor.triples
        state = changes.read_state(self.executor.store_path)
        if state is not None and state.quads is not None:
            return state.quads
        return self.executor.triples

    def key(self, job: Job, live: str | None = None) -> str:
        """The cache key of `job` (also /sparql's ETag); `live`: self.live_version() when the
        caller read it already."""
        return job_key(job, self._public(live) if live is not None else self.version)

    def run(
        self,
        job: Job,
        timeout_s: float | None = None,
        cache: bool = True,
        key: str | None = None,
        live: str | None = None,
        tokens: list[Token] | None = None,
    ) -> Outcome:
        """The answer to `job`, from the cache, this process or a worker, within the given
        or configured time limit (never above the configured one).

        Raises QueryError (the status the worker gave: 400, 403, 406, 500...), QueryTimeout
        or WorkerUnavailable. Only successful answers are cached, and only when `cache`;
        `key` and `live`: self.key(job, live) and self.live_version() when the caller read
        them already (one store version read less; without `live`, no query runs in this
        process); `tokens`: the query's, when the guard read them (guard.Shape.tokens)."""
        if key is None:
            live = self.live_version()
            key = self.key(job, live)
        if cache:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        outcome = self.here(job, timeout_s, cache, key, live, tokens)
        if outcome is None:
            outcome = self.in_worker(job, timeout_s, cache, key)
        return outcome

    def here(
        self,
        job: Job,
        timeout_s: float | None,
        cache: bool,
        key: str,
        live: str | None,
        tokens: list[Token] | None = None,
        planned: float | None = None,
    ) -> Outcome | None:
        """The query run in this process when it is cheap (local.py), without a look at
        the cache (the caller looks there first); None when a worker must run it."""
        if self.local is None or live is None:
            return None
        job, limit = self._sized(job), self._limit(timeout_s)
        outcome = self.local.run(job, live, limit, tokens, planned)
        return None if outcome is None else self._keep(outcome, key, cache)

    def cached(self, key: str) -> Outcome | None:
        """The cached answer under `key`, if any."""
        return self.cache.get(key)

    def local_plan(
        self, job: Job, timeout_s: float | None = None, tokens: list[Token] | None = None
    ) -> float | None:
        """`job`'s estimated CPU time when it may run in this process (local.py), else
        None."""
        if self.local is None:
            return None
        return self.local.plan(job, self._limit(timeout_s), tokens)

    def in_worker(self, job: Job, timeout_s: float | None, cache: bool, key: str) -> Outcome:
        """The answer of a worker process (the caller looked up the cache first)."""
        outcome = self.executor.run(self._sized(job), self._limit(timeout_s))
        return self._keep(outcome, key, cache)

    def _limit(self, timeout_s: float | None) -> float:
        return self.timeout_s if timeout_s is None else min(timeout_s, self.timeout_s)

    def _sized(self, job: Job) -> Job:
        return job if job.max_bytes == self.max_bytes else replace(job, max_bytes=self.max_bytes)

    def _keep(self, outcome: Outcome, key: str, cache: bool) -> Outcome:
        if outcome.status != 200:
            raise QueryError(outcome.status, outcome.message)
        if cache:
            # keyed with the version read before the run: the copy that ran it caught up
            # with at least that one (versions only grow), so no older answer is filed under
            # a newer key
            self.cache.put(key, outcome)
        return outcome

    def select(
        self,
        query: str,
        timeout_s: float | None = None,
        bindings: tuple[tuple[str, str], ...] = (),
        cache: bool = True,
    ) -> dict:
        """Run a SELECT/ASK and return the SPARQL JSON results as a dict (for the pages).

        `bindings` are (variable, IRI) pairs substituted before evaluation."""
        job = Job(query=query, format="json", max_rows=self.max_rows, bindings=bindings)
        return json.loads(self.run(job, timeout_s, cache=cache).body)

    def graph(
        self, query: str, media_type: str, bindings: tuple[tuple[str, str], ...] = ()
    ) -> Outcome:
        """Run a CONSTRUCT/DESCRIBE serialized as `media_type` (for the linked-data pages)."""
        job = Job(query=query, format=media_type, max_rows=self.max_rows, bindings=bindings)
        return self.run(job)

    def close(self) -> None:
        self.executor.close()
