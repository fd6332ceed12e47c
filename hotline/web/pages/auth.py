"""Signing in and out, and choosing the console's language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hotline.services.users import authenticate
from hotline.web import session
from hotline.web.context import context_of
from hotline.web.pages.guard import safe_next
from hotline.web.templating import LANGUAGE_COOKIE, render
from hotline.web.throttle import LoginThrottle

throttle = LoginThrottle()


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
    password = str(form.get("password") or "")[:256]
    target = safe_next(str(form.get("next") or ""))
    values = {"next": target, "username": username}
    if not session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")):
        return render(
            request,
            "login.html",
            {**values, "error": "The form was out of date: please sign in again."},
            status=403,
        )
    client = request.client.host if request.client else "unknown"
    keys = (f"user:{username.lower()}", f"address:{client}")
    wait = throttle.retry_after(*keys)
    if wait > 0:
        response = render(
            request,
            "login.html",
            {**values, "error": "Too many failed sign-ins: wait a few minutes and try again."},
            status=429,
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    async with context_of(request).sessions() as db:
        actor = await authenticate(db, username, password)
    if actor is None:
        throttle.failed(*keys)
        return render(
            request, "login.html", {**values, "error": "Wrong user name or password."}, status=401
        )
    throttle.succeeded(keys[0])
    session.begin(request, actor)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    form = await request.form()
    if session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")):
        session.end(request)
    return RedirectResponse("/login", status_code=303)


async def language(request: Request) -> Response:
    form = await request.form()
    response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
    chosen = str(form.get("lang") or "")
    if session.csrf_ok(request, str(form.get(session.CSRF_FIELD) or "")) and chosen in (
        "zh_CN",
        "en",
    ):
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response


ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/language", language, methods=["POST"]),
]
