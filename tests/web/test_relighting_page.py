"""The relighting worklist on an outage's console page: once gas is back the dispatcher sees
each customer's visit, books a window, records it done or not needed (CSRF-checked), and the
outage can then be relit; agents see no worklist."""

from __future__ import annotations

from datetime import timedelta

import httpx
from conftest import FakeClock, add_customer
from web.console import csrf_of, field_errors, sign_in

from hotline.web.context import AppContext

AREA = "上城区-湖滨街道"


async def test_the_dispatcher_works_the_relighting_list_on_the_console(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    await add_customer(
        context, account="GS7", name="赵敏", phone="+8613800138007", address="湖滨1号", area=AREA
    )
    await sign_in(browser, "disp")
    csrf = csrf_of((await browser.get("/incidents")).text)
    announced = await browser.post(
        "/incidents",
        data={
            "csrf_token": csrf,
            "title": "湖滨管道抢修",
            "kind": "unplanned",
            "cause": "accident",
            "areas": AREA,
            "accounts": "",
        },
    )
    assert announced.status_code == 303
    for step in ("start", "restore"):
        moved = await browser.post(
            f"/incidents/1/{step}", data={"csrf_token": csrf, "incident": "1"}
        )
        assert moved.status_code == 303, step
    page = await browser.get("/incidents/1", headers={"Accept-Language": "zh-CN"})
    worklist = page.text.split('id="relighting"')[1]
    assert "开气上门预约" in page.text and "赵敏" in worklist and "待预约 1" in worklist
    visit = worklist.split('name="visit" value="')[1].split('"')[0]
    start = (clock.now + timedelta(days=1)).astimezone(context.settings.timezone)
    window = {
        "csrf_token": csrf,
        "incident": "1",
        "visit": visit,
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
    }
    too_long = await browser.post("/incidents/1/relight-book", data=window)
    assert too_long.status_code == 422 and field_errors(too_long.text)
    window["end"] = (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    booked = await browser.post("/incidents/1/relight-book", data=window)
    assert booked.status_code == 303
    forged = await browser.post("/incidents/1/relight-done", data={"incident": "1", "visit": visit})
    assert forged.status_code == 403
    # Recorded when the technician reports back (the console session would lapse meanwhile).
    done = await browser.post(
        "/incidents/1/relight-done", data={"csrf_token": csrf, "incident": "1", "visit": visit}
    )
    assert done.status_code == 303 and done.headers["location"] == "/incidents/1"
    relit = await browser.post("/incidents/1/relight", data={"csrf_token": csrf, "incident": "1"})
    assert relit.status_code == 303 and relit.headers["location"] == "/incidents/1"
    shown = await browser.get("/incidents/1", headers={"Accept-Language": "zh-CN"})
    assert "已完成 1" in shown.text.split('id="relighting"')[1]
    await browser.post("/logout", data={"csrf_token": csrf})
    await sign_in(browser, "agent")
    assert 'id="relighting"' not in (await browser.get("/incidents/1")).text
