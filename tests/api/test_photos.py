"""Photos of the work over HTTP: the photo is the body; served back with the type its bytes
showed and `nosniff`; refused in the reader's language when it is not a photo, past 5 MiB (413,
announced or streamed: the upload's own limit, larger than the guard's 64 KiB) or not the
sender's to attach; and documented in /api/openapi.json."""

from __future__ import annotations

import asyncio

import httpx
from conftest import Api, LiveServer

from tickets.photos import MAX_PHOTO_BYTES, UPLOAD_ENVELOPE_BYTES

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 400
REPAIR = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "description": "热水器不点火",
    "caller_phone": "13812345678",
    "address": "北区 光明路 20号",
}


async def repair_of_tech(api: Api) -> str:
    created = await api.post("disp", "/api/tickets", REPAIR)
    assert created.status_code == 201, created.text
    number = str(created.json()["number"])
    assigned = await api.post("disp", f"/api/tickets/{number}/actions/assign", {"assignee": "tech"})
    assert assigned.status_code == 200, assigned.text
    return number


async def upload(api: Api, user: str, number: str, data: bytes, **headers: str) -> httpx.Response:
    return await api.client.post(
        f"/api/tickets/{number}/photos",
        content=data,
        headers={**api.auth(user), "Content-Type": "image/jpeg", **headers},
    )


async def test_a_photo_goes_up_as_the_body_and_comes_back_as_it_was(api: Api) -> None:
    number = await repair_of_tech(api)
    sent = await api.client.post(
        f"/api/tickets/{number}/photos",
        content=JPEG,
        # The type claimed does not matter: the bytes say JPEG.
        headers={**api.auth("tech"), "Content-Type": "application/octet-stream"},
    )
    assert sent.status_code == 201, sent.text
    photo = sent.json()
    assert photo["media_type"] == "image/jpeg" and photo["bytes"] == len(JPEG)
    assert sent.headers["location"] == photo["url"]
    listed = await api.get("qa", f"/api/tickets/{number}/photos")
    assert [item["id"] for item in listed.json()["items"]] == [photo["id"]]
    served = await api.client.get(photo["url"], headers=api.auth("agent"))
    assert served.status_code == 200
    assert served.content == JPEG
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["content-disposition"] == f'inline; filename="{number}-{photo["id"]}.jpg"'
    history = (await api.get("sup", f"/api/tickets/{number}")).json()["history"]
    assert any(entry["action"] == "photo_added" and entry["actor"] == "tech" for entry in history)


async def test_a_page_renamed_as_a_photo_is_refused_in_the_readers_language(api: Api) -> None:
    number = await repair_of_tech(api)
    page = b"<!doctype html><script>alert(document.cookie)</script>"
    chinese = await upload(api, "tech", number, page)
    assert chinese.status_code == 422
    assert chinese.json()["error"]["fields"] == {"photo": "不是照片：只接受 JPEG、PNG 或 WebP"}
    english = await upload(api, "tech", number, page, **{"Accept-Language": "en"})
    assert english.json()["error"]["fields"] == {"photo": "not a photo: JPEG, PNG or WebP only"}
    assert (await api.get("tech", f"/api/tickets/{number}/photos")).json()["items"] == []


async def test_a_photo_past_5_mib_is_a_413_saying_so(api: Api) -> None:
    number = await repair_of_tech(api)
    # Within what the upload may carry, past what a photo may be: the rule says so.
    just_over = await upload(
        api, "tech", number, JPEG + b"\x00" * (MAX_PHOTO_BYTES - len(JPEG) + 1)
    )
    assert just_over.status_code == 413
    assert just_over.json()["error"]["fields"] == {"photo": "每张照片不超过 5 MiB"}
    # Past what the upload may carry: refused as announced, unread, by the guard.
    announced = await upload(
        api,
        "tech",
        number,
        b"\xff" * (MAX_PHOTO_BYTES + UPLOAD_ENVELOPE_BYTES + 1),
        **{"Accept-Language": "en"},
    )
    assert announced.status_code == 413
    assert announced.json()["error"] == {
        "code": "too_large",
        "message": "a photo may be 5 MiB at most",
        "fields": {},
    }
    # The guard's own 64 KiB still holds everywhere else.
    note = await api.client.post(
        f"/api/tickets/{number}/notes",
        content=b'{"body": "' + b"x" * 70_000 + b'"}',
        headers={**api.auth("tech"), "Content-Type": "application/json"},
    )
    assert note.status_code == 413
    assert (await api.get("tech", f"/api/tickets/{number}/photos")).json()["items"] == []


async def test_a_streamed_upload_is_cut_off_at_its_limit(live: LiveServer) -> None:
    """No Content-Length: the answer comes once the bytes pass the upload's limit, while the
    client still has most of its 100 MB to send."""
    host, port = live.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /api/tickets/BX-1/photos HTTP/1.1\r\nHost: hotline\r\n"
        + f"Authorization: {live.auth('tech')['Authorization']}\r\n".encode()
        + b"Content-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"\xff" * 262_144
    for _ in range((MAX_PHOTO_BYTES + UPLOAD_ENVELOPE_BYTES) // len(chunk) + 2):
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=20)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413"), status_line


async def test_only_those_the_access_rules_let_attach_and_see(api: Api) -> None:
    number = await repair_of_tech(api)
    for user in ("tech2", "agent", "qa"):
        refused = await upload(api, user, number, JPEG)
        assert refused.status_code == 403, (user, refused.text)
    assert (await upload(api, "tech2", number, JPEG)).json()["error"]["message"] == "这不是您的工单"
    assert (await upload(api, "disp", number, JPEG)).status_code == 201
    complaint = await api.post(
        "agent",
        "/api/tickets",
        {"type": "complaint", "description": "维修员迟到", "named_staff": ["tech"]},
    )
    other = complaint.json()["number"]
    assert (await upload(api, "sup", other, JPEG)).status_code == 403
    assert (await api.get("tech", f"/api/tickets/{other}/photos")).status_code == 403
    missing = await api.client.get(f"/api/tickets/{number}/photos/999999", headers=api.auth("sup"))
    assert missing.status_code == 404


async def test_the_upload_is_documented(api: Api) -> None:
    paths = (await api.client.get("/api/openapi.json")).json()["paths"]
    attach = paths["/api/tickets/{number}/photos"]["post"]
    assert set(attach["requestBody"]["content"]) == {"image/jpeg", "image/png", "image/webp"}
    assert attach["requestBody"]["content"]["image/png"]["schema"]["format"] == "binary"
    assert {"201", "403", "404", "409", "413", "422"} <= attach["responses"].keys()
    assert "5 MiB" in attach["responses"]["413"]["description"]
    assert "technician" in attach["x-roles"]
    served = paths["/api/tickets/{number}/photos/{photo_id}"]["get"]["responses"]["200"]
    assert set(served["content"]) == {"image/jpeg", "image/png", "image/webp"}
