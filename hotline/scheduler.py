"""The scheduler: APScheduler in the one process that holds the scheduler leadership, running
the SLA sweep every few seconds. Other processes keep trying to take over, so a dead leader is
replaced within `takeover_seconds` or so; the leader checks as often that it still holds the
leadership (a restart of PostgreSQL ends its lock) and stops its jobs when it does not, so
that two schedulers never run side by side. A database away is waited out, never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.application import callbacks as callback_cases
from hotline.application import dispatch as dispatch_cases
from hotline.application import incidents as incident_cases
from hotline.application import relighting as relighting_cases
from hotline.application import ringbacks as ringback_cases
from hotline.application import sessions as session_cases
from hotline.application.sla import sweep_due
from hotline.application.unit import Core
from hotline.leader import Leadership
from hotline.services import callbacks as callback_service
from hotline.sms.sender import SmsSender

log = logging.getLogger(__name__)

SWEEP_JOB = "sla-sweep"
CALLBACK_JOB = "callbacks-due"
RINGBACK_JOB = "ringbacks"
SESSION_PRUNE_JOB = "session-prune"
# Old console sessions are few per hour: an hourly prune keeps the table small.
SESSION_PRUNE_SECONDS = 3600.0
STOP_GRACE_SECONDS = 5
# How often a leader tracking the calls too looks for a worker to hand the scheduler to, and
# how long it keeps the scheduler after nobody took it.
HANDOVER_CHECK_SECONDS = 10.0
HANDOVER_RETRY_SECONDS = 300.0


@dataclass
class SweepStats:
    runs: int = 0
    escalations: int = 0
    failures: int = 0
    last_run_at: datetime | None = None
    last_duration_ms: float | None = None
    last_error: str | None = None


@dataclass
class SchedulerService:
    engine: AsyncEngine
    core: Core
    mode: str = "auto"
    sweep_interval: float = 2.0
    # How often a standby tries the leadership and the leader checks it still holds it.
    takeover_seconds: float = 1.0
    callback_interval: float = 5.0
    # Dials a survey call for a task and returns the Originate's ActionID; set by the
    # composition root when telephony runs.
    dialler: Callable[[callback_service.TaskView], Awaitable[str]] | None = None
    # Rings back callers when agents are free; set by the composition root with telephony.
    ringback_phone: ringback_cases.RingbackPhone | None = None
    ringback_interval: float = 5.0
    # Sends the SMS outbox when a gateway is configured (HOTLINE_SMPP_URL): in the leader only,
    # so that several workers never send the same message.
    sms: SmsSender | None = None
    # Whether this worker tracks the calls (set by the composition root): it then leaves a free
    # scheduler leadership to the other workers first (hotline/leader.py).
    leads_otherwise: Callable[[], bool] = lambda: False
    # How many other workers serve the database (several workers only; hotline/workers.py):
    # a worker that took both leaderships before the others were up hands the scheduler over.
    other_workers: Callable[[], Awaitable[int]] | None = None
    handovers: int = 0
    stats: SweepStats = field(default_factory=SweepStats)
    _scheduler: AsyncIOScheduler | None = None
    _leadership: Leadership | None = None
    _lead: asyncio.Task[None] | None = None
    _stopping: bool = False
    _running_jobs: set[asyncio.Task[Any]] = field(default_factory=set)
    # When this leader next asks whether to hand the scheduler over (monotonic clock).
    _next_handover_check: float = 0.0

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    @property
    def leader(self) -> bool:
        return self._leadership is not None and self._leadership.held

    async def start(self) -> None:
        if self.mode == "off":
            return
        # Asked at each try: the composition root sets `leads_otherwise` after this starts.
        self._leadership = Leadership(
            self.engine, "scheduler", leads_otherwise=lambda: self.leads_otherwise()
        )
        try:
            acquired = await self._leadership.try_acquire()
        except Exception as error:
            if self.mode == "on":
                raise
            # A worker started while the database is away serves what it can meanwhile.
            log.warning("scheduler leadership: %s; trying again", error)
            acquired = False
        if acquired:
            self._start_scheduler()
        elif self.mode == "on":
            raise RuntimeError("HOTLINE_SCHEDULER=on but another process runs the scheduler")
        self._lead = asyncio.create_task(self._keep_leading(), name="scheduler leadership")

    async def _keep_leading(self) -> None:
        """Standing by: try to take over. Leading: check the leadership is still ours."""
        leadership = self._leadership
        assert leadership is not None
        while True:
            await asyncio.sleep(self.takeover_seconds)
            try:
                if not leadership.held:
                    if await leadership.try_acquire():
                        log.info("took over the scheduler")
                        if self.leads_otherwise():
                            # Nobody else took it: no handing it over again for a while.
                            self._next_handover_check = time.monotonic() + HANDOVER_RETRY_SECONDS
                        self._start_scheduler()
                elif not await leadership.still_held():
                    log.warning("scheduler leadership lost (the database went away): stopping")
                    await self._stop_jobs()
                    await leadership.forget()
                elif await self._hand_over_now():
                    log.info("scheduler handed over: this worker tracks the calls, others stand by")
                    await self._stop_jobs()
                    await leadership.release()
                    self.handovers += 1
            except Exception as error:  # the database away: try again at the next check
                log.warning("scheduler leadership: %s", error)

    async def _hand_over_now(self) -> bool:
        """Whether this leader, tracking the calls too (it took both leaderships before the
        other workers were up), should leave the scheduler to a worker standing by: the sweeps
        then stay off the loop that pops screens, and losing one worker loses one leadership.
        The worker holding nothing takes it within its check; if none does, this one takes it
        back after the deference (hotline/leader.py)."""
        if self.other_workers is None or not self.leads_otherwise():
            return False
        now = time.monotonic()
        if now < self._next_handover_check:
            return False
        self._next_handover_check = now + HANDOVER_CHECK_SECONDS
        return await self.other_workers() > 0

    def _start_scheduler(self) -> None:
        scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        scheduler.add_job(
            self._scheduled_sweep,
            "interval",
            seconds=self.sweep_interval,
            id=SWEEP_JOB,
            # APScheduler runs on the real clock; the core's clock is the business clock sweeps use.
            next_run_time=datetime.now(UTC),
        )
        scheduler.add_job(
            self._scheduled_offer,
            "interval",
            seconds=self.callback_interval,
            id=CALLBACK_JOB,
            # At start too: tasks that fell due while no process led are put forward at once.
            next_run_time=datetime.now(UTC),
        )
        scheduler.add_job(
            self._scheduled_ringbacks,
            "interval",
            seconds=self.ringback_interval,
            id=RINGBACK_JOB,
            next_run_time=datetime.now(UTC),
        )
        scheduler.add_job(
            self._scheduled_prune,
            "interval",
            seconds=SESSION_PRUNE_SECONDS,
            id=SESSION_PRUNE_JOB,
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
        self._scheduler = scheduler
        if self.sms is not None:
            self.sms.start()
        log.info("scheduler started: SLA sweep every %.1f s", self.sweep_interval)

    async def _scheduled_sweep(self) -> None:
        await self._tracked(self.sweep_once())

    async def _scheduled_offer(self) -> None:
        await self._tracked(self.offer_callbacks_once())
        await self._tracked(self.dial_surveys_once())
        await self._tracked(self.mark_missed_visits_once())
        await self._tracked(self.remind_relighting_once())

    async def _scheduled_ringbacks(self) -> None:
        await self._tracked(self.scan_missed_calls_once())
        await self._tracked(self.dial_ringbacks_once())
        await self._tracked(self.suggest_incidents_once())

    async def _scheduled_prune(self) -> None:
        await self._tracked(self.prune_sessions_once())

    async def prune_sessions_once(self) -> int:
        """Console sessions over for a month are deleted (services/console_sessions.py)."""
        try:
            # Sessions run on the wall clock, not the business clock (application/sessions.py).
            return await session_cases.prune_ended(self.core, datetime.now(UTC))
        except Exception:
            log.exception("pruning old console sessions failed")
            return 0

    async def suggest_incidents_once(self) -> int:
        """Areas where no-gas and repair reports pile up become suggested outages, for a
        dispatcher to confirm, merge or dismiss (on the dispatch board and the wallboard)."""
        try:
            return len(await incident_cases.scan_clusters(self.core))
        except Exception:
            log.exception("scanning for clusters of outage reports failed")
            return 0

    async def scan_missed_calls_once(self) -> int:
        """Abandoned queue calls become ring-backs (a gas smell at once, with the dispatchers'
        alarm); callers who got through meanwhile need theirs no more."""
        try:
            return await ringback_cases.scan_missed_calls(self.core)
        except Exception:
            log.exception("scanning missed calls failed")
            return 0

    async def dial_ringbacks_once(self) -> int:
        """Settle ring-backs being dialled; ring back the first callers in line that a free
        agent can take."""
        if self.ringback_phone is None or self._stopping:
            return 0
        try:
            return await ringback_cases.dial_ringbacks(
                self.core, self.ringback_phone, lambda: self._stopping
            )
        except Exception:
            # A ring-back left dialling is settled as not answered after its timeout.
            log.exception("dialling ring-backs failed")
            return 0

    async def mark_missed_visits_once(self) -> int:
        """Visits whose window passed with nobody there: missed, and the dispatchers told."""
        try:
            return await dispatch_cases.mark_missed_visits(self.core)
        except Exception:
            log.exception("marking missed visits failed")
            return 0

    async def remind_relighting_once(self) -> int:
        """The relighting SMS the day before each booked visit (on the leader only)."""
        try:
            return await relighting_cases.send_reminders(self.core)
        except Exception:
            log.exception("relighting reminders failed")
            return 0

    async def dial_surveys_once(self) -> int:
        """Settle the survey calls that ended without a survey, then — when automated calls
        are on — dial the tasks whose time has come. Returns how many were dialled."""
        if self.dialler is None or self._stopping:
            return 0
        try:
            return await callback_cases.dial_surveys(
                self.core, self.dialler, self.core.settings.local_area_code
            )
        except Exception:
            # A task left marked as dialling is settled as not answered after DIAL_TIMEOUT.
            log.exception("dialling survey calls failed")
            return 0

    async def _tracked(self, job: Coroutine[Any, Any, int]) -> None:
        if self._stopping:
            # Started by APScheduler just as we stop: the engine is going away; skip it.
            job.close()
            return
        # Remembered so that stop() lets a running job finish before its engine is disposed.
        task = asyncio.current_task()
        assert task is not None
        self._running_jobs.add(task)
        try:
            await job
        finally:
            self._running_jobs.discard(task)

    async def offer_callbacks_once(self) -> int:
        """Put the callbacks whose time has come on the quality staff's worklist, each once
        per attempt; announced after each commit. Returns how many."""
        try:
            return await callback_cases.offer_due(self.core, lambda: self._stopping)
        except Exception:
            log.exception("offering due callbacks failed")
            return 0

    async def sweep_once(self) -> int:
        """Sweep until nothing due is left; announced after each commit. Returns escalations."""
        started = time.perf_counter()
        found = 0
        try:
            found = await sweep_due(self.core, lambda: self._stopping)
            self.stats.last_error = None
        except Exception as error:
            self.stats.failures += 1
            self.stats.last_error = type(error).__name__
            log.exception("SLA sweep failed")
        self.stats.runs += 1
        self.stats.escalations += found
        self.stats.last_run_at = self.core.clock()
        self.stats.last_duration_ms = (time.perf_counter() - started) * 1000
        return found

    async def stop(self) -> None:
        # A job between batches stops there; the rest waits in the database for the next leader.
        self._stopping = True
        if self._lead is not None:
            self._lead.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lead
            self._lead = None
        await self._stop_jobs()
        if self._leadership is not None:
            # A lock whose connection is gone (the database away) went with it.
            with contextlib.suppress(Exception):
                await self._leadership.release()

    async def _stop_jobs(self) -> None:
        if self._scheduler is not None:
            self._scheduler.pause()
        if self.sms is not None:
            await self.sms.stop()
        # Running jobs finish before APScheduler's shutdown, which would cancel them in the
        # middle of a database call and leave its connection behind.
        running = [task for task in self._running_jobs if not task.done()]
        if running:
            _done, late = await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
                log.warning("stopped a scheduled job still running after %d s", STOP_GRACE_SECONDS)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def health(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "leader": self.leader,
            "running": self.running,
            "sweep_interval_seconds": self.sweep_interval,
            "runs": self.stats.runs,
            "escalations": self.stats.escalations,
            "failures": self.stats.failures,
            "last_run_at": self.stats.last_run_at.isoformat() if self.stats.last_run_at else None,
            "last_duration_ms": self.stats.last_duration_ms,
            "last_error": self.stats.last_error,
            "handovers": self.handovers,
            "sms": None
            if self.sms is None
            else {"sending": self.sms.running, "bound": self.sms.bound},
        }
