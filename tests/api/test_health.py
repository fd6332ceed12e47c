from __future__ import annotations

from conftest import Api


async def test_health_reports_database_at_head_and_scheduler_off(api: Api) -> None:
    response = await api.get("sup", "/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["revision"] == body["database"]["head"]
    assert body["scheduler"]["mode"] == "off"
    assert body["telephony"]["state"] == "off"


async def test_health_flags_2027_as_estimated_in_late_2026(api: Api) -> None:
    body = (await api.get("sup", "/api/health")).json()
    assert body["calendar"]["estimated_years"] == [2027]
    assert "2027" in body["calendar"]["warnings"][0]


async def test_health_drops_the_warning_once_2027_is_confirmed(api: Api) -> None:
    response = await api.client.put(
        "/api/calendar/years/2027/confirmed",
        json={"note": "国办发明电〔2026〕"},
        headers=api.auth("admin"),
    )
    assert response.status_code == 200
    body = (await api.get("sup", "/api/health")).json()
    assert body["calendar"]["estimated_years"] == []


async def test_without_a_token_health_says_only_its_status(api: Api) -> None:
    """A monitor needs the status; the database's host and user, the PBX's names and errors
    and the scheduler's internals are for staff."""
    anonymous = await api.client.get("/api/health")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ok"}
    forged = await api.client.get("/api/health", headers={"Authorization": "Bearer htl_forged"})
    assert forged.json() == {"status": "ok"}
    staff = (await api.get("tech", "/api/health")).json()
    assert staff["database"]["backend"] in {"sqlite", "postgresql"}
