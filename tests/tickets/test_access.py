"""Who may do what to which ticket (tickets/access.py): the whole table — every role, every
relation to the ticket, every action and use — written out, and the rule that holds whatever else
is true: staff named in a complaint take no part in it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.access import Decision, Deed, Refusal, Staff, TicketFacts, Use, decide
from tickets.types import TicketType
from tickets.workflow import Action, Role

ME = "me"
HOME, ELSEWHERE = 1, 2
# The columns of the table, in order.
DEEDS: list[Deed] = [*Action, *Use]
OUTCOMES = {
    "ok": None,
    "ro": Refusal.ROLE,
    "re": Refusal.RECUSED,
    "ow": Refusal.NOT_YOUR_WORK_ORDER,
    "qu": Refusal.NOT_QUALITY_WORK,
    "de": Refusal.OTHER_DEPARTMENT,
    "cf": Refusal.CONFIDENTIAL,
    "nf": Refusal.NOT_FIELD_WORK,
}

# Relation to the ticket (always in department HOME):
#   none          the person has no department, the ticket no assignee
#   same_dept     the person is of the ticket's department
#   other_dept    the person is of another department
#   assignee      the ticket is the person's
#   named         the complaint names the person
#   others_order  the ticket is another technician's work order
# Columns: the workflow's actions in order (assign … mark_special), then the uses (see the
# complainant, the description, call, callback, book a visit, take it on, attach a photo of the
# work, see the photos). ok = allowed; otherwise why not (OUTCOMES).
TABLE = """
# type    role       relation     as st pa rs rp ex ar fx rv fb cl op sp se ds ca cb vi tk ph vp
complaint admin      none         ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint admin      same_dept    ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint admin      other_dept   ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint admin      assignee     ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint admin      named        re re re re re re re re re re re re re re re re re re re re re
complaint admin      others_order ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint supervisor none         ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint supervisor same_dept    ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint supervisor other_dept   ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint supervisor assignee     ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint supervisor named        re re re re re re re re re re re re re re re re re re re re re
complaint supervisor others_order ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok nf ok
complaint agent      none         ok de de de de ro ro ro de de de de ro cf ok cf ro ro ok ro ok
complaint agent      same_dept    ok ok ok ok ok ro ro ro ok ok ok ok ro cf ok cf ro ro ok ro ok
complaint agent      other_dept   ok de de de de ro ro ro de de de de ro cf ok cf ro ro ok ro ok
complaint agent      assignee     ok ok ok ok ok ro ro ro ok ok ok ok ro ok ok ok ro ro ok ro ok
complaint agent      named        re re re re re re re re re re re re re re re re re re re re re
complaint agent      others_order ok de de de de ro ro ro de de de de ro cf ok cf ro ro ok ro ok
complaint dispatcher none         ok de de de ro ro de de de ro ro ro ro cf ok cf ro ok ok nf ok
complaint dispatcher same_dept    ok ok ok ok ro ro ok ok ok ro ro ro ro cf ok cf ro ok ok nf ok
complaint dispatcher other_dept   ok de de de ro ro de de de ro ro ro ro cf ok cf ro ok ok nf ok
complaint dispatcher assignee     ok ok ok ok ro ro ok ok ok ro ro ro ro ok ok ok ro ok ok nf ok
complaint dispatcher named        re re re re re re re re re re re re re re re re re re re re re
complaint dispatcher others_order ok de de de ro ro de de de ro ro ro ro cf ok cf ro ok ok nf ok
complaint technician none         ro ow ow ow ro ro ow ow ow ro ro ro ro cf ok ro ro ro ok ow ok
complaint technician same_dept    ro ow ow ow ro ro ow ow ow ro ro ro ro cf ok ro ro ro ok ow ok
complaint technician other_dept   ro ow ow ow ro ro ow ow ow ro ro ro ro cf ok ro ro ro ok ow ok
complaint technician assignee     ro ok ok ok ro ro ok ok ok ro ro ro ro ok ok ro ro ro ok nf ok
complaint technician named        re re re re re re re re re re re re re re re re re re re re re
complaint technician others_order ro ow ow ow ro ro ow ow ow ro ro ro ro cf ok ro ro ro ok ow ok
complaint quality    none         ro ok ok ok ok ok ro ro ok ok ok ok ro ok ok ok ok ro ok ro ok
complaint quality    same_dept    ro ok ok ok ok ok ro ro ok ok ok ok ro ok ok ok ok ro ok ro ok
complaint quality    other_dept   ro ok ok ok ok ok ro ro ok ok ok ok ro ok ok ok ok ro ok ro ok
complaint quality    assignee     ro ok ok ok ok ok ro ro ok ok ok ok ro ok ok ok ok ro ok ro ok
complaint quality    named        re re re re re re re re re re re re re re re re re re re re re
complaint quality    others_order ro ok ok ok ok ok ro ro ok ok ok ok ro ok ok ok ok ro ok ro ok
repair    admin      none         ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    admin      same_dept    ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    admin      other_dept   ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    admin      assignee     ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    admin      named        re re re re re re re re re re re re re re re re re re re re re
repair    admin      others_order ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    supervisor none         ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    supervisor same_dept    ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    supervisor other_dept   ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    supervisor assignee     ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    supervisor named        re re re re re re re re re re re re re re re re re re re re re
repair    supervisor others_order ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok
repair    agent      none         ok ok ok ok ok ro ro ro ok ok ok ok ro ok ok ok ro ro ok ro ok
repair    agent      same_dept    ok ok ok ok ok ro ro ro ok ok ok ok ro ok ok ok ro ro ok ro ok
repair    agent      other_dept   ok ok ok ok ok ro ro ro ok ok ok ok ro ok ok ok ro ro ok ro ok
repair    agent      assignee     ok ok ok ok ok ro ro ro ok ok ok ok ro ok ok ok ro ro ok ro ok
repair    agent      named        re re re re re re re re re re re re re re re re re re re re re
repair    agent      others_order ok ok ok ok ok ro ro ro ok ok ok ok ro ok ok ok ro ro ok ro ok
repair    dispatcher none         ok ok ok ok ro ro ok ok ok ro ro ro ro ok ok ok ro ok ok ok ok
repair    dispatcher same_dept    ok ok ok ok ro ro ok ok ok ro ro ro ro ok ok ok ro ok ok ok ok
repair    dispatcher other_dept   ok ok ok ok ro ro ok ok ok ro ro ro ro ok ok ok ro ok ok ok ok
repair    dispatcher assignee     ok ok ok ok ro ro ok ok ok ro ro ro ro ok ok ok ro ok ok ok ok
repair    dispatcher named        re re re re re re re re re re re re re re re re re re re re re
repair    dispatcher others_order ok ok ok ok ro ro ok ok ok ro ro ro ro ok ok ok ro ok ok ok ok
repair    technician none         ro ow ow ow ro ro ow ow ow ro ro ro ro ok ok ro ro ro ok ow ok
repair    technician same_dept    ro ow ow ow ro ro ow ow ow ro ro ro ro ok ok ro ro ro ok ow ok
repair    technician other_dept   ro ow ow ow ro ro ow ow ow ro ro ro ro ok ok ro ro ro ok ow ok
repair    technician assignee     ro ok ok ok ro ro ok ok ok ro ro ro ro ok ok ro ro ro ok ok ok
repair    technician named        re re re re re re re re re re re re re re re re re re re re re
repair    technician others_order ro ow ow ow ro ro ow ow ow ro ro ro ro ok ok ro ro ro ok ow ok
repair    quality    none         ro qu qu qu qu qu ro ro qu ok ok qu ro ok ok ok ok ro ok ro ok
repair    quality    same_dept    ro qu qu qu qu qu ro ro qu ok ok qu ro ok ok ok ok ro ok ro ok
repair    quality    other_dept   ro qu qu qu qu qu ro ro qu ok ok qu ro ok ok ok ok ro ok ro ok
repair    quality    assignee     ro qu qu qu qu qu ro ro qu ok ok qu ro ok ok ok ok ro ok ro ok
repair    quality    named        re re re re re re re re re re re re re re re re re re re re re
repair    quality    others_order ro qu qu qu qu qu ro ro qu ok ok qu ro ok ok ok ok ro ok ro ok
"""


def _staff(role: Role, relation: str) -> Staff:
    department = {"same_dept": HOME, "other_dept": ELSEWHERE}.get(relation)
    return Staff(ME, role, department)


def _ticket(ticket_type: TicketType, relation: str) -> TicketFacts:
    assignee = {"assignee": ME, "others_order": "other.tech"}.get(relation)
    named = frozenset({ME}) if relation == "named" else frozenset()
    return TicketFacts(ticket_type, HOME, assignee, "someone", named)


def _rows() -> list[tuple[TicketType, Role, str, Deed, Refusal | None]]:
    rows = []
    for line in TABLE.splitlines():
        if not line or line.startswith("#"):
            continue
        ticket_type, role, relation, *outcomes = line.split()
        assert len(outcomes) == len(DEEDS), line
        for deed, outcome in zip(DEEDS, outcomes, strict=True):
            rows.append((TicketType(ticket_type), Role(role), relation, deed, OUTCOMES[outcome]))
    return rows


ROWS = _rows()


def test_the_table_covers_every_role_relation_and_deed() -> None:
    relations = {"none", "same_dept", "other_dept", "assignee", "named", "others_order"}
    covered = {(row[0], row[1], row[2], row[3]) for row in ROWS}
    assert covered == {
        (ticket_type, role, relation, deed)
        for ticket_type in (TicketType.COMPLAINT, TicketType.REPAIR)
        for role in Role
        for relation in relations
        for deed in DEEDS
    }


@pytest.mark.parametrize(
    ("ticket_type", "role", "relation", "deed", "refusal"),
    ROWS,
    ids=[f"{row[0]}-{row[1]}-{row[2]}-{row[3]}" for row in ROWS],
)
def test_who_may_do_what_to_which_ticket(
    ticket_type: TicketType, role: Role, relation: str, deed: Deed, refusal: Refusal | None
) -> None:
    expected = Decision(refusal is None, refusal)
    assert decide(_staff(role, relation), _ticket(ticket_type, relation), deed) == expected


names = st.sampled_from(["me", "li.agent", "liu.tech", "wang.supervisor", "sun.quality"])


@given(
    role=st.sampled_from(Role),
    department=st.none() | st.integers(1, 3),
    ticket_type=st.sampled_from(TicketType),
    ticket_department=st.none() | st.integers(1, 3),
    assignee=st.none() | names,
    created_by=st.none() | names,
    others_named=st.frozensets(names, max_size=3),
    deed=st.sampled_from(DEEDS),
)
def test_staff_named_in_a_complaint_take_no_part_in_it(
    role: Role,
    department: int | None,
    ticket_type: TicketType,
    ticket_department: int | None,
    assignee: str | None,
    created_by: str | None,
    others_named: frozenset[str],
    deed: Deed,
) -> None:
    """Whatever the role, the department, whether they hold it or took it."""
    ticket = TicketFacts(ticket_type, ticket_department, assignee, created_by, others_named | {ME})
    assert decide(Staff(ME, role, department), ticket, deed) == Decision(False, Refusal.RECUSED)


@given(
    role=st.sampled_from(Role),
    ticket_type=st.sampled_from(TicketType),
    assignee=st.none() | names,
    created_by=st.none() | names,
)
def test_no_call_reaches_a_complainant_its_caller_may_not_see(
    role: Role, ticket_type: TicketType, assignee: str | None, created_by: str | None
) -> None:
    staff, ticket = Staff(ME, role), TicketFacts(ticket_type, None, assignee, created_by)
    if decide(staff, ticket, Use.CALL):
        assert decide(staff, ticket, Use.SEE_COMPLAINANT)


@given(
    deed=st.sampled_from(DEEDS),
    ticket_type=st.sampled_from(TicketType),
    department=st.none() | st.integers(1, 3),
    assignee=st.none() | names,
)
def test_a_technician_acts_only_on_his_own_work_orders(
    deed: Deed, ticket_type: TicketType, department: int | None, assignee: str | None
) -> None:
    ticket = TicketFacts(ticket_type, department, assignee, None)
    if isinstance(deed, Action) and decide(Staff(ME, Role.TECHNICIAN, department), ticket, deed):
        assert assignee == ME


@given(
    role=st.sampled_from(Role),
    ticket_type=st.sampled_from(TicketType),
    assignee=st.none() | names,
)
def test_photos_of_the_work_go_with_field_work_only(
    role: Role, ticket_type: TicketType, assignee: str | None
) -> None:
    """A consultation or a complaint takes no photo of the work, whoever asks; a technician
    attaches to his own work orders only; whoever attaches may see them."""
    staff, ticket = Staff(ME, role), TicketFacts(ticket_type, None, assignee, None)
    attach = decide(staff, ticket, Use.ATTACH_PHOTO)
    if attach:
        assert ticket_type in {TicketType.REPAIR, TicketType.OUTAGE}
        assert role is not Role.TECHNICIAN or assignee == ME
        assert decide(staff, ticket, Use.SEE_PHOTOS)
