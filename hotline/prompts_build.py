"""Speech for the prompts the utility has not recorded: each line of the recording script
(ivr/prompts.py) rendered by espeak-ng in Mandarin, then made by sox into what Asterisk plays
best, 8 kHz mono 16-bit WAV, as `<sounds>/custom/….wav`. A stand-in until a person records
the line; `hotline prompts build` never writes over a recording unless told to.

espeak-ng's voice is `cmn-latn-pinyin`: Debian's espeak-ng (1.51) is built without the large
Mandarin dictionary, and its `cmn` voice reads Chinese characters as pinyin spelled out in
English ("nin two hao three"); `cmn-latn-pinyin` reads the same characters as Mandarin."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ivr.prompts import RECORDING_SCRIPT, missing_recordings

VOICE = "cmn-latn-pinyin"
# Words a minute: a little slower than espeak-ng's 175, for a narrow-band phone line.
SPEED = 160
SAMPLE_RATE = 8000
# Silence espeak-ng leaves around the words is cut (below 0.1 % of full scale), then a short
# pause added back, so numbers strung from single words (ivr/speech.py) run on naturally.
TRIM = ("silence", "1", "0.02", "0.1%", "reverse", "silence", "1", "0.02", "0.1%", "reverse")
PAUSE = ("pad", "0.03", "0.08")
# The loudest sample at -3 dBFS: renders play as loud as one another.
LOUDNESS = ("norm", "-3")
# Debian packages of the tools.
PACKAGES = {"espeak-ng": "espeak-ng", "sox": "sox"}
TOOL_SECONDS = 60


class RenderError(Exception):
    """A tool is missing or failed; the message says what to do."""


@dataclass(frozen=True)
class Tools:
    espeak: str
    sox: str


def find_tools() -> Tools:
    """espeak-ng with its Mandarin voice, and sox; RenderError naming what to install."""
    found = {name: shutil.which(name) for name in PACKAGES}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        packages = " ".join(PACKAGES[name] for name in missing)
        raise RenderError(
            f"{' and '.join(missing)} not found: rendering prompts needs them "
            f"(Debian/Ubuntu: apt-get install {packages})"
        )
    espeak, sox = found["espeak-ng"], found["sox"]
    assert espeak is not None and sox is not None
    voices = _run([espeak, "--voices=cmn"]).stdout
    if VOICE not in voices.split():
        raise RenderError(f"espeak-ng has no {VOICE} voice (Mandarin); its cmn voices: {voices}")
    return Tools(espeak, sox)


def _run(command: list[str], text: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        # The tools' own paths (shutil.which) and our arguments; the words go on stdin.
        done = subprocess.run(  # noqa: S603
            command, input=text, capture_output=True, text=True, timeout=TOOL_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RenderError(f"{Path(command[0]).name} failed: {error}") from error
    if done.returncode != 0:
        raise RenderError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")
    return done


def render(tools: Tools, words: str, target: Path) -> None:
    """`words` spoken into `target` (a .wav), written whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".render-") as scratch:
        spoken = Path(scratch) / "spoken.wav"
        converted = Path(scratch) / "converted.wav"
        # The words on stdin: nothing in them is read as an option.
        _run([tools.espeak, "-v", VOICE, "-s", str(SPEED), "-w", str(spoken), "--stdin"], words)
        _run(
            [
                tools.sox, str(spoken),
                "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
                str(converted), *TRIM, *LOUDNESS, *PAUSE,
            ]
        )  # fmt: skip
        os.replace(converted, target)


def to_render(sounds: Path, *, force: bool = False, only: str = "") -> list[str]:
    """The prompts `build` renders: those starting with `only` that have no recording in
    any format under `sounds` (all of them with `force`)."""
    missing = set(missing_recordings(sounds))
    return [
        name for name in RECORDING_SCRIPT if name.startswith(only) and (force or name in missing)
    ]


def build(
    tools: Tools,
    sounds: Path,
    names: Iterable[str],
    rendered: Callable[[str], None] = lambda name: None,
) -> None:
    """Render each of `names` (prompts of the recording script) under `sounds`; `rendered`
    is told of each one done."""
    for name in names:
        render(tools, RECORDING_SCRIPT[name], sounds / f"{name}.wav")
        rendered(name)
