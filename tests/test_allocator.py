"""`poagraph serve` runs under mimalloc when the system has it (web/allocator.py): the
command starts itself again with LD_PRELOAD naming it, and its web processes and query
workers inherit it; `--allocator system` keeps the C library's malloc."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _endpoint import server_process

from poagraph.web import allocator

pytestmark = pytest.mark.server


def _mapped(pid: int) -> bool:
    return "libmimalloc" in Path(f"/proc/{pid}/maps").read_text(encoding="latin-1")


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid, *(p for child in out.split() for p in _tree(int(child)))]


def test_the_restart_env_preloads_mimalloc_only_when_asked_and_not_loaded():
    name = allocator.library()
    if name is None:
        assert allocator.restart_env("mimalloc", {}) is None  # not installed: go on
        return
    assert allocator.restart_env("mimalloc", {"PATH": "/bin"}) == {
        "PATH": "/bin",
        "LD_PRELOAD": name,
    }
    assert allocator.restart_env("mimalloc", {"LD_PRELOAD": "/x/libother.so"}) == {
        "LD_PRELOAD": f"{name} /x/libother.so"
    }
    assert allocator.restart_env("mimalloc", {"LD_PRELOAD": name}) is None  # loaded: no loop
    assert allocator.restart_env("system", {}) is None


def test_a_process_that_imported_the_cli_is_never_started_again():
    assert not allocator.is_the_command()  # pytest: restart_with returns, never execs
    allocator.restart_with("mimalloc")  # still here


@pytest.mark.skipif(allocator.library() is None, reason="mimalloc is not installed")
def test_serve_runs_every_process_under_mimalloc(built_store_path: Path):
    with server_process(built_store_path, workers=2) as server:
        pids = _tree(server.process.pid)
        assert len(pids) >= 5  # the parent, 2 web processes, their query workers
        assert all(_mapped(pid) for pid in pids), [p for p in pids if not _mapped(p)]


def test_allocator_system_keeps_the_c_library_malloc(built_store_path: Path):
    with server_process(built_store_path, args=("--allocator", "system")) as server:
        pids = _tree(server.process.pid)
        assert len(pids) >= 3
        assert not any(_mapped(pid) for pid in pids)
