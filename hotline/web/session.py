"""Console sessions: the cookie (signed, HttpOnly, SameSite=Lax, Secure behind HTTPS) carries
a random session id; the session itself — who, since when, last seen, its CSRF secret — is a
row in the database (application/sessions.py). Signing out ends the row, so a copied cookie
stops working, on every worker. Before sign-in the cookie also carries the login form's CSRF
token, and after a post the one-line notice of the page it redirects to.

A session ends after HOTLINE_SESSION_IDLE_MINUTES without a request and 12 hours after
sign-in however active; what the agent was typing lives in the browser and survives that."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection

from hotline.application import sessions as session_cases
from hotline.application.sessions import SignedIn
from hotline.services.actor import Actor
from hotline.services.console_sessions import SIGN_IN_CAP
from hotline.settings import Settings
from hotline.web.context import context_of

SESSION_COOKIE = "hotline_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_ID = "sid"
# The request's signed-in session, looked up once per request.
_SCOPE_KEY = "hotline.signed_in"


def _wall_clock() -> datetime:
    return datetime.now(UTC)


# Sessions run on the wall clock, not the app's domain clock; a module attribute so that tests
# can move it.
clock = _wall_clock


def session_middleware(settings: Settings) -> Middleware:
    return Middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=int(SIGN_IN_CAP.total_seconds()),
        same_site="lax",
        https_only=settings.secure_cookies,
    )


async def signed_in(connection: HTTPConnection) -> SignedIn | None:
    """The live session behind the cookie, if any."""
    if _SCOPE_KEY in connection.scope:
        found: SignedIn | None = connection.scope[_SCOPE_KEY]
        return found
    cookie: dict[str, Any] = connection.session
    session_id = cookie.get(SESSION_ID)
    found = None
    if isinstance(session_id, str):
        found = await session_cases.signed_in(context_of(connection), session_id, clock())
        if found is None:
            cookie.clear()
    connection.scope[_SCOPE_KEY] = found
    return found


async def session_still_live(connection: HTTPConnection) -> bool:
    """Whether the session the request came with is still live, asked afresh (an open live
    feed ends with it: sign-out, a password reset, a revoke, the caps)."""
    session_id = connection.session.get(SESSION_ID)
    return isinstance(session_id, str) and await session_cases.still_signed_in(
        context_of(connection), session_id, clock()
    )


async def session_actor(connection: HTTPConnection) -> Actor | None:
    found = await signed_in(connection)
    return found.actor if found else None


def csrf_token(connection: HTTPConnection) -> str:
    """The CSRF token of the page: the session's secret once signed in; before, one made for
    the login form and kept in the cookie."""
    found: SignedIn | None = connection.scope.get(_SCOPE_KEY)
    if found is not None:
        return found.csrf_secret
    cookie: dict[str, Any] = connection.session
    token = cookie.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        cookie["csrf"] = token
    return token


async def csrf_ok(connection: HTTPConnection, submitted: str | None) -> bool:
    found = await signed_in(connection)
    expected = found.csrf_secret if found else connection.session.get("csrf")
    return bool(submitted and isinstance(expected, str)) and hmac.compare_digest(
        str(submitted), str(expected)
    )


def begin(connection: HTTPConnection, session_id: str) -> None:
    """The cookie of a fresh sign-in: nothing from before survives (session fixation)."""
    connection.session.clear()
    connection.session[SESSION_ID] = session_id
    connection.scope.pop(_SCOPE_KEY, None)


async def end(connection: HTTPConnection) -> None:
    session_id = connection.session.get(SESSION_ID)
    if isinstance(session_id, str):
        await session_cases.sign_out(context_of(connection), session_id, clock())
    connection.session.clear()
    connection.scope[_SCOPE_KEY] = None
