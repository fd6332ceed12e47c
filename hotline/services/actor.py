from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from hotline.i18n import N_
from hotline.services.errors import Forbidden
from tickets.access import Staff
from tickets.workflow import Role


@dataclass(frozen=True)
class Actor:
    """Who is making a request: every service call is made on someone's behalf."""

    user_id: int
    username: str
    role: Role
    interface: str | None = None
    department_id: int | None = None
    display_name: str = ""

    @property
    def name(self) -> str:
        """How the console addresses the person: their name (李娜), the login name failing it."""
        return self.display_name or self.username

    @property
    def staff(self) -> Staff:
        """The person as the access rules (tickets/access.py) know them."""
        return Staff(self.username, self.role, self.department_id)


def require(actor: Actor, roles: Collection[Role]) -> None:
    """Refuse an actor whose role the permission table (tickets/workflow.py) leaves out."""
    if actor.role not in roles:
        raise Forbidden(N_("your role may not use this"))
