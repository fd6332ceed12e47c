"""Roles (and, on forms, the CSRF token) are checked on every route, found from the route
table rather than listed by hand: a page or API route added later is covered the day it is
added. Each role gets 403 exactly where it is not one of the route's roles; strangers get the
login page or 401."""

from __future__ import annotations

import re

import httpx
from conftest import STAFF, Api, app_settings
from web.console import csrf_of, sign_in

from hotline.web.app import API_ROUTES, create_app
from tickets.workflow import Role

# Pages anyone may open, signed in or not.
PUBLIC = {"/login", "/logout", "/language", "/outages", "/outages.json", "/outages.atom"}
# Streams that stay open for a role allowed to read them.
STREAMS = {"/api/events"}
USER_OF = {role: name for name, (role, _interface) in STAFF.items()}


def concrete(path: str) -> str:
    """A path with its parameters filled by values no row has."""
    return re.sub(r"\{[^}]+\}", "999999", path)


def page_routes() -> list[tuple[str, str, frozenset[Role]]]:
    """(method, path, roles) of every console page, from the app's own route table."""
    app = create_app(app_settings("sqlite:///:memory:"))
    found = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith(("/api", "/static")) or path in PUBLIC:
            continue
        roles = getattr(route.endpoint, "roles", None)  # type: ignore[attr-defined]
        assert roles is not None, f"{path} is not guarded by roles"
        for method in sorted(route.methods - {"HEAD"}):  # type: ignore[attr-defined]
            found.append((method, path, roles))
    return found


def test_the_route_table_has_the_pages_it_should() -> None:
    paths = {path for _method, path, _roles in page_routes()}
    assert {"/dispatch", "/my-work", "/callbacks", "/reports", "/admin/users"} <= paths
    assert ("POST", "/callbacks/{row}/{operation}") in {(m, p) for m, p, _r in page_routes()}


async def test_every_page_refuses_exactly_the_roles_it_is_not_for(
    browser: httpx.AsyncClient,
) -> None:
    routes = page_routes()
    for method, path, _roles in routes:
        if method == "GET":
            stranger = await browser.get(concrete(path))
            assert stranger.status_code == 303, path
            assert stranger.headers["location"].startswith("/login"), path
    for role in Role:
        await sign_in(browser, USER_OF[role])
        token = csrf_of((await browser.get("/tickets")).text)
        for method, path, roles in routes:
            if method == "GET":
                answer = await browser.get(concrete(path))
            else:
                answer = await browser.post(concrete(path), data={"csrf_token": token})
            if role in roles:
                assert answer.status_code != 403, (role, method, path, answer.status_code)
                if method == "POST":
                    forged = await browser.post(concrete(path), data={})
                    assert forged.status_code == 403, ("no CSRF token", role, path)
            else:
                assert answer.status_code == 403, (role, method, path, answer.status_code)
        await browser.post("/logout", data={"csrf_token": token})


async def test_every_api_route_refuses_exactly_the_roles_it_is_not_for(api: Api) -> None:
    for route in API_ROUTES:
        path = concrete(route.path)
        if route.roles is None:
            continue
        stranger = await api.client.request(route.method, path)
        assert stranger.status_code == 401, (route.method, route.path)
        for role in Role:
            if role in route.roles and route.path in STREAMS:
                continue
            user = USER_OF[role]
            if route.method == "GET":
                answer = await api.get(user, path)
            else:
                answer = await api.client.request(
                    route.method, path, json={}, headers=api.auth(user)
                )
            if role in route.roles:
                assert answer.status_code not in (401, 403), (role, route.method, route.path)
            else:
                assert answer.status_code == 403, (role, route.method, route.path)
