"""Sound files for the test PBX. Asterisk ships none here, and a prompt it cannot find makes
STREAM FILE / GET DATA / Read() return -1 and the call end, so every prompt the dialplan and our
scripts play must exist: short tones (8 kHz mono 16-bit WAV, sox), made once and cached.
Hold music for the queues' `musicclass = default` (musiconhold.conf: `moh/` under the data
directory) too, or each queued caller logs a warning."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from ivr.prompts import RECORDING_SCRIPT

from .asterisk import CACHE, locked

# What extensions.conf plays itself, and what SAY DIGITS needs.
DIALPLAN_PROMPTS = ("custom/hotline-menu",)
DIGITS = tuple(f"digits/{digit}" for digit in "0123456789")
PROMPT_SECONDS = 0.4
HOLD_MUSIC_SECONDS = 2.0


def prompt_names() -> list[str]:
    return [*DIALPLAN_PROMPTS, *RECORDING_SCRIPT, *DIGITS]


def _tone(path: Path, seconds: float, frequency: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        "sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path),
        "synth", str(seconds), "sine", str(frequency), "vol", "0.3",
    ]  # fmt: skip
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        timeout=30,
    )


def sound_library() -> Path:
    """A cached directory holding `sounds/` and `moh/`, keyed by what it must contain."""
    names = prompt_names()
    key = hashlib.sha256(f"{PROMPT_SECONDS}|{HOLD_MUSIC_SECONDS}|{names}".encode()).hexdigest()
    library = CACHE / f"sounds-{key[:12]}"
    with locked(CACHE / f"sounds-{key[:12]}.lock"):
        if not (library / ".made").is_file():
            partial = CACHE / f"sounds-{key[:12]}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            for index, name in enumerate(names):
                _tone(partial / "sounds" / f"{name}.wav", PROMPT_SECONDS, 400 + 20 * index)
            _tone(partial / "moh" / "hold.wav", HOLD_MUSIC_SECONDS, 330)
            shutil.rmtree(library, ignore_errors=True)
            partial.rename(library)
            (library / ".made").touch()
    return library


def install(data_dir: Path) -> None:
    """Link the library's `sounds/` and `moh/` into Asterisk's data directory."""
    library = sound_library()
    for part in ("sounds", "moh"):
        link = data_dir / part
        if not link.exists():
            link.symlink_to(library / part)
