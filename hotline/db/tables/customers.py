"""The customer file (一户一档). Addresses, meters and phone numbers grow here with the
telephony work; tickets already point at a customer."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    account_number: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=20, index=True)
    address: str | None = Field(default=None, max_length=200)
    area: str | None = Field(default=None, max_length=64)
    special_care: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
