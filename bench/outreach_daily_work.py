"""Daily-work writes at tablet speed: floor taps, outreach window counts, and the month summaries for reports.

uv run python bench/outreach_daily_work.py   (or DATABASE_URL=postgres://…/<a new empty database>)
"""

import _django

# fresh=False: flush is refused by the audit table triggers on PostgreSQL; give it a new, empty database.
_django.setup(fresh=False)

import datetime  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from madoguchi.accounts.roles import Role, sync_roles  # noqa: E402
from madoguchi.accounts.testing import make_offices, make_user  # noqa: E402
from madoguchi.floor import services as floor  # noqa: E402
from madoguchi.incidents import services as incidents  # noqa: E402
from madoguchi.outreach import services as outreach  # noqa: E402


def timed(fn, n):
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


sync_roles()
offices = make_offices()
main = offices["honcho"]
guide = make_user("bench-floor", Role.FLOOR)
manager = make_user("bench-manager", Role.SITE_MANAGER)

med, p95 = timed(lambda: floor.guidance_tap(by=guide, office=main, purpose="pickup"), 500)
print(f"floor tap (insert + audit):           median {med:.2f} ms, p95 {p95:.2f} ms  (500 taps)")
med, p95 = timed(lambda: floor.guidance_undo(by=guide, office=main), 200)
print(f"floor undo:                           median {med:.2f} ms, p95 {p95:.2f} ms  (200)")
today = datetime.date.today()
med, p95 = timed(lambda: floor.day_counts(office=main, date=today), 50)
print(f"floor day counts (300 counted rows):  median {med:.2f} ms, p95 {p95:.2f} ms")

events = []
t0 = time.perf_counter()
for i in range(20):
    day = datetime.date(2026, 6, 6) + datetime.timedelta(days=7 * (i % 4))
    events.append(
        outreach.event_create(
            by=manager,
            venue=f"会場{i}",
            date=day,
            opens=datetime.time(10),
            closes=datetime.time(16),
            windows=4,
        )
    )
print(
    f"outreach event create (windows, timeline, 15 checklist items, calendar): {(time.perf_counter() - t0) * 50:.1f} ms each"
)
event = events[0]
med, p95 = timed(lambda: outreach.window_count_adjust(by=guide, event=event, window=1, delta=1), 500)
print(f"outreach window +1 (row lock + audit): median {med:.2f} ms, p95 {p95:.2f} ms  (500 taps)")
med, p95 = timed(lambda: outreach.month_summary(year=2026, month=6), 20)
print(f"outreach month_summary (20 events):   median {med:.2f} ms, p95 {p95:.2f} ms")

for i in range(200):
    incidents.incident_record(
        by=manager,
        occurred_at=datetime.datetime(2026, 6, 1 + i % 28, 10, tzinfo=datetime.UTC),
        category="complaint",
        summary=f"苦情{i}",
        description="待ち時間",
    )
med, p95 = timed(lambda: incidents.month_summary(year=2026, month=6), 20)
print(f"incidents month_summary (200 items):  median {med:.2f} ms, p95 {p95:.2f} ms")
med, p95 = timed(lambda: floor.month_summary(year=2026, month=datetime.date.today().month), 20)
print(f"floor month_summary:                  median {med:.2f} ms, p95 {p95:.2f} ms")
