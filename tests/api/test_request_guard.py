"""What every request passes before a route sees it (hotline/web/guards.py): NUL bytes, bodies
past the limit, nesting past Python's stack; and the headers every answer carries."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import Api, LiveServer, add_customer

from hotline.web.context import AppContext

GAS_SMELL = {
    "type": "repair",
    "subtype": "gas_smell",
    "description": "厨房有燃气味",
    "caller_phone": "13900000001",
    "address": "西湖区文三路 1 号",
}


async def test_a_nul_in_the_query_is_refused_not_a_match_for_every_ticket(api: Api) -> None:
    assert (await api.post("agent", "/api/tickets", GAS_SMELL)).status_code == 201
    response = await api.client.get(
        "/api/tickets?text=%00", headers={**api.auth("sup"), "Accept-Language": "zh-CN"}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "nul_character"
    assert "NUL" in error["message"] and "字符" in error["message"]


async def test_a_nul_in_a_json_field_is_refused_in_english_too(api: Api) -> None:
    body = {**GAS_SMELL, "description": "gas\u0000smell"}
    response = await api.client.post(
        "/api/tickets", json=body, headers={**api.auth("agent"), "Accept-Language": "en"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith("the request contains a NUL")
    listed = await api.get("sup", "/api/tickets")
    assert listed.json()["items"] == []  # nothing half-written


async def test_a_nul_in_a_key_of_a_nested_object_is_refused(api: Api) -> None:
    body = {**GAS_SMELL, "appointment": {"start\u0000": "x"}}
    response = await api.post("agent", "/api/tickets", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "nul_character"


async def test_a_nul_in_a_path_is_refused(api: Api) -> None:
    response = await api.get("sup", "/api/tickets/RX-%00")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "nul_character"


async def test_a_nul_in_the_sign_in_form_is_refused_before_sign_in(api: Api) -> None:
    response = await api.client.post(
        "/login",
        content=b"username=adm%00in&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "nul_character"


async def test_deeply_nested_json_is_a_bad_request(api: Api) -> None:
    deep = "[" * 30_000 + "]" * 30_000
    response = await api.client.post(
        "/api/tickets",
        content=f'{{"description": {deep}}}',
        headers={**api.auth("agent"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_json"


async def test_a_body_announced_too_large_is_refused_unread(api: Api) -> None:
    response = await api.client.post(
        "/api/tickets",
        content=json.dumps({**GAS_SMELL, "description": "x" * 70_000}),
        headers={**api.auth("agent"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


async def test_a_streamed_body_is_cut_off_at_the_limit(live: LiveServer) -> None:
    """100 MB announced as chunks: the answer comes after the first 128 KiB, while the client
    still has almost all of it to send (a server reading the whole body would never answer)."""
    host, port = live.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /api/tickets HTTP/1.1\r\nHost: hotline\r\n"
        + f"Authorization: {live.auth('agent')['Authorization']}\r\n".encode()
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 32_768
    for _ in range(4):
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=20)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413"), status_line


async def test_answers_are_not_framed_sniffed_or_kept(api: Api) -> None:
    context = api.app_context
    assert isinstance(context, AppContext)
    customer = await add_customer(
        context, account="A1", name="王芳", phone="+8613900000001", address="文三路", area="西湖"
    )
    for path in (f"/api/customers/{customer}", "/api/calls", "/api/tickets"):
        response = await api.get("agent", path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert response.headers["x-content-type-options"] == "nosniff"
    page = await api.client.get("/login")
    assert page.headers["x-frame-options"] == "DENY"


async def test_a_wrong_method_says_which_are_allowed(api: Api) -> None:
    response = await api.client.delete("/api/tickets", headers=api.auth("agent"))
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.parametrize("field", ["phone", "q"])
async def test_a_nul_in_a_customer_search_is_refused(api: Api, field: str) -> None:
    response = await api.client.get(f"/api/customers?{field}=138%0000", headers=api.auth("agent"))
    assert response.status_code == 422
