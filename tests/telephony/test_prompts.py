"""The IVR's recording script: every prompt a script plays has words to record, nothing in the
script is stale, and `hotline prompts` says which recordings a sounds directory lacks."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import ivr
from ivr.prompts import RECORDING_SCRIPT, missing_recordings


def prompts_in_scripts() -> set[str]:
    """The string constants naming recorded prompts in the IVR's modules, and the prompts the
    dialplan plays itself."""
    here = Path(ivr.__file__).parent
    dialplan = (here / "asterisk" / "extensions.conf").read_text(encoding="utf-8")
    found = set(re.findall(r"\b(custom/[\w-]+)", dialplan))
    for module in here.glob("*.py"):
        if module.name == "prompts.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and node.value.startswith("custom/"):
                found.add(node.value)
    return found


def test_every_prompt_played_has_words_and_none_is_stale() -> None:
    played = prompts_in_scripts()
    assert {"custom/survey-welcome", "custom/hotline-menu", "custom/goodbye"} <= played
    assert played == set(RECORDING_SCRIPT)
    assert all(words.strip() for words in RECORDING_SCRIPT.values())


def test_missing_recordings_in_any_format(tmp_path: Path) -> None:
    (tmp_path / "custom").mkdir()
    (tmp_path / "custom" / "survey-welcome.wav").write_bytes(b"RIFF")
    (tmp_path / "custom" / "survey-thanks.sln16").write_bytes(b"\0\0")
    (tmp_path / "custom" / "survey-score.txt").write_text("not a sound")
    missing = missing_recordings(tmp_path)
    assert "custom/survey-welcome" not in missing and "custom/survey-thanks" not in missing
    assert "custom/survey-score" in missing
    assert len(missing) == len(RECORDING_SCRIPT) - 2


def test_the_prompts_command_prints_the_script_and_fails_on_missing(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hotline.cli", "prompts", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    script = run()
    assert script.returncode == 0, script.stderr
    lines = script.stdout.splitlines()
    assert len(lines) == len(RECORDING_SCRIPT)
    first = next(iter(RECORDING_SCRIPT))
    assert lines[0] == f"{first}\t{RECORDING_SCRIPT[first]}"
    for name in RECORDING_SCRIPT:
        (tmp_path / f"{name}.wav").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"{name}.wav").write_bytes(b"RIFF")
    assert run("--sounds", str(tmp_path)).returncode == 0
    (tmp_path / "custom" / "survey-thanks.wav").unlink()
    lacking = run("--sounds", str(tmp_path))
    assert lacking.returncode == 1
    assert lacking.stdout.splitlines()[0].startswith("missing: custom/survey-thanks\t")
