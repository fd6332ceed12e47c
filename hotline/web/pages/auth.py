"""Signing in and out, changing one's own password, and choosing the console's language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hotline.application import sessions as session_cases
from hotline.auth.passwords import MAX_PASSWORD_LENGTH
from hotline.services.errors import Invalid
from hotline.web import session
from hotline.web.context import context_of
from hotline.web.pages.guard import safe_next
from hotline.web.templating import LANGUAGE_COOKIE, current_gettext, render
from tickets.workflow import Role


async def login_form(request: Request) -> Response:
    if await session.session_actor(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return render(
        request,
        "login.html",
        {"next": safe_next(request.query_params.get("next")), "username": ""},
    )


async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:MAX_PASSWORD_LENGTH]
    target = safe_next(str(form.get("next") or ""))
    values = {"next": target, "username": username}
    if not await session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")):
        return render(
            request,
            "login.html",
            {**values, "error": "The form was out of date: please sign in again."},
            status=403,
        )
    # The peer, or what a trusted proxy forwarded (uvicorn applies HOTLINE_TRUSTED_PROXIES).
    address = request.client.host if request.client else "unknown"
    context = context_of(request)
    wait = await session_cases.retry_after(context, username, address, session.clock())
    if wait > 0:
        response = render(
            request,
            "login.html",
            {**values, "error": "Too many failed sign-ins: wait a few minutes and try again."},
            status=429,
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    session_id = await session_cases.sign_in(
        context, username, password, session.clock(), address[:64]
    )
    if session_id is None:
        return render(
            request, "login.html", {**values, "error": "Wrong user name or password."}, status=401
        )
    session.begin(request, session_id)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    form = await request.form()
    if await session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")):
        await session.end(request)
    return RedirectResponse("/login", status_code=303)


async def password_form(request: Request) -> Response:
    signed = await session.signed_in(request)
    if signed is None:
        return RedirectResponse("/login?next=/password", status_code=303)
    return _password_page(request, signed, {})


def _password_page(
    request: Request,
    signed: session_cases.SignedIn,
    errors: dict[str, str],
    status: int = 200,
    notice: str | None = None,
) -> Response:
    return render(
        request,
        "password.html",
        {
            "next": safe_next(request.query_params.get("next")),
            "required": signed.must_change_password,
            "errors": errors,
            "notice": notice,
        },
        actor=signed.actor,
        status=status,
    )


async def change_password(request: Request) -> Response:
    signed = await session.signed_in(request)
    if signed is None:
        return RedirectResponse("/login?next=/password", status_code=303)
    form = await request.form()
    if not await session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")):
        return _password_page(
            request, signed, {"form": "The form was out of date: please sign in again."}, 403
        )
    try:
        await session_cases.change_own_password(
            context_of(request),
            signed,
            str(form.get("current_password") or "")[:MAX_PASSWORD_LENGTH],
            str(form.get("new_password") or "")[: MAX_PASSWORD_LENGTH + 1],
            str(form.get("repeat_password") or "")[: MAX_PASSWORD_LENGTH + 1],
        )
    except Invalid as refused:
        return _password_page(request, signed, refused.fields, 422)
    target = safe_next(str(form.get("next") or ""))
    if signed.must_change_password:
        return RedirectResponse(target, status_code=303)
    return _password_page(
        request, signed, {}, notice=current_gettext()("Your password has been changed.")
    )


async def language(request: Request) -> Response:
    form = await request.form()
    response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
    chosen = str(form.get("lang") or "")
    if await session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")) and chosen in (
        "zh_CN",
        "en",
    ):
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response


# Every signed-in user has a password of their own to change (the route table's role check).
password_form.roles = change_password.roles = frozenset(Role)  # type: ignore[attr-defined]

ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/password", password_form, methods=["GET"]),
    Route("/password", change_password, methods=["POST"]),
    Route("/language", language, methods=["POST"]),
]
