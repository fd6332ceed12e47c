"""A small SMS centre for the tests: an SMPP 3.4 server on a loopback port that speaks the
protocol over real TCP — bind_transceiver, enquire_link, unbind, submit_sm answered with a
message id (or ESME_RTHROTTLED on demand), then a deliver_sm delivery receipt for each
accepted message; anything else gets a generic_nack. It can drop a connection after so many
accepted messages — it hangs, answering nothing more (what it did not answer it did not take),
and closes the connection a moment later — to show that the client binds again and sends
nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

BIND_TRANSCEIVER = 0x00000009
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
ENQUIRE_LINK = 0x00000015
GENERIC_NACK = 0x80000000
RESPONSE = 0x80000000
ESME_ROK = 0
ESME_RINVCMDID = 0x00000003
ESME_RTHROTTLED = 0x00000058
MESSAGE_PAYLOAD = 0x0424
# How long a connection to be dropped hangs before it is closed.
DROP_AFTER_SECONDS = 0.3


@dataclass(frozen=True)
class ReceivedSms:
    message_id: str
    source: str
    destination: str
    data_coding: int
    text: str


@dataclass
class Smsc:
    """What the SMS centre saw; set `throttle_next` or `drop_after_accepted` to misbehave."""

    port: int = 0
    received: list[ReceivedSms] = field(default_factory=list)
    binds: int = 0
    throttled: int = 0
    receipts_acknowledged: int = 0
    throttle_next: int = 0
    drop_after_accepted: int | None = None
    receipt_stat: str = "DELIVRD"
    _accepted_on_connection: int = 0

    def texts_to(self, destination: str) -> list[str]:
        return [sms.text for sms in self.received if sms.destination == destination]


def _cstring(body: bytes, offset: int) -> tuple[str, int]:
    end = body.index(b"\x00", offset)
    return body[offset:end].decode("latin-1"), end + 1


def _pdu(command: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, sequence) + body


def _decode(data_coding: int, raw: bytes) -> str:
    if data_coding == 0x08:
        return raw.decode("utf-16-be")
    return raw.decode("latin-1")


def _parse_submit(body: bytes) -> tuple[str, str, int, bytes]:
    _service_type, offset = _cstring(body, 0)
    offset += 2  # source ton, npi
    source, offset = _cstring(body, offset)
    offset += 2  # destination ton, npi
    destination, offset = _cstring(body, offset)
    offset += 3  # esm_class, protocol_id, priority_flag
    _schedule, offset = _cstring(body, offset)
    _validity, offset = _cstring(body, offset)
    offset += 2  # registered_delivery, replace_if_present
    data_coding = body[offset]
    offset += 2  # data_coding, sm_default_msg_id
    length = body[offset]
    offset += 1
    message = body[offset : offset + length]
    offset += length
    while offset + 4 <= len(body):
        tag, size = struct.unpack(">HH", body[offset : offset + 4])
        if tag == MESSAGE_PAYLOAD:
            message = body[offset + 4 : offset + 4 + size]
        offset += 4 + size
    return source, destination, data_coding, message


class _Connection:
    def __init__(self, smsc: Smsc, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.smsc = smsc
        self.reader = reader
        self.writer = writer
        self.sequence = 0x7000_0000
        # Set once the connection is to be dropped: when, on the loop's clock.
        self.drop_at: float | None = None

    def _next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    async def serve(self) -> None:
        self.smsc._accepted_on_connection = 0
        try:
            loop = asyncio.get_running_loop()
            while True:
                wait = None if self.drop_at is None else max(self.drop_at - loop.time(), 0)
                try:
                    header = await asyncio.wait_for(self.reader.readexactly(16), wait)
                except TimeoutError:
                    return
                length, command, _status, sequence = struct.unpack(">IIII", header)
                body = await self.reader.readexactly(length - 16)
                if not await self._answer(command, sequence, body):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self.writer.close()

    async def _answer(self, command: int, sequence: int, body: bytes) -> bool:
        smsc = self.smsc
        if command == BIND_TRANSCEIVER:
            smsc.binds += 1
            self.writer.write(_pdu(command | RESPONSE, ESME_ROK, sequence, b"test-smsc\x00"))
        elif command == ENQUIRE_LINK:
            self.writer.write(_pdu(command | RESPONSE, ESME_ROK, sequence))
        elif command == UNBIND:
            self.writer.write(_pdu(command | RESPONSE, ESME_ROK, sequence))
            await self.writer.drain()
            return False
        elif command == DELIVER_SM | RESPONSE:
            smsc.receipts_acknowledged += 1
        elif command == SUBMIT_SM and self.drop_at is not None:
            return True  # hanging: not answered, not taken
        elif command == SUBMIT_SM:
            return await self._submit(sequence, body)
        else:
            self.writer.write(_pdu(GENERIC_NACK, ESME_RINVCMDID, sequence))
        await self.writer.drain()
        return True

    async def _submit(self, sequence: int, body: bytes) -> bool:
        smsc = self.smsc
        if smsc.throttle_next > 0:
            smsc.throttle_next -= 1
            smsc.throttled += 1
            self.writer.write(_pdu(SUBMIT_SM | RESPONSE, ESME_RTHROTTLED, sequence, b"\x00"))
            await self.writer.drain()
            return True
        source, destination, data_coding, message = _parse_submit(body)
        message_id = f"{len(smsc.received) + 1:08x}"
        smsc.received.append(
            ReceivedSms(message_id, source, destination, data_coding, _decode(data_coding, message))
        )
        self.writer.write(
            _pdu(SUBMIT_SM | RESPONSE, ESME_ROK, sequence, message_id.encode() + b"\x00")
        )
        self.writer.write(self._receipt(message_id, source, destination))
        await self.writer.drain()
        smsc._accepted_on_connection += 1
        if smsc.drop_after_accepted == smsc._accepted_on_connection:
            self.drop_at = asyncio.get_running_loop().time() + DROP_AFTER_SECONDS
        return True

    def _receipt(self, message_id: str, source: str, destination: str) -> bytes:
        text = (
            f"id:{message_id} sub:001 dlvrd:001 submit date:2612010900 done date:2612010900 "
            f"stat:{self.smsc.receipt_stat} err:000 text:"
        ).encode()
        body = (
            b"\x00"  # service_type
            + b"\x01\x01"
            + destination.encode()
            + b"\x00"  # the handset is the source
            + b"\x00\x00"
            + source.encode()
            + b"\x00"
            + bytes([0x04, 0, 0])  # esm_class: delivery receipt
            + b"\x00\x00"  # schedule, validity
            + bytes([0, 0, 0, 0])  # registered_delivery, replace, data_coding, default id
            + bytes([len(text)])
            + text
        )
        return _pdu(DELIVER_SM, ESME_ROK, self._next_sequence(), body)


@contextlib.asynccontextmanager
async def running_smsc(smsc: Smsc | None = None) -> AsyncIterator[Smsc]:
    smsc = smsc or Smsc()
    connections: set[asyncio.Task[None]] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await _Connection(smsc, reader, writer).serve()
        finally:
            connections.discard(task)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    smsc.port = server.sockets[0].getsockname()[1]
    try:
        yield smsc
    finally:
        server.close()
        for task in list(connections):
            task.cancel()
        await server.wait_closed()
