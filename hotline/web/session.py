"""Console sessions: a signed cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) holding the
user's id, a CSRF token and when they were last seen. A session idle for longer than
HOTLINE_SESSION_IDLE_MINUTES ends; what the agent was typing lives in the browser and
survives that."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection

from hotline.services.actor import Actor
from hotline.services.users import actor_for_user
from hotline.settings import Settings
from hotline.web.context import context_of

SESSION_COOKIE = "hotline_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# A session lasts a working day at most, however active.
MAX_AGE_SECONDS = 12 * 3600
# Seconds since the epoch; a module attribute so that tests can move time.
clock = time.time
# Refreshing `seen` rewrites the cookie; once a minute is precise enough for the idle timeout.
SEEN_RESOLUTION_SECONDS = 60


def session_middleware(settings: Settings) -> Middleware:
    return Middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=MAX_AGE_SECONDS,
        same_site="lax",
        https_only=settings.secure_cookies,
    )


def csrf_token(connection: HTTPConnection) -> str:
    """This session's CSRF token (made on first use, also before sign-in for the login form)."""
    session: dict[str, Any] = connection.session
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(connection: HTTPConnection, submitted: str | None) -> bool:
    expected = connection.session.get("csrf")
    return bool(submitted and isinstance(expected, str)) and hmac.compare_digest(
        str(submitted), str(expected)
    )


def begin(connection: HTTPConnection, actor: Actor) -> None:
    """A fresh session for a fresh sign-in: nothing from before survives (session fixation)."""
    connection.session.clear()
    connection.session.update(
        {"uid": actor.user_id, "csrf": secrets.token_urlsafe(32), "seen": int(clock())}
    )


def end(connection: HTTPConnection) -> None:
    connection.session.clear()


async def session_actor(connection: HTTPConnection) -> Actor | None:
    session: dict[str, Any] = connection.session
    uid, seen = session.get("uid"), session.get("seen")
    if not isinstance(uid, int) or not isinstance(seen, int):
        return None
    context = context_of(connection)
    now = int(clock())
    if now - seen > context.settings.session_idle_minutes * 60:
        session.clear()
        return None
    if now - seen >= SEEN_RESOLUTION_SECONDS:
        session["seen"] = now
    key = f"session:{uid}"
    actor = context.tokens.get(key)
    if actor is None:
        async with context.sessions() as db:
            actor = await actor_for_user(db, uid)
        if actor is None:
            session.clear()
            return None
        context.tokens.put(key, actor)
    return actor
