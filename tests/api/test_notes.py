"""Internal notes on tickets (POST /api/tickets/{number}/notes): any role that works a ticket
writes one, a complaint's only those who may see the complainant; a note may add a logged
call to the ticket; both show in the ticket's history."""

from __future__ import annotations

from conftest import Api

from hotline.db.tables import CallRow
from hotline.web.context import AppContext

REPAIR = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "address": "北区 光明路 20号",
    "description": "热水器不点火",
}
COMPLAINT = {"type": "complaint", "subtype": "timeliness", "description": "维修人员迟到"}


async def _ticket(api: Api, body: dict[str, object]) -> str:
    made = await api.post("agent", "/api/tickets", body)
    assert made.status_code == 201, made.text
    return str(made.json()["number"])


async def test_every_role_that_works_a_ticket_writes_notes_on_it(api: Api) -> None:
    number = await _ticket(api, REPAIR)
    for user in ("agent", "disp", "tech", "qa", "sup"):
        noted = await api.post(user, f"/api/tickets/{number}/notes", {"body": f"{user} 已跟进"})
        assert noted.status_code == 201, noted.text
        assert noted.json()["author"] == user
    history = (await api.get("agent", f"/api/tickets/{number}")).json()["history"]
    notes = [entry["note"] for entry in history if entry["action"] == "note"]
    assert notes == [f"{user} 已跟进" for user in ("agent", "disp", "tech", "qa", "sup")]


async def test_an_empty_note_is_refused_in_the_readers_language(api: Api) -> None:
    number = await _ticket(api, REPAIR)
    refused = await api.client.post(
        f"/api/tickets/{number}/notes",
        json={"body": "  "},
        headers={**api.auth("agent"), "Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"body": "请填写备注内容"}


async def test_a_complaint_takes_notes_only_from_those_who_may_see_the_complainant(
    api: Api,
) -> None:
    number = await _ticket(api, COMPLAINT)
    assert (
        await api.post("tech", f"/api/tickets/{number}/notes", {"body": "x"})
    ).status_code == 403
    assert (
        await api.post("qa", f"/api/tickets/{number}/notes", {"body": "已致电"})
    ).status_code == 201


async def test_a_repeat_call_is_added_to_the_open_ticket(api: Api) -> None:
    number = await _ticket(api, REPAIR)
    unknown = await api.post("agent", f"/api/tickets/{number}/notes", {"call_linkedid": "9.9"})
    assert unknown.status_code == 422
    context = api.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session, session.begin():
        now = context.clock()
        session.add(
            CallRow(
                server="pbx",
                linkedid="100.7",
                caller="+8613812345678",
                direction="inbound",
                started_at=now,
                updated_at=now,
            )
        )
    added = await api.post(
        "agent", f"/api/tickets/{number}/notes", {"call_linkedid": "100.7", "body": "再次催修"}
    )
    assert added.status_code == 201, added.text
    history = (await api.get("agent", f"/api/tickets/{number}")).json()["history"]
    [entry] = [entry for entry in history if entry["action"] == "call_added"]
    assert entry["note"] == "再次催修" and entry["after"] == {"call_linkedid": "100.7"}
