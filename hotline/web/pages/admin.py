"""`/admin/...`: the rules the hotline runs on — departments, routing rules, SLA targets — and
the staff accounts. Admins only. A refused change shows the page again with what was typed
and the reason next to each field; an accepted one is audited and takes effect at once."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hotline.db.tables import CallbackPolicyRow
from hotline.i18n import N_
from hotline.services import callbacks as callback_service
from hotline.services import departments, routing_rules, sla_policies, staff
from hotline.services.actor import Actor
from hotline.services.errors import Invalid, NotFound
from hotline.services.rulebook import policy_from_row
from hotline.web.context import context_of
from hotline.web.pages.form_pages import Outcome, form_page, show_form_page
from hotline.web.pages.forms import optional, text
from hotline.web.pages.guard import page
from hotline.web.templating import current_gettext
from tickets.regulations import KPI_RULE_TARGETS, rule_amount
from tickets.sla import TargetKind
from tickets.types import SUBTYPES, TicketType
from tickets.workflow import Role

ADMINS = frozenset({Role.ADMIN})
SECTIONS = [
    ("/admin/users", "Users"),
    ("/admin/departments", "Departments"),
    ("/admin/routing", "Routing rules"),
    ("/admin/sla", "SLA targets"),
    ("/admin/callbacks", "Callback policy"),
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
    async with context.sessions() as session, session.begin():
        if "row" in request.path_params:
            await departments.update_department(
                session, _department_form(form, code), context.clock(), actor.username
            )
        else:
            await departments.create_department(
                session, _department_form(form, code), context.clock(), actor.username
            )
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
    }
    return _shown(request, actor, "admin_routing.html", values, outcome)


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
    now, by = context.clock(), actor.username
    async with context.sessions() as session, session.begin():
        if operation == "add":
            await routing_rules.add_rule(session, _rule_form(form), now, by)
        elif row is None:
            raise NotFound("no such routing rule")
        elif operation == "update":
            await routing_rules.update_rule(session, row, _rule_form(form), now, by)
        elif operation in ("up", "down"):
            await routing_rules.move_rule(session, row, operation, now, by)
        elif operation == "delete":
            await routing_rules.delete_rule(session, row, now, by)
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
    now, by = context.clock(), actor.username
    if row is None:
        name = text(form, "kpi", 40)
        async with context.sessions() as session, session.begin():
            if form.get("confirm"):
                await sla_policies.confirm_kpi_target(session, name, now, by)
                return _("Confirmed.")
            target = await sla_policies.set_kpi_target(
                session, name, _share(text(form, "target", 10)), now, by
            )
        return _("Saved.") if target.pending_target is None else _(LOOSER_WAITS)
    async with context.sessions() as session, session.begin():
        if request.url.path.endswith("/confirm"):
            await sla_policies.confirm_target(session, row, now, by)
            return _("Confirmed. Tickets received from now on get the new target.")
        raw = text(form, "amount", 10)
        if not raw.isdigit():
            raise Invalid(N_("the SLA target was not saved"), {"amount": N_("a whole number")})
        policy = await sla_policies.set_target(session, row, int(raw), now, by)
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
    async with context.sessions() as session, session.begin():
        await callback_service.update_policy(
            session,
            numbers,
            (text(form, "quiet_start", 5), text(form, "quiet_end", 5)),
            form.get("automated_calls") == "on",
            context.clock(),
            actor.username,
        )
    return current_gettext()("Saved. Callbacks made from now on follow the new policy.")


# Users


async def show_users(request: Request, actor: Actor, outcome: Outcome | None) -> Response:
    async with context_of(request).sessions() as session:
        members = await staff.list_staff(session)
        found = await departments.list_departments(session)
    values = {
        "members": members,
        "department_choices": [(d.code, d.name) for d in found],
        "roles": [role.value for role in Role],
        "password": request.session.pop("one_time_password", None) if outcome is None else None,
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
    now, by = context.clock(), actor.username
    _ = current_gettext()
    async with context.sessions() as session, session.begin():
        if operation == "add":
            user, password = await staff.create_staff(
                session, text(form, "username", 64), _staff_form(form, new=True), now, by
            )
            username = user.username
        elif row is None:
            raise NotFound("no such user")
        elif operation == "update":
            user = await staff.update_staff(session, row, _staff_form(form), now, by)
            context.tokens.forget(f"session:{row}")
            return _("Saved.")
        elif operation == "password":
            password = await staff.reset_password(session, row, now, by)
            username = str(form.get("username") or "")
        else:
            raise NotFound("no such change")
    request.session["one_time_password"] = {"username": username, "password": password}
    return _("Saved. Hand over the one-time password below; it is not shown again.")


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
        "/admin/users",
        ADMINS,
        show_users,
        change_user,
        "/admin/users",
        ["/admin/users/{operation}", "/admin/users/{row}/{operation}"],
    ),
]
