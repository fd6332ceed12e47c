"""Photos of the work, attached to a work order by whoever works it (the technician at the door,
the dispatcher): a few per ticket, each a few megabytes at most, and a photo only when its
bytes say so — JPEG, PNG or WebP by their signature, whatever the file is called or the browser
claims (a page or a script renamed .jpg is not served back as one)."""

from __future__ import annotations

from enum import StrEnum

from tickets.wording import N_

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS_PER_TICKET = 12
# What a form upload adds around the photo (boundaries, part headers, the CSRF token): the
# request may be this much larger than the photo it carries.
UPLOAD_ENVELOPE_BYTES = 64 * 1024

NO_PHOTO = N_("choose a photo")
PHOTO_TOO_LARGE = N_("a photo may be 5 MiB at most")
NOT_A_PHOTO = N_("not a photo: JPEG, PNG or WebP only")
TOO_MANY_PHOTOS = N_("this work order has its 12 photos already")


class PhotoType(StrEnum):
    """The media type a photo is served with: the one its bytes show."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"


def photo_type(data: bytes) -> PhotoType | None:
    """The type the file's first bytes (its signature) show, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return PhotoType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PhotoType.PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return PhotoType.WEBP
    return None


class PhotoRefused(ValueError):
    """A photo that may not be attached; `field` names the input at fault."""

    def __init__(self, message: str, *, too_large: bool = False, too_many: bool = False) -> None:
        super().__init__(message)
        self.field = "photo"
        self.message = message
        self.too_large = too_large
        self.too_many = too_many


def check_photo(data: bytes, attached: int) -> PhotoType:
    """The type of a photo that may join the `attached` ones already on the ticket."""
    if not data:
        raise PhotoRefused(NO_PHOTO)
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused(PHOTO_TOO_LARGE, too_large=True)
    kind = photo_type(data)
    if kind is None:
        raise PhotoRefused(NOT_A_PHOTO)
    if attached >= MAX_PHOTOS_PER_TICKET:
        raise PhotoRefused(TOO_MANY_PHOTOS, too_many=True)
    return kind
