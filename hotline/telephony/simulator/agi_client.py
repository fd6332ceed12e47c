"""The fake Asterisk's side of FastAGI: what Asterisk does when a dialplan runs
AGI(agi://host:port/script) — connect, send the agi_ headers, then answer each command as a
channel would, with the keys a scripted caller presses, until the script hangs up or the
caller does."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

# What Asterisk 22 answers on a channel that has hung up (checked on the real PBX): the
# in-band HANGUP notice, then this for every command.
DEAD_CHANNEL = "HANGUP\n511 Command Not Permitted on a dead channel or intercept routine"


@dataclass
class ScriptedCaller:
    """Keys the caller presses, one per GET DATA or WAIT FOR DIGIT ("" = silence);
    `hang_up_after` commands, the caller hangs up (Asterisk closes the connection);
    `hang_up_during`: the caller hangs up while this prompt plays (Asterisk answers -1, then
    treats the channel as dead); `takes_seconds` is how long each command runs on the channel
    (a prompt playing, the caller thinking). Prompts in `missing` have no sound file: Asterisk
    answers -1 and the channel stays up."""

    keys: list[str]
    # Keys for particular prompts (GET DATA custom/outage-press-1 → "1"), used before `keys`:
    # a caller who answers what they hear, whatever the menu asks first.
    answers: dict[str, list[str]] = field(default_factory=dict)
    # What GET VARIABLE finds; SET VARIABLE writes here too.
    variables: dict[str, str] = field(default_factory=dict)
    callerid: str = "13800138001"
    hang_up_after: int | None = None
    hang_up_during: str | None = None
    missing: frozenset[str] = frozenset()
    takes_seconds: float = 0.0
    heard: list[str] = field(default_factory=list)
    # Whether our side closed the session without a HANGUP: the dialplan carries on.
    handed_back: bool = False
    # The caller has hung up (`hang_up_during`): every command is refused from then on.
    gone: bool = False


def _answer(command: str, caller: ScriptedCaller, keys: deque[str]) -> str:
    """Asterisk 22's answers, as res_agi words them (the -1 cases checked on the real PBX)."""
    if caller.gone:
        return DEAD_CHANNEL
    verb = command.split(" ", 3)
    name = " ".join(verb[:2]).upper()
    prompt = verb[2] if len(verb) > 2 else ""
    if name in ("STREAM FILE", "GET DATA") and prompt == caller.hang_up_during:
        caller.gone = True
        return "200 result=-1 endpos=1600" if name == "STREAM FILE" else "200 result=-1"
    if name == "GET VARIABLE":
        value = caller.variables.get(verb[2].strip()) if len(verb) > 2 else None
        return "200 result=0" if value is None else f"200 result=1 ({value})"
    if name == "SET VARIABLE" and len(verb) > 3:
        caller.variables[verb[2]] = verb[3].strip().strip('"')
        return "200 result=1"
    if name == "GET DATA":
        if prompt in caller.missing:
            return "200 result=-1"
        answers = caller.answers.get(prompt)
        key = answers.pop(0) if answers else keys.popleft() if keys else ""
        return "200 result= (timeout)" if not key else f"200 result={key}"
    if name == "STREAM FILE":
        return "200 result=-1 endpos=0" if prompt in caller.missing else "200 result=0 endpos=8000"
    if name == "WAIT FOR":
        key = keys.popleft() if keys else ""
        return f"200 result={ord(key) if key else 0}"
    if name == "CHANNEL STATUS":
        return "200 result=6"  # up
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
