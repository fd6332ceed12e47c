from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from hotline.i18n import N_
from hotline.services.errors import Forbidden
from tickets.workflow import Role


@dataclass(frozen=True)
class Actor:
    """Who is making a request: every service call is made on someone's behalf."""

    user_id: int
    username: str
    role: Role
    interface: str | None = None


def require(actor: Actor, roles: Collection[Role]) -> None:
    """Refuse an actor whose role the permission table (tickets/workflow.py) leaves out."""
    if actor.role not in roles:
        raise Forbidden(N_("your role may not use this"))
