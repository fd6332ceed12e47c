from __future__ import annotations

from typing import Any

from conftest import Api

from hotline.web.app import API_ROUTES


async def test_openapi_describes_every_route_with_its_roles(api: Api) -> None:
    document = (await api.client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    for route in API_ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["summary"]
        if route.roles is not None:
            assert operation["x-roles"] and operation["security"] == [{"bearer": []}]
    create = document["paths"]["/api/tickets"]["post"]
    body = document["components"]["schemas"]["TicketIn"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "TicketIn"
    )
    assert body["properties"]["description"]["maxLength"] == 4000
    assert body["additionalProperties"] is False


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


async def test_every_schema_the_document_names_is_in_it(api: Api) -> None:
    document = (await api.client.get("/api/openapi.json")).json()
    schemas = document["components"]["schemas"]
    refs = set(_refs(document))
    assert "#/components/schemas/Status" in refs  # a query parameter's enum
    prefix = "#/components/schemas/"
    assert all(ref.startswith(prefix) and ref[len(prefix) :] in schemas for ref in refs), refs


async def test_success_answers_have_schemas_and_refs_resolve(api: Api) -> None:
    document = (await api.client.get("/api/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert {"TicketType", "Status", "TaskStatus", "Ticket", "Call", "Customer"} <= schemas.keys()
    one = document["paths"]["/api/tickets/{number}"]["get"]["responses"]["200"]
    assert one["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Ticket"}
    assert schemas["Ticket"]["properties"]["status"] == {"$ref": "#/components/schemas/Status"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            successes = [code for code in operation["responses"] if code.startswith("2")]
            assert successes, (method, path)
            for code in successes:
                assert operation["responses"][code]["content"], (method, path, code)


async def test_parameters_are_typed_and_required_where_the_route_needs_them(api: Api) -> None:
    paths = (await api.client.get("/api/openapi.json")).json()["paths"]
    kpi = {p["name"]: p for p in paths["/api/reports/kpi"]["get"]["parameters"]}
    assert kpi["from"]["required"] and kpi["to"]["required"] and not kpi["format"]["required"]
    [year] = paths["/api/calendar/{year}"]["get"]["parameters"]
    assert year["schema"] == {"type": "integer", "minimum": 2004, "maximum": 2100}
    task = paths["/api/callbacks/{task_id}/survey"]["post"]["parameters"][0]
    assert task["schema"]["type"] == "integer"


async def test_every_refusal_a_route_gives_is_documented(api: Api) -> None:
    paths = (await api.client.get("/api/openapi.json")).json()["paths"]
    create = paths["/api/tickets"]["post"]["responses"]
    assert {"400", "401", "403", "405", "413", "422"} <= create.keys()
    assert "Allow" in create["405"]["headers"]
    survey = paths["/api/callbacks/{task_id}/survey"]["post"]["responses"]
    assert {"404", "422"} <= survey.keys()
    listed = paths["/api/callbacks"]["get"]["responses"]
    assert "422" in listed


async def test_an_id_past_what_a_row_can_have_is_refused_not_a_server_error(api: Api) -> None:
    for path in ("/api/customers/28807740294227648577536", "/api/customers/²"):
        response = await api.get("agent", path)
        assert response.status_code == 422, response.text
    withdraw = await api.post("agent", "/api/ringbacks/28807740294227648577536/withdraw", {})
    assert withdraw.status_code == 422, withdraw.text
    calls = await api.get("sup", "/api/calls", customer="10175648935791296512000")
    assert calls.status_code == 422, calls.text


async def test_a_time_given_as_a_bare_number_is_refused(api: Api) -> None:
    response = await api.get("sup", "/api/calls", to="0.5")
    assert response.status_code == 422
    assert "to" in response.json()["error"]["fields"]
