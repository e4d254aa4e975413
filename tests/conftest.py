"""Shared fixtures: the bundled report, a store built from it once per session, free ports."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from poagraph import paths


@pytest.fixture(scope="session")
def report_path() -> Path:
    """The bundled IOM report (sources/iom-bpoa-review.md)."""
    return paths.BUNDLED_REPORTS[0]


@pytest.fixture(scope="session")
def built_store_path(tmp_path_factory: pytest.TempPathFactory, report_path: Path) -> Path:
    """A store directory holding the full build of the bundled report, built once.

    Shared by the whole session: open it, read it, close it (drop the Store object) before
    the test ends, since RocksDB allows one open instance per directory. A test that writes
    must build or copy its own store (shutil.copytree to its tmp_path).
    """
    from poagraph.build import build

    store_path = tmp_path_factory.mktemp("built") / "store"
    build([report_path], store_path)
    return store_path


@pytest.fixture
def free_port() -> Callable[[], int]:
    """Returns a function giving a TCP port free on 127.0.0.1 right now."""

    def pick() -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    return pick


@pytest.fixture
def store_holder() -> Iterator[Callable[[Path], None]]:
    """Hold an on-disk store open in another process (its RocksDB lock) until the test ends."""
    holders: list[subprocess.Popen] = []

    def hold(path: Path) -> None:
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import pyoxigraph, sys; s = pyoxigraph.Store(sys.argv[1]);"
                " print('ready', flush=True); sys.stdin.read()",
                str(path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        holders.append(holder)
        assert holder.stdout.readline().strip() == "ready"

    yield hold
    for holder in holders:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()


# --- remote SPARQL stores for the backend tests (tests/backends_support.py) ---------------


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory):
    """Oxigraph server (PyPI `oxigraph`) on a loopback port, for the whole session."""
    from backends_support import start_oxigraph

    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory):
    """Virtuoso Open Source on loopback ports, for the whole session (fails, never skips,
    when virtuoso-t is missing: `make system-deps` installs it)."""
    from backends_support import start_virtuoso

    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote_store(request: pytest.FixtureRequest):
    """Each remote store in turn, emptied before the test."""
    server = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    return server
