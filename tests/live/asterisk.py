"""The real Asterisk 22 of `../shared/asterisk/` as a test PBX: find the build, unpack it once,
render a run directory around our shipped configuration, start and stop it, and read what it
recorded (CLI, cdr_csv's Master.csv, queue_log).

The build is a tool for tests, not part of the product: where it is missing or cannot run (a
user's machine) the live tests skip and say why, as the PostgreSQL tests do."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "asterisk"
# The tarball README.md in ../shared/asterisk/ vouches for; anything else is not used.
SHA256 = "45220aa9d015720067ec414abff8a4dbc3411f790ae6803ec47768e57bfcacb6"
TOP = "asterisk-22.10.1"
ENV = "HOTLINE_TEST_ASTERISK"
# A booted Asterisk with our modules.conf takes ~2 s here; a loaded CI machine, longer.
BOOT_SECONDS = 60.0
STOP_SECONDS = 15.0
# sockaddr_un.sun_path: the control socket's path must fit in it.
MAX_SOCKET_PATH = 107


# A messages.log line: "[time] LEVEL[thread][call] file.c: text".
_COMPLAINT = re.compile(r"^\[[^\]]*\] (?P<level>WARNING|ERROR)\[\d+\](?:\[[^\]]*\])? (?P<text>.*)$")


class Unavailable(Exception):
    """No runnable Asterisk build here; the message says why and what to do."""


@dataclass(frozen=True)
class Build:
    """An unpacked `asterisk-22.10.1/` directory."""

    root: Path

    @property
    def binary(self) -> Path:
        return self.root / "sbin" / "asterisk"

    @property
    def modules(self) -> Path:
        return self.root / "lib" / "asterisk" / "modules"

    @property
    def documentation(self) -> Path:
        return self.root / "var" / "lib" / "asterisk" / "documentation"

    def env(self) -> dict[str, str]:
        """The environment Asterisk runs in: its own libraries first (its RUNPATH is the
        prefix it was built for, which does not exist here)."""
        return {**os.environ, "LD_LIBRARY_PATH": str(self.root / "lib")}


def _tarballs() -> list[Path]:
    for folder in (REPO.parent / "shared" / "asterisk", Path("/work/shared/asterisk")):
        found = sorted(folder.glob("*.tar.xz"))
        if found:
            return found
    return []


def find_build() -> Build:
    """The build named by HOTLINE_TEST_ASTERISK (an unpacked directory or a tarball), else the
    tarball in ../shared/asterisk/, unpacked into the cache; checked runnable."""
    named = os.environ.get(ENV)
    if named:
        path = Path(named)
        if path.is_dir():
            root = path if (path / "sbin" / "asterisk").is_file() else path / TOP
            if not (root / "sbin" / "asterisk").is_file():
                raise Unavailable(f"{ENV}={named} holds no sbin/asterisk")
            return checked(Build(root))
        if not path.is_file():
            raise Unavailable(f"{ENV}={named} does not exist")
        return checked(unpack(path))
    tarballs = _tarballs()
    if not tarballs:
        raise Unavailable(
            f"no Asterisk build: set {ENV} or put the tarball in {REPO.parent / 'shared/asterisk'}"
        )
    return checked(unpack(tarballs[0]))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One writer of a cache entry at a time (two pytest runs may start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def unpack(tarball: Path) -> Build:
    """Unpack once into .cache/asterisk/<sha256 prefix>/; verified against README's sha256."""
    digest = _sha256(tarball)
    if digest != SHA256:
        raise Unavailable(
            f"{tarball} has sha256 {digest}, not the {SHA256} that "
            "../shared/asterisk/README.md lists: not using it"
        )
    target = CACHE / digest[:16]
    done = target / ".unpacked"
    with locked(CACHE / f"{digest[:16]}.lock"):
        if not done.is_file():
            shutil.rmtree(target, ignore_errors=True)
            partial = CACHE / f"{digest[:16]}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            with tarfile.open(tarball) as archive:
                archive.extractall(partial, filter="data")
            partial.rename(target)
            done.touch()
    return Build(target / TOP)


def checked(build: Build) -> Build:
    """Every library Asterisk links against resolves (README: SRTP is the usual one missing)
    and the binary runs."""
    ldd = shutil.which("ldd")
    if ldd is None:
        raise Unavailable("ldd not found: cannot check the Asterisk build's libraries")
    listing = subprocess.run(
        [ldd, str(build.binary)], env=build.env(), capture_output=True, text=True, timeout=30
    )
    missing = [line.split()[0] for line in listing.stdout.splitlines() if "not found" in line]
    if missing:
        hint = " (apt-get install libsrtp2-1, or make telephony-tools as root)" * any(
            "srtp" in name for name in missing
        )
        raise Unavailable(f"Asterisk cannot run: {', '.join(missing)} not found{hint}")
    try:
        version = subprocess.run(
            [str(build.binary), "-V"], env=build.env(), capture_output=True, text=True, timeout=30
        )
    except OSError as error:
        raise Unavailable(f"Asterisk cannot run: {error}") from error
    if version.returncode != 0 or "Asterisk 22" not in version.stdout:
        raise Unavailable(f"{build.binary} -V said {version.stdout.strip() or version.stderr!r}")
    _runs_on_this_cpu(build)
    return build


