"""The FastAGI protocol, the part our scripts use: the request headers Asterisk sends when a
dialplan runs AGI(agi://…/script), then one command line at a time, each answered by a
`200 result=…` line. Read with EOF handling and timeouts throughout — panoramisk's reader
spins when Asterisk hangs up before the headers end (see DEPENDENCIES.md)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

HEADER_TIMEOUT = 5.0
# A GET DATA waits for the caller: the longest wait we ask for, plus a margin.
REPLY_TIMEOUT = 30.0
MAX_LINE = 8192
log = logging.getLogger(__name__)
# Prompts already reported missing: a warning per prompt, not per call.
_reported_missing: set[str] = set()
_REPLY = re.compile(r"^(?P<code>\d{3})(?: result=(?P<result>-?\S*))?(?: \((?P<data>.*)\))?")


class HungUp(Exception):
    """The caller is gone: Asterisk closed the connection or reported the hang-up."""


class AgiError(Exception):
    """Asterisk refused a command (5xx) or answered something unreadable."""


@dataclass(frozen=True)
class Reply:
    code: int
    result: str
    data: str | None = None


class AgiChannel:
    """One call's conversation with Asterisk over FastAGI."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.headers: dict[str, str] = {}
        # When our side last got the word (headers or a reply) and has not yet sent its next
        # command: the caller hears nothing meanwhile. None while Asterisk has the word.
        self.thinking_since: float | None = None

    @property
    def script(self) -> str:
        """The script asked for: `survey` for agi://host:4573/survey?x=1."""
        request = self.headers.get("agi_network_script") or self.headers.get("agi_request", "")
        return request.rsplit("/", 1)[-1].split("?", 1)[0]

    async def _line(self, timeout: float) -> str:
        try:
            raw = await asyncio.wait_for(self._reader.readline(), timeout)
        except TimeoutError as error:
            raise AgiError(f"no answer from Asterisk within {timeout:.0f} s") from error
        if not raw:
            raise HungUp("connection closed")
        if len(raw) > MAX_LINE:
            raise AgiError("line too long")
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    async def read_headers(self) -> dict[str, str]:
        while True:
            line = await self._line(HEADER_TIMEOUT)
            if not line:
                self.thinking_since = asyncio.get_running_loop().time()
                return self.headers
            key, _, value = line.partition(":")
            self.headers[key.strip()] = value.strip()

    async def command(self, text: str, timeout: float = REPLY_TIMEOUT) -> Reply:
        reply = await self._exchange(text, timeout)
        if reply.result == "-1":
            raise HungUp(f"{text.split()[0]} failed: the channel is gone")
        return reply

    async def _exchange(self, text: str, timeout: float = REPLY_TIMEOUT) -> Reply:
        """One command and its 200 reply, whatever its result."""
        if "\n" in text or "\r" in text:
            raise AgiError("a command is one line")
        self.thinking_since = None
        try:
            self._writer.write(text.encode() + b"\n")
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as error:
            raise HungUp("connection lost") from error
        try:
            return self._parse(text, await self._reply_line(timeout))
        finally:
            self.thinking_since = asyncio.get_running_loop().time()

    async def _reply_line(self, timeout: float) -> str:
        while True:
            line = await self._line(timeout)
            if line.startswith("HANGUP"):
                # With AGISIGHUP=no Asterisk says so in-band; the command's own reply follows.
                raise HungUp("the caller hung up")
            if line:
                return line

    @staticmethod
    def _parse(text: str, line: str) -> Reply:
        match = _REPLY.match(line)
        if match is None:
            raise AgiError(f"unreadable reply {line!r}")
        reply = Reply(int(match["code"]), match["result"] or "", match["data"])
        if reply.code == 511:
            raise HungUp("command on a dead channel")
        if reply.code != 200:
            raise AgiError(f"{text.split()[0]} refused: {line}")
        return reply

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command(f"GET VARIABLE {name}")
        return reply.data if reply.result == "1" else None

    async def stream_file(self, prompt: str) -> None:
        reply = await self._exchange(f'STREAM FILE {prompt} ""')
        if reply.result == "-1":
            await self._not_played(prompt)

    async def stream_files(self, prompts: Sequence[str]) -> None:
        """Prompts one after the other (ivr/speech.py's numbers, dates and times)."""
        for prompt in prompts:
            await self.stream_file(prompt)

    async def get_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """What the caller keyed while or after `prompt` played; "" when nothing."""
        reply = await self._exchange(f"GET DATA {prompt} {timeout_ms} {max_digits}")
        if reply.result == "-1":
            await self._not_played(prompt)
            return await self._wait_for_keys(timeout_ms, max_digits)
        return "" if reply.data == "timeout" and not reply.result else reply.result

    async def _not_played(self, prompt: str) -> None:
        """Asterisk answers -1 both for a prompt it has no file for and for a channel gone
        mid-prompt. A missing prompt must not end the call: if the channel is still there, say
        which prompt is missing (once per process) and go on; if not, the caller hung up."""
        await self.command("CHANNEL STATUS")  # HungUp when the channel is gone
        if prompt not in _reported_missing:
            _reported_missing.add(prompt)
            log.warning(
                "prompt %s could not be played (no recording Asterisk can read?): the call goes "
                "on without it; `hotline prompts --sounds DIR` lists what is missing",
                prompt,
            )

    async def _wait_for_keys(self, timeout_ms: int, max_digits: int) -> str:
        """GET DATA's wait without its prompt: up to `max_digits` keys, each within
        `timeout_ms`, # ending early."""
        keyed = ""
        while len(keyed) < max_digits:
            reply = await self.command(f"WAIT FOR DIGIT {timeout_ms}")
            key = chr(int(reply.result)) if reply.result.isdigit() and reply.result != "0" else ""
            if key in ("", "#"):
                break
            keyed += key
        return keyed

    async def hangup(self) -> None:
        try:
            await self.command("HANGUP", timeout=HEADER_TIMEOUT)
        except (HungUp, AgiError):
            return

    async def close(self) -> None:
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except ConnectionError:
            return

    async def set_variable(self, name: str, value: str) -> None:
        """A channel variable for the dialplan; `value` is quoted, so it may hold spaces."""
        if '"' in value or "\\" in value:
            raise AgiError(f"{name}: a value with quotes or backslashes")
        await self.command(f'SET VARIABLE {name} "{value}"')
