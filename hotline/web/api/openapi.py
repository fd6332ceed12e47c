"""/api/openapi.json, generated from the route declarations and their pydantic models: each
operation's parameters (typed, required where the route needs them), its body, what it answers
on success (hotline/web/api/responses.py) and every refusal it can give."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter

from hotline.web.api.registry import MAX_ID, ApiRoute
from hotline.web.api.responses import SHAPES, request_content, success_content
from tickets.callbacks import TaskStatus
from tickets.incidents import Move
from tickets.types import TicketType
from tickets.workflow import Action, Status

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
# The enums clients filter and read by, named whether or not a request model uses them.
ENUMS = {"TicketType": TicketType, "Status": Status, "TaskStatus": TaskStatus}
# No text may hold a NUL (hotline/web/guards.py refuses it with 422).
NO_NUL = "^[^\\u0000]*$"
# What a path parameter is, by its name.
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "year": {"type": "integer", "minimum": 2004, "maximum": 2100},
    "day": {"type": "string", "format": "date"},
    "action": {"type": "string", "enum": [action.value for action in Action]},
    "move": {"type": "string", "enum": [move.value for move in Move]},
    "number": {"type": "string", "minLength": 1, "maxLength": 24},
    "linkedid": {"type": "string", "minLength": 1, "maxLength": 64},
}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# Every refusal by who causes it; each operation lists those it can give.
REFUSALS = {
    400: "the body is not a JSON object (malformed, or nested too deeply)",
    404: "no such resource",
    413: "the body is larger than 64 KiB",
    422: "a field is missing, invalid or holds a NUL; `fields` says which",
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field; the enums they name go with the document's other schemas."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field_schema,
            **({"style": "form", "explode": True} if field_schema.get("type") == "array" else {}),
        }
        for name, field_schema in schema.get("properties", {}).items()
    ]


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": PATH_PARAMETERS.get(name, ID if name.endswith("_id") else {"type": "string"}),
        }
        for name in names
    ]


def _responses(route: ApiRoute, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    declared = dict(route.responses)
    # A route that names only its refusals answers 200 when it succeeds.
    if not any(status < 400 for status in declared):
        declared = {200: "ok", **declared}
    responses: dict[str, Any] = {}
    for status, text in declared.items():
        if status < 400:
            responses[str(status)] = {
                "description": text,
                "content": success_content(route.method, route.path),
            }
        else:
            responses[str(status)] = _error(text)
    refusals: list[int] = []
    if route.body is not None:
        refusals += [400, 413, 422]
    if request_content(route.method, route.path) is not None:
        refusals += [413, 422]
    if parameters:
        refusals.append(422)
    if "{" in route.path:
        refusals.append(404)
    for status in refusals:
        responses.setdefault(str(status), _error(REFUSALS[status]))
    if route.roles is not None:
        responses.setdefault("401", _error("no or bad token"))
        responses.setdefault("403", _error("your role may not use this"))
    responses.setdefault(
        "405",
        _error(
            "a method this path does not have",
            {"Allow": {"description": "the methods it has", "schema": {"type": "string"}}},
        ),
    )
    return responses


def _without_nul(node: Any) -> Any:
    """Every free-text string schema says it holds no NUL."""
    if isinstance(node, dict):
        out = {key: _without_nul(value) for key, value in node.items()}
        free_text = out.get("type") == "string" and not {"enum", "format", "pattern"} & out.keys()
        if free_text:
            out["pattern"] = NO_NUL
        return out
    if isinstance(node, list):
        return [_without_nul(value) for value in node]
    return node


def openapi_document(routes: Sequence[ApiRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Error": ERROR_SCHEMA, **SHAPES}
    for name, enum in ENUMS.items():
        components[name] = TypeAdapter(enum).json_schema()
    for route in routes:
        parameters = _without_nul(
            _path_parameters(route.path)
            + (_query_parameters(route.query, components) if route.query else [])
        )
        operation: dict[str, Any] = {
            "operationId": route.handler.__name__,
            "summary": route.summary,
            "tags": [route.tag],
            "parameters": parameters,
            "responses": _responses(route, parameters),
        }
        if route.roles is not None:
            operation["security"] = [{"bearer": []}]
            operation["x-roles"] = sorted(role.value for role in route.roles)
        if route.body is not None:
            schema = route.body.model_json_schema(ref_template=REF_TEMPLATE)
            components.update(schema.pop("$defs", {}))
            components[route.body.__name__] = schema
            operation["requestBody"] = {
                # A body whose every field is optional may be left out.
                "required": bool(schema.get("required")),
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}
                    }
                },
            }
        media = request_content(route.method, route.path)
        if media is not None:
            operation["requestBody"] = {"required": True, "content": media}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "hotline", "version": "0.1.0"},
        "paths": paths,
        "components": {
            "schemas": _without_nul(components),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