def _runs_on_this_cpu(build: Build) -> None:
    """`-V` runs on any x86-64, but Asterisk's start (even as a CLI client) uses the
    instructions of the CPU it was built on when menuselect's BUILD_NATIVE was on: elsewhere
    it dies of SIGILL before printing a word. A CLI client with no server to reach shows it
    in milliseconds."""
    with tempfile.TemporaryDirectory() as run:
        conf = Path(run) / "asterisk.conf"
        conf.write_text(f"[directories]\nastrundir => {run}\n")
        probe = subprocess.run(
            [str(build.binary), "-C", str(conf), "-rx", "core show version"],
            env=build.env(),
            capture_output=True,
            timeout=30,
        )
    if probe.returncode == -signal.SIGILL:
        raise Unavailable(
            f"{build.binary} dies of an illegal instruction on this CPU"
            f"{_lacking_avx512()}: it was built for another processor (menuselect's "
            "BUILD_NATIVE, on by default); a build with BUILD_NATIVE off runs on any x86-64"
        )


def _lacking_avx512() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    return " (which has no AVX-512)" if "avx512f" not in cpuinfo else ""


# ---------------------------------------------------------------------------- running it


def asterisk_conf(run: Path, build: Build) -> str:
    """asterisk.conf for a run directory: Asterisk's own files in `run`, its modules and
    helpers in the build. Not part of the shipped configuration (a deployment has its own)."""
    var = run / "var"
    return "\n".join(
        [
            "; The test PBX's directories (tests/live/asterisk.py): nothing outside this run",
            "; directory is written.",
            "[directories]",
            f"astetcdir => {run / 'etc'}",
            f"astmoddir => {build.modules}",
            f"astvarlibdir => {var / 'lib'}",
            f"astdbdir => {var / 'lib'}",
            f"astkeydir => {var / 'lib'}",
            f"astdatadir => {var / 'lib'}",
            f"astagidir => {var / 'lib' / 'agi-bin'}",
            f"astspooldir => {var / 'spool'}",
            f"astrundir => {var / 'run'}",
            f"astlogdir => {var / 'log'}",
            f"astsbindir => {build.root / 'sbin'}",
            "",
            "[options]",
            "; verbose(3) lines go to full.log (the overlay's logger entry) for diagnosis.",
            "verbose = 3",
            "",
        ]
    )


@dataclass(frozen=True)
class CdrRow:
    """One cdr_csv row. Times are UTC whole seconds, truncated (cdr.conf usegmtime)."""

    src: str
    dst: str
    dcontext: str
    channel: str
    dstchannel: str
    lastapp: str
    start: datetime
    answer: datetime | None
    end: datetime
    duration: int
    billsec: int
    disposition: str
    uniqueid: str
    userfield: str


# cdr_csv's default column order with loguniqueid and loguserfield on (no header row).
CDR_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
)  # fmt: skip


def _utc(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) if text else None


def parse_cdr(text: str) -> list[CdrRow]:
    rows = []
    for values in csv.reader(text.splitlines()):
        if len(values) != len(CDR_COLUMNS):
            raise ValueError(f"a Master.csv row of {len(values)} columns: {values}")
        row = dict(zip(CDR_COLUMNS, values, strict=True))
        start, end = _utc(row["start"]), _utc(row["end"])
        assert start is not None and end is not None
        rows.append(
            CdrRow(
                src=row["src"],
                dst=row["dst"],
                dcontext=row["dcontext"],
                channel=row["channel"],
                dstchannel=row["dstchannel"],
                lastapp=row["lastapp"],
                start=start,
                answer=_utc(row["answer"]),
                end=end,
                duration=int(row["duration"]),
                billsec=int(row["billsec"]),
                disposition=row["disposition"],
                uniqueid=row["uniqueid"],
                userfield=row["userfield"],
            )
        )
    return rows


@dataclass(frozen=True)
class QueueLogLine:
    """`time|callid|queue|agent|event|data…` (time: whole seconds of the PBX's clock)."""

    time: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


def parse_queue_log(text: str) -> list[QueueLogLine]:
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        stamp, callid, queue, agent, event, *data = raw.split("|")
        lines.append(QueueLogLine(int(stamp), callid, queue, agent, event, tuple(data)))
    return lines


