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
