"""Who is calling: `Authorization: Bearer <token>`, or the console's session cookie (then a
request that changes something must also carry the session's CSRF token in X-CSRF-Token)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from starlette.requests import Request

from hotline.services.actor import Actor
from hotline.services.users import token_holder
from hotline.web.context import context_of
from hotline.web.errors import ApiError
from hotline.web.session import CSRF_HEADER, csrf_ok, session_still_live, signed_in
from tickets.workflow import Role

ALL_ROLES: frozenset[Role] = frozenset(Role)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def authenticate(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    if not header and "session" in request.scope:
        return await _from_session(request)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthenticated", "sign in: send Authorization: Bearer <token>")
    context = context_of(request)
    now = context.clock()
    actor = context.tokens.get(token.strip(), now)
    if actor is None:
        async with context.sessions() as session:
            holder = await token_holder(session, token.strip(), now)
        if holder is not None:
            actor = holder.actor
            context.tokens.put(token.strip(), actor, holder.expires_at)
    if actor is None:
        raise ApiError(401, "unauthenticated", "the token is unknown or revoked")
    return actor


def credential_check(request: Request) -> Callable[[], Awaitable[bool]]:
    """How to ask, later and past the token cache, whether the credential this request came
    with still works: an open live feed ends when its token is revoked or expires, or its
    session ends."""
    header = request.headers.get("authorization", "")
    if not header and "session" in request.scope:
        return lambda: session_still_live(request)
    token = header.partition(" ")[2].strip()
    context = context_of(request)

    async def token_still_live() -> bool:
        async with context.sessions() as session:
            holder = await token_holder(session, token, context.clock())
        if holder is None:
            context.tokens.forget(token)
        return holder is not None

    return token_still_live


async def _from_session(request: Request) -> Actor:
    found = await signed_in(request)
    if found is None:
        raise ApiError(401, "unauthenticated", "sign in: send Authorization: Bearer <token>")
    # A cookie rides along on any site's request to us; a header only our own page can set.
    if request.method not in SAFE_METHODS and not await csrf_ok(
        request, request.headers.get(CSRF_HEADER)
    ):
        raise ApiError(403, "csrf", "the page is out of date: reload it and try again")
    if found.must_change_password:
        raise ApiError(403, "password_change", "change your one-time password first")
    return found.actor


async def require(request: Request, roles: Collection[Role]) -> Actor:
    actor = await authenticate(request)
    if actor.role not in roles:
        raise ApiError(403, "forbidden", "your role may not use this")
    return actor
