"""What the API answers on success, as JSON Schema for /api/openapi.json: the shapes clients
rely on (a ticket, a call, a customer, a page of them) in full, every other answer as the
object it is. Fields a later version may add are allowed (additionalProperties); a field a
reader may not see is masked, never dropped, so the listed ones are required."""

from __future__ import annotations

from typing import Any

from tickets.photos import PhotoType

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Schema], required: bool = True) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(properties)
    return schema


STRING = {"type": "string"}
TEXT = _nullable(STRING)
TIME = _nullable({"type": "string", "format": "date-time"})
INTEGER = {"type": "integer"}
OBJECT: Schema = {"type": "object"}

CLOCK = _object(
    {
        "name": STRING,
        "due_at": TIME,
        "state": STRING,
        "met_at": TIME,
        "warned_at": TIME,
        "paused_seconds": {"type": "number"},
    },
    required=False,
) | {"required": ["name", "due_at", "state"]}

TICKET = _object(
    {
        "number": STRING,
        "type": _ref("TicketType"),
        "subtype": TEXT,
        "special": {"type": "boolean"},
        "status": _ref("Status"),
        "priority": STRING,
        "department": TEXT,
        "assignee": TEXT,
        "customer": _nullable(OBJECT),
        "caller_phone": TEXT,
        "address": TEXT,
        "area": TEXT,
        "description": STRING,
        "call_linkedid": TEXT,
        "received_at": {"type": "string", "format": "date-time"},
        "clocks": {"type": "array", "items": _ref("Clock")},
    }
)

CALL = _object(
    {
        "linkedid": STRING,
        "server": STRING,
        "direction": STRING,
        "caller": TEXT,
        "dialled": TEXT,
        "queue": TEXT,
        "agent": _nullable(OBJECT),
        "customer_id": _nullable(INTEGER),
        "started_at": TIME,
        "answered_at": TIME,
        "ended_at": TIME,
        "disposition": TEXT,
    }
)

CUSTOMER = _object(
    {
        "id": INTEGER,
        "account_number": TEXT,
        "name": STRING,
        "phones": {"type": "array", "items": OBJECT},
        "addresses": {"type": "array", "items": OBJECT},
        "area": TEXT,
    }
)


def page_of(item: Schema) -> Schema:
    return _object(
        {
            "items": {"type": "array", "items": item},
            "page": INTEGER,
            "per_page": INTEGER,
            "has_more": {"type": "boolean"},
        }
    )


def items_of(item: Schema) -> Schema:
    return _object({"items": {"type": "array", "items": item}})


BINARY: Schema = {"type": "string", "format": "binary"}
PHOTO = _object(
    {
        "id": INTEGER,
        "url": STRING,
        "media_type": {"enum": [kind.value for kind in PhotoType]},
        "bytes": INTEGER,
        "added_at": TIME,
        "added_by": STRING,
    }
)

# The named shapes, in components/schemas.
SHAPES: dict[str, Schema] = {"Ticket": TICKET, "Clock": CLOCK, "Call": CALL, "Customer": CUSTOMER}

# (method, path) → the success body's schema; any route not named answers a JSON object.
RETURNS: dict[tuple[str, str], Schema] = {
    ("GET", "/api/tickets"): page_of(_ref("Ticket")),
    ("POST", "/api/tickets"): _ref("Ticket"),
    ("GET", "/api/tickets/{number}"): _ref("Ticket"),
    ("POST", "/api/tickets/{number}/actions/{action}"): _ref("Ticket"),
    ("POST", "/api/tickets/{number}/photos"): PHOTO,
    ("GET", "/api/tickets/{number}/photos"): items_of(PHOTO),
    ("GET", "/api/calls"): page_of(_ref("Call")),
    ("GET", "/api/calls/{linkedid}"): _ref("Call"),
    ("GET", "/api/customers"): page_of(_ref("Customer")),
    ("POST", "/api/customers"): _ref("Customer"),
    ("GET", "/api/customers/{customer_id}"): _ref("Customer"),
    ("GET", "/api/health"): _object({"status": {"enum": ["ok", "degraded"]}}),
    ("GET", "/api/callbacks"): page_of(OBJECT),
    ("GET", "/api/escalations"): items_of(OBJECT),
}


# Routes whose body is not a JSON object: media type → schema. A photo is its own body.
REQUEST_MEDIA: dict[tuple[str, str], dict[str, Schema]] = {
    ("POST", "/api/tickets/{number}/photos"): {kind.value: BINARY for kind in PhotoType},
}

# Routes that answer something else than JSON: media type → schema.
MEDIA: dict[tuple[str, str], dict[str, Schema]] = {
    ("GET", "/api/tickets/{number}/photos/{photo_id}"): {kind.value: BINARY for kind in PhotoType},
    # Each event as schemathesis and browsers read it: its name, its id and its JSON data.
    ("GET", "/api/events"): {
        "text/event-stream": {
            "type": "object",
            "properties": {"event": STRING, "id": STRING, "data": STRING},
        }
    },
    ("GET", "/api/reports/kpi"): {
        "application/json": OBJECT,
        "text/csv": STRING,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "type": "string",
            "format": "binary",
        },
    },
}


def request_content(method: str, path: str) -> dict[str, Any] | None:
    """The body of a route that takes something else than a JSON object, or None."""
    media = REQUEST_MEDIA.get((method, path))
    if media is None:
        return None
    return {kind: {"schema": schema} for kind, schema in media.items()}


def success_content(method: str, path: str) -> dict[str, Any]:
    media = MEDIA.get((method, path))
    if media is not None:
        return {kind: {"schema": schema} for kind, schema in media.items()}
    return {"application/json": {"schema": RETURNS.get((method, path), OBJECT)}}