def wait_for(
    what: str,
    probe: Callable[[], object],
    timeout: float,
    interval: float = 0.1,
    explain: Callable[[], str] | None = None,
) -> object:
    """Poll `probe` until it returns something truthy; fail with `what` at the deadline,
    and with what `explain` says of the state things were left in (a failure in CI can only
    be understood from its message)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            found = f"; {explain()}" if explain is not None else ""
            raise TimeoutError(f"waited {timeout:.0f} s for {what}{found}")
        time.sleep(interval)


class Pbx:
    """One running Asterisk on a rendered run directory (see `render` in conftest's PBX
    fixture): its etc/ holds our configuration with the overlay applied."""

    def __init__(self, build: Build, run: Path) -> None:
        self.build = build
        self.run = run
        self.conf = run / "asterisk.conf"
        self.log_dir = run / "var" / "log"
        self.stdout = run / "asterisk.stdout"
        self._process: subprocess.Popen[bytes] | None = None
        # How much of messages.log the last start wrote before it was fully booted.
        self._boot_log: tuple[int, int] = (0, 0)
        socket = run / "var" / "run" / "asterisk.ctl"
        if len(str(socket)) > MAX_SOCKET_PATH:
            raise ValueError(f"{socket} is too long for a control socket")

    def prepare_directories(self) -> None:
        """asterisk.conf and the writable directories; astdatadir gets the XML documentation
        Asterisk refuses to start without (README: "Stasis initialization failed")."""
        for part in (
            "etc",
            "var/lib/agi-bin",
            "var/lib/keys",
            "var/spool",
            "var/run",
            # cdr_csv writes into it but does not make it (an install does).
            "var/log/cdr-csv",
        ):
            (self.run / part).mkdir(parents=True, exist_ok=True)
        documentation = self.run / "var" / "lib" / "documentation"
        if not documentation.exists():
            documentation.symlink_to(self.build.documentation)
        self.conf.write_text(asterisk_conf(self.run, self.build))

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        assert self._process is None or not self.running, "already running"
        before = self._log_size()
        with self.stdout.open("ab") as out:
            self._process = subprocess.Popen(
                [str(self.build.binary), "-C", str(self.conf), "-f", "-n"],
                env=self.build.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for("Asterisk to accept CLI commands", self._answers_cli, BOOT_SECONDS, 0.2)
            self.cli("core waitfullybooted", timeout=BOOT_SECONDS)
        except BaseException:
            self.stop()
            raise
        self._boot_log = (before, self._log_size())

    def _log_size(self) -> int:
        path = self.log_dir / "messages.log"
        return path.stat().st_size if path.is_file() else 0

    def _answers_cli(self) -> bool:
        if not self.running:
            raise RuntimeError(f"Asterisk exited at start:\n{self.tail(self.stdout)}")
        probe = subprocess.run(
            self._rx("core show uptime"), env=self.build.env(), capture_output=True, timeout=10
        )
        return probe.returncode == 0 and b"Unable to connect" not in probe.stdout

    def _rx(self, command: str) -> list[str]:
        return [str(self.build.binary), "-C", str(self.conf), "-rx", command]

    def cli(self, command: str, timeout: float = 15.0) -> str:
        """A CLI command through the control socket (`asterisk -rx`); its output."""
        done = subprocess.run(
            self._rx(command), env=self.build.env(), capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"asterisk -rx {command!r} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def stop(self) -> None:
        """`core stop now`, then a kill of its process group if it lingers."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired, OSError):
                subprocess.run(
                    self._rx("core stop now"), env=self.build.env(), capture_output=True, timeout=10
                )
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_SECONDS)
        self._process = None

    # -- what it recorded -----------------------------------------------------------------

    def cdr(self) -> list[CdrRow]:
        master = self.log_dir / "cdr-csv" / "Master.csv"
        return parse_cdr(master.read_text()) if master.is_file() else []

    def queue_log(self) -> list[QueueLogLine]:
        path = self.log_dir / "queue_log"
        return parse_queue_log(path.read_text()) if path.is_file() else []

    def load_complaints(self) -> list[str]:
        """The WARNING and ERROR lines Asterisk logged while it loaded, at its last start
        (messages.log, without the timestamps)."""
        path = self.log_dir / "messages.log"
        if not path.is_file():
            return []
        start, end = self._boot_log
        with path.open("rb") as log:
            log.seek(start)
            text = log.read(end - start).decode(errors="replace")
        found = (_COMPLAINT.match(line) for line in text.splitlines())
        return [f"{match['level']} {match['text']}" for match in found if match]

    @staticmethod
    def tail(path: Path, lines: int = 40) -> str:
        if not path.is_file():
            return f"({path} does not exist)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
