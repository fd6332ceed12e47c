"""The voice menu's FastAGI scripts on our side: `menu` (every inbound call, ivr/menu.py's
conversation) and `callback-offer` (a caller whose queue wait ran out). They find out who is
calling, carry out the conversation's steps over AGI, tell the dialplan how to go on through
channel variables, and write the session to the menu's log.

How the dialplan goes on (ivr/asterisk/extensions.conf): HOTLINE_IVR=done with TICKETTYPE,
HOTLINE_CHOICE, HOTLINE_CUSTOMER_ID and HOTLINE_PRIORITY set → the queue; HOTLINE_IVR=goodbye →
a goodbye; HOTLINE_IVR unset (handed back, or a declined callback) → the dialplan's own way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from hotline.application import ivr as ivr_cases
from hotline.application import ringbacks as ringback_cases
from hotline.application.unit import Core
from hotline.services.gas_off import GasOff, gas_off_now
from hotline.services.recent import Recent
from hotline.telephony.fastagi import Script
from hotline.telephony.menu_log import MenuLog
from hotline.telephony.numbers import normalise_caller
from hotline.telephony.queues import expected_wait_seconds
from hotline.telephony.service import Telephony
from ivr import menu
from ivr.agi import AgiChannel
from tickets.phones import mask_phone
from tickets.ringbacks import RingbackReason

log = logging.getLogger(__name__)

# Asking Asterisk for its queues must not keep the caller in silence (FastAGI's think limit).
WAIT_ESTIMATE_TIMEOUT = 1.5
POLICY_MAX_AGE_SECONDS = 3.0


@dataclass(frozen=True)
class CallbackBooking:
    """A caller who chose to be called back instead of waiting."""

    number: str
    customer_id: int | None
    service: str | None
    # When the caller first asked for an agent: their place among those waiting.
    arrived_at: datetime
    linkedid: str | None


WaitEstimator = Callable[[menu.Queue], Awaitable[float | None]]
CallbackBooker = Callable[[CallbackBooking], Awaitable[int | None]]
# The expected wait over which a callback is offered (the ring-back policy admins edit).
OfferLimit = Callable[[], Awaitable[float]]
# Now on the PBX's clock: the clock of the call log, which a booked caller's place is
# compared with (the ring-backs of missed calls arrive on it).
PbxNow = Callable[[], datetime]


class MenuScripts:
    def __init__(
        self,
        core: Core,
        *,
        estimate_wait: WaitEstimator | None = None,
        book_callback: CallbackBooker | None = None,
        offer_limit: OfferLimit | None = None,
        pbx_now: PbxNow | None = None,
        gas_off: Recent[GasOff] | None = None,
    ) -> None:
        self.core = core
        self.gas_off = gas_off or gas_off_now(core.sessions)
        self.pbx_now = pbx_now or core.clock
        self.estimate_wait = estimate_wait
        self.book_callback = book_callback
        self._offer_limit = offer_limit
        self._log = MenuLog(core)
        self._policy = menu.Policy(
            local_area_code=core.settings.local_area_code,
            offer_callbacks=book_callback is not None,
        )

    def scripts(self) -> dict[str, Script]:
        return {"menu": self._menu, "callback-offer": self._callback_offer}

    async def _menu(self, channel: AgiChannel) -> None:
        await self._session(channel, "menu", menu.hotline_menu)

    async def _callback_offer(self, channel: AgiChannel) -> None:
        await self._session(channel, "callback-offer", menu.callback_offer)

    async def _policy_now(self) -> menu.Policy:
        if self._offer_limit is None:
            return self._policy
        return replace(self._policy, offer_callback_over_seconds=await self._offer_limit())

    async def flush(self) -> None:
        """Write the menu sessions that have ended."""
        await self._log.flush()

    async def close(self) -> None:
        await self._log.close()

    async def _session(
        self,
        channel: AgiChannel,
        script: str,
        conversation: Callable[[menu.Caller, menu.Journal, menu.Policy], menu.Conversation],
    ) -> None:
        started_at = self.core.clock()
        number = normalise_caller(
            channel.headers.get("agi_callerid"), self.core.settings.local_area_code
        )
        # Who is calling is looked up while the greeting plays: the caller hears no silence.
        lookup = asyncio.ensure_future(
            asyncio.gather(ivr_cases.caller(self.core, number, self.gas_off), self._policy_now())
        )
        try:
            linkedid = await channel.get_variable("CHANNEL(linkedid)") or channel.headers.get(
                "agi_uniqueid"
            )
            if script == "menu":
                await channel.stream_file(menu.WELCOME)
            caller, policy = await lookup
        finally:
            lookup.cancel()
        journal = menu.Journal()
        session = _Session(self, channel, caller, linkedid, script)
        ending: menu.Ending | None = None
        try:
            ending = await session.carry_out(conversation(caller, journal, policy))
            # At the queue's callback offer the caller's choice is made: it stays the call's.
            await _tell_dialplan(channel, caller, ending, choice_made=script != "menu")
        finally:
            self._log.add(
                ivr_cases.SessionRecord(
                    script, linkedid, caller, started_at, self.core.clock(), journal, ending
                )
            )


class _Session:
    """One caller's conversation carried out over AGI."""

    def __init__(
        self,
        scripts: MenuScripts,
        channel: AgiChannel,
        caller: menu.Caller,
        linkedid: str | None,
        script: str,
    ) -> None:
        self._scripts = scripts
        self._channel = channel
        self._caller = caller
        self._linkedid = linkedid
        self._script = script
        self._service: str | None = None

    async def carry_out(self, conversation: menu.Conversation) -> menu.Ending:
        reply: object = None
        while True:
            try:
                step = conversation.send(reply)
            except StopIteration as end:
                ending: menu.Ending = end.value
                return ending
            reply = await self._do(step)

    async def _do(self, step: menu.Step) -> object:
        channel = self._channel
        if isinstance(step, menu.Play):
            for prompt in step.prompts:
                await channel.stream_file(prompt)
            return None
        if isinstance(step, menu.Ask):
            *before, last = step.prompts
            for prompt in before:
                await channel.stream_file(prompt)
            return await channel.get_digits(last, step.timeout_ms, step.max_digits)
        if isinstance(step, menu.LookUpTicket):
            return await ivr_cases.ticket_status(self._scripts.core, step.keys, self._caller)
        if isinstance(step, menu.EstimateWait):
            return await self._wait(step.queue)
        return await self._book(step)

    async def _wait(self, queue: menu.Queue) -> float | None:
        estimate = self._scripts.estimate_wait
        if estimate is None:
            return None
        try:
            return await asyncio.wait_for(estimate(queue), WAIT_ESTIMATE_TIMEOUT)
        except (TimeoutError, OSError) as error:
            log.warning("no wait estimate for queue %s: %s", queue, error)
            return None

    async def _book(self, step: menu.BookCallback) -> int | None:
        book = self._scripts.book_callback
        if book is None:
            return None
        booking = CallbackBooking(
            number=step.number,
            customer_id=self._caller.customer_id,
            service=step.service.value
            if step.service is not None
            else await self._channel.get_variable("TICKETTYPE"),
            arrived_at=await self._arrived_at(),
            linkedid=self._linkedid,
        )
        try:
            return await book(booking)
        except Exception:
            # The caller hears that the booking failed and waits on in the queue.
            log.exception("callback for %s not booked", mask_phone(step.number))
            return None

    async def _arrived_at(self) -> datetime:
        """When the caller first asked for an agent, on the PBX's clock (the call log's): the
        call's start in our call log, so a caller whose queue wait ran out keeps their place;
        now for a caller still in the menu."""
        scripts = self._scripts
        if self._script == "callback-offer" and self._linkedid:
            started = await ivr_cases.call_started_at(scripts.core, self._linkedid)
            if started is not None:
                return started
        return scripts.pbx_now()


