"""`hotline serve` with HOTLINE_WORKERS above 1: the listening socket is opened once and each
worker process (forked) serves it with its own app, runtime and event loop; the kernel hands
each connection to one of them. A worker that dies is started again; SIGTERM or SIGINT stops
them all. Their events meet through PostgreSQL (hotline/relay.py), one of them tracks the calls
(telephony/lease.py) and one runs the scheduler (leader.py)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType

from hotline.settings import Settings

log = logging.getLogger(__name__)

# A worker that keeps dying at start is not restarted in a tight loop.
RESTART_PAUSE_SECONDS = 1.0
STOP_SECONDS = 10.0


def run_workers(settings: Settings) -> None:
    host, port = settings.http_bind
    listener = socket.create_server((host, port), backlog=2048)
    listener.set_inheritable(True)
    workers: set[int] = set()
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(workers):
            _signal(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(settings.workers):
        workers.add(_start(settings, listener))
    log.info("%d workers serving %s:%d", len(workers), host, port)
    deadline: float | None = None
    while workers:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if stopping:
                deadline = deadline or time.monotonic() + STOP_SECONDS
                if time.monotonic() > deadline:
                    for late in list(workers):
                        _signal(late, signal.SIGKILL)
            time.sleep(0.1)
            continue
        workers.discard(pid)
        if not stopping:
            log.warning("worker %d ended (status %d): starting another", pid, status)
            time.sleep(RESTART_PAUSE_SECONDS)
            workers.add(_start(settings, listener))
    listener.close()


def _start(settings: Settings, listener: socket.socket) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The worker: default signal handling (uvicorn installs its own), its own app and loop.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = 0
    try:
        from hotline.web.app import create_app
        from hotline.web.server import HotlineServer

        host, port = settings.http_bind
        HotlineServer(create_app(settings), host, port, settings).run(sockets=[listener])
    except BaseException:
        log.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        os._exit(code)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return
