"""The phone system as the use cases ask things of it: is it there, step an agent away from the
queues or back, place a call. The AMI stays behind these: nothing outside hotline/telephony
sends an action, and Asterisk's failures come out as service refusals (the web answers 503
when it is off or silent, 502 when it refused)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hotline.i18n import N_
from hotline.services.errors import Invalid, Refused, Unavailable
from hotline.telephony.ami import ActionFailed, AmiError
from hotline.telephony.service import Line, Telephony

OFF = "telephony_off"
DOWN = "telephony_down"


def running(telephony: Telephony | None) -> Telephony:
    """This server's telephony; refused when it runs none."""
    if telephony is None or not telephony.lines:
        raise Unavailable(N_("telephony is not running on this server"), code=OFF)
    return telephony


def line_up(telephony: Telephony, server: str | None = None) -> Line:
    """The line to `server` (the first when None), connected now."""
    try:
        line = telephony.line(server)
    except KeyError as error:
        raise Invalid(N_("no such Asterisk server"), {"server": N_("unknown")}) from error
    if not line.client.connected:
        raise Unavailable(N_("the phone system is not connected; try again"), code=DOWN)
    return line


def reserve_call(telephony: Telephony, server: str | None = None) -> str:
    """The ActionID a call about to be placed will carry, so it is recorded before it is."""
    return line_up(telephony, server).client.next_action_id()


async def place_call(
    telephony: Telephony,
    action_id: str,
    *,
    interface: str,
    number: str,
    context: str,
    caller_id: str,
    ticket_id: int | None,
    requested_by_user_id: int,
    server: str | None = None,
) -> None:
    """Click-to-call: the agent's phone rings first, then Asterisk dials the customer."""
    with _asking_asterisk("originate_refused"):
        await telephony.originate(
            interface=interface,
            number=number,
            context=context,
            caller_id=caller_id,
            ticket_id=ticket_id,
            requested_by_user_id=requested_by_user_id,
            server=server,
            action_id=action_id,
        )


async def pause_agent(telephony: Telephony, interface: str, away: bool, reason: str | None) -> None:
    """Stop every queue on every server ringing `interface` (away), or start again."""
    with _asking_asterisk("queue_pause_refused"):
        for line in telephony.lines.values():
            await line.client.send(
                "QueuePause",
                [
                    ("Interface", interface),
                    ("Paused", "true" if away else "false"),
                    ("Reason", reason or ("away" if away else "")),
                ],
            )


@contextmanager
def _asking_asterisk(refused: str) -> Iterator[None]:
    try:
        yield
    except ActionFailed as error:
        raise Refused(f"Asterisk refused: {error}", code=refused) from error
    except (AmiError, TimeoutError) as error:
        raise Unavailable(N_("the phone system did not answer; try again"), code=DOWN) from error
