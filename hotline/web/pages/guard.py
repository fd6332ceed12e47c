"""Who may see a page: signed in (else to the login page, coming back afterwards) and of a
role the page is for (else 403, and the page is not in that role's navigation either)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hotline.services.actor import Actor
from hotline.web.session import signed_in
from hotline.web.templating import activate, render
from tickets.workflow import Role

PageHandler = Callable[[Request, Actor], Awaitable[Response]]


def page(roles: Collection[Role], handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # The notices and reasons a handler words before it renders: in the reader's language.
        activate(request)
        found = await signed_in(request)
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if found is None:
            return RedirectResponse(f"/login?next={target}", status_code=303)
        if found.must_change_password:
            # A one-time password opens nothing but the page that replaces it.
            return RedirectResponse(f"/password?next={target}", status_code=303)
        actor = found.actor
        if actor.role not in roles:
            return render(request, "forbidden.html", actor=actor, status=403)
        return await handler(request, actor)

    # Who the page is for, readable from the route table (the tests check every page has it).
    endpoint.roles = frozenset(roles)  # type: ignore[attr-defined]
    return endpoint


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil.example` or `https://…` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
