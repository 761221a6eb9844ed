"""Test data for reports: bulk call records with given monthly counts per report column."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")

# The spec's table (section 10(1)②), copied from shared/data/kurume-fy2025-figures.json.
FY2025_CALLS = {
    "2025-04": [1096, 738, 66, 1900],
    "2025-05": [1290, 717, 96, 2103],
    "2025-06": [1306, 761, 85, 2152],
    "2025-07": [1400, 785, 138, 2323],
    "2025-08": [1222, 751, 93, 2066],
    "2025-09": [1313, 680, 95, 2088],
    "2025-10": [1467, 970, 103, 2540],
    "2025-11": [1685, 916, 98, 2699],
}
FY2025_TOTAL = [10779, 6318, 774, 17871]
COLUMNS = ("reservation", "card_inquiry", "other")


def load_calls(figures: dict[str, list[int]], *, extra: dict[str, int] | None = None) -> int:
    """bulk_create inbound calls spread over each month's weekdays (first, middle and last days included)."""
    from madoguchi.calls.models import Call

    calls = []
    for ym, counts in figures.items():
        year, month = (int(p) for p in ym.split("-"))
        first = datetime.date(year, month, 1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
        i = 0
        for column, n in zip(COLUMNS, counts[:3], strict=True):
            for _ in range(n):
                day = days[i % len(days)]
                # 8:30 to 19:00, and the month's edges: 00:00 on the 1st and 23:59 on the last day.
                minute = (i * 7) % (10 * 60 + 30)
                at = datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=TOKYO) + datetime.timedelta(
                    minutes=minute
                )
                if i == 0:
                    at = datetime.datetime.combine(first, datetime.time(0, 0), tzinfo=TOKYO)
                elif i == 1:
                    at = datetime.datetime.combine(last, datetime.time(23, 59, 59), tzinfo=TOKYO)
                calls.append(
                    Call(
                        direction="inbound",
                        status="ended",
                        started_at=at,
                        ended_at=at + datetime.timedelta(minutes=3),
                        category=column,
                    )
                )
                i += 1
    for ym, n in (extra or {}).items():
        year, month = (int(p) for p in ym.split("-"))
        at = datetime.datetime(year, month, 10, 10, 0, tzinfo=TOKYO)
        calls += [
            Call(direction="inbound", status="overflowed", started_at=at, category="") for _ in range(n)
        ]
    Call.objects.bulk_create(calls, batch_size=2000)
    return len(calls)


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=TOKYO)


_card_seq = iter(range(1, 10**6))


def make_card(office, since: datetime.datetime | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """A card with made-up personal fields (the report must never show them), in its state since `since`
    (one history event; by default 1 March 2026, before the months the tests report on)."""
    from madoguchi.cards.models import Card, CardEvent

    n = next(_card_seq)
    values = {
        "notice_number": f"RPT{n:06d}",
        "application_id": f"{n + 5 * 10**9:023d}",
        "applicant_name": "報告 花子",
        "applicant_kana": "ホウコク ハナコ",
        "birth_date": datetime.date(1990, 1, 2),
        "pickup_office": office,
        "arrived_on": datetime.date(2026, 4, 1),
    }
    values.update(kwargs)
    card = Card.objects.create(**values)
    CardEvent.objects.create(
        card=card, at=since or at("2026-03-01"), from_state="", to_state=card.state, note="テスト用の初期状態"
    )
    return card


def step(card, to_state: str, when: datetime.datetime, **kwargs):  # type: ignore[no-untyped-def]
    from madoguchi.cards.models import CardEvent

    event = CardEvent.objects.create(card=card, at=when, from_state=card.state, to_state=to_state, **kwargs)
    card.state = to_state
    card.save(update_fields=["state"])
    return event


def contract_settings():  # type: ignore[no-untyped-def]
    """The contract as a city would enter it on the 契約情報 screen."""
    from madoguchi.reports.models import ContractSettings

    return ContractSettings.objects.create(
        city_name="試験市",
        addressee="試験市長",
        section="市民部 市民課",
        contractor="株式会社テスト窓口",
        contractor_address="試験県試験市1-2-3",
        representative="代表取締役 試験 一郎",
        contract_name="マイナンバーカード窓口業務委託（試験）",
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2027, 3, 31),
    )


def submit_month(user, year: int = 2026, month: int = 4, *, reason: str = "", today=None):  # type: ignore[no-untyped-def]
    """Set the contract (once), close the month (once) and submit it: the director's whole path."""
    from madoguchi.reports import reconcile, services
    from madoguchi.reports.models import ContractSettings, MonthClose

    today = today or datetime.date(2026, 12, 1)
    if not ContractSettings.objects.exists():
        contract_settings()
    if not MonthClose.objects.filter(year=year, month=month, closed_at__isnull=False).exists():
        reconcile.month_close(by=user, year=year, month=month, today=today)
    return services.monthly_report_submit(by=user, year=year, month=month, reason=reason, today=today)


def job_result(response):  # type: ignore[no-untyped-def]
    """Run the job a view just started (the response redirects to its page) and return (job, file bytes)."""
    from django.core.files.storage import default_storage

    from madoguchi.jobs.testing import run_queued_jobs

    assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
    (job,) = run_queued_jobs()
    assert job.state == "done", job.error_message
    with default_storage.open(job.result_file) as handle:
        return job, handle.read()
