"""Who is calling: `Authorization: Bearer <token>` on every API route but health."""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import Request

from hotline.services.actor import Actor
from hotline.services.users import actor_for_token
from hotline.web.context import context_of
from hotline.web.errors import ApiError
from tickets.workflow import Role

ALL_ROLES: frozenset[Role] = frozenset(Role)


async def authenticate(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthenticated", "sign in: send Authorization: Bearer <token>")
    context = context_of(request)
    actor = context.tokens.get(token.strip())
    if actor is None:
        async with context.sessions() as session:
            actor = await actor_for_token(session, token.strip())
        if actor is not None:
            context.tokens.put(token.strip(), actor)
    if actor is None:
        raise ApiError(401, "unauthenticated", "the token is unknown or revoked")
    return actor


async def require(request: Request, roles: Collection[Role]) -> Actor:
    actor = await authenticate(request)
    if actor.role not in roles:
        raise ApiError(403, "forbidden", "your role may not use this")
    return actor
