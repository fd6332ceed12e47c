"""Photos of the work on the console over HTTP: the technician's card and the ticket page take
one (a multipart form with its CSRF token, like every console form), show it as a thumbnail
that opens it, and say why not next to the field; a photo past the upload's limit is a 413 page
in the reader's language, not a JSON error in a phone's browser."""

from __future__ import annotations

import re

import httpx
from web.console import csrf_of, field_errors, sign_in

from tickets.photos import MAX_PHOTO_BYTES, UPLOAD_ENVELOPE_BYTES

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x01" * 256


async def repair_for_tech(browser: httpx.AsyncClient) -> str:
    await sign_in(browser, "disp")
    headers = {"X-CSRF-Token": csrf_of((await browser.get("/tickets")).text)}
    body = {
        "type": "repair",
        "subtype": "indoor_equipment",
        "address": "北区 光明路 20号",
        "description": "热水器不点火",
    }
    created = await browser.post("/api/tickets", json=body, headers=headers)
    number = str(created.json()["number"])
    assigned = await browser.post(
        f"/api/tickets/{number}/actions/assign", json={"assignee": "tech"}, headers=headers
    )
    assert assigned.status_code == 200, assigned.text
    await browser.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    return number


def photo(data: bytes, name: str = "IMG_0001.png") -> dict[str, tuple[str, bytes, str]]:
    return {"photo": (name, data, "image/png")}


async def test_the_technician_attaches_a_photo_from_the_card(browser: httpx.AsyncClient) -> None:
    number = await repair_for_tech(browser)
    await sign_in(browser, "tech")
    card = await browser.get("/my-work")
    form = re.search(
        r'action="(/my-work/orders/\d+/photo)" enctype="multipart/form-data"', card.text
    )
    assert form is not None
    assert 'accept="image/*" capture="environment"' in card.text
    token = csrf_of(card.text)
    stale = await browser.post(form.group(1), data={"csrf_token": "stale"}, files=photo(PNG))
    assert stale.status_code == 403
    # Named like a photo, but a page: said next to the field, in Chinese.
    page = b"<html><script>alert(1)</script></html>"
    refused = await browser.post(form.group(1), data={"csrf_token": token}, files=photo(page))
    assert refused.status_code == 422
    assert field_errors(refused.text) == ["不是照片：只接受 JPEG、PNG 或 WebP"]
    attached = await browser.post(form.group(1), data={"csrf_token": token}, files=photo(PNG))
    assert attached.status_code == 303
    card = await browser.get("/my-work")
    assert f"{number}：照片已添加。" in card.text
    [url] = re.findall(r'<img src="(/api/tickets/[^"]+/photos/\d+)"', card.text)
    served = await browser.get(url)
    assert served.content == PNG and served.headers["content-type"] == "image/png"
    ticket = await browser.get(f"/tickets/{number}")
    assert f'<img src="{url}"' in ticket.text
    assert f'action="/tickets/{number}/photos"' in ticket.text


async def test_the_ticket_page_takes_a_photo_and_refuses_one_too_large(
    browser: httpx.AsyncClient,
) -> None:
    number = await repair_for_tech(browser)
    await sign_in(browser, "disp")
    path = f"/tickets/{number}"
    token = csrf_of((await browser.get(path)).text)
    attached = await browser.post(f"{path}/photos", data={"csrf_token": token}, files=photo(PNG))
    assert attached.status_code == 303 and attached.headers["location"] == path
    assert "照片已添加。" in (await browser.get(path)).text
    empty = await browser.post(f"{path}/photos", data={"csrf_token": token})
    assert empty.status_code == 422 and "请选择照片" in empty.text
    larger = PNG + b"\x00" * (MAX_PHOTO_BYTES + UPLOAD_ENVELOPE_BYTES)
    too_large = await browser.post(
        f"{path}/photos",
        data={"csrf_token": token},
        files=photo(larger),
        headers={"Accept": "text/html,application/xhtml+xml", "Referer": f"http://hotline{path}"},
    )
    assert too_large.status_code == 413
    assert too_large.headers["content-type"].startswith("text/html")
    assert "每张照片不超过 5 MiB" in too_large.text and f'href="{path}"' in too_large.text
    browser.cookies.set("lang", "en")
    english = await browser.post(
        f"{path}/photos",
        data={"csrf_token": token},
        files=photo(larger),
        headers={"Accept": "text/html"},
    )
    assert "a photo may be 5 MiB at most" in english.text


async def test_who_may_not_attach_sees_no_form(browser: httpx.AsyncClient) -> None:
    number = await repair_for_tech(browser)
    await sign_in(browser, "agent")
    page = await browser.get(f"/tickets/{number}")
    assert 'name="photo"' not in page.text
    token = csrf_of(page.text)
    refused = await browser.post(
        f"/tickets/{number}/photos", data={"csrf_token": token}, files=photo(PNG)
    )
    assert refused.status_code == 403
