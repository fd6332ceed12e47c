"""Photos of the work in real headless Chromium (issue 14, point 15): the technician, on a 390 px
phone, takes a photo from the work order's card (the camera's file input) and sees it as a
thumbnail there and on the ticket page, neither wider than the phone; a photo too large is
refused as it is chosen; the dispatcher, at a desk, adds one from the ticket page."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import LiveServer
from playwright.async_api import Page, expect
from web.console import ARTIFACTS, chromium, fits_the_phone, needs_chromium
from web.console import sign_in_page as sign_in

from tickets.photos import MAX_PHOTO_BYTES

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1400, "height": 900}


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, which the browser draws (a thumbnail that loads)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(colour) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
async def server(live: LiveServer, database_url: str) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("a browser journey runs once, on SQLite")
    yield live


async def repair_for_tech(server: LiveServer) -> str:
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.auth("disp")) as api:
        created = await api.post(
            "/api/tickets",
            json={
                "type": "repair",
                "subtype": "indoor_equipment",
                "address": "北区 光明路 20号 3单元401",
                "description": "燃气表后阀门漏气，需要更换阀门及软管",
            },
        )
        number = str(created.json()["number"])
        assigned = await api.post(
            f"/api/tickets/{number}/actions/assign", json={"assignee": "tech"}
        )
        assert assigned.status_code == 200, assigned.text
    return number


async def thumbnails_drawn(page: Page, scope: str) -> int:
    """How many thumbnails the browser could draw: served as images, not sniffed into pages."""
    return int(
        await page.evaluate(
            f"[...document.querySelectorAll('{scope} .photos img')]"
            ".filter(img => img.complete && img.naturalWidth > 0).length"
        )
    )


async def test_the_technician_photographs_the_work_on_the_phone(server: LiveServer) -> None:
    number = await repair_for_tech(server)
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport=PHONE)
        await sign_in(page, server, "tech", "/my-work")
        card = page.locator("article.work-order", has_text=number)
        camera = card.locator('input[type="file"][name="photo"]')
        await expect(camera).to_have_attribute("capture", "environment")
        await expect(camera).to_have_attribute("accept", "image/*")
        # Too large: refused as it is chosen, in Chinese, and nothing is sent.
        await camera.set_input_files(
            {
                "name": "IMG_big.jpg",
                "mimeType": "image/jpeg",
                "buffer": b"\xff" * (MAX_PHOTO_BYTES + 1),
            }
        )
        assert await camera.evaluate("input => input.validationMessage") == "每张照片不超过 5 MiB"
        await card.locator("form.photo-form button").click()
        await expect(card.locator(".photos img")).to_have_count(0)

        await camera.set_input_files(
            {
                "name": "IMG_0001.png",
                "mimeType": "image/png",
                "buffer": png(320, 240, (40, 120, 200)),
            }
        )
        await card.locator("form.photo-form button").click()
        await expect(page.locator("p.ok[role=status]")).to_contain_text("照片已添加")
        await expect(card.locator(".photos img")).to_have_count(1)
        await page.wait_for_function(
            "document.querySelector('.work-order .photos img').naturalWidth > 0"
        )
        assert await thumbnails_drawn(page, ".work-order") == 1
        await fits_the_phone(page)
        await page.screenshot(path=str(ARTIFACTS / "photos-card-phone-zh.png"), full_page=True)

        await card.locator(f'a[href="/tickets/{number}"]').click()
        await expect(page.locator("#photos .photos img")).to_have_count(1)
        await page.wait_for_function("document.querySelector('#photos img').naturalWidth > 0")
        await expect(page.locator(".timeline")).to_contain_text("添加照片")
        await fits_the_phone(page)
        await page.screenshot(path=str(ARTIFACTS / "photos-ticket-phone-zh.png"), full_page=True)


async def test_the_dispatcher_adds_a_photo_from_the_ticket_page(server: LiveServer) -> None:
    number = await repair_for_tech(server)
    async with chromium() as browser:
        page = await browser.new_page(locale="en-US", viewport=DESK)
        await sign_in(page, server, "disp", f"/tickets/{number}")
        section = page.locator("#photos")
        # The browser asks for English: the page answers in it.
        await expect(section).to_contain_text("No photos yet.")
        await section.locator('input[name="photo"]').set_input_files(
            {"name": "meter.png", "mimeType": "image/png", "buffer": png(400, 300, (200, 80, 40))}
        )
        await section.locator("button").click()
        await expect(page.locator("p.ok[role=status]")).to_have_text("Photo attached.")
        await page.wait_for_function("document.querySelector('#photos img').naturalWidth > 0")
        # A thumbnail opens the photo itself, served as the image it is.
        href = await section.locator("a").first.get_attribute("href")
        assert href is not None and href.startswith(f"/api/tickets/{number}/photos/")
        await page.screenshot(path=str(ARTIFACTS / "photos-ticket-desk-en.png"), full_page=True)

        # A fix from the ticket page says what was done too, the reason next to the note.
        await page.locator("summary", has_text="start").click()
        await page.locator('form.action[data-action="start"] button').click()
        await page.locator("summary", has_text="fix").click()
        fix = page.locator('form.action[data-action="fix"]')
        await expect(fix.locator('textarea[name="note"]')).to_have_attribute("required", "")
        await fix.evaluate("form => { form.noValidate = true; }")
        await fix.locator("button").click()
        await expect(fix.locator(".field-error")).to_have_text("say what was done")
        await fix.locator('textarea[name="note"]').fill("Replaced the meter valve")
        await fix.locator("button").click()
        await expect(page.locator(".next-step")).to_contain_text("quality calls the customer back")
