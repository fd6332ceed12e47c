"""The automated follow-up survey (回访) a customer hears when hotline calls them back: a greeting
naming their ticket, their satisfaction 1 to 5 (confirmed), courtesy 1 to 5, whether the
problem is solved and whether it was on time, then thanks. No answer to a question (twice)
ends the call with no survey: a person or a later attempt takes over."""

from __future__ import annotations

from dataclasses import dataclass

from ivr import speech
from ivr.agi import AgiChannel

# Prompts in Asterisk's sounds directory, recorded by the utility from ivr/prompts.py's script.
WELCOME = "custom/survey-welcome"
TICKET = "custom/survey-ticket"
SCORE = "custom/survey-score"
YOU_CHOSE = "custom/survey-you-chose"
CONFIRM = "custom/survey-confirm"
COURTESY = "custom/survey-courtesy"
RESOLVED = "custom/survey-resolved"
ON_TIME = "custom/survey-on-time"
INVALID = "custom/survey-invalid"
THANKS = "custom/survey-thanks"
SORRY = "custom/survey-no-input"

ANSWER_MS = 6000
TRIES = 2


class NoInput(Exception):
    """The customer answered a question with nothing usable, twice."""


@dataclass(frozen=True)
class Answers:
    score: int
    courtesy: int
    resolved: bool
    on_time: bool


async def _ask(channel: AgiChannel, prompt: str, allowed: str) -> str:
    for _ in range(TRIES):
        digit = await channel.get_digits(prompt, ANSWER_MS, 1)
        if digit and digit in allowed:
            return digit
        await channel.stream_file(INVALID)
    raise NoInput(prompt)


async def _score(channel: AgiChannel) -> int:
    for _ in range(TRIES):
        score = await _ask(channel, SCORE, "12345")
        await channel.stream_file(YOU_CHOSE)
        await channel.stream_files(speech.number(int(score)))
        if await _ask(channel, CONFIRM, "12") == "1":
            return int(score)
    raise NoInput(CONFIRM)


async def run_survey(channel: AgiChannel, ticket_number: str) -> Answers:
    """The whole conversation; raises `NoInput`, or `HungUp` when the customer hangs up."""
    await channel.stream_file(WELCOME)
    await channel.stream_file(TICKET)
    # The ticket's sequence number, which the customer was given when they reported it.
    await channel.stream_files(speech.digits(ticket_number.rsplit("-", 1)[-1]))
    try:
        answers = Answers(
            score=await _score(channel),
            courtesy=int(await _ask(channel, COURTESY, "12345")),
            resolved=await _ask(channel, RESOLVED, "12") == "1",
            on_time=await _ask(channel, ON_TIME, "12") == "1",
        )
    except NoInput:
        await channel.stream_file(SORRY)
        raise
    await channel.stream_file(THANKS)
    return answers
