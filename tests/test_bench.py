"""The bench harness's own parts (bench/_wrk.py, _report.py, _proc.py): wrk's figures read
from its done() line, the one table and its ratios, steps measured in their own process,
and wrk's uncached mode really sending a distinct request every time (to a real server)."""

from __future__ import annotations

import shutil
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench/ sits beside src/, not in the installed package

from bench import _proc, _report, _wrk  # noqa: E402


def test_parse_reads_the_done_line() -> None:
    out = (
        "Running 5s test @ http://127.0.0.1:1/q\n  2 threads and 8 connections\n"
        'BENCH-JSON {"requests": 500, "duration_us": 2000000, "p50_us": 1500, '
        '"p99_us": 42000, "errors": 3, "timeouts": 1}\n'
    )
    figures = _wrk.parse(out)
    assert figures.requests_per_s == 250.0
    assert (figures.p50_ms, figures.p99_ms) == (1.5, 42.0)
    assert figures.errors == 4 and figures.requests == 500
    with pytest.raises(ValueError, match="no figures"):
        _wrk.parse("Running 5s test\nSocket errors: connect 8\n")


def test_lua_script_adds_a_comment_only_when_uncached() -> None:
    assert "function request" not in _wrk.lua_script(unique=False)
    unique = _wrk.lua_script(unique=True, run="ab12")
    assert "function request" in unique and '"ab12-"' in unique
    assert "%0A%23" in unique  # a newline then "#": a SPARQL comment ends the query


def test_ratio() -> None:
    assert _report.ratio(50, 100) == "0.50x"
    assert _report.ratio(300, 100) == "3.00x"
    assert _report.ratio(50, 0) == "-" and _report.ratio(None, 10) == "-"


def _figures(rps: float, requests: int = 100) -> dict:
    return {"requests_per_s": rps, "p50_ms": 2.0, "p99_ms": 9.0, "errors": 0, "requests": requests}


def _results() -> dict:
    size = {
        "quads": 20000,
        "build": {"seconds": 3.0, "peak_mib": 150.0, "reports": 1},
        "load": {
            "poagraph": {"quads_per_s": 10000.0, "peak_mib": 100.0},
            "oxigraph": {"quads_per_s": 40000.0, "peak_mib": 40.0},
            "rdflib": {"error": "timeout after 60 s", "seconds": 60.0},
        },
        "validate": {"seconds": 2.5},
        "contribution": {"validate_s": 0.3, "accept_s": 0.5, "outcomes": 100},
        "servers": {"poagraph": {"startup_s": 4.0, "peak_mib": 500.0}},
        "endpoint": {
            "poagraph": {"lookup": {"uncached": _figures(400), "cached": _figures(2000)}},
            "oxigraph": {"lookup": {"uncached": _figures(800), "cached": _figures(1000)}},
            "rdflib": {"lookup": {"uncached": _figures(0, requests=0)}},
        },
    }
    return {"sizes": {"1": size, "10": {"build": {"error": "boom", "seconds": 1.0}}}}


def test_table_has_a_column_per_size_and_ratios_in_poagraphs_cells() -> None:
    header, rows = _report.table_rows(_results())
    assert header[0] == "measure" and header[1].startswith("1x (20,000 quads)")
    assert len(header) == 3 and all(len(r) == 3 for r in rows)
    cells = {r[0]: r[1:] for r in rows}
    assert cells["build (poagraph build: time, peak memory)"] == [
        "3.0 s, 150 MiB (1 reports)",
        "failed",
    ]
    assert "0.25x oxigraph" in cells["load into the store: poagraph"][0]
    assert cells["load into the store: rdflib-endpoint"][0] == "timeout"
    uncached = cells["lookup, uncached: poagraph (req/s, p50/p99)"][0]
    assert uncached.startswith("400/s") and "0.50x oxigraph" in uncached
    assert "2.00x oxigraph" in cells["lookup, cached: poagraph (req/s, p50/p99)"][0]
    assert cells["lookup, uncached: rdflib-endpoint (req/s, p50/p99)"][0] == "no answer in time"
    md = _report.markdown(header, rows)
    assert md.count("\n") == len(rows) + 2 and md.startswith("| measure |")


def test_run_step_measures_its_own_child() -> None:
    code = "import json; b = bytearray(64 * 2**20); print(json.dumps({'n': len(b)}))"
    step = _proc.run_step([sys.executable, "-c", code], timeout_s=60)
    assert not step.error and step.data == {"n": 64 * 2**20}
    assert 64 <= step.peak_mib < 1024
    # two forked workers of 64 MiB each besides the parent's 64 MiB: the tree's memory counts
    forks = (
        "import os, time\n"
        "b = bytearray(64 * 2**20)\n"
        "for _ in range(2):\n"
        "    if os.fork() == 0:\n"
        "        c = bytearray(64 * 2**20); time.sleep(1.5); os._exit(0)\n"
        "os.wait(); os.wait(); print('{}')\n"
    )
    tree = _proc.run_step([sys.executable, "-c", forks], timeout_s=60)
    assert not tree.error and tree.peak_mib >= 3 * 64 * 0.9
    slow = _proc.run_step([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=1)
    assert slow.error == "timeout after 1 s" and slow.seconds < 20
    text = _proc.run_step([sys.executable, "-c", "print('wrote 3 reports')"], timeout_s=60)
    assert text.data == {"output": "wrote 3 reports"}
    failed = _proc.run_step([sys.executable, "-c", "raise SystemExit('no good')"], 60)
    assert "no good" in failed.error


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 (one server per test)

    def do_GET(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        self.seen.append(query.get("query", [""])[0])
        if "ASK" in self.seen[-1]:
            body = b'{"head": {}, "boolean": true}'
        else:
            body = b'{"head": {"vars": []}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # wrk closes its connections mid-answer when its time is up


@pytest.mark.server
def test_wrk_uncached_sends_a_distinct_query_every_time() -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make system-deps)")
    httpd = _Quiet(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    try:
        _Recorder.seen = []
        figures = _wrk.wrk(url, "SELECT * { ?s ?p ?o }", "application/json", 1, unique=True)
        time.sleep(0.5)  # requests wrk left in flight
        uncached = list(_Recorder.seen)
        _Recorder.seen = []
        _wrk.wrk(url, "SELECT * { ?s ?p ?o }", "application/json", 1, unique=False)
        cached = list(_Recorder.seen)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert figures.requests > 10 and figures.errors == 0
    assert len(set(uncached)) == len(uncached) >= figures.requests
    assert all(q.startswith("SELECT * { ?s ?p ?o }\n#") for q in uncached)
    assert len(cached) > 10 and set(cached) == {"SELECT * { ?s ?p ?o }"}


@pytest.mark.server
def test_server_is_stopped_with_its_process_group(tmp_path: Path) -> None:
    port = _proc.free_port()
    oxigraph = [str(_proc.BIN / "oxigraph"), "serve", "--location", str(tmp_path / "db")]
    oxigraph += ["--bind", f"127.0.0.1:{port}"]
    with _proc.server(oxigraph, f"http://127.0.0.1:{port}/query", limit_s=60) as s:
        pid = s.process.pid
        assert _proc.tree_pss_kib(pid) > 0
    assert s.process.poll() is not None
    assert _proc.tree_pss_kib(pid) == 0
