"""The automated survey call's script on our side: which callback it is (the channel variables
our Originate set: the task, the Originate's ActionID and a token only our secret key makes;
any other FastAGI connection naming a task is handed back untouched), the conversation
(ivr/survey.py), and what it leaves in the database — a reached attempt and the survey, or an
attempt recorded as not answered when the customer gave no usable answer or hung up, so that a
person or a later attempt takes over."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable

from hotline.application import callbacks as callback_cases
from hotline.application import surveys as survey_cases
from hotline.application.unit import Core
from hotline.services import callbacks as service
from hotline.services.actor import Actor
from hotline.services.errors import NotFound
from hotline.settings import Settings
from hotline.telephony.fastagi import Script
from hotline.telephony.service import Telephony
from ivr.agi import AgiChannel, HungUp
from ivr.survey import NoInput, run_survey
from tickets import callbacks as rules
from tickets.callbacks import Outcome
from tickets.workflow import Role

log = logging.getLogger(__name__)

CALLBACK_VARIABLE = "HOTLINE_CALLBACK"
ORIGINATE_VARIABLE = "HOTLINE_ORIGINATE"
TOKEN_VARIABLE = "HOTLINE_SURVEY_TOKEN"  # noqa: S105 (a variable's name)


def survey_token(secret_key: str, action_id: str) -> str:
    """What only our Originate can give the survey call: a MAC of its ActionID."""
    mac = hmac.new(secret_key.encode(), f"survey:{action_id}".encode(), hashlib.sha256)
    return mac.hexdigest()


async def _dialled_task(context: Core, channel: AgiChannel) -> service.TaskView | None:
    """The callback this call is for, when our Originate placed it for that task and the task is
    being dialled now; None (and a warning) for anything else."""
    raw = await channel.get_variable(CALLBACK_VARIABLE)
    if raw is None or not raw.isdigit():
        # Handed back: the [survey] context apologises and says goodbye.
        log.warning("survey call without a %s variable", CALLBACK_VARIABLE)
        return None
    action_id = await channel.get_variable(ORIGINATE_VARIABLE) or ""
    token = await channel.get_variable(TOKEN_VARIABLE) or ""
    expected = survey_token(context.settings.secret_key, action_id)
    if not action_id or not hmac.compare_digest(token, expected):
        log.warning("survey call for callback %s not placed by hotline: refused", raw)
        return None
    async with context.sessions() as session:
        try:
            view = await service.being_dialled(session, int(raw), action_id)
        except NotFound:
            view = None
    if view is None:
        log.warning("survey call for callback %s, which is not being dialled: refused", raw)
    return view


IVR = Actor(user_id=0, username="ivr", role=Role.QUALITY)


def survey_script(context: Core) -> Script:
    async def survey(channel: AgiChannel) -> None:
        view = await _dialled_task(context, channel)
        if view is None:
            return
        assert view.task.id is not None
        task_id = view.task.id
        linkedid = channel.headers.get("agi_uniqueid")
        # Only tasks with a ticket are dialled (services/callbacks.claim_for_dialling).
        assert view.ticket is not None
        try:
            answers = await run_survey(channel, view.ticket.number)
        except (NoInput, HungUp) as ended:
            note = "no usable answer" if isinstance(ended, NoInput) else "hung up during the survey"
            await _attempt(context, task_id, Outcome.NO_ANSWER, note, linkedid)
            if isinstance(ended, NoInput):
                await channel.hangup()
            return
        await _attempt(context, task_id, Outcome.REACHED, "automated survey", linkedid)
        survey = rules.Survey(
            answers.score, answers.resolved, answers.on_time, answers.courtesy, None
        )
        await survey_cases.take_survey(context, IVR, task_id, survey)
        await channel.hangup()

    return survey


async def _attempt(
    context: Core, task_id: int, outcome: Outcome, note: str, linkedid: str | None
) -> None:
    await callback_cases.record_attempt(
        context, IVR.username, task_id, outcome, note=note, call_linkedid=linkedid
    )


def survey_dialler(
    telephony: Telephony, settings: Settings
) -> Callable[[service.TaskView], Awaitable[str]]:
    async def dial(view: service.TaskView) -> str:
        assert view.task.id is not None and view.ticket is not None and view.ticket.id is not None
        assert view.ticket.caller_phone is not None and view.task.dial_action_id is not None
        action_id = view.task.dial_action_id
        return await telephony.originate_survey(
            action_id=action_id,
            survey_token=survey_token(settings.secret_key, action_id),
            number=view.ticket.caller_phone,
            callback_id=view.task.id,
            ticket_id=view.ticket.id,
            outbound_context=settings.outbound_context,
            caller_id=settings.outbound_caller_id,
        )

    return dial
