"""A missing prompt on the real Asterisk 22 never ends a call. The survey conversation
(ivr/survey.py, our AgiChannel) runs over FastAGI against the test PBX with the score question's
recording deleted: Asterisk answers its GET DATA with -1 as it does for a caller gone, the
channel says it is still up, and the customer's key is still taken — the survey completes with
the answers the customer keyed. The ticket's digits and the score read back are the rendered
Mandarin words (tests/live/sounds.py), so the test also proves Asterisk plays them."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hotline.telephony.fastagi import FastAgiServer
from ivr import survey
from ivr.agi import AgiChannel

from .conftest import LivePbx
from .overlay import CARRIER_IP
from .sipp import Key, Phones, free_port

HOTLINE_NUMBER = "96777"
CALL_SECONDS = 60
TICKET = "RP-20261130-0042"


@contextmanager
def sounds_without(pbx: LivePbx, prompt: str, scratch: Path) -> Iterator[None]:
    """The PBX's sounds for one test: a copy of the shared library without `prompt` (the
    cached library is shared by every run and stays whole)."""
    link = pbx.pbx.run / "var" / "lib" / "sounds"
    library = link.resolve()
    copy = scratch / "sounds"
    shutil.copytree(library, copy)
    (copy / f"{prompt}.wav").unlink()
    link.unlink()
    link.symlink_to(copy)
    try:
        yield
    finally:
        link.unlink()
        link.symlink_to(library)


@contextmanager
def surveying(pbx: LivePbx, answers: list[survey.Answers]) -> Iterator[None]:
    """A FastAGI server of our own, in a thread, running the survey conversation for every
    call the dialplan hands to HOTLINE_AGI (its menu step) during the test."""

    async def script(channel: AgiChannel) -> None:
        answers.append(await survey.run_survey(channel, TICKET))
        await channel.hangup()

    port = free_port(socket.SOCK_STREAM)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()

    async def serve() -> None:
        server = FastAgiServer("127.0.0.1", port, {"menu": script})
        await server.start()
        started.set()
        try:
            await stop.wait()
        finally:
            await server.close()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10), "the test's FastAGI server did not start"
    pbx.pbx.cli(f"dialplan set global HOTLINE_AGI agi://127.0.0.1:{port}")
    try:
        yield
    finally:
        if pbx.pbx.running:
            pbx.pbx.cli(f"dialplan set global HOTLINE_AGI {pbx.agi_url}")
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def test_a_survey_with_a_deleted_prompt_still_completes(
    pbx: LivePbx, parties: Phones, tmp_path: Path
) -> None:
    answers: list[survey.Answers] = []
    log = pbx.pbx.log_dir / "full.log"
    log_start = log.stat().st_size
    with sounds_without(pbx, survey.SCORE, tmp_path), surveying(pbx, answers):
        # Greeting, ticket number, then the (silent) score question: the first key after 4 s;
        # every next key 2 s after the last, inside the next question's 6 s wait.
        customer = parties.customer(
            "13800138190",
            keys=[
                Key("4", after_ms=4000),  # score 4 (its question missing)
                Key("1", after_ms=2000),  # confirmed
                Key("5", after_ms=2000),  # courtesy 5
                Key("1", after_ms=2000),  # solved
                Key("1", after_ms=2000),  # on time
            ],
            stay_ms=8000,
            host=CARRIER_IP,
            dialled=HOTLINE_NUMBER,
        )
        status = customer.wait(CALL_SECONDS)
    assert status == 0, f"sipp exited {status}: {customer.errors()}"
    assert customer.events()[-1] == "the PBX hung up"  # the survey's goodbye, not the caller
    assert answers == [survey.Answers(score=4, courtesy=5, resolved=True, on_time=True)]
    with log.open("rb") as full:
        full.seek(log_start)
        said = full.read().decode(errors="replace")
    assert f"File {survey.SCORE} does not exist in any format" in said
    assert "Playing 'custom/say/digit-4" in said  # the score read back, in Mandarin
