"""The sender runs in the scheduler leader only: a standby's sender stays unbound until it
takes over, and messages a stopped sender left as sending are sent once, by the next one."""

from __future__ import annotations

import pytest
from conftest import FakeClock
from smsc import running_smsc
from sqlalchemy import update
from test_sending_over_smpp import all_in, outbox, queue_planned, wait_until

from hotline.application.unit import CoreServices
from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import SmsMessage
from hotline.db.writes import table_of
from hotline.events import EventBus
from hotline.scheduler import SchedulerService
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings, SettingsError
from hotline.sms.sender import SmsSender
from hotline.sms.url import SmppUrl, SmppUrlError, parse_smpp_url


def _scheduler(database_url: str, clock: FakeClock, port: int) -> SchedulerService:
    engine = create_engine(database_url)
    settings = Settings(database_url=database_url)
    sessions = session_factory(engine)
    core = CoreServices(
        settings, sessions, RulebookCache(sessions, settings.timezone), EventBus(), clock
    )
    return SchedulerService(
        engine=engine,
        core=core,
        sweep_interval=0.2,
        takeover_seconds=0.2,
        sms=SmsSender(core, SmppUrl("127.0.0.1", port, "hotline", "secret")),
    )


async def test_only_the_leader_sends_and_a_standby_takes_over(
    core: CoreServices, database_url: str, clock: FakeClock
) -> None:
    await queue_planned(core, 2)
    # A sender that died mid-way left the first one marked as sending.
    async with core.sessions() as session, session.begin():
        await session.exec(
            update(table_of(SmsMessage))
            .where(table_of(SmsMessage).c.id == 1)
            .values(status="sending", sending_at=clock.now)
        )
    async with running_smsc() as smsc:
        leader = _scheduler(database_url, clock, smsc.port)
        standby = _scheduler(database_url, clock, smsc.port)
        try:
            await leader.start()
            await standby.start()
            await wait_until(all_in(core, "delivered", 2))
            assert smsc.binds == 1, "the standby does not bind"
            assert standby.sms is not None and not standby.sms.running
            await leader.stop()
            await queue_planned(core, 3)
            await wait_until(all_in(core, "delivered", 3))
            assert standby.sms.running
        finally:
            await leader.stop()
            await standby.stop()
            await leader.engine.dispose()
            await standby.engine.dispose()
    assert sorted(sms.destination for sms in smsc.received) == [
        "8613800000000",
        "8613800000001",
        "8613800000002",
    ]
    assert len(await outbox(core)) == 3


def test_the_gateway_url() -> None:
    url = parse_smpp_url("smpp://hotline:s%40cret@sms.example:2776?source=96777&rate=80")
    assert (url.host, url.port, url.system_id, url.password) == (
        "sms.example",
        2776,
        "hotline",
        "s@cret",
    )
    assert (url.source, url.rate) == ("96777", 80.0)
    assert "s@cret" not in repr(url), "the password stays out of logs"


@pytest.mark.parametrize(
    "value",
    [
        "http://hotline:x@host",
        "smpp://a-system-id-too-long:x@host",
        "smpp://hotline:password9@host",
        "smpp://hotline:x@host?rate=fast",
        "smpp://hotline:x@host?rate=0",
    ],
)
def test_a_bad_gateway_url_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    with pytest.raises(SmppUrlError):
        parse_smpp_url(value)
    monkeypatch.setenv("HOTLINE_SMPP_URL", value)
    with pytest.raises(SettingsError, match="HOTLINE_SMPP_URL"):
        Settings.from_env(env_file=None)
