"""`/callbacks`, the quality staff's worklist, over HTTP: due tasks listed, an attempt and a
survey recorded through the forms, an unhappy survey told to the supervisor; roles and CSRF."""

from __future__ import annotations

import re

import httpx
from conftest import FakeClock, add_due_callbacks
from web.console import csrf_of, field_errors, sign_in

REPAIR = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "address": "北区 光明路 20号",
    "description": "热水器不点火",
}


async def fixed_repair(browser: httpx.AsyncClient, clock: FakeClock) -> str:
    """A repair taken from call to fix by the supervisor (who may do every step)."""
    page = await browser.get("/tickets")
    headers = {"X-CSRF-Token": csrf_of(page.text)}
    created = await browser.post("/api/tickets", json=REPAIR, headers=headers)
    number = created.json()["number"]
    for action, body in (
        ("assign", {"assignee": "tech"}),
        ("start", {}),
        ("arrive", {}),
        ("fix", {"note": "更换点火器"}),
    ):
        done = await browser.post(
            f"/api/tickets/{number}/actions/{action}", json=body, headers=headers
        )
        assert done.status_code == 200, done.text
    clock.advance(hours=3)
    return str(number)


async def test_the_worklist_takes_an_attempt_and_a_survey(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    browser.clock = clock  # type: ignore[attr-defined]
    await sign_in(browser, "sup")
    number = await fixed_repair(browser, clock)
    await browser.post(
        "/logout", data={"csrf_token": csrf_of((await browser.get("/tickets")).text)}
    )
    await sign_in(browser, "qa")
    worklist = await browser.get("/callbacks")
    assert worklist.status_code == 200 and number in worklist.text
    assert 'href="/callbacks"' in worklist.text  # in the quality staff's menu
    task = re.search(r'action="/callbacks/(\d+)/attempt"', worklist.text)
    assert task is not None
    path = f"/callbacks/{task.group(1)}"
    token = csrf_of(worklist.text)
    reached = await browser.post(
        f"{path}/attempt", data={"csrf_token": token, "outcome": "reached", "tab": "due"}
    )
    assert (
        reached.status_code == 303 and reached.headers["location"] == "/callbacks?tab=due&who=all"
    )
    # The survey form stays on the tab where the call was made; the stage has its own tab too.
    for tab in ("due", "surveying"):
        surveying = await browser.get(f"/callbacks?tab={tab}")
        assert number in surveying.text and f'action="{path}/survey"' in surveying.text
    bad = await browser.post(
        f"{path}/survey",
        data={
            "csrf_token": token,
            "score": "9",
            "courtesy": "4",
            "comment": "还行",
            "tab": "surveying",
        },
    )
    assert bad.status_code == 422
    # Every fault at once; "solved" and "on time" are not assumed when left unanswered.
    assert field_errors(bad.text) == ["须为 1 至 5", "请选择一项", "请选择一项"]
    assert 'value="还行"' in bad.text  # what was typed stays
    unhappy = await browser.post(
        f"{path}/survey",
        data={
            "csrf_token": token,
            "score": "2",
            "courtesy": "3",
            "resolved": "no",
            "on_time": "yes",
            "tab": "surveying",
        },
    )
    assert unhappy.status_code == 303
    notice = await browser.get(unhappy.headers["location"])
    # The repair was fixed but not yet resolved: nothing to reopen, the supervisor is told.
    assert "回访结果已保存" in notice.text
    escalations = await browser.get("/api/escalations", params={"ticket": number})
    assert [(e["clock"], e["kind"]) for e in escalations.json()["items"]] == [("survey", "unhappy")]


async def test_a_callback_is_taken_from_the_pool_and_handed_out(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "sup")
    number = await fixed_repair(browser, clock)
    pool = await browser.get("/callbacks", params={"who": "free"})
    task = re.search(r'action="/callbacks/(\d+)/assign"', pool.text)
    assert task is not None and number in pool.text
    path = f"/callbacks/{task.group(1)}/assign"
    # The supervisor hands it to anyone in quality; the list of names is theirs only.
    assert '<option value="qa">qa</option>' in pool.text
    handed = await browser.post(
        path, data={"csrf_token": csrf_of(pool.text), "assignee": "qa", "who": "free"}
    )
    assert handed.status_code == 303
    assert handed.headers["location"] == "/callbacks?tab=due&who=free"
    assert "qa" in (await browser.get(handed.headers["location"])).text  # the notice
    assert number not in (await browser.get("/callbacks", params={"who": "free"})).text
    await browser.post("/logout", data={"csrf_token": csrf_of(pool.text)})

    await sign_in(browser, "qa")
    mine = await browser.get("/callbacks", params={"who": "mine"})
    assert number in mine.text and '<select name="assignee"' not in mine.text
    given_back = await browser.post(path, data={"csrf_token": csrf_of(mine.text), "who": "mine"})
    assert given_back.status_code == 303
    assert number not in (await browser.get("/callbacks", params={"who": "mine"})).text
    free = await browser.get("/callbacks", params={"who": "free"})
    assert "领取" in free.text  # "Take"
    taken = await browser.post(
        path, data={"csrf_token": csrf_of(free.text), "assignee": "qa", "who": "free"}
    )
    assert taken.status_code == 303
    others = await browser.post(path, data={"csrf_token": csrf_of(free.text), "assignee": "sup"})
    assert others.status_code == 403 and number in others.text
    assert number in (await browser.get("/callbacks", params={"who": "mine"})).text


async def test_a_long_worklist_comes_in_pages(
    browser: httpx.AsyncClient, clock: FakeClock, database_url: str
) -> None:
    await add_due_callbacks(database_url, clock.now, 120)
    await sign_in(browser, "qa")
    first = await browser.get("/callbacks")
    tasks = re.findall(r'action="/callbacks/(\d+)/attempt"', first.text)
    assert len(tasks) == 50
    assert 'href="/callbacks?tab=due&amp;who=all&amp;page=2"' in first.text
    assert "page=0" not in first.text  # no way back from the first page
    third = await browser.get("/callbacks", params={"page": "3"})
    last = re.findall(r'action="/callbacks/(\d+)/attempt"', third.text)
    assert len(last) == 20 and not set(last) & set(tasks)
    assert "page=4" not in third.text and "page=2" in third.text
    nonsense = await browser.get("/callbacks", params={"page": "-1"})
    assert re.findall(r'action="/callbacks/(\d+)/attempt"', nonsense.text) == tasks


async def test_the_worklist_is_for_quality_supervisors_and_admins(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser, "agent")
    assert (await browser.get("/callbacks")).status_code == 403
    assert 'href="/callbacks"' not in (await browser.get("/tickets")).text
    forged = await browser.post("/callbacks/1/attempt", data={"outcome": "reached"})
    assert forged.status_code == 403
