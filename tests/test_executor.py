"""The query worker pool in-process (Flask test client): failures are reported, not hidden."""

from __future__ import annotations

import time
from pathlib import Path

from _endpoint import conformance_store

from poagraph.web import create_app


def test_missing_store_is_500_with_the_reason_then_recovers(tmp_path: Path) -> None:
    store = tmp_path / "store"
    app = create_app({"STORE": str(store), "TESTING": True})
    client = app.test_client()
    r = client.get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 500
    assert "poagraph build" in r.get_json()["error"]
    conformance_store(store)  # the store appears (built by someone) while we serve
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        if r.status_code == 200:
            break
        time.sleep(0.5)
    assert r.status_code == 200
    assert r.get_json()["boolean"] is True


def test_result_cache_is_bounded_in_entries_and_bytes() -> None:
    from poagraph.web.executor import ResultCache
    from poagraph.web.results import Outcome

    cache = ResultCache(entries=3, max_bytes=100, total_bytes=250)
    for key in "abc":
        cache.put(key, Outcome(body=b"x" * 80))
    assert len(cache) == 3 and cache.size == 240
    cache.get("a")  # a is now the most recently used
    cache.put("d", Outcome(body=b"y" * 80))  # over 3 entries: evicts b, the least recent
    assert cache.get("b") is None and cache.get("a") is not None
    cache.put("e", Outcome(body=b"z" * 60))  # 300 bytes > 250: evicts c, the least recent
    assert cache.size == 220
    assert cache.get("c") is None and cache.get("d") is not None
    cache.put("big", Outcome(body=b"w" * 101))  # larger than one entry may be: never kept
    assert cache.get("big") is None
    cache.put("a", Outcome(body=b"v" * 10))  # replacing an entry frees its old size
    assert cache.size == 10 + 80 + 60
