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
    # A one-time password (handed over by an admin) must be replaced at the first sign-in, and
    # stops working if it is not used in time.
    must_change_password: bool = False
    password_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    # Only a digest is kept: a stolen database does not yield usable tokens.
    token_digest: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Tokens expire by policy (HOTLINE_TOKEN_DAYS); a row from before the policy has none.
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsoleSession(SQLModel, table=True):
    """A signed-in console session. The browser's cookie carries a random id; only its digest
    is kept, so a stolen database opens no session. Ended at sign-out, after the idle timeout,
    12 hours after sign-in, or when the user's password is reset or the user deactivated."""

    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    csrf_secret: str = Field(max_length=64)
    # A one-time password waiting to be shown, once, to the admin of this session.
    handover_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    handover_password: str | None = Field(default=None, max_length=64)


class LoginFailure(SQLModel, table=True):
    """Failed sign-ins by (user name, address), shared by every worker (auth/throttle.py has the
    rules). The row with an empty user name counts every failure from the address, whatever
    the name; a pair's last success marks a name known to sign in from that address."""

    __tablename__ = "login_failure"

    username: str = Field(max_length=64, primary_key=True)
    address: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    last_failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
