from __future__ import annotations

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