async def _tell_dialplan(
    channel: AgiChannel, caller: menu.Caller, ending: menu.Ending, *, choice_made: bool
) -> None:
    route = ending.route
    if route is not None:
        await channel.set_variable("TICKETTYPE", route.service.value)
        await channel.set_variable("HOTLINE_CHOICE", route.key)
        if caller.customer_id is not None:
            await channel.set_variable("HOTLINE_CUSTOMER_ID", str(caller.customer_id))
        if route.priority is not None:
            await channel.set_variable("HOTLINE_PRIORITY", str(route.priority))
        await channel.set_variable("HOTLINE_IVR", "done")
    elif ending.finished is not None:
        if not choice_made:
            # The call log's IVR choice says what the caller did by themselves.
            await channel.set_variable("TICKETTYPE", ending.finished.value)
        await channel.set_variable("HOTLINE_IVR", "goodbye")


def menu_scripts(core: Core, telephony: Telephony, gas_off: Recent[GasOff]) -> MenuScripts:
    """The menu on a running hotline: the expected wait from Asterisk's queues now, callbacks
    booked as ring-back requests that keep the caller's place, the offer's limit from the
    ring-back policy (read every few seconds, not on every call: an edit reaches callers
    within `POLICY_MAX_AGE_SECONDS`)."""

    async def estimate_wait(queue: menu.Queue) -> float | None:
        queues = await telephony.queues_now(timeout=WAIT_ESTIMATE_TIMEOUT)
        if queues is None or queue.value not in queues:
            return None
        return expected_wait_seconds(queues[queue.value])

    policy = Recent(lambda: ringback_cases.ringback_policy(core), POLICY_MAX_AGE_SECONDS)

    async def offer_limit() -> float:
        return float((await policy.get()).offer_wait_seconds)

    return MenuScripts(
        core,
        estimate_wait=estimate_wait,
        book_callback=ringback_booker(core),
        offer_limit=offer_limit,
        pbx_now=telephony.pbx_now,
        gas_off=gas_off,
    )


def ringback_booker(core: Core) -> CallbackBooker:
    """A callback the caller chose in the menu: a ring-back request keeping their place."""

    async def book(booking: CallbackBooking) -> int | None:
        receipt = await ringback_cases.request_ringback(
            core,
            ringback_cases.RingbackRequest(
                number=booking.number,
                customer_id=booking.customer_id,
                reason=RingbackReason.VIRTUAL_HOLD,
                ticket_type=booking.service,
                arrived_at=booking.arrived_at,
                call_linkedid=booking.linkedid,
                queue=menu.Queue.HOTLINE.value,
            ),
        )
        return receipt.place

    return book
