"""API routes declared once: the same declaration makes the Starlette route, checks the role
and describes the route in /api/openapi.json."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.services.actor import Actor
from hotline.web.auth import require
from hotline.web.errors import ApiError
from tickets.workflow import Role

Handler = Callable[[Request, Actor | None], Awaitable[Response]]
Model = TypeVar("Model", bound=BaseModel)

MAX_BODY_BYTES = 64 * 1024


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

    def starlette_route(self) -> Route:
        async def endpoint(request: Request) -> Response:
            actor = await require(request, self.roles) if self.roles is not None else None
            return await self.handler(request, actor)

        return Route(self.path, endpoint, methods=[self.method], name=self.handler.__name__)


async def parse_body(request: Request, model: type[Model]) -> Model:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", "the request body is too large")
    if not raw.strip():
        payload: Any = {}
    else:
        try:
            payload = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiError(400, "malformed_json", f"the body is not valid JSON: {error}") from error
    if not isinstance(payload, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    return model.model_validate(payload)


def parse_query(request: Request, model: type[Model]) -> Model:
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values if len(values) > 1 else values[0]
    return model.model_validate(params)
