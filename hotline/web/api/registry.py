"""API routes declared once: the same declaration makes the Starlette route, checks the role
and describes the route in /api/openapi.json."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_origin

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.i18n import N_
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.web.auth import require
from hotline.web.errors import ApiError
from hotline.web.guards import NUL_MESSAGE
from tickets.workflow import Role

Handler = Callable[[Request, Actor | None], Awaitable[Response]]
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    handler: Handler
    summary: str
    roles: Collection[Role] | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: dict[int, str] = field(default_factory=dict)
    tag: str = "tickets"

    async def endpoint(self, request: Request) -> Response:
        actor = await require(request, self.roles) if self.roles is not None else None
        return await self.handler(request, actor)


def starlette_routes(routes: Sequence[ApiRoute]) -> list[Route]:
    """One Starlette route per path, whatever its methods: a method the path lacks then
    answers 405 with every method it has in `Allow` (a route per method told only its own)."""
    by_path: dict[str, dict[str, ApiRoute]] = {}
    for route in routes:
        by_path.setdefault(route.path, {})[route.method] = route
    return [_path_route(path, methods) for path, methods in by_path.items()]


def _path_route(path: str, methods: dict[str, ApiRoute]) -> Route:
    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await methods[method].endpoint(request)

    return Route(path, endpoint, methods=list(methods))


async def parse_body(request: Request, model: type[Model]) -> Model:
    """The JSON object in the body (at most the guard's 64 KiB: hotline/web/guards.py)."""
    raw = await request.body()
    if not raw.strip():
        payload: Any = {}
    else:
        try:
            payload = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiError(400, "malformed_json", f"the body is not valid JSON: {error}") from error
        except RecursionError as error:
            raise ApiError(400, "malformed_json", N_("the body is nested too deeply")) from error
    if not isinstance(payload, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    if _holds_nul(payload):
        raise ApiError(422, "nul_character", NUL_MESSAGE)
    return model.model_validate(payload)


def _holds_nul(payload: object) -> bool:
    """Whether any string in the parsed body, key or value, has a NUL (walked without
    recursion: the parser accepts nesting deeper than Python's stack)."""
    pending = [payload]
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            pending += [*node.keys(), *node.values()]
        elif isinstance(node, list):
            pending += node
    return False


# Row ids are 32-bit on PostgreSQL: a larger one names nothing (and must not reach the driver).
MAX_ID = 2**31 - 1


def path_id(request: Request, name: str, message: str) -> int:
    """The id in the path parameter `name`: ASCII digits up to MAX_ID, else Invalid (422)."""
    raw = request.path_params[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_ID:
        raise Invalid(message, {name: N_("not a number")})
    return int(raw)


def parse_query(request: Request, model: type[Model]) -> Model:
    """The query's parameters; a list field takes every value given, one or several
    (`?status=pending&status=done`, as OpenAPI's form style sends an array)."""
    lists = {
        field.alias or name
        for name, field in model.model_fields.items()
        if get_origin(field.annotation) is list
    }
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values if len(values) > 1 or key in lists else values[0]
    return model.model_validate(params)
