"""Every table, imported here so that metadata and migrations see them all."""

from hotline.db.tables.audit import AuditEntry
from hotline.db.tables.calendar import CalendarOverride, ConfirmedCalendarYear
from hotline.db.tables.callbacks import CallbackAttempt, CallbackPolicyRow, CallbackTask
from hotline.db.tables.calls import CallRow
from hotline.db.tables.customers import Customer, CustomerAddress, CustomerMeter, CustomerPhone
from hotline.db.tables.dispatch import Crew, CrewMember, Visit
from hotline.db.tables.incidents import Incident, IncidentLink, IncidentSuggestion
from hotline.db.tables.ivr import IvrSession
from hotline.db.tables.notes import TicketNote
from hotline.db.tables.photos import TicketPhoto
from hotline.db.tables.relay import RelayedEvent
from hotline.db.tables.relighting import RelightVisit
from hotline.db.tables.ringbacks import RingbackPolicyRow, RingbackRow, RingbackScan
from hotline.db.tables.rules import Department, KpiTargetRow, RoutingRuleRow, SlaPolicyRow
from hotline.db.tables.sms import SmsMessage
from hotline.db.tables.tickets import Escalation, SlaClockRow, Ticket, TicketSequence
from hotline.db.tables.users import ApiToken, ConsoleSession, LoginFailure, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CalendarOverride",
    "CallRow",
    "CallbackAttempt",
    "CallbackPolicyRow",
    "CallbackTask",
    "ConfirmedCalendarYear",
    "ConsoleSession",
    "Crew",
    "CrewMember",
    "Customer",
    "CustomerAddress",
    "CustomerMeter",
    "CustomerPhone",
    "Department",
    "Escalation",
    "Incident",
    "IncidentLink",
    "IncidentSuggestion",
    "IvrSession",
    "KpiTargetRow",
    "LoginFailure",
    "RelayedEvent",
    "RelightVisit",
    "RingbackPolicyRow",
    "RingbackRow",
    "RingbackScan",
    "RoutingRuleRow",
    "SlaClockRow",
    "SlaPolicyRow",
    "SmsMessage",
    "Ticket",
    "TicketNote",
    "TicketPhoto",
    "TicketSequence",
    "User",
    "Visit",
]
