"""The SMS outbox: one row per notice and recipient, its text as rendered when queued, and
where it stands (queued, sending, sent with the gateway's message id, delivered or failed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class SmsMessage(SQLModel, table=True):
    __tablename__ = "sms_outbox"
    __table_args__ = (
        # The sender looks for due messages every second: only those queued.
        Index(
            "ix_sms_outbox_due",
            "next_attempt_at",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
        Index("ix_sms_outbox_status_queued_at", "status", "queued_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The event and the recipient: the same notice is never queued twice.
    dedupe_key: str = Field(max_length=200, unique=True)
    event: str = Field(max_length=120, index=True)
    template: str = Field(max_length=40)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    text: str = Field(max_length=1000)
    phone: str = Field(max_length=20, index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    emergency: bool = False
    status: str = Field(max_length=12)
    # Failed submits other than throttles, and throttles, so far.
    attempts: int = 0
    throttles: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    message_id: str | None = Field(default=None, max_length=65, index=True)
    last_error: str | None = Field(default=None, max_length=200)
    queued_at: datetime = Field(sa_type=UTCDateTime)
    sending_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
