"""Outages on the console and in public: a dispatcher announces a planned outage with the form
(Chinese first), it is listed, its page shows the clocks from the planned start and the
customers affected with special-care ones apart, it moves a step; agents read but do not
announce; `/outages` and its JSON and Atom feeds show it to anyone, with nothing personal."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
from conftest import FakeClock, add_customer
from web.console import csrf_of, field_errors, sign_in

from hotline.web.context import AppContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
AREA = "西湖区-文新街道"


def local(clock: FakeClock, hours: float) -> str:
    return (clock.now + timedelta(hours=hours)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def announcement(csrf: str, clock: FakeClock, hours_ahead: float) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "title": "文新街道管网检测",
        "kind": "planned",
        "cause": "pipeline_inspection",
        "areas": f"{AREA}\n",
        "accounts": "",
        "planned_start": local(clock, hours_ahead),
        "planned_end": local(clock, hours_ahead + 6),
    }


async def test_a_planned_outage_announced_on_the_console_is_public(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    await add_customer(
        context,
        account="GS1",
        name="李大爷",
        phone="+8613800138001",
        address=f"{AREA} 文三路 1 号",
        area=AREA,
        special_care="elderly",
    )
    await add_customer(
        context,
        account="GS2",
        name="王芳",
        phone="+8613800138002",
        address=f"{AREA} 文三路 3 号",
        area=AREA,
    )
    await sign_in(browser, "disp")
    page = await browser.get("/incidents", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and 'href="/incidents"' in page.text
    csrf = csrf_of(page.text)
    too_soon = await browser.post("/incidents", data=announcement(csrf, clock, 24))
    assert too_soon.status_code == 422
    assert any("48" in reason for reason in field_errors(too_soon.text))
    done = await browser.post("/incidents", data=announcement(csrf, clock, 24 * 10))
    assert done.status_code == 303
    listed = await browser.get("/incidents")
    assert "文新街道管网检测" in listed.text
    detail = await browser.get("/incidents/1")
    assert detail.status_code == 200
    assert detail.text.count("李大爷") == 1 and "王芳" in detail.text
    special = detail.text.split("special-care")[1].split("</table>")[0]
    assert "李大爷" in special and "王芳" not in special
    moved = await browser.post("/incidents/1/start", data={"csrf_token": csrf, "incident": "1"})
    assert moved.status_code == 303 and moved.headers["location"] == "/incidents/1"

    # Anyone, signed in or not.
    browser.cookies.clear()
    public = browser
    shown = await public.get("/outages", headers={"Accept-Language": "zh-CN"})
    assert shown.status_code == 200 and AREA in shown.text and "李大爷" not in shown.text
    feed = (await public.get("/outages.json")).json()["items"]
    assert [item["areas"] for item in feed] == [[AREA]]
    assert feed[0]["status"] == "under_way" and "accounts" not in feed[0]
    atom = await public.get("/outages.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1 and "13800138001" not in atom.text


async def test_agents_read_outages_but_do_not_announce(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "agent")
    page = await browser.get("/incidents")
    assert page.status_code == 200 and 'action="/incidents"' not in page.text
    refused = await browser.post("/incidents", data=announcement(csrf_of(page.text), clock, 72))
    assert refused.status_code == 403
    empty = await browser.get("/outages")
    assert empty.status_code == 200
