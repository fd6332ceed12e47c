"""Sound files for the test PBX, made once and cached (keyed by what they must contain).
Asterisk ships none here. Every prompt of the recording script exists: the words numbers,
dates and times are strung from (ivr/speech.py) as real Mandarin speech from `hotline prompts
build`'s renderer, so every live call that says a number plays what a new installation plays;
the sentence prompts as short tones (8 kHz mono 16-bit WAV, sox), because rendered they last
2-23 s and a live scenario would wait through each. Hold music for the queues'
`musicclass = default` (musiconhold.conf: `moh/` under the data directory) too, or each queued
caller logs a warning."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from hotline.prompts_build import SPEED, VOICE, build, find_tools
from ivr.prompts import RECORDING_SCRIPT
from ivr.speech import WORDS

from .asterisk import CACHE, locked

PROMPT_SECONDS = 0.4
HOLD_MUSIC_SECONDS = 2.0


def toned_prompts() -> list[str]:
    return [name for name in RECORDING_SCRIPT if name not in WORDS]


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
    toned = toned_prompts()
    made_of = (
        f"{PROMPT_SECONDS}|{HOLD_MUSIC_SECONDS}|{toned}|{VOICE}|{SPEED}|{sorted(WORDS.items())}"
    )
    key = hashlib.sha256(made_of.encode()).hexdigest()
    library = CACHE / f"sounds-{key[:12]}"
    with locked(CACHE / f"sounds-{key[:12]}.lock"):
        if not (library / ".made").is_file():
            partial = CACHE / f"sounds-{key[:12]}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            for index, name in enumerate(toned):
                _tone(partial / "sounds" / f"{name}.wav", PROMPT_SECONDS, 400 + 20 * index)
            build(find_tools(), partial / "sounds", WORDS)
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
