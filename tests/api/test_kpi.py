"""GET /api/reports/kpi on a known data set: every figure counted by hand, local months, the
30-day first-time-fix rule, callbacks reached or not, calls per queue; CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import Api
from openpyxl import load_workbook

from hotline.db.tables import CallbackTask, CallRow, Customer, Department, SlaClockRow, Ticket
from hotline.services.kpi import month_starts
from hotline.web.context import AppContext

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


def clock(
    name: str,
    started: datetime,
    stopped: datetime | None,
    breached: bool = False,
    original: datetime | None = None,
    due: datetime | None = None,
) -> SlaClockRow:
    due_at = due or started + timedelta(hours=6)
    return SlaClockRow(
        ticket_id=0,
        name=name,
        kind="minutes",
        basis="policy",
        started_at=started,
        target_due_at=due_at,
        original_due_at=original or due_at,
        due_at=due_at,
        pausable=True,
        stopped_at=stopped,
        breached_at=(stopped or started) if breached else None,
    )


@pytest.fixture
async def known(api: Api) -> None:
    context = api.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session, session.begin():
        repairs = Department(code="repairs", name="维修部")
        session.add(repairs)
        customers = [
            Customer(account_number=f"GS{n}", name=f"客户{n}", created_at=at(1)) for n in (1, 2)
        ]
        session.add_all(customers)
        await session.flush()
        one, two = (c.id for c in customers)
        serial = iter(range(1, 100))

        async def ticket(
            kind: str,
            subtype: str | None,
            department: int | None,
            customer: int | None,
            received: datetime,
            *clocks: SlaClockRow,
        ) -> Ticket:
            row = Ticket(
                number=f"T-{next(serial):04d}",
                type=kind,
                subtype=subtype,
                status="resolved",
                priority="normal",
                department_id=department or 1,
                customer_id=customer,
                description="kpi",
                received_at=received,
                created_at=received,
                updated_at=received,
                created_by="test",
            )
            session.add(row)
            await session.flush()
            for item in clocks:
                item.ticket_id = row.id  # type: ignore[assignment]
                session.add(item)
            return row

        rid = repairs.id
        # Repairs fixed in November (local): R1 repeated by R2 within 30 days (a miss), R2's fix
        # late, R3's arrival late, R4 of an unknown caller, R6 fixed at 00:30 on 1 November local
        # (still 31 October in UTC). R5 was fixed on 31 October local: not counted.
        await ticket(
            "repair",
            "indoor_equipment",
            rid,
            one,
            at(4),
            clock("handle", at(4), at(4, 12)),
            clock("fix", at(4), at(5)),
        )
        await ticket(
            "repair",
            "indoor_equipment",
            rid,
            one,
            at(20),
            clock("handle", at(20), at(20, 12)),
            clock("fix", at(20), at(21), breached=True),
        )
        await ticket(
            "repair",
            "network_fault",
            rid,
            two,
            at(9),
            clock("handle", at(9), at(9, 18), breached=True),
            clock("fix", at(9), at(10)),
        )
        await ticket(
            "repair",
            "indoor_equipment",
            rid,
            None,
            at(11),
            clock("handle", at(11), at(11, 12)),
            clock("fix", at(11), at(12)),
        )
        await ticket(
            "repair",
            "indoor_equipment",
            rid,
            two,
            at(30, 20, 10),
            clock("handle", at(30, 20, 10), at(30, 21, 10)),
            clock("fix", at(30, 20, 10), at(31, 23, 10)),
        )
        late_night = datetime(2026, 11, 1, 0, 30, tzinfo=TZ)
        await ticket(
            "repair",
            "gas_smell",
            rid,
            two,
            at(31, 22, 10),
            clock("handle", at(31, 22, 10), at(31, 22, 10) + timedelta(minutes=20)),
            clock("fix", at(31, 22, 10), late_night),
        )
        # Replies: two consultations (one late), two complaints (one replied after its original
        # deadline but within the extension agreed with the complainant).
        await ticket("consultation", "billing", None, one, at(2), clock("reply", at(2), at(2, 12)))
        await ticket(
            "consultation",
            "billing",
            None,
            one,
            at(3),
            clock("reply", at(3), at(3, 18), breached=True),
        )
        await ticket(
            "complaint", "timeliness", None, two, at(2), clock("reply", at(2), at(6), due=at(9, 23))
        )
        extended = await ticket(
            "complaint",
            "billing",
            None,
            one,
            at(2),
            clock("reply", at(2), at(12), original=at(9, 23), due=at(16, 23)),
        )
        # Callbacks due in November: two surveyed (5 and 2), one unreachable, one pending.
        for status, score in (("done", 5), ("done", 2), ("unreachable", None), ("pending", None)):
            session.add(
                CallbackTask(
                    ticket_id=extended.id,
                    kind="complaint",
                    status=status,
                    event_at=at(12) + timedelta(minutes=len(status) + (score or 0)),
                    not_before=at(12, 11),
                    due_by=at(15),
                    survey_score=score,
                    created_at=at(12),
                    updated_at=at(12),
                )
            )
        # Calls: four inbound in the hotline queue (3 answered, 2 of them within 20 s; 1
        # abandoned), one outbound and one from October — not counted.
        for n, (direction, disposition, wait, talk, started) in enumerate(
            [
                ("inbound", "answered", 5, 100, at(3)),
                ("inbound", "answered", 30, 200, at(3)),
                ("inbound", "abandoned", 40, None, at(3)),
                ("inbound", "answered", 20, 60, at(4)),
                ("outbound", "answered", 0, 300, at(4)),
                ("inbound", "answered", 5, 100, at(30, 10, 10)),
            ]
        ):
            session.add(
                CallRow(
                    server="pbx",
                    linkedid=f"17.{n}",
                    direction=direction,
                    queue="hotline",
                    started_at=started,
                    wait_seconds=wait,
                    talk_seconds=talk,
                    disposition=disposition,
                    updated_at=started,
                )
            )


async def test_the_monthly_figures_on_a_known_data_set(api: Api, known: None) -> None:
    response = await api.get("qa", "/api/reports/kpi", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200, response.text
    report = response.json()
    rows = {(row["month"], row["department"]): row for row in report["tickets"]}
    assert set(rows) == {("2026-11", "repairs"), ("2026-11", "hotline")}
    repairs = rows[("2026-11", "repairs")]
    assert (repairs["repairs_fixed"], repairs["repairs_in_time"]) == (5, 3)
    assert repairs["repair_timeliness"] == pytest.approx(0.6)
    assert repairs["repairs_fixed_first_time"] == 4
    assert repairs["first_time_fix_rate"] == pytest.approx(0.8)
    hotline = rows[("2026-11", "hotline")]
    assert (hotline["consultations_replied"], hotline["consultations_in_time"]) == (2, 1)
    assert hotline["consultation_reply_rate"] == pytest.approx(0.5)
    assert hotline["complaints_replied"] == 2
    assert hotline["complaint_reply_rate_original"] == pytest.approx(0.5)
    assert hotline["complaint_reply_rate_agreed"] == pytest.approx(1.0)
    assert (hotline["callbacks_due"], hotline["callbacks_reached"]) == (4, 2)
    assert hotline["callback_rate"] == pytest.approx(0.5)
    assert hotline["satisfaction_average"] == pytest.approx(3.5)
    assert hotline["satisfied_rate"] == pytest.approx(0.5)
    assert repairs["callback_rate"] is None  # nothing due: not 0 %, not 100 %
    [calls] = report["calls"]
    assert (calls["month"], calls["queue"], calls["offered"]) == ("2026-11", "hotline", 4)
    assert (calls["answered"], calls["abandoned"], calls["answered_within_20s"]) == (3, 1, 2)
    assert calls["service_level"] == pytest.approx(0.5)
    assert calls["average_handle_seconds"] == pytest.approx(120.0)
    assert report["totals"]["tickets"]["repairs_fixed"] == 5
    assert report["from"] == "2026-11-01T00:00:00+08:00"
    assert report["to"] == "2026-12-01T00:00:00+08:00"


async def test_months_are_local_months(api: Api, known: None) -> None:
    report = (
        await api.get("qa", "/api/reports/kpi", **{"from": "2026-10-01", "to": "2026-11-30"})
    ).json()
    fixed = {(row["month"], row["department"]): row["repairs_fixed"] for row in report["tickets"]}
    # Fixed at 23:10 on 31 October Shanghai time (15:10 UTC): October's.
    assert fixed[("2026-10", "repairs")] == 1
    assert fixed[("2026-11", "repairs")] == 5


def test_month_starts_cover_the_period_in_local_time() -> None:
    months = month_starts(at(15, 0, 10), at(2, 0, 12), TZ)
    assert [label for _begins, label in months] == ["2026-10", "2026-11", "2026-12"]
    assert months[1][0] == datetime(2026, 11, 1, tzinfo=TZ)


async def test_the_report_downloads_as_csv_and_xlsx(api: Api, known: None) -> None:
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    as_csv = await api.get("sup", "/api/reports/kpi", format="csv", **period)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="kpi-2026-11-01-2026-11-30.csv"' in as_csv.headers["content-disposition"]
    # Headers and sections in the reader's language (Chinese by default), never snake_case.
    table = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [row["类别"] for row in table] == ["工单", "工单", "通话记录", "合计"]
    assert table[-1]["已修复数"] == "5" and table[-1]["呼入总数"] == "4"
    as_xlsx = await api.client.get(
        "/api/reports/kpi",
        params={**period, "format": "xlsx"},
        headers={**api.auth("admin"), "Accept-Language": "en"},
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    values = list(sheet.values)
    assert values[0][:3] == ("Section", "Month", "Department or queue")
    assert "Repairs fixed" in values[0] and "Calls offered" in values[0]
    assert values[-1][0] == "Total"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, None),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"to": "2026-03-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-06-01"}, None),
        ({"from": "2026-11-01", "to": "2026-11-30", "format": "pdf"}, "format"),
    ],
)
async def test_bad_periods_are_refused(api: Api, params: dict[str, str], field: str | None) -> None:
    response = await api.get("qa", "/api/reports/kpi", **params)
    assert response.status_code == 422, response.text
    if field is not None:
        assert field in response.json()["error"]["fields"]


async def test_only_quality_supervisors_and_admins_read_reports(api: Api) -> None:
    for user in ("agent", "disp", "tech"):
        response = await api.get(
            user, "/api/reports/kpi", **{"from": "2026-11-01", "to": "2026-11-30"}
        )
        assert response.status_code == 403
