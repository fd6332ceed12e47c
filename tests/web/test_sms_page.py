"""`/sms` on the console: the outbox for dispatchers and supervisors, in Chinese first, phones
masked, times in Shanghai, filtered by status; a bad filter is a clear 400; technicians and
agents are refused."""

from __future__ import annotations

import httpx
import pytest
from web.console import sign_in

from hotline.application import sms as sms_cases
from hotline.services.sms_outbox import Recipient
from hotline.web.context import AppContext
from tickets.sms_templates import SmsTemplate


async def queue_two(context: object) -> None:
    assert isinstance(context, AppContext)
    await sms_cases.queue_notices(
        context,
        event="incident:3:planned",
        template=SmsTemplate.PLANNED_OUTAGE,
        parameters={
            "cause": "管网检测",
            "area": "北区<script>",
            "start": "12月10日 09:00",
            "end": "12月10日 17:00",
        },
        recipients=[Recipient("+8613800001111"), Recipient("+8613800002222")],
    )


async def test_dispatchers_read_the_outbox_with_phones_masked(
    browser: httpx.AsyncClient,
) -> None:
    await queue_two(browser.app_context)  # type: ignore[attr-defined]
    await sign_in(browser, "disp")
    page = await browser.get("/sms")
    assert page.status_code == 200
    assert 'href="/sms"' in page.text, "in the dispatcher's menu"
    assert "短信发件箱" in page.text and "未配置短信网关" in page.text
    assert "+86138****1111" in page.text and "+8613800001111" not in page.text
    assert "北区&lt;script&gt;" in page.text, "the text is escaped"
    assert "11-20 10:00:00" in page.text, "queued at 10:00 in Shanghai"
    assert "排队中 (2)" in page.text
    delivered = await browser.get("/sms", params={"status": "delivered"})
    assert delivered.status_code == 200 and "暂无通知" in delivered.text


async def test_a_bad_status_filter_is_refused_clearly(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "sup")
    page = await browser.get("/sms", params={"status": "lost"})
    assert page.status_code == 400 and "请选择列出的状态之一" in page.text


@pytest.mark.parametrize("user", ["tech", "agent"])
async def test_technicians_and_agents_do_not_see_the_outbox(
    browser: httpx.AsyncClient, user: str
) -> None:
    await sign_in(browser, user)
    page = await browser.get("/sms")
    assert page.status_code == 403 and 'href="/sms"' not in page.text
