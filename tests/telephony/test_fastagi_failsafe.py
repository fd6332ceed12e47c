"""Our FastAGI server never hangs up a caller it cannot serve: an unknown script, a script that
fails, one that leaves the caller in silence, or the database away — the server closes the
session without a HANGUP, so Asterisk goes on with the dialplan (its own menu, a queue).
Driven over real TCP by the fake Asterisk's FastAGI side, as Asterisk would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hotline.db.engine import create_engine, session_factory
from hotline.events import EventBus
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings
from hotline.telephony.fastagi import FastAgiServer, Script
from hotline.telephony.simulator.agi_client import ScriptedCaller, run_agi_call
from hotline.telephony.survey_calls import survey_script, survey_token
from ivr.agi import AgiChannel


@asynccontextmanager
async def serving(scripts: dict[str, Script], think_limit: float = 3.0) -> AsyncIterator[int]:
    server = FastAgiServer("127.0.0.1", 0, scripts, think_limit=think_limit)
    await server.start()
    try:
        yield server.port
    finally:
        await server.close()


async def greet_and_finish(channel: AgiChannel) -> None:
    await channel.stream_file("custom/goodbye")
    await channel.command("SET VARIABLE HOTLINE_IVR goodbye")


async def fail_after_greeting(channel: AgiChannel) -> None:
    await channel.stream_file("custom/goodbye")
    raise RuntimeError("a bug in a script")


def stall_after_greeting(stalled: asyncio.Event) -> Script:
    async def script(channel: AgiChannel) -> None:
        await channel.stream_file("custom/goodbye")
        try:
            await asyncio.sleep(60)  # a database that does not answer
        finally:
            stalled.set()

    return script


async def test_a_finished_script_is_not_handed_back() -> None:
    async with serving({"menu": greet_and_finish}) as port:
        caller = await run_agi_call("127.0.0.1", port, "menu", ScriptedCaller(keys=[]))
    assert caller.heard == ['STREAM FILE custom/goodbye ""', "SET VARIABLE HOTLINE_IVR goodbye"]
    # The script ended without a HANGUP too: the dialplan says the goodbye and hangs up.
    assert caller.handed_back


async def test_an_unknown_script_hands_the_call_back_without_a_hang_up() -> None:
    async with serving({"menu": greet_and_finish}) as port:
        caller = await run_agi_call("127.0.0.1", port, "lottery", ScriptedCaller(keys=[]))
    assert caller.heard == []
    assert caller.handed_back


async def test_a_failing_script_hands_the_call_back_without_a_hang_up() -> None:
    async with serving({"menu": fail_after_greeting}) as port:
        caller = await run_agi_call("127.0.0.1", port, "menu", ScriptedCaller(keys=[]))
    assert caller.heard == ['STREAM FILE custom/goodbye ""']
    assert caller.handed_back


async def test_a_script_that_leaves_the_caller_in_silence_is_abandoned() -> None:
    stalled = asyncio.Event()
    async with serving({"menu": stall_after_greeting(stalled)}, think_limit=0.3) as port:
        # The fake Asterisk gives up after 10 s of quiet: the server must act before that.
        caller = await run_agi_call("127.0.0.1", port, "menu", ScriptedCaller(keys=[]))
    assert caller.handed_back and caller.heard == ['STREAM FILE custom/goodbye ""']
    assert stalled.is_set(), "the stalled script was not stopped"


async def test_time_asterisk_takes_is_not_silence_of_ours() -> None:
    """A prompt playing or a caller thinking over a GET DATA is Asterisk's time: a script
    waiting on it is not abandoned however long it takes."""
    async with serving({"menu": greet_and_finish}, think_limit=0.1) as port:
        caller = ScriptedCaller(keys=[], takes_seconds=0.4)
        await run_agi_call("127.0.0.1", port, "menu", caller)
    assert caller.heard == ['STREAM FILE custom/goodbye ""', "SET VARIABLE HOTLINE_IVR goodbye"]


@dataclass
class UnreachableDatabase:
    """What the survey script needs of the app, on a database that cannot be opened."""

    path: Path
    settings: Settings
    bus: EventBus
    clock: Callable[[], datetime]

    def __post_init__(self) -> None:
        self.sessions = session_factory(create_engine(f"sqlite:///{self.path}"))
        self.rulebooks = RulebookCache(self.sessions, self.settings.timezone)


async def test_the_database_away_hands_the_survey_call_back(tmp_path: Path) -> None:
    nowhere = tmp_path / "no such folder" / "hotline.db"
    context = UnreachableDatabase(nowhere, Settings(), EventBus(), lambda: datetime.now(UTC))
    async with serving({"survey": survey_script(context)}) as port:
        caller = await run_agi_call(
            "127.0.0.1",
            port,
            "survey",
            ScriptedCaller(
                keys=["5"],
                variables={
                    "HOTLINE_CALLBACK": "7",
                    "HOTLINE_ORIGINATE": "survey-1",
                    "HOTLINE_SURVEY_TOKEN": survey_token(context.settings.secret_key, "survey-1"),
                },
            ),
        )
    assert caller.heard == [
        "GET VARIABLE HOTLINE_CALLBACK",
        "GET VARIABLE HOTLINE_ORIGINATE",
        "GET VARIABLE HOTLINE_SURVEY_TOKEN",
    ]
    assert caller.handed_back


async def test_only_the_pbx_may_run_a_script() -> None:
    """HOTLINE_AGI_PEERS names the PBX: a connection from anywhere else is closed unread."""
    ran: list[str] = []

    async def script(channel: AgiChannel) -> None:
        ran.append(channel.script)

    for peers, runs in ((("192.0.2.10",), []), (("localhost",), ["survey"])):
        server = FastAgiServer("127.0.0.1", 0, {"survey": script}, peers=peers)
        await server.start()
        try:
            caller = await run_agi_call("127.0.0.1", server.port, "survey", ScriptedCaller(keys=[]))
        finally:
            await server.close()
        assert ran == runs and caller.heard == []
