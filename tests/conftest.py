"""Shared fixtures: a migrated database per test on SQLite and, when it is reachable, on
PostgreSQL (HOTLINE_TEST_POSTGRES_URL); the application on that database with a clock the test
moves; users with tokens for every role."""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from live.readiness import readiness
from live.readiness import report_lines as live_report_lines
from live.report import LIVE_REPORT
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from starlette.applications import Starlette

from hotline.application.unit import CoreServices
from hotline.auth.passwords import hash_password
from hotline.db.engine import create_engine, session_factory
from hotline.db.migrate import upgrade
from hotline.db.tables import CallbackTask, Customer, CustomerAddress, CustomerPhone, Ticket, User
from hotline.runtime import build_core
from hotline.services import users as user_service
from hotline.services.actor import Actor
from hotline.settings import Settings
from hotline.telephony.endpoints import AmiEndpoint
from hotline.telephony.model import CallRecord, Direction
from hotline.telephony.simulator import FakeAsterisk
from hotline.web.app import create_app
from hotline.web.context import AppContext
from tickets.workflow import Role

POSTGRES_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _admin_dsn() -> str:
    return make_url(POSTGRES_URL).render_as_string(hide_password=False)


async def _postgres_reachable() -> str | None:
    try:
        connection = await asyncpg.connect(_admin_dsn(), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    await connection.close()
    return None


POSTGRES_PROBLEM = asyncio.run(_postgres_reachable())


def pytest_report_header() -> list[str]:
    where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
    if POSTGRES_PROBLEM is None:
        lines = [f"PostgreSQL tests: ON against {where}"]
    else:
        lines = [
            f"PostgreSQL tests: SKIPPED — {where} is not reachable ({POSTGRES_PROBLEM})",
            "set HOTLINE_TEST_POSTGRES_URL to a reachable server to run them",
        ]
    return lines + live_report_lines()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    LIVE_REPORT.gather(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    LIVE_REPORT.write(terminalreporter)
    if POSTGRES_PROBLEM is not None:
        terminalreporter.write_line(
            f"NOTE: database tests ran on SQLite only; PostgreSQL was skipped ({POSTGRES_PROBLEM})",
            yellow=True,
        )
    live = readiness()
    if isinstance(live, str):
        terminalreporter.write_line(
            f"NOTE: the live Asterisk tests were skipped ({live})", yellow=True
        )


class PostgresTemplates:
    """A migrated template database made once; each test gets a fresh copy of it. The copies
    are made ahead, and used ones dropped, by a thread of their own while tests run: a copy
    costs PostgreSQL a few hundred milliseconds of writing, which it spends on the other core
    instead of in the test's setup."""

    # Copies kept ready for the next tests.
    SPARE = 2
    # A test waits no longer than this for its copy (PostgreSQL stalled).
    COPY_SECONDS = 120

    def __init__(self) -> None:
        self.template = f"hotline_template_{os.getpid()}"
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._jobs: queue.Queue[str | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    def _url(self, database: str) -> str:
        return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(_admin_dsn())
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def prepare(self) -> None:
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.template}"'))
        asyncio.run(self._admin(f'CREATE DATABASE "{self.template}"'))
        upgrade(self._url(self.template))
        self._worker = threading.Thread(
            target=lambda: asyncio.run(self._make_and_drop()), name="postgres copies", daemon=True
        )
        self._worker.start()
        for _ in range(self.SPARE):
            self._jobs.put("")

    async def _make_and_drop(self) -> None:
        """The copier's loop: an empty job makes a copy, a name drops that database, None
        ends it. A failure to copy is handed to the test that waits for the copy."""
        connection = await asyncpg.connect(_admin_dsn())
        try:
            while (job := await asyncio.to_thread(self._jobs.get)) is not None:
                if job:
                    await connection.execute(f'DROP DATABASE IF EXISTS "{job}" WITH (FORCE)')
                    continue
                name = f"hotline_test_{uuid.uuid4().hex[:12]}"
                try:
                    await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                except asyncpg.PostgresError as error:
                    self._ready.put(error)
                else:
                    self._ready.put(name)
        finally:
            await connection.close()

    def copy(self) -> str:
        self._jobs.put("")
        made = self._ready.get(timeout=self.COPY_SECONDS)
        if isinstance(made, BaseException):
            raise made
        return self._url(made)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        assert name is not None
        self._jobs.put(name)

    def cleanup(self) -> None:
        while not self._ready.empty():
            spare = self._ready.get()
            if isinstance(spare, str):
                self._jobs.put(spare)
        self._jobs.put(None)
        if self._worker is not None:
            self._worker.join()
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates]:
    if POSTGRES_PROBLEM is not None:
        pytest.skip(f"PostgreSQL not reachable: {POSTGRES_PROBLEM}")
    templates = PostgresTemplates()
    templates.prepare()
    yield templates
    templates.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A freshly migrated database, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "hotline.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
    url = templates.copy()
    yield url
    templates.drop(url)


@dataclass
class FakeClock:
    """The application's notion of now, moved by the test."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class Api:
    """An HTTP client on the app plus a token per role."""

    client: httpx.AsyncClient
    tokens: dict[str, str]
    app_context: object

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def post(self, user: str, path: str, json: object = None) -> httpx.Response:
        return await self.client.post(path, json=json, headers=self.auth(user))

    async def get(self, user: str, path: str, **params: object) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.auth(user))


STAFF = {
    "admin": (Role.ADMIN, None),
    "sup": (Role.SUPERVISOR, None),
    "agent": (Role.AGENT, "PJSIP/8001"),
    "agent2": (Role.AGENT, "PJSIP/8002"),
    "disp": (Role.DISPATCHER, None),
    "tech": (Role.TECHNICIAN, None),
    "tech2": (Role.TECHNICIAN, None),
    "qa": (Role.QUALITY, None),
}


STAFF_PASSWORD = "correct horse battery"
# Hashed once: argon2 is slow on purpose, and every test needs the whole staff.
STAFF_PASSWORD_HASH = hash_password(STAFF_PASSWORD)


async def add_staff(database_url: str, now: datetime) -> dict[str, str]:
    engine = create_engine(database_url)
    tokens = {}
    try:
        async with session_factory(engine)() as session, session.begin():
            for name, (role, interface) in STAFF.items():
                session.add(
                    User(
                        username=name,
                        display_name=name,
                        role=role.value,
                        password_hash=STAFF_PASSWORD_HASH,
                        interface=interface,
                        created_at=now,
                    )
                )
            await session.flush()
            for name in STAFF:
                tokens[name] = await user_service.issue_token(session, name, now)
    finally:
        await engine.dispose()
    return tokens


def app_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "scheduler": "off",
        "secret_key": "test-secret",
        # Any free port: several apps may run at once.
        "agi_bind": ("127.0.0.1", 0),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def core(database_url: str, clock: FakeClock) -> AsyncIterator[CoreServices]:
    """What the use cases run on, built as the server builds it, on the test's database and
    clock, with the whole staff (STAFF) on file."""
    await add_staff(database_url, clock.now)
    engine = create_engine(database_url)
    yield build_core(Settings(database_url=database_url), engine, clock)
    await engine.dispose()


async def actor_named(core: CoreServices, username: str) -> Actor:
    async with core.sessions() as session:
        user = (await session.exec(select(User).where(col(User.username) == username))).one()
    assert user.id is not None
    return Actor(user.id, user.username, Role(user.role), user.interface)


@pytest.fixture
async def api(database_url: str, clock: FakeClock) -> AsyncIterator[Api]:
    tokens = await add_staff(database_url, clock.now)
    app = create_app(app_settings(database_url), clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline") as client:
            yield Api(client, tokens, app.state.context)


@dataclass
class LiveServer:
    """The app served by a real uvicorn over TCP, for what only real HTTP shows (SSE)."""

    base_url: str
    tokens: dict[str, str]
    app_context: object

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


@asynccontextmanager
async def serve_live(app: Starlette, tokens: dict[str, str]) -> AsyncIterator[LiveServer]:
    # Bound here and handed to uvicorn, not probed and bound again by it: a port probed free can
    # be taken meanwhile (by another test process), and uvicorn then exits the test process.
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = int(listening.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", tokens, app.state.context)
    finally:
        server.should_exit = True
        await task
        listening.close()


@pytest.fixture
async def live(database_url: str, clock: FakeClock) -> AsyncIterator[LiveServer]:
    tokens = await add_staff(database_url, clock.now)
    async with serve_live(create_app(app_settings(database_url), clock=clock), tokens) as server:
        yield server


@pytest.fixture
async def fake_asterisk() -> AsyncIterator[FakeAsterisk]:
    """The fake Asterisk on a free port, its generated calls twenty times faster than life."""
    fake = FakeAsterisk(speed=20.0, unanswered_numbers=frozenset({"13800138002"}))
    await fake.start()
    yield fake
    await fake.close()


def endpoint_of(fake: FakeAsterisk, name: str = "pbx") -> AmiEndpoint:
    return AmiEndpoint("127.0.0.1", fake.port, fake.username, fake.secret, name)


def ami_url_of(fake: FakeAsterisk) -> str:
    return f"ami://{fake.username}:{fake.secret}@127.0.0.1:{fake.port}#pbx"


@asynccontextmanager
async def serve_with_phones(
    database_url: str, clock: FakeClock, pbx: FakeAsterisk
) -> AsyncIterator[LiveServer]:
    """The app over real HTTP, its AMI client logged in to the fake Asterisk."""
    tokens = await add_staff(database_url, clock.now)
    settings = app_settings(database_url, ami_url=ami_url_of(pbx))
    async with serve_live(create_app(settings, clock=clock), tokens) as server:
        context = server.app_context
        assert isinstance(context, AppContext) and context.telephony is not None
        await context.telephony.line().client.wait_connected(5)
        yield server


@pytest.fixture
async def phones_once(
    database_url: str, clock: FakeClock, fake_asterisk: FakeAsterisk
) -> AsyncIterator[LiveServer]:
    """The live app with the fake Asterisk, for what runs once (browser journeys, whole
    calls): on SQLite only, since the API under them is tested on both databases."""
    if "postgresql" in database_url:
        pytest.skip("runs once, on SQLite; the API under it runs on both databases")
    async with serve_with_phones(database_url, clock, fake_asterisk) as server:
        yield server


def inbound_call(linkedid: str, started_at: datetime, **changes: object) -> CallRecord:
    """A call to the hotline from +8613800138001, who chose repair in the menu and waits in
    the hotline queue; `changes` set the rest (answered, ended, ...)."""
    record = CallRecord(
        linkedid=linkedid,
        server="pbx",
        direction=Direction.INBOUND,
        caller="+8613800138001",
        dialled="96777",
        ivr_choice="repair",
        queue="hotline",
        agent_name=None,
        agent_interface=None,
        started_at=started_at,
        answered_at=None,
        ended_at=None,
        wait_seconds=None,
        talk_seconds=None,
        disposition=None,
    )
    return replace(record, **changes)  # type: ignore[arg-type]


def answered_call(
    answered_at: datetime, agent_interface: str = "PJSIP/8001", linkedid: str = "1764000000.7"
) -> CallRecord:
    """That caller answered on `agent_interface` after 30 s in the queue, still talking: what a
    screen pop is made of."""
    return inbound_call(
        linkedid,
        answered_at - timedelta(seconds=30),
        agent_interface=agent_interface,
        answered_at=answered_at,
        wait_seconds=30.0,
    )


def repair_in(area: str, subtype: str, description: str = "报修") -> dict[str, object]:
    """The body of POST /api/tickets for a repair at an address in `area`."""
    return {
        "type": "repair",
        "subtype": subtype,
        "address": f"{area} 光明路 20号",
        "area": area,
        "description": description,
    }


async def add_customer(
    context: AppContext | CoreServices,
    *,
    account: str,
    name: str,
    phone: str,
    address: str,
    area: str,
    special_care: str | None = None,
) -> int:
    """A customer on file with one phone and one (primary) address; their id."""
    async with context.sessions() as session, session.begin():
        customer = Customer(
            account_number=account,
            name=name,
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
            special_care=special_care,
        )
        session.add(customer)
        await session.flush()
        assert customer.id is not None
        session.add(CustomerPhone(customer_id=customer.id, number=phone))
        session.add(
            CustomerAddress(customer_id=customer.id, address=address, area=area, is_primary=True)
        )
        return customer.id


@pytest.fixture
async def browser(database_url: str, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client, like a browser, on the app."""
    await add_staff(database_url, clock.now)
    app = create_app(app_settings(database_url, session_idle_minutes=30), clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline") as client:
            client.app_context = app.state.context  # type: ignore[attr-defined]
            yield client


async def add_due_callbacks(database_url: str, now: datetime, count: int) -> None:
    """`count` repair callbacks due since 20 hours ago, on one resolved ticket, inserted in bulk."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            ticket = Ticket(
                number="BX-20261120-0001",
                type="repair",
                subtype="indoor_equipment",
                status="resolved",
                priority="normal",
                department_id=1,
                description="批量回访",
                received_at=now,
                created_at=now,
                updated_at=now,
                created_by="test",
            )
            session.add(ticket)
            await session.flush()
            await (await session.connection()).execute(
                insert(CallbackTask),
                [
                    {
                        "ticket_id": ticket.id,
                        "kind": "repair",
                        "status": "pending",
                        "event_at": now - timedelta(days=1, seconds=n),
                        "not_before": now - timedelta(hours=20, seconds=n),
                        "due_by": now + timedelta(days=2),
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(count)
                ],
            )
    finally:
        await engine.dispose()
