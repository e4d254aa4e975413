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
        )

    @property
    def version(self) -> str:
        """The store version for cache keys and ETags: the change log's (changes.py: one
        small file read, new with every write and build, which the workers catch up with
        before their next job), or for a store never written through store.write_graphs a
        fingerprint of its files when the service started. On a remote store: its version
        marker (read at most once a second; new with each write through poagraph)."""
        if isinstance(self.executor, RemoteExecutor):
            return "remote-" + self.executor.version()
        live = changes.version(self.executor.store_path)
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

    def key(self, job: Job) -> str:
        """The cache key of `job` (also /sparql's ETag)."""
        return job_key(job, self.version)

    def run(
        self, job: Job, timeout_s: float | None = None, cache: bool = True, key: str | None = None
    ) -> Outcome:
        """The answer to `job`, from the cache or a worker, within the given or configured
        time limit (never above the configured one).

        Raises QueryError (the status the worker gave: 400, 403, 406, 500...), QueryTimeout
        or WorkerUnavailable. Only successful answers are cached, and only when `cache`;
        `key`: self.key(job) when the caller read it already (one store version read less)."""
        key = key or self.key(job)
        if cache:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        limit = self.timeout_s if timeout_s is None else min(timeout_s, self.timeout_s)
        outcome = self.executor.run(replace(job, max_bytes=self.max_bytes), limit)
        if outcome.status != 200:
            raise QueryError(outcome.status, outcome.message)
        if cache:
            # keyed with the version read before the run: the worker caught up with at least
            # that one (versions only grow), so no older answer is filed under a newer key
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
