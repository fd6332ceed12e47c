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
