"""Plain HTML forms on the console: the CSRF check, and a one-line notice carried to the page
a successful post redirects to (post, redirect, get: a reload never posts twice)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse

from hotline.web import session

NOTICE = "notice"


async def checked_form(request: Request) -> FormData | None:
    """The posted form, or None when its CSRF token is missing or not this session's."""
    form = await request.form()
    if not await session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")):
        # A file it carried (a photo) is spooled to disk: let it go now.
        await form.close()
        return None
    return form


def text(form: FormData, name: str, limit: int = 200) -> str:
    return str(form.get(name) or "").strip()[:limit]


def optional(form: FormData, name: str, limit: int = 200) -> str | None:
    return text(form, name, limit) or None


def done(request: Request, target: str, notice: str) -> RedirectResponse:
    request.session[NOTICE] = notice
    return RedirectResponse(target, status_code=303)


def take_notice(request: Request) -> str | None:
    notice = request.session.pop(NOTICE, None)
    return notice if isinstance(notice, str) else None
