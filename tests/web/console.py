"""Signing in to the console with a cookie-keeping client (the `browser` fixture), and in real
headless Chromium (Debian's, with CJK fonts) for the journeys that need a browser."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from conftest import STAFF_PASSWORD, LiveServer
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots of the journeys, for a person to look at (not checked in).
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (make test installs it where it can)",
)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, user: str, password: str = STAFF_PASSWORD, next_page: str = "/"
) -> httpx.Response:
    form = await client.get("/login")
    return await client.post(
        "/login",
        data={
            "username": user,
            "password": password,
            "csrf_token": csrf_of(form.text),
            "next": next_page,
        },
    )


def field_errors(page: str) -> list[str]:
    """The reasons a page shows next to its fields, as a person reads them."""
    return [
        html.unescape(m) for m in re.findall(r'class="field-error" role="alert">([^<]+)<', page)
    ]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium; each `new_page` is a context of its own (its own cookies)."""
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=BROWSER_FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def sign_in_page(page: Page, server: LiveServer, user: str, target: str) -> None:
    """Sign `user` in through the login form in the browser; it then goes on to `target`, and
    returns once that page has loaded (its scripts run): what a test reads next is the page
    signed in to, not the login form still on screen."""
    await page.goto(f"{server.base_url}/login?next={target}")
    await page.fill('input[name="username"]', user)
    await page.fill('input[name="password"]', STAFF_PASSWORD)
    async with page.expect_navigation():
        await page.click('form[action="/login"] button[type="submit"]')


async def fits_the_phone(page: Page) -> None:
    """Nothing to scroll sideways: neither the page nor any card on it (a card would scroll
    inside itself and hide what is cut off)."""
    widths = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], widths
    overflowing = await page.evaluate(
        "[...document.querySelectorAll('.card')].filter(c => c.scrollWidth > c.clientWidth).length"
    )
    assert overflowing == 0
