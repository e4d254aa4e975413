"""The processes of poagraph's own HTTP server (httpd.py): the parent binds the socket, starts
``workers`` web processes, starts a new one when one ends (the watchdog of query/local.py
kills its own process to stop a runaway query), and stops them on SIGINT or SIGTERM (killing
any still running after ``KILL_TIMEOUT_S``). Each web process runs the app on a uvloop event
loop, the connections being httpd.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

from poagraph.web.httpd import Connection

log = logging.getLogger(__name__)

#: On shutdown, web processes still answering after this many seconds are killed
KILL_TIMEOUT_S = 5
#: A web process that ends within this many seconds of its start has crashed; after
#: ``CRASHES`` such ends in a row, the server stops instead of starting it again
CRASH_S = 10
CRASHES = 5


def listen(host: str, port: int) -> socket.socket:
    """The listening socket on `host` (IPv6 in brackets or not; "::" also takes IPv4)."""
    host = host.strip("[]") or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    dual = host == "::" and socket.has_dualstack_ipv6()
    sock = socket.create_server(
        (host, port), family=family, backlog=1024, reuse_port=False, dualstack_ipv6=dual
    )
    sock.setblocking(False)
    return sock


def serve(make_app: Callable[[], Any], sock: socket.socket, workers: int) -> None:
    """Run `workers` web processes on `sock` until SIGINT or SIGTERM; `make_app` (called in
    each, after the fork) gives the RSGIApp."""
    children: dict[int, float] = {}  # pid -> when it started
    stop = []

    def on_signal(signum: int, frame: Any) -> None:
        stop.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _web_process(make_app, sock)
                code = 0
            except BaseException:
                log.exception("the web process failed")
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    for _ in range(workers):
        spawn()
    crashes = 0
    while not stop:
        time.sleep(0.1)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            started = children.pop(pid, None)
            if started is None or stop:
                continue
            crashes = crashes + 1 if time.monotonic() - started < CRASH_S else 0
            how = (
                f"signal {os.WTERMSIG(status)}"
                if os.WIFSIGNALED(status)
                else f"exit {os.WEXITSTATUS(status)}"
            )
            if crashes >= CRASHES:
                log.critical("web processes end as they start (%s): stopping", how)
                stop.append(0)
                break
            log.warning("web process %d ended (%s): starting another", pid, how)
            spawn()
    _stop_children(children)
    sock.close()


def _stop_children(children: dict[int, float]) -> None:
    for pid in children:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + KILL_TIMEOUT_S
    while children and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            children.pop(pid, None)
        else:
            time.sleep(0.05)
    for pid in children:
        _signal(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _web_process(make_app: Callable[[], Any], sock: socket.socket) -> None:
    """One web process: the app on a uvloop event loop, until SIGTERM or SIGINT."""
    import uvloop

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    app = make_app()
    stopping = loop.create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: stopping.done() or stopping.set_result(None))
    server = loop.run_until_complete(
        loop.create_server(lambda: Connection(app, loop), sock=sock, backlog=1024)
    )
    loop.run_until_complete(stopping)
    server.close()
    tasks = asyncio.all_tasks(loop)
    if tasks:  # requests under way: a little time to finish
        loop.run_until_complete(asyncio.wait(tasks, timeout=KILL_TIMEOUT_S - 1))
    app.close()
