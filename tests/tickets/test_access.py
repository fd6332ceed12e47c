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
    "yes": None,
    "rol": Refusal.ROLE,
    "rec": Refusal.RECUSED,
    "own": Refusal.NOT_YOUR_WORK_ORDER,
    "qua": Refusal.NOT_QUALITY_WORK,
    "dep": Refusal.OTHER_DEPARTMENT,
    "cnf": Refusal.CONFIDENTIAL,
}

# Relation to the ticket (always in department HOME):
#   none          the person has no department, the ticket no assignee
#   same_dept     the person is of the ticket's department
#   other_dept    the person is of another department
#   assignee      the ticket is the person's
#   named         the complaint names the person
#   others_order  the ticket is another technician's work order
# yes = allowed; otherwise why not (OUTCOMES).
TABLE = """
# type    role       relation     asg sta pau res rep ext arr fix rsv fbk clo reo spc see dsc cal cbk vis tak
complaint admin      none         yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint admin      same_dept    yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint admin      other_dept   yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint admin      assignee     yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint admin      named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
complaint admin      others_order yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint supervisor none         yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint supervisor same_dept    yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint supervisor other_dept   yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint supervisor assignee     yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint supervisor named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
complaint supervisor others_order yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
complaint agent      none         yes dep dep dep dep rol rol rol dep dep dep dep rol cnf yes cnf rol rol yes
complaint agent      same_dept    yes yes yes yes yes rol rol rol yes yes yes yes rol cnf yes cnf rol rol yes
complaint agent      other_dept   yes dep dep dep dep rol rol rol dep dep dep dep rol cnf yes cnf rol rol yes
complaint agent      assignee     yes yes yes yes yes rol rol rol yes yes yes yes rol yes yes yes rol rol yes
complaint agent      named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
complaint agent      others_order yes dep dep dep dep rol rol rol dep dep dep dep rol cnf yes cnf rol rol yes
complaint dispatcher none         yes dep dep dep rol rol dep dep dep rol rol rol rol cnf yes cnf rol yes yes
complaint dispatcher same_dept    yes yes yes yes rol rol yes yes yes rol rol rol rol cnf yes cnf rol yes yes
complaint dispatcher other_dept   yes dep dep dep rol rol dep dep dep rol rol rol rol cnf yes cnf rol yes yes
complaint dispatcher assignee     yes yes yes yes rol rol yes yes yes rol rol rol rol yes yes yes rol yes yes
complaint dispatcher named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
complaint dispatcher others_order yes dep dep dep rol rol dep dep dep rol rol rol rol cnf yes cnf rol yes yes
complaint technician none         rol own own own rol rol own own own rol rol rol rol cnf yes rol rol rol yes
complaint technician same_dept    rol own own own rol rol own own own rol rol rol rol cnf yes rol rol rol yes
complaint technician other_dept   rol own own own rol rol own own own rol rol rol rol cnf yes rol rol rol yes
complaint technician assignee     rol yes yes yes rol rol yes yes yes rol rol rol rol yes yes rol rol rol yes
complaint technician named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
complaint technician others_order rol own own own rol rol own own own rol rol rol rol cnf yes rol rol rol yes
complaint quality    none         rol yes yes yes yes yes rol rol yes yes yes yes rol yes yes yes yes rol yes
complaint quality    same_dept    rol yes yes yes yes yes rol rol yes yes yes yes rol yes yes yes yes rol yes
complaint quality    other_dept   rol yes yes yes yes yes rol rol yes yes yes yes rol yes yes yes yes rol yes
complaint quality    assignee     rol yes yes yes yes yes rol rol yes yes yes yes rol yes yes yes yes rol yes
complaint quality    named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
complaint quality    others_order rol yes yes yes yes yes rol rol yes yes yes yes rol yes yes yes yes rol yes
repair    admin      none         yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    admin      same_dept    yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    admin      other_dept   yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    admin      assignee     yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    admin      named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
repair    admin      others_order yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    supervisor none         yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    supervisor same_dept    yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    supervisor other_dept   yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    supervisor assignee     yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    supervisor named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
repair    supervisor others_order yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes
repair    agent      none         yes yes yes yes yes rol rol rol yes yes yes yes rol yes yes yes rol rol yes
repair    agent      same_dept    yes yes yes yes yes rol rol rol yes yes yes yes rol yes yes yes rol rol yes
repair    agent      other_dept   yes yes yes yes yes rol rol rol yes yes yes yes rol yes yes yes rol rol yes
repair    agent      assignee     yes yes yes yes yes rol rol rol yes yes yes yes rol yes yes yes rol rol yes
repair    agent      named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
repair    agent      others_order yes yes yes yes yes rol rol rol yes yes yes yes rol yes yes yes rol rol yes
repair    dispatcher none         yes yes yes yes rol rol yes yes yes rol rol rol rol yes yes yes rol yes yes
repair    dispatcher same_dept    yes yes yes yes rol rol yes yes yes rol rol rol rol yes yes yes rol yes yes
repair    dispatcher other_dept   yes yes yes yes rol rol yes yes yes rol rol rol rol yes yes yes rol yes yes
repair    dispatcher assignee     yes yes yes yes rol rol yes yes yes rol rol rol rol yes yes yes rol yes yes
repair    dispatcher named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
repair    dispatcher others_order yes yes yes yes rol rol yes yes yes rol rol rol rol yes yes yes rol yes yes
repair    technician none         rol own own own rol rol own own own rol rol rol rol yes yes rol rol rol yes
repair    technician same_dept    rol own own own rol rol own own own rol rol rol rol yes yes rol rol rol yes
repair    technician other_dept   rol own own own rol rol own own own rol rol rol rol yes yes rol rol rol yes
repair    technician assignee     rol yes yes yes rol rol yes yes yes rol rol rol rol yes yes rol rol rol yes
repair    technician named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
repair    technician others_order rol own own own rol rol own own own rol rol rol rol yes yes rol rol rol yes
repair    quality    none         rol qua qua qua qua qua rol rol qua yes yes qua rol yes yes yes yes rol yes
repair    quality    same_dept    rol qua qua qua qua qua rol rol qua yes yes qua rol yes yes yes yes rol yes
repair    quality    other_dept   rol qua qua qua qua qua rol rol qua yes yes qua rol yes yes yes yes rol yes
repair    quality    assignee     rol qua qua qua qua qua rol rol qua yes yes qua rol yes yes yes yes rol yes
repair    quality    named        rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec rec
repair    quality    others_order rol qua qua qua qua qua rol rol qua yes yes qua rol yes yes yes yes rol yes
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
