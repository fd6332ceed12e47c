"""Ports for servers a test starts in another process (hotline serve, PostgreSQL, Asterisk, sipp
phones), which must be told a port before they bind it. A port probed free with port 0 comes
from the kernel's ephemeral range, where every other test process (pytest-xdist workers) and
every outgoing connection draws too: it could be taken before the server bound it. These come
from below the ephemeral range instead, from a band of each test process's own, handed out in
turn, each checked free when handed out."""

from __future__ import annotations

import errno
import itertools
import os
import random
import socket
from collections.abc import Iterator

# Below Linux's default ephemeral range (32768-60999), where the kernel hands out no port
# by itself; a band of BAND ports per test process.
FIRST_PORT = 12_000
BAND = 2_500
BANDS = 8
# Ports are handed out this far apart: a server may bind the ports after its own (sipp binds
# its media port's neighbours for RTCP and video), which must not be another server's.
SPACING = 4


def _band_index() -> int:
    """pytest-xdist names its workers gw0, gw1, …; one process without it takes the first."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = worker.removeprefix("gw")
    return int(digits) % BANDS if digits.isdigit() else 0


def _candidates() -> Iterator[int]:
    low = FIRST_PORT + _band_index() * BAND
    slots = BAND // SPACING
    # Started at random within the band: two runs outside xdist (a benchmark beside the
    # suite) rarely walk the same ports together.
    start = random.randrange(slots)
    return itertools.cycle([low + (start + k) % slots * SPACING for k in range(slots)])


_next_candidate = _candidates()


def is_free(kind: socket.SocketKind, host: str, port: int) -> bool:
    """Nobody has bound `port` on `host` for `kind` now."""
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def free_port(
    kind: socket.SocketKind = socket.SOCK_STREAM,
    host: str = "127.0.0.1",
    reserved: frozenset[int] = frozenset(),
) -> int:
    """A port nobody has bound now on `host`, not one of `reserved` (ports a configuration
    already gives to servers not running yet), and not handed out by this process lately."""
    for _ in range(BAND // SPACING):
        port = next(_next_candidate)
        if port not in reserved and is_free(kind, host, port):
            return port
    raise RuntimeError(f"no free port in this test process's band for {host}")
