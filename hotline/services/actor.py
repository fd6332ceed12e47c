from __future__ import annotations

from dataclasses import dataclass

from tickets.workflow import Role


@dataclass(frozen=True)
class Actor:
    """Who is making a request: every service call is made on someone's behalf."""

    user_id: int
    username: str
    role: Role
    interface: str | None = None
