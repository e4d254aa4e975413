"""The memory allocator `poagraph serve` runs with: mimalloc when the system has it (Debian's
libmimalloc2.0, which `make test` and `make bench` install), else the C library's malloc
(``--allocator system``, or POAGRAPH_ALLOCATOR=system, asks for that).

Why: every query allocates, in pyoxigraph (its evaluation, its serializer) and in Python
(the request's objects). Measured on the benchmark's 1x data, side by side with Oxigraph
server (wrk -t2 -c8): uncached per-country aggregates went from 0.85-0.86x to 0.93x of its
rate and lookups from 0.55-0.57x to 0.62x; in one process, 10% less time per request.

An allocator is chosen when a process starts, so `serve` starts itself again with
LD_PRELOAD naming mimalloc (its web processes and their query workers inherit it). That is
done only for the `poagraph` command itself, never for a process that imported the CLI.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping

CHOICES = ("mimalloc", "system")


def library() -> str | None:
    """mimalloc's shared library as the dynamic linker finds it (libmimalloc.so.2), or None."""
    return ctypes.util.find_library("mimalloc")


def in_use() -> str:
    """The allocator this process runs with: "mimalloc" when loaded, else "system"."""
    try:
        with open(f"/proc/{os.getpid()}/maps", encoding="latin-1") as maps:
            return "mimalloc" if "libmimalloc" in maps.read() else "system"
    except OSError:
        return "system"


def restart_env(choice: str, env: Mapping[str, str]) -> dict[str, str] | None:
    """The environment to start this command again with, mimalloc preloaded; None when the
    process should go on as it is (the system allocator asked for, mimalloc loaded already
    or not installed)."""
    if choice != "mimalloc" or "mimalloc" in env.get("LD_PRELOAD", ""):
        return None
    name = library()
    if name is None:
        return None
    return {**env, "LD_PRELOAD": " ".join(filter(None, (name, env.get("LD_PRELOAD"))))}


def is_the_command() -> bool:
    """Whether this process was started as the `poagraph` command (the console script or
    `python -m poagraph`), so that starting it again runs the same command."""
    argv = sys.orig_argv
    script = os.path.basename(argv[1]) if len(argv) > 1 else ""
    return script == "poagraph" or argv[1:3] == ["-m", "poagraph"]


def restart_with(choice: str) -> None:
    """Start this `poagraph` command again under mimalloc when `choice` asks for it and it is
    not loaded yet; else return (and go on with the allocator loaded)."""
    env = restart_env(choice, os.environ)
    if env is not None and is_the_command():
        os.execve(sys.executable, sys.orig_argv, env)
