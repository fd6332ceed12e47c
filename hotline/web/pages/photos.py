"""Photos of the work on the console: the form's file read (within the guard's photo limit,
hotline/web/guards.py), a photo as the pages show it, and what the browser checks before it
sends one (the server checks again)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData, UploadFile

from hotline.services.photos import PhotoInfo
from hotline.web.api.photos import photo_url
from hotline.web.templating import current_gettext
from tickets import photos

FIELD = "photo"


async def uploaded(form: FormData) -> bytes:
    """The bytes of the photo the form sent; none when no file was chosen."""
    upload = form.get(FIELD)
    return await upload.read() if isinstance(upload, UploadFile) else b""


def photo_view(photo: PhotoInfo, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "url": photo_url(photo),
        "added": f"{photo.added_at.astimezone(tz):%m-%d %H:%M}",
        "added_by": photo.added_by,
    }


def photo_limits() -> dict[str, Any]:
    """For the file input: a photo too large is refused before it is sent over a phone's
    connection (a 5 MiB upload on 4G takes a while)."""
    _ = current_gettext()
    return {"max_bytes": photos.MAX_PHOTO_BYTES, "too_large": _(photos.PHOTO_TOO_LARGE)}
