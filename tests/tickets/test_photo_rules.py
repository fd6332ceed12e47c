"""A photo is told by its bytes: JPEG, PNG and WebP by their signatures, whatever else the file
holds; anything else is refused, as is a photo past the size limit or past the ticket's count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.photos import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS_PER_TICKET,
    NOT_A_PHOTO,
    PhotoRefused,
    PhotoType,
    check_photo,
    photo_type,
)

SIGNATURES = {
    PhotoType.JPEG: b"\xff\xd8\xff",
    PhotoType.PNG: b"\x89PNG\r\n\x1a\n",
}


@given(st.sampled_from(sorted(SIGNATURES)), st.binary(max_size=256))
def test_jpeg_and_png_are_told_by_their_signature(kind: PhotoType, rest: bytes) -> None:
    assert photo_type(SIGNATURES[kind] + rest) is kind


@given(st.binary(min_size=4, max_size=4), st.binary(max_size=256))
def test_webp_is_a_riff_file_of_webp(size: bytes, rest: bytes) -> None:
    assert photo_type(b"RIFF" + size + b"WEBP" + rest) is PhotoType.WEBP
    assert photo_type(b"RIFF" + size + b"WAVE" + rest) is None


@given(st.binary(max_size=64))
def test_anything_else_is_not_a_photo(data: bytes) -> None:
    starts = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")
    if not data.startswith(starts):
        assert photo_type(data) is None
        with pytest.raises(PhotoRefused) as refused:
            check_photo(data, 0)
        assert refused.value.field == "photo"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",  # a page renamed photo.jpg
        b"GIF89a\x01\x00\x01\x00",  # an image, but not one we serve
        b"%PDF-1.7",
    ],
)
def test_a_file_named_like_a_photo_is_not_one(data: bytes) -> None:
    with pytest.raises(PhotoRefused) as refused:
        check_photo(data, 0)
    assert refused.value.message == NOT_A_PHOTO


def test_the_size_and_the_count_limits() -> None:
    jpeg = b"\xff\xd8\xff"
    assert check_photo(jpeg + b"\x00" * (MAX_PHOTO_BYTES - 3), 0) is PhotoType.JPEG
    with pytest.raises(PhotoRefused) as too_large:
        check_photo(jpeg + b"\x00" * (MAX_PHOTO_BYTES - 2), 0)
    assert too_large.value.too_large and not too_large.value.too_many
    assert check_photo(jpeg, MAX_PHOTOS_PER_TICKET - 1) is PhotoType.JPEG
    with pytest.raises(PhotoRefused) as too_many:
        check_photo(jpeg, MAX_PHOTOS_PER_TICKET)
    assert too_many.value.too_many
    with pytest.raises(PhotoRefused):
        check_photo(b"", 0)
