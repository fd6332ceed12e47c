"""A PostgreSQL cluster of one's own, for what must not be done to the shared one: stopping
it. initdb in a temporary folder, a free loopback port, trust authentication; run as the
`postgres` user (or `nobody`) when we are root, since PostgreSQL refuses to run as root.
Used by the database-restart tests and by benchmarks/chaos.py."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from ports import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    return (PG_BIN / "initdb").is_file() and (os.geteuid() != 0 or _unprivileged_user() is not None)


def _unprivileged_user() -> str | None:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


class PrivateCluster:
    def __init__(self, settings: dict[str, str] | None = None) -> None:
        # postgresql.conf settings beyond those that make it private (say, statement logging).
        self.settings = settings or {}
        self.root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = _unprivileged_user()
            assert user is not None
            self._as_user = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]
            shutil.chown(self.root, user, user)
            self.root.chmod(0o700)

    @property
    def url(self) -> str:
        return f"postgresql://hotline@127.0.0.1:{self.port}/hotline"

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self._as_user, *command],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.root,
        )

    def create(self) -> None:
        """initdb, start, and an empty database `hotline`."""
        self._run(
            str(PG_BIN / "initdb"),
            *("-D", str(self.data), "-U", "hotline", "--auth=trust"),
            *("--encoding=UTF8", "--locale=C"),
        )
        self.start()
        self._run(
            str(PG_BIN / "createdb"),
            *("-h", "127.0.0.1", "-p", str(self.port), "-U", "hotline", "hotline"),
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} -c max_connections=300"
        ) + "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run(
            str(PG_BIN / "pg_ctl"),
            *("-D", str(self.data), "-l", str(self.root / "postgres.log")),
            *("-o", options, "-w", "start"),
        )

    def stop(self) -> None:
        """As an operator's restart does: every connection cut at once (fast shutdown)."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
