from __future__ import annotations

import datetime
from typing import Any

from madoguchi.outreach import services
from madoguchi.outreach.models import OutreachEvent
from madoguchi.staffing.models import StaffMember, TrainingCompletion, TrainingCourse

SATURDAY = datetime.date(2026, 6, 13)  # the main office is closed: an outreach day may open the calendar
WEEKDAY = datetime.date(2026, 6, 10)


def make_member(name: str, *, trained: bool = True, skills: list[str] | None = None) -> StaffMember:
    member = StaffMember.objects.create(name=name, skills=skills if skills is not None else ["outreach"])
    courses = [c for c in TrainingCourse.objects.filter(active=True) if c.is_required_for("outreach")]
    if not trained:
        courses = courses[:-1]  # one required course missing
    for course in courses:
        TrainingCompletion.objects.create(
            member=member, course=course, completed_on=datetime.date(2026, 3, 20), trainer="市民課 研修担当"
        )
    return member


def make_event(*, by: Any, **overrides: Any) -> OutreachEvent:
    fields: dict[str, Any] = {
        "venue": "ゆめタウン久留米",
        "date": SATURDAY,
        "opens": datetime.time(10, 0),
        "closes": datetime.time(16, 0),
        "windows": 4,
    }
    fields.update(overrides)
    return services.event_create(by=by, **fields)
