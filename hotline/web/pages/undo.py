"""Undoing a deletion on the admin pages (a routing rule, a crew): the page asks first
(static/confirm.js, `data-confirm`); what was deleted then waits in the admin's own session
(the signed session cookie: nobody can forge what it brings back) for UNDO_WINDOW, the page
offering "Undo" until then; an undo takes it back once. Past the window, or in another
browser, there is nothing to undo."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request

from hotline.i18n import N_
from hotline.services.errors import Conflict

UNDO_WINDOW = timedelta(minutes=5)
TOO_LATE = N_("nothing to undo: the few minutes for it are over")


def _key(kind: str) -> str:
    return f"undo:{kind}"


def offer_undo(request: Request, kind: str, deleted: dict[str, Any], now: datetime) -> None:
    """Keep what was just deleted, for an undo within UNDO_WINDOW (one per kind at a time)."""
    until = (now + UNDO_WINDOW).isoformat()
    request.session[_key(kind)] = {"deleted": deleted, "until": until}


def pending_undo(request: Request, kind: str, now: datetime) -> dict[str, Any] | None:
    """What may still be undone; an expired offer is dropped."""
    offer = request.session.get(_key(kind))
    if not isinstance(offer, dict):
        return None
    if datetime.fromisoformat(offer["until"]) < now:
        request.session.pop(_key(kind), None)
        return None
    deleted = offer["deleted"]
    return deleted if isinstance(deleted, dict) else None


def take_undo(request: Request, kind: str, now: datetime) -> dict[str, Any]:
    """What to bring back, taken once; refused past the window."""
    deleted = pending_undo(request, kind, now)
    if deleted is None:
        raise Conflict(TOO_LATE)
    request.session.pop(_key(kind), None)
    return deleted
