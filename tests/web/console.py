"""Signing in to the console with a cookie-keeping client (the `browser` fixture)."""

from __future__ import annotations

import html
import re

import httpx
from conftest import STAFF_PASSWORD


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
