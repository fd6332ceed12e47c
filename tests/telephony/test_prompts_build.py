"""`hotline prompts build`: the real espeak-ng and sox render every prompt the utility has
not recorded as 8 kHz mono 16-bit WAV, never over a recording unless told to, and say what to
install when they are missing."""

from __future__ import annotations

import array
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from hotline.prompts_build import PACKAGES
from ivr.prompts import RECORDING_SCRIPT

needs_tools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in PACKAGES),
    reason="espeak-ng or sox not installed (Debian packages espeak-ng, sox; "
    "make telephony-tools installs them as root)",
)


def hotline(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", "prompts", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def loudest_sample(path: Path) -> int:
    """The WAV's format must be what Asterisk plays without conversion: 8 kHz, mono, 16-bit."""
    with wave.open(str(path)) as sound:
        assert (sound.getframerate(), sound.getnchannels(), sound.getsampwidth()) == (8000, 1, 2)
        assert sound.getcomptype() == "NONE"
        samples = array.array("h", sound.readframes(sound.getnframes()))
    return max(abs(sample) for sample in samples)


@needs_tools
def test_the_whole_script_is_rendered_as_8khz_mono_speech(tmp_path: Path) -> None:
    built = hotline("build", "--sounds", str(tmp_path))
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[-1].startswith(f"{len(RECORDING_SCRIPT)} prompts rendered")
    for name in RECORDING_SCRIPT:
        # Speech, not silence: normalised to -3 dBFS.
        assert loudest_sample(tmp_path / f"{name}.wav") > 16000, name
    assert not list(tmp_path.rglob(".render-*")), "scratch files left behind"
    assert hotline("--sounds", str(tmp_path)).returncode == 0  # nothing missing any more
    again = hotline("build", "--sounds", str(tmp_path))
    assert again.stdout.startswith(f"0 prompts rendered into {tmp_path}")


@needs_tools
def test_a_recording_is_never_written_over_unless_forced(tmp_path: Path) -> None:
    recorded = tmp_path / "custom" / "goodbye.wav"
    recorded.parent.mkdir(parents=True)
    recorded.write_bytes(b"RIFF the utility's own recording")
    (tmp_path / "custom" / "survey-thanks.gsm").write_bytes(b"a recording in another format")

    built = hotline("build", "--sounds", str(tmp_path), "--only", "custom/")
    assert built.returncode == 0, built.stderr
    assert recorded.read_bytes() == b"RIFF the utility's own recording"
    assert not (tmp_path / "custom" / "survey-thanks.wav").exists()
    assert "rendered: custom/goodbye" not in built.stdout
    assert "rendered: custom/survey-welcome" in built.stdout

    forced = hotline("build", "--sounds", str(tmp_path), "--only", "custom/goodbye", "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.splitlines()[0] == "rendered: custom/goodbye"
    assert loudest_sample(recorded) > 0


@needs_tools
def test_only_renders_the_prompts_named_by_its_prefix(tmp_path: Path) -> None:
    built = hotline("build", "--sounds", str(tmp_path), "--only", "custom/say/digit-")
    assert built.returncode == 0, built.stderr
    assert sorted(path.stem for path in (tmp_path / "custom" / "say").iterdir()) == [
        f"digit-{digit}" for digit in range(10)
    ]


def test_without_espeak_ng_or_sox_it_says_what_to_install(tmp_path: Path) -> None:
    nothing = tmp_path / "empty-path"
    nothing.mkdir()
    failed = hotline("build", "--sounds", str(tmp_path), env={**os.environ, "PATH": str(nothing)})
    assert failed.returncode == 1
    message = " ".join(failed.stderr.split())
    assert "espeak-ng and sox not found" in message
    assert "apt-get install espeak-ng sox" in message
    assert not (tmp_path / "custom").exists()
