"""The one result cache of a web process: serialized query results (Outcomes), LRU, bounded
in entries, entry size and total bytes, keyed by the store version and everything that
shapes the answer (query, dataset, Accept, format=, row cap, base IRI: the endpoint URL,
hence the Host). /sparql and the pages' queries share it; /sparql's ETag is the key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from poagraph.errors import QueryError
from poagraph.web.query import guard
from poagraph.web.query.results import Job, Outcome


def cacheable(query: str) -> bool:
    """False for queries whose answer may change between runs (RAND(), NOW(), SERVICE...),
    read from the query's tokens (web/query/guard.py), and for text that cannot be read."""
    try:
        return not guard.inspect(query).volatile
    except QueryError:
        return False


def job_key(job: Job, version: str) -> str:
    """The cache key (and ETag) of `job` on the store `version`."""
    parts = [
        version,
        job.query,
        "\x1f".join(job.default_graphs),
        "\x1f".join(job.named_graphs),
        job.accept or "",
        job.format or "",
        str(job.max_rows),
        job.base_iri or "",
        repr(job.bindings),
        repr(job.literals),
    ]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:32]


class ResultCache:
    """A thread-safe LRU of Outcomes, bounded in entries, entry size and total bytes."""

    def __init__(self, entries: int, max_bytes: int, total_bytes: int = 64 * 1024 * 1024):
        self.entries = entries
        self.max_bytes = max_bytes
        self.total_bytes = total_bytes
        self._data: OrderedDict[Any, tuple[Outcome, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> Outcome | None:
        if self.entries <= 0:
            return None
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            self._data.move_to_end(key)
            return item[0]

    def put(self, key: Any, outcome: Outcome) -> None:
        size = len(outcome.body)
        if self.entries <= 0 or size > self.max_bytes or size > self.total_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._data[key] = (outcome, size)
            self._size += size
            while len(self._data) > self.entries or self._size > self.total_bytes:
                _, (_, evicted) = self._data.popitem(last=False)
                self._size -= evicted

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0
