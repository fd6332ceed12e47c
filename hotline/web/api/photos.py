"""Photos of the work on a ticket: attached as the body itself (the photo's bytes, whatever the
Content-Type says: the bytes show what it is), listed, and served back with the type they
showed, never sniffed."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.application import photos as photo_cases
from hotline.services import photos as service
from hotline.services.actor import Actor
from hotline.services.photos import PhotoInfo
from hotline.web.api.registry import ApiRoute, path_id
from hotline.web.api.render import iso
from hotline.web.auth import ALL_ROLES
from hotline.web.context import context_of
from tickets.photos import PhotoType
from tickets.workflow import FIELD_STAFF

EXTENSIONS = {PhotoType.JPEG: "jpg", PhotoType.PNG: "png", PhotoType.WEBP: "webp"}
# Served as an image and nothing else: not sniffed, nothing run if opened on its own.
PHOTO_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
}


def photo_url(photo: PhotoInfo) -> str:
    return f"/api/tickets/{photo.ticket_number}/photos/{photo.id}"


def photo_json(photo: PhotoInfo, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "url": photo_url(photo),
        "media_type": photo.media_type,
        "bytes": photo.byte_size,
        "added_at": iso(photo.added_at, tz),
        "added_by": photo.added_by,
    }


def _actor(actor: Actor | None) -> Actor:
    assert actor is not None, "photo routes are authenticated"
    return actor


async def attach_photo(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    # Read within the guard's limit for photo uploads (hotline/web/guards.py), as it streams.
    data = await request.body()
    photo = await photo_cases.attach_photo(
        context, _actor(actor), request.path_params["number"], data
    )
    return JSONResponse(
        photo_json(photo, context.settings.timezone),
        status_code=201,
        headers={"Location": photo_url(photo)},
    )


async def list_photos(request: Request, actor: Actor | None) -> Response:
    context = context_of(request)
    async with context.sessions() as session:
        found = await service.photos_of(session, _actor(actor), request.path_params["number"])
    tz = context.settings.timezone
    return JSONResponse({"items": [photo_json(photo, tz) for photo in found]})


async def get_photo(request: Request, actor: Actor | None) -> Response:
    number = request.path_params["number"]
    photo_id = path_id(request, "photo_id", "no such photo")
    async with context_of(request).sessions() as session:
        media_type, data = await service.photo_bytes(session, _actor(actor), number, photo_id)
    name = f"{number}-{photo_id}.{EXTENSIONS.get(PhotoType(media_type), 'bin')}"
    return Response(
        data,
        media_type=media_type,
        headers={**PHOTO_HEADERS, "Content-Disposition": f'inline; filename="{name}"'},
    )


ROUTES = [
    ApiRoute(
        "POST",
        "/api/tickets/{number}/photos",
        attach_photo,
        "Attach a photo of the work to a repair or outage: the body is the photo (JPEG, PNG or "
        "WebP, told by its bytes; 5 MiB at most, 12 per ticket)",
        FIELD_STAFF,
        responses={
            201: "the photo",
            403: "not yours to attach to (a technician's own work orders; field work only)",
            404: "no such ticket",
            409: "the ticket has its 12 photos already",
            413: "the photo is larger than 5 MiB",
            422: "empty, or not a JPEG, PNG or WebP photo",
        },
    ),
    ApiRoute(
        "GET",
        "/api/tickets/{number}/photos",
        list_photos,
        "The photos of the work on a ticket, oldest first (each with the URL of its image)",
        ALL_ROLES,
        responses={200: "the photos", 403: "named in this complaint", 404: "no such ticket"},
    ),
    ApiRoute(
        "GET",
        "/api/tickets/{number}/photos/{photo_id}",
        get_photo,
        "One photo of the work, served with the type its bytes showed",
        ALL_ROLES,
        responses={200: "the photo", 403: "named in this complaint", 404: "no such photo"},
    ),
]
