"""Helpers for the endpoint tests: fill a store, run `poagraph serve` on a free loopback port.

Used by tests/test_sparql_protocol.py, test_conformance.py, test_clients.py, test_timeout.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from pyoxigraph import NamedNode, RdfFormat, Store

CONFORMANCE = Path(__file__).parent / "conformance" / "sparql11-protocol"
KASEI = "http://kasei.us/2009/09/sparql/data/"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill_store(path: Path, graphs: Iterable[tuple[str, Path]]) -> Path:
    """Write an on-disk store at `path` holding each N-Triples file in its named graph."""
    store = Store(str(path))
    for graph, file in graphs:
        store.load(path=str(file), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(graph))
    store.flush()
    del store  # release the RocksDB lock: the server opens it next
    return path


def conformance_store(path: Path) -> Path:
    """The W3C protocol suite's data: data{n}.nt in the graph <...data/data{n}.rdf>."""
    return fill_store(
        path, [(f"{KASEI}data{n}.rdf", CONFORMANCE / f"data{n}.nt") for n in (1, 2, 3)]
    )


def poagraph_command() -> list[str]:
    return [str(Path(sys.executable).parent / "poagraph")]


@dataclass
class Server:
    base: str
    process: subprocess.Popen

    def query_worker_pids(self) -> set[int]:
        """PIDs of the server's query worker processes (same process group), from /proc."""
        return {pid for pid, cmdline in self._group() if b"poagraph.web.query.worker" in cmdline}

    def web_pids(self) -> set[int]:
        """PIDs of the server's web processes (granian's main process and its workers, forked
        from `poagraph serve`): every process of the group but the query workers."""
        return {
            pid for pid, cmdline in self._group() if b"poagraph.web.query.worker" not in cmdline
        }

    def _group(self) -> list[tuple[int, list[bytes]]]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) == self.process.pid:
                    cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                    found.append((int(entry.name), cmdline))
            except (OSError, ProcessLookupError):  # the process ended while we looked
                continue
        return found


@contextmanager
def running_server(store: Path, **options) -> Iterator[str]:
    """`poagraph serve` on 127.0.0.1:<free port> for the duration; yields its base URL."""
    with server_process(store, **options) as server:
        yield server.base


@contextmanager
def server_process(
    store: Path,
    *,
    timeout_s: float | None = 30,
    workers: int = 1,
    executors: int = 2,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    ready_s: float = 60,
    wait_for_queries: bool = True,
) -> Iterator[Server]:
    """`poagraph serve` on 127.0.0.1:<free port> for the duration.

    `env` adds environment variables, e.g. POAGRAPH_MAX_ROWS for the app config. The server
    is ready when it answers a query, or (`wait_for_queries=False`, e.g. on a broken store)
    when it answers HTTP at all.
    """
    port = free_port()
    command = [
        *poagraph_command(),
        "serve",
        "--store",
        str(store),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--executors",
        str(executors),
        *args,
    ]
    if timeout_s is not None:  # None: the limit comes from the environment or config file
        command += ["--timeout-s", str(timeout_s)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process, ready_s, wait_for_queries)
        yield Server(base, process)
    finally:
        stop(process)


def wait_until_ready(
    base: str, process: subprocess.Popen, limit_s: float = 60, queries: bool = True
) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {process.stderr.read().decode()}")
        try:
            r = requests.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=5)
            if r.status_code == 200 or not queries:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {base} not ready after {limit_s} s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (granian, its web workers and their query workers),
    then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.stderr:
        process.stderr.close()


@contextmanager
def oxigraph_server(location: Path, data: Path | None = None) -> Iterator[str]:
    """Oxigraph server (PyPI `oxigraph`) on a free loopback port, `data` loaded first."""
    oxigraph = str(Path(sys.executable).parent / "oxigraph")
    if data is not None:
        subprocess.run(
            [oxigraph, "load", "--location", str(location), "--file", str(data)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = free_port()
    process = subprocess.Popen(
        [oxigraph, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/query", params={"query": "ASK {}"}, timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        stop(process)


# -- watching query workers: tests wait for a worker to be busy instead of sleeping --------


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def wait_until_busy(server, n: int = 1, within_s: float = 20.0) -> set[int]:
    """Wait until `n` query workers are computing (CPU time grows over 0.2 s); their PIDs."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        before = {pid: cpu_ticks(pid) for pid in server.query_worker_pids()}
        time.sleep(0.2)
        busy = {pid for pid, ticks in before.items() if cpu_ticks(pid) - ticks >= 5}
        if len(busy) >= n:
            return busy
    raise AssertionError(f"no {n} busy query worker(s) within {within_s} s")
