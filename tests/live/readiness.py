"""Can the live tests run on this machine, and if not, why. Asked once per pytest run: by the
report header (tests/conftest.py) and by the live fixtures, which skip with the same reason."""

from __future__ import annotations

import functools
import shutil

from .asterisk import Build, Unavailable, find_build

# Debian packages (make telephony-tools installs them as root).
TOOLS = {"sipp": "sip-tester", "sox": "sox", "espeak-ng": "espeak-ng"}


@functools.cache
def readiness() -> Build | str:
    """The Asterisk build to run, or the reason the live tests skip."""
    missing = [
        f"{tool} (Debian {package})" for tool, package in TOOLS.items() if not shutil.which(tool)
    ]
    try:
        build = find_build()
    except Unavailable as error:
        return str(error)
    if missing:
        return f"missing {', '.join(missing)}: make telephony-tools as root installs them"
    return build


def report_lines() -> list[str]:
    found = readiness()
    if isinstance(found, Build):
        return [f"live Asterisk tests: ON with {found.root}"]
    return [
        f"live Asterisk tests: SKIPPED — {found}",
        "set HOTLINE_TEST_ASTERISK to an unpacked asterisk-22.10.1/ or its tarball to run them",
    ]
