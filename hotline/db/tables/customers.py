"""The customer file (一户一档): one customer, several addresses (each in a service area),
meters and phone numbers. Phone numbers are stored normalised (E.164) so that a caller is
found whatever form Asterisk hands us (+86, 0086, a leading 0, spaces)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    account_number: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    # elderly, disabled, … : agents see a badge and the utility's care rules apply.
    special_care: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CustomerPhone(SQLModel, table=True):
    __tablename__ = "customer_phone"
    __table_args__ = (UniqueConstraint("customer_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    # E.164 (+8613812345678) or, for short service numbers, the digits as dialled.
    number: str = Field(max_length=20, index=True)
    label: str | None = Field(default=None, max_length=20)


class CustomerAddress(SQLModel, table=True):
    __tablename__ = "customer_address"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    address: str = Field(max_length=200)
    area: str | None = Field(default=None, max_length=64, index=True)
    is_primary: bool = False


class CustomerMeter(SQLModel, table=True):
    __tablename__ = "customer_meter"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    address_id: int | None = Field(default=None, foreign_key="customer_address.id")
    meter_number: str = Field(max_length=32, unique=True, index=True)
    kind: str | None = Field(default=None, max_length=32)
