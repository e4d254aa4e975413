"""`poagraph serve` end to end: builds the store when missing, serves the real graph."""

from __future__ import annotations

import os
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


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"


def test_settings_not_given_as_options_come_from_the_config_file_and_environment(
    built_store_path: Path, tmp_path: Path
) -> None:
    config = tmp_path / "poagraph.toml"
    config.write_text("QUERY_TIMEOUT_S = 60\nMAX_ROWS = 2\n", encoding="utf-8")
    env = {"POAGRAPH_CONFIG": str(config), "POAGRAPH_QUERY_TIMEOUT_S": "1"}
    with server_process(built_store_path, timeout_s=None, env=env) as server:
        rows = requests.get(
            server.base + "/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, timeout=30
        )
        assert rows.headers.get("X-Poagraph-Truncated") == "true"  # MAX_ROWS from the file
        assert len(rows.json()["results"]["bindings"]) == 2
        runaway = requests.get(server.base + "/sparql", params={"query": RUNAWAY}, timeout=60)
        assert runaway.status_code == 503  # the environment's 1 s, not the file's 60 s
        assert runaway.elapsed.total_seconds() < 20


def test_a_broken_config_file_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("QUERY_TIMEOUT_S = = 3\n", encoding="utf-8")
    result = subprocess.run(
        [*poagraph_command(), "serve", "--store", str(tmp_path / "store")],
        env={**os.environ, "POAGRAPH_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "configuration:" in result.stderr and "line 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_base_url_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [*poagraph_command(), "serve", "--store", str(tmp_path / "store")],
        env={**os.environ, "POAGRAPH_BASE_URL": "evil.example/x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "configuration: BASE_URL must be http(s)://" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "store").exists()  # refused before building anything
