"""The fake Asterisk's side of FastAGI: what Asterisk does when a dialplan runs
AGI(agi://host:port/script) — connect, send the agi_ headers, then answer each command as a
channel would, with the keys a scripted caller presses, until the script hangs up or the
caller does."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field


@dataclass
class ScriptedCaller:
    """Keys the caller presses, one per GET DATA ("" = silence); `hang_up_after` commands,
    the caller hangs up (Asterisk closes the connection); `takes_seconds` is how long each
    command runs on the channel (a prompt playing, the caller thinking)."""

    keys: list[str]
    # Keys for particular prompts (GET DATA custom/outage-press-1 → "1"), used before `keys`:
    # a caller who answers what they hear, whatever the menu asks first.
    answers: dict[str, list[str]] = field(default_factory=dict)
    # What GET VARIABLE finds; SET VARIABLE writes here too.
    variables: dict[str, str] = field(default_factory=dict)
    callerid: str = "13800138001"
    hang_up_after: int | None = None
    takes_seconds: float = 0.0
    heard: list[str] = field(default_factory=list)
    # Whether our side closed the session without a HANGUP: the dialplan carries on.
    handed_back: bool = False


def _answer(command: str, caller: ScriptedCaller, keys: deque[str]) -> str:
    verb = command.split(" ", 2)
    name = " ".join(verb[:2]).upper()
    if name == "GET VARIABLE":
        value = caller.variables.get(verb[2].strip()) if len(verb) > 2 else None
        return "200 result=0" if value is None else f"200 result=1 ({value})"
    if name == "SET VARIABLE" and len(verb) > 2:
        variable, _, value = verb[2].partition(" ")
        caller.variables[variable] = value.strip().strip('"')
        return "200 result=1"
    if name == "GET DATA":
        prompt = verb[2].split()[0] if len(verb) > 2 else ""
        answers = caller.answers.get(prompt)
        key = answers.pop(0) if answers else keys.popleft() if keys else ""
        return "200 result= (timeout)" if not key else f"200 result={key}"
    if name in ("STREAM FILE", "SAY DIGITS"):
        return "200 result=0 endpos=8000"
    if verb[0].upper() == "HANGUP":
        return "200 result=1"
    return "510 Invalid or unknown command"


async def run_agi_call(
    host: str, port: int, script: str, caller: ScriptedCaller, *, uniqueid: str = "1800000000.1"
) -> ScriptedCaller:
    reader, writer = await asyncio.open_connection(host, port)
    headers = {
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_request": f"agi://{host}:{port}/{script}",
        "agi_channel": "Local/13800138001@callback-out-00000001;2",
        "agi_uniqueid": uniqueid,
        "agi_callerid": caller.callerid,
        "agi_context": "survey",
        "agi_extension": "s",
        "agi_priority": "3",
    }
    writer.write("".join(f"{k}: {v}\n" for k, v in headers.items()).encode() + b"\n")
    await writer.drain()
    keys = deque(caller.keys)
    try:
        while True:
            raw = await asyncio.wait_for(reader.readline(), 10)
            if not raw:
                caller.handed_back = True
                return caller
            command = raw.decode().strip()
            caller.heard.append(command)
            if caller.hang_up_after is not None and len(caller.heard) > caller.hang_up_after:
                return caller
            if caller.takes_seconds:
                await asyncio.sleep(caller.takes_seconds)
            writer.write(_answer(command, caller, keys).encode() + b"\n")
            await writer.drain()
            if command.upper().startswith("HANGUP"):
                return caller
    finally:
        writer.close()
        await writer.wait_closed()
