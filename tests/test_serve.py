"""`poagraph serve` end to end: builds the store when missing, serves the real graph."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests
from _endpoint import poagraph_command, server_process

pytestmark = pytest.mark.server

POA = "https://w3id.org/poagraph/ontology#"
AFG = "https://w3id.org/poagraph/id/country/AFG"


def test_serve_builds_the_missing_store_then_serves_it(tmp_path: Path) -> None:
    store = tmp_path / "new" / "store"
    with server_process(store, ready_s=300) as server:
        assert (store / "CURRENT").is_file()
        ask = f"ASK {{ <{AFG}> a <{POA}Country> }}"
        r = requests.get(server.base + "/sparql", params={"query": ask}, timeout=30)
        assert r.json()["boolean"] is True
        # the union default graph spans the report graph and the vocabulary graph
        query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        r = requests.get(server.base + "/sparql", params={"query": query}, timeout=30)
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) >= 3


def test_on_disk_mode_answers_the_same(built_store_path: Path) -> None:
    query = f"SELECT ?p ?o WHERE {{ <{AFG}> ?p ?o }} ORDER BY ?p ?o"
    answers = []
    for args in (("--in-memory",), ("--on-disk",)):
        with server_process(built_store_path, args=args) as server:
            r = requests.get(server.base + "/sparql", params={"query": query}, timeout=30)
            assert r.status_code == 200
            answers.append(r.json()["results"]["bindings"])
    assert answers[0] == answers[1]
    assert len(answers[0]) > 3


def test_serve_help_lists_the_options() -> None:
    out = subprocess.run(
        [*poagraph_command(), "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--host", "--port", "--store", "--timeout-s", "--workers"):
        assert option in out
