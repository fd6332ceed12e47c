"""`/admin/...`: the rules the hotline runs on — departments, routing rules, SLA targets — and
the staff accounts. Admins only. A refused change shows the page again with what was typed
and the reason next to each field; an accepted one is audited and takes effect at once."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hotline.application import ringbacks as ringback_cases
from hotline.application import rules
from hotline.application import sessions as session_cases
from hotline.application import staff as staff_cases
from hotline.db.tables import CallbackPolicyRow, RingbackPolicyRow
from hotline.i18n import N_
from hotline.services import callbacks as callback_service
from hotline.services import departments, ringback_policy, routing_rules, sla_policies, staff
from hotline.services.actor import Actor
from hotline.services.errors import Invalid, NotFound
from hotline.services.rulebook import policy_from_row
from hotline.web.context import context_of
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import optional, text
from hotline.web.pages.guard import page
from hotline.web.pages.undo import offer_undo, pending_undo, take_undo
from hotline.web.session import signed_in
from hotline.web.templating import current_gettext
from tickets.regulations import KPI_RULE_TARGETS, rule_amount
from tickets.sla import TargetKind
from tickets.types import SUBTYPES, TicketType
from tickets.workflow import ADMINS, Role

SECTIONS = [
    ("/admin/users", "Users"),
    ("/admin/departments", "Departments"),
    ("/admin/routing", "Routing rules"),
    ("/admin/crews", "Crews"),
    ("/admin/sla", "SLA targets"),
    ("/admin/callbacks", "Callback policy"),
    ("/admin/ringbacks", "Ring-back policy"),
    ("/admin/calendar", "Calendar"),
]


def _shown(
    request: Request, actor: Actor, template: str, values: dict[str, Any], outcome: Outcome | None
) -> Response:
    return show_form_page(request, actor, template, {**values, "sections": SECTIONS}, outcome)


async def index(_request: Request, _actor: Actor) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


# Departments


async def show_departments(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    async with context_of(request).sessions() as session:
        found = await departments.list_departments(session)
    return _shown(request, actor, "admin_departments.html", {"departments": found}, outcome)


def _department_form(form: FormData, code: str) -> departments.DepartmentForm:
    return departments.DepartmentForm(
        code=code,
        name=text(form, "name", 100),
        lead_username=optional(form, "lead_username", 64),
        is_default=form.get("is_default") == "on",
    )


async def save_department(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    context = context_of(request)
    code = request.path_params.get("row") or text(form, "code", 40)
    if "row" in request.path_params:
        await rules.update_department(context, actor, _department_form(form, code))
    else:
        await rules.create_department(context, actor, _department_form(form, code))
    return current_gettext()("Saved.")


# Routing rules


async def show_routing(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    async with context_of(request).sessions() as session:
        rules = await routing_rules.list_rules(session)
        found = await departments.list_departments(session)
    values = {
        "rules": rules,
        "department_choices": [(d.code, d.name) for d in found],
        "types": [t.value for t in TicketType],
        "subtypes": sorted({s for subtypes in SUBTYPES.values() for s in subtypes}),
        # The rule just deleted, offered back for a few minutes (pages/undo.py).
        "undo": pending_undo(request, UNDO_RULE, context_of(request).clock()),
    }
    return _shown(request, actor, "admin_routing.html", values, outcome)


UNDO_RULE = "routing_rule"


def _rule_form(form: FormData) -> routing_rules.RuleForm:
    return routing_rules.RuleForm(
        department=text(form, "department", 40),
        ticket_type=optional(form, "ticket_type", 20),
        subtype=optional(form, "subtype", 40),
        area=optional(form, "area", 65),
    )


async def change_rule(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    context = context_of(request)
    operation = request.path_params.get("operation", "add")
    if operation == "add":
        await rules.add_routing_rule(context, actor, _rule_form(form))
    elif operation == "restore":
        deleted = take_undo(request, UNDO_RULE, context.clock())
        position = int(deleted.pop("position"))
        await rules.add_routing_rule(context, actor, routing_rules.RuleForm(**deleted), position)
        return current_gettext()("The rule is back in its place.")
    elif row is None:
        raise NotFound("no such routing rule")
    elif operation == "update":
        await rules.update_routing_rule(context, actor, row, _rule_form(form))
    elif operation in ("up", "down"):
        await rules.move_routing_rule(context, actor, row, operation)
    elif operation == "delete":
        removed = await rules.delete_routing_rule(context, actor, row)
        deleted = {**asdict(removed.form), "position": removed.position}
        offer_undo(request, UNDO_RULE, deleted, context.clock())
        return current_gettext()("The rule is deleted.")
    else:
        raise NotFound("no such change")
    return current_gettext()("Saved.")


# SLA targets


async def show_sla(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    async with context_of(request).sessions() as session:
        policies = await sla_policies.list_policies(session)
        kpi_targets = await sla_policies.list_kpi_targets(session)
    values = {
        "policies": policies,
        # The rules' own value next to each configured one, and whether it is looser.
        "rule_amounts": {row.id: rule_amount(policy_from_row(row)) for row in policies},
        "looser": {row.id: policy_from_row(row).looser for row in policies},
        "kpi_targets": kpi_targets,
        "kpi_rules": KPI_RULE_TARGETS,
        "bounds": {kind.value: sla_policies.bounds(kind) for kind in TargetKind},
    }
    return _shown(request, actor, "admin_sla.html", values, outcome)


async def set_target(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    """A policy's target (`/admin/sla/{row}`), a second admin's confirmation of a looser one
    (`/admin/sla/{row}/confirm`), or a KPI target (`/admin/sla/kpi`, with `kpi`, `target`
    and maybe `confirm`)."""
    context = context_of(request)
    _ = current_gettext()
    if row is None:
        name = text(form, "kpi", 40)
        if form.get("confirm"):
            await rules.confirm_kpi_target(context, actor, name)
            return _("Confirmed.")
        target = await rules.set_kpi_target(context, actor, name, _share(text(form, "target", 10)))
        return _("Saved.") if target.pending_target is None else _(LOOSER_WAITS)
    if request.url.path.endswith("/confirm"):
        await rules.confirm_sla_target(context, actor, row)
        return _("Confirmed. Tickets received from now on get the new target.")
    raw = text(form, "amount", 10)
    if not raw.isdigit():
        raise Invalid(N_("the SLA target was not saved"), {"amount": N_("a whole number")})
    policy = await rules.set_sla_target(context, actor, row, int(raw))
    if policy.pending_amount is not None:
        return _(LOOSER_WAITS)
    return _("Saved. Tickets received from now on get the new target.")


LOOSER_WAITS = N_("Looser than the rules: it applies once a second admin confirms it.")


def _share(raw: str) -> float:
    """A KPI target typed as a percentage."""
    try:
        return float(raw) / 100
    except ValueError as error:
        message = N_("a share from 0 to 1")
        raise Invalid(N_("the KPI target was not saved"), {"target": message}) from error


# Callback policy


async def show_callback_policy(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    async with context_of(request).sessions() as session:
        row = await session.get(CallbackPolicyRow, 1) or CallbackPolicyRow()
    values = {"policy": row, "bounds": callback_service.POLICY_FIELDS}
    return _shown(request, actor, "admin_callbacks.html", values, outcome)


async def save_callback_policy(
    request: Request, actor: Actor, form: FormData, _row: int | None
) -> str:
    context = context_of(request)
    numbers = {}
    for name in callback_service.POLICY_FIELDS:
        raw = text(form, name, 8)
        numbers[name] = int(raw) if raw.isdigit() else -1
    await rules.set_callback_policy(
        context,
        actor,
        numbers,
        (text(form, "quiet_start", 5), text(form, "quiet_end", 5)),
        form.get("automated_calls") == "on",
    )
    return current_gettext()("Saved. Callbacks made from now on follow the new policy.")


# Ring-back policy


async def show_ringback_policy(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    async with context_of(request).sessions() as session:
        row = await session.get(RingbackPolicyRow, 1) or RingbackPolicyRow()
    values = {"policy": row, "bounds": ringback_policy.POLICY_FIELDS}
    return _shown(request, actor, "admin_ringbacks.html", values, outcome)


async def save_ringback_policy(
    request: Request, actor: Actor, form: FormData, _row: int | None
) -> str:
    numbers = {}
    for name in ringback_policy.POLICY_FIELDS:
        raw = text(form, name, 8)
        numbers[name] = int(raw) if raw.isdigit() else -1
    await ringback_cases.update_policy(
        context_of(request), actor, numbers, form.get("automatic_dialling") == "on"
    )
    return current_gettext()("Saved. Ring-backs follow the new policy from their next attempt.")


# Users


async def show_users(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    context = context_of(request)
    handover = None
    signed = await signed_in(request)
    if outcome is None and signed is not None:
        # Held in this admin's own session on the server; shown once, then gone.
        handover = await session_cases.take_handover(context, signed.session_row)
    async with context.sessions() as session:
        members = await staff.list_staff(session)
        found = await departments.list_departments(session)
    values = {
        "members": members,
        "department_choices": [(d.code, d.name) for d in found],
        "roles": [role.value for role in Role],
        "password": {"username": handover[0], "password": handover[1]} if handover else None,
        "editing_row": request.query_params.get("edit", ""),
    }
    return _shown(request, actor, "admin_users.html", values, outcome)


def _staff_form(form: FormData, *, new: bool = False) -> staff.StaffForm:
    return staff.StaffForm(
        display_name=text(form, "display_name", 101),
        role=text(form, "role", 20),
        interface=optional(form, "interface", 100),
        department=optional(form, "department", 40),
        active=new or form.get("active") == "on",
    )


async def change_user(request: Request, actor: Actor, form: FormData, row: int | None) -> str:
    context = context_of(request)
    operation = request.path_params.get("operation", "add")
    _ = current_gettext()
    signed = await signed_in(request)
    assert signed is not None  # the page guard let a signed-in admin through
    if operation == "add":
        await staff_cases.create_staff(
            context,
            actor,
            text(form, "username", 64),
            _staff_form(form, new=True),
            signed.session_row,
        )
        return _("Saved. Hand over the one-time password below; it is not shown again.")
    if row is None:
        raise NotFound("no such user")
    if operation == "update":
        await staff_cases.update_staff(context, actor, row, _staff_form(form))
        # Signed in already: their new role holds from the next request; deactivation has
        # ended their sessions and tokens.
        context.tokens.forget_user(row)
        return _("Saved.")
    if operation == "password":
        await staff_cases.reset_password(context, actor, row, signed.session_row)
        context.tokens.forget_user(row)
        return _("Saved. Hand over the one-time password below; it is not shown again.")
    if operation == "revoke":
        await staff_cases.revoke_access(context, actor, row)
        context.tokens.forget_user(row)
        return _("Signed out everywhere: the user's sessions and API tokens have ended.")
    raise NotFound("no such change")


ROUTES = [
    Route("/admin", page(ADMINS, index), methods=["GET"]),
    *form_page(
        "/admin/departments",
        ADMINS,
        show_departments,
        save_department,
        "/admin/departments",
        ["/admin/departments", "/admin/departments/{row}"],
    ),
    *form_page(
        "/admin/routing",
        ADMINS,
        show_routing,
        change_rule,
        "/admin/routing",
        ["/admin/routing/{operation}", "/admin/routing/{row}/{operation}"],
    ),
    *form_page(
        "/admin/sla",
        ADMINS,
        show_sla,
        set_target,
        "/admin/sla",
        ["/admin/sla/kpi", "/admin/sla/{row}", "/admin/sla/{row}/confirm"],
    ),
    *form_page(
        "/admin/callbacks",
        ADMINS,
        show_callback_policy,
        save_callback_policy,
        "/admin/callbacks",
        ["/admin/callbacks"],
    ),
    *form_page(
        "/admin/ringbacks",
        ADMINS,
        show_ringback_policy,
        save_ringback_policy,
        "/admin/ringbacks",
        ["/admin/ringbacks"],
    ),
    *form_page(
        "/admin/users",
        ADMINS,
        show_users,
        change_user,
        "/admin/users",
        ["/admin/users/{operation}", "/admin/users/{row}/{operation}"],
    ),
]
