"""Pages of forms: GET shows the page; a POST makes one change in one transaction and comes
back to it with a notice, or shows the page again with what was typed and the reason next to
each field (403 for a stale form: CSRF)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hotline.services import routing_rules
from hotline.services.actor import Actor
from hotline.services.errors import ServiceError
from hotline.web.errors import status_of
from hotline.web.pages.forms import checked_form, done, take_notice
from hotline.web.pages.guard import page
from hotline.web.templating import current_gettext, render
from tickets.workflow import Role

# A refused change: (status, field errors, the values to show again, the row it was made on,
# None for a new one).
Outcome = tuple[int, dict[str, str], dict[str, Any], str | None]


def problem_of(error: ServiceError) -> tuple[int, dict[str, str]]:
    _ = current_gettext()
    fields = {name: _(message) for name, message in error.fields.items()}
    if isinstance(error, routing_rules.RuleShadowed):
        fields["position"] = _(
            "rule %(rule)d could never fire: rule %(by)d takes all its tickets first"
        ) % {"rule": error.rule, "by": error.hidden_by}
    if not fields:
        fields["form"] = _(error.message)
    return status_of(error), fields


def stale_form(request: Request, actor: Actor) -> Response:
    _ = current_gettext()
    return render(
        request,
        "forbidden.html",
        {"reason": _("The form was out of date: reload the page and try again.")},
        actor=actor,
        status=403,
    )


def _row_id(request: Request) -> int | None:
    raw = request.path_params.get("row", "")
    return int(raw) if raw.isdigit() else None


Change = Callable[[Request, Actor, FormData, int | None], Awaitable[str]]
Show = Callable[[Request, Actor, Outcome | None], Awaitable[Response]]


def changes(
    show: Show, change: Change, back: str | Callable[[FormData], str]
) -> Callable[[Request, Actor], Awaitable[Response]]:
    """A POST handler: CSRF, then the change (a use case); the page again on refusal."""

    async def handler(request: Request, actor: Actor) -> Response:
        form = await checked_form(request)
        if form is None:
            return stale_form(request, actor)
        row = _row_id(request)
        try:
            notice = await change(request, actor, form, row)
        except ServiceError as error:
            status, fields = problem_of(error)
            on = request.path_params.get("row")
            typed = {name: value for name, value in form.items() if isinstance(value, str)}
            return await show(request, actor, (status, fields, typed, on))
        finally:
            # The files a form carried (a photo) are spooled to disk until closed.
            await form.close()
        return done(request, back(form) if callable(back) else back, notice)

    return handler


def form_page(
    path: str,
    roles: frozenset[Role],
    show: Show,
    change: Change,
    back: str | Callable[[FormData], str],
    posts: list[str],
) -> list[Route]:
    """A page of forms: GET shows it; a POST to any of `posts` makes a change and comes back
    to it, or shows it again with the reasons. A row a change is made on is `{row}`."""

    async def shown(request: Request, actor: Actor) -> Response:
        return await show(request, actor, None)

    handler = page(roles, changes(show, change, back))
    return [
        Route(path, page(roles, shown)),
        *(Route(post, handler, methods=["POST"]) for post in posts),
    ]


def show_form_page(
    request: Request,
    actor: Actor,
    template: str,
    values: dict[str, Any],
    outcome: Outcome | None,
) -> Response:
    """The page as first shown (with the notice of the last change), or again after a refusal."""
    status, errors, typed, row = outcome or (200, {}, {}, None)
    return render(
        request,
        template,
        {
            **values,
            "notice": take_notice(request) if outcome is None else None,
            "errors": errors,
            "typed": typed,
            "row": row,
        },
        actor=actor,
        status=status,
    )
