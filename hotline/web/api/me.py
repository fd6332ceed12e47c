from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.services.actor import Actor
from hotline.web.api.registry import ApiRoute
from hotline.web.auth import ALL_ROLES


async def me(_request: Request, actor: Actor | None) -> Response:
    assert actor is not None
    return JSONResponse(
        {"username": actor.username, "role": actor.role.value, "interface": actor.interface}
    )


ROUTES = [ApiRoute("GET", "/api/me", me, "Who the token belongs to", ALL_ROLES, tag="users")]
