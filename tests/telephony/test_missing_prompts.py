"""A missing prompt never ends a call. Asterisk answers -1 both to a prompt it has no file for
and to a channel that hung up mid-prompt (checked on the real Asterisk 22); our channel asks
CHANNEL STATUS to tell them apart: still up, the call goes on (a warning names the prompt, once
per process) and a GET DATA still waits for the key; gone, the script learns the caller hung
up. Over real TCP with the fake Asterisk answering as the real one did."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from hotline.telephony.fastagi import FastAgiServer, Script
from hotline.telephony.simulator.agi_client import ScriptedCaller, run_agi_call
from ivr.agi import AgiChannel, HungUp


@asynccontextmanager
async def serving(script: Script) -> AsyncIterator[int]:
    server = FastAgiServer("127.0.0.1", 0, {"menu": script})
    await server.start()
    try:
        yield server.port
    finally:
        await server.close()


def warnings_naming(caplog: pytest.LogCaptureFixture, prompt: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and prompt in record.getMessage()
    ]


async def play_then_finish(channel: AgiChannel) -> None:
    await channel.stream_file("custom/never-recorded")
    await channel.stream_file("custom/goodbye")
    await channel.command("SET VARIABLE HOTLINE_IVR goodbye")


async def test_a_missing_prompt_is_skipped_and_named_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serving(play_then_finish) as port:
        for _ in range(2):
            caller = ScriptedCaller(keys=[], missing=frozenset({"custom/never-recorded"}))
            await run_agi_call("127.0.0.1", port, "menu", caller)
            assert caller.heard == [
                'STREAM FILE custom/never-recorded ""',
                "CHANNEL STATUS",
                'STREAM FILE custom/goodbye ""',
                "SET VARIABLE HOTLINE_IVR goodbye",
            ]
    [warning] = warnings_naming(caplog, "custom/never-recorded")
    assert "could not be played" in warning


def asking(prompt: str, max_digits: int, keyed: list[str]) -> Script:
    async def script(channel: AgiChannel) -> None:
        keyed.append(await channel.get_digits(prompt, 5000, max_digits))

    return script


@pytest.mark.parametrize(
    ("keys", "max_digits", "expected"),
    [
        (["4"], 1, "4"),
        ([""], 1, ""),  # silence: WAIT FOR DIGIT times out
        (["1", "2", "#"], 4, "12"),  # # ends the number early
        (["1", "2", "3"], 3, "123"),
    ],
)
async def test_a_question_with_a_missing_prompt_still_waits_for_the_key(
    keys: list[str], max_digits: int, expected: str
) -> None:
    prompt = f"custom/missing-question-{max_digits}"
    keyed: list[str] = []
    async with serving(asking(prompt, max_digits, keyed)) as port:
        caller = ScriptedCaller(keys=keys, missing=frozenset({prompt}))
        await run_agi_call("127.0.0.1", port, "menu", caller)
    assert keyed == [expected]
    assert caller.heard[:3] == [
        f"GET DATA {prompt} 5000 {max_digits}",
        "CHANNEL STATUS",
        "WAIT FOR DIGIT 5000",
    ]


def noting_hang_ups(ended: list[str]) -> Script:
    async def script(channel: AgiChannel) -> None:
        try:
            await channel.stream_file("custom/survey-welcome")
            await channel.get_digits("custom/survey-score", 5000, 1)
        except HungUp:
            ended.append("hung up")
            raise
        ended.append("went on")

    return script


@pytest.mark.parametrize("during", ["custom/survey-welcome", "custom/survey-score"])
async def test_a_caller_who_hangs_up_mid_prompt_has_hung_up(
    during: str, caplog: pytest.LogCaptureFixture
) -> None:
    ended: list[str] = []
    async with serving(noting_hang_ups(ended)) as port:
        caller = ScriptedCaller(keys=["5"], hang_up_during=during)
        await run_agi_call("127.0.0.1", port, "menu", caller)
    assert ended == ["hung up"]
    assert caller.heard[-1] == "CHANNEL STATUS"
    assert not warnings_naming(caplog, during)
