"""Child processes of the bench suite: timed steps with their own peak memory, and servers
on 127.0.0.1 that are always stopped (their whole process group), even on Ctrl-C.

A step runs in a fresh process so its peak resident memory is its own (os.wait4 gives the
rusage of that one child); a server's memory is sampled from /proc as the proportional set
size (PSS) summed over its process tree, so forked workers' shared pages count once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


@dataclass
class Step:
    """What a child step printed (its last stdout line, JSON), its time and peak memory."""

    seconds: float
    peak_mib: float
    data: dict = field(default_factory=dict)
    error: str = ""  #: "timeout after N s" or the tail of stderr when it failed


def _stop(process: subprocess.Popen, grace_s: float = 15) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def run_step(command: list[str], timeout_s: float, env: dict[str, str] | None = None) -> Step:
    """Run `command` in its own process group; its wall time and peak RSS (os.wait4 of that
    child alone, so earlier steps' peaks do not count)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=err, start_new_session=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        timer = threading.Timer(timeout_s, _kill_group, (process.pid,))
        timer.start()
        tree = _Sampler(process.pid)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            _kill_group(process.pid)
            raise
        finally:
            timer.cancel()
            tree.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        _kill_group(process.pid)  # anything it left behind
        # the largest single process (wait4) or, when it forks workers, the tree's PSS
        step = Step(seconds, max(usage.ru_maxrss, tree.peak_kib) / 1024)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            if process.returncode == -signal.SIGKILL and seconds >= timeout_s:
                step.error = f"timeout after {timeout_s:.0f} s"
            else:
                tail = err.read().decode(errors="replace").strip()[-800:]
                step.error = tail or f"exit {process.returncode}"
            return step
        lines = out.read().decode(errors="replace").strip().splitlines()
    try:
        step.data = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        step.data = {"output": lines[-1]}  # a command that prints text, not figures
    return step


def _kill_group(pid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def python_step(args: list[str], timeout_s: float) -> Step:
    """`python -m bench._child ARGS` as a step."""
    return run_step([sys.executable, "-m", "bench._child", *args], timeout_s)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_pss_kib(pid: int) -> int:
    """PSS (KiB) of `pid` and all its descendants, from /proc (0 for processes gone)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


class _Sampler:
    """The peak of tree_pss_kib(pid), sampled every 0.25 s in a thread until stop()."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kib = pid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.25):
            self.peak_kib = max(self.peak_kib, tree_pss_kib(self.pid))

    def stop(self) -> None:
        self._done.set()


class Server:
    """A server process: its SPARQL query URL, start-up seconds and peak memory so far."""

    def __init__(self, process: subprocess.Popen, url: str) -> None:
        self.process, self.url = process, url
        self.startup_s = 0.0
        self._memory = _Sampler(process.pid)

    @property
    def peak_mib(self) -> float:
        return self._memory.peak_kib / 1024

    def stop(self) -> None:
        self._memory.stop()
        _stop(self.process)


def _wait(url: str, process: subprocess.Popen, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=30).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {limit_s} s")


@contextmanager
def server(
    command: list[str], url: str, env: dict[str, str] | None = None, limit_s: float = 600
) -> Iterator[Server]:
    """Start `command` (listening on 127.0.0.1), wait until `url` answers ASK {}, and stop
    its process group on the way out, whatever happened."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    s = Server(process, url)
    try:
        _wait(url, process, limit_s)
        s.startup_s = time.perf_counter() - started
        yield s
    finally:
        s.stop()
