from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db.types import UTCDateTime


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    # The agent's queue-member interface, e.g. PJSIP/8001: the screen pop finds the agent by it.
    interface: str | None = Field(default=None, max_length=100, unique=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    # Only a digest is kept: a stolen database does not yield usable tokens.
    token_digest: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
