"""Demo data: a 30-person team with skills and training records, and an April 2026 plan for the main office
(forecast computed; the site manager solves and exports it on the plan page)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from madoguchi.calendar.models import Office

from .models import MonthPlan, Skill, StaffMember, TrainingCompletion, TrainingCourse, Unavailability

SURNAMES = [
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
    "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "清水", "山崎",
    "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井", "小川", "前田",
]  # fmt: skip
GIVEN = [
    "陽子", "健", "美咲", "大輔", "真由美", "翔", "由美", "誠", "さくら", "拓也",
    "恵", "亮", "彩", "浩二", "直美", "悠", "千尋", "修", "舞", "剛",
    "愛", "隆", "奈々", "和也", "智子", "聡", "香織", "仁", "麻衣", "博",
]  # fmt: skip

ALL_COURSES = ["system", "manual", "privacy", "hospitality", "accessibility", "onsite"]


def team_spec(n: int = 30) -> list[tuple[str, list[str], bool]]:
    """(name, skills, part_time) for a team of n: phones, back office, floor, some outreach, 1 in 5 part-time."""
    rows = []
    for i in range(n):
        name = f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[(i * 7) % len(GIVEN)]}"
        if i % 10 in (0, 1, 2):
            skills = [Skill.PHONES, Skill.BACK_OFFICE]
        elif i % 10 in (3, 4):
            skills = [Skill.PHONES, Skill.FLOOR, Skill.OUTREACH]
        elif i % 10 == 5:
            skills = [Skill.FLOOR, Skill.BACK_OFFICE, Skill.OUTREACH]
        else:
            skills = [Skill.BACK_OFFICE]
        rows.append((name, [str(s) for s in skills], i % 5 == 4))
    return rows


def create_team(
    n: int = 30, *, untrained_every: int = 0, trainer: str = "研修担当 久留米 太郎"
) -> list[StaffMember]:
    """Create n staff members with every course completed (skip all courses for every `untrained_every`-th)."""
    courses = list(TrainingCourse.objects.filter(code__in=ALL_COURSES))
    members = []
    completions = []
    for i, (name, skills, part_time) in enumerate(team_spec(n)):
        m = StaffMember.objects.create(
            name=name,
            skills=skills,
            part_time=part_time,
            contract_hours_per_week=Decimal("25") if part_time else Decimal("38.75"),
        )
        members.append(m)
        if untrained_every and i % untrained_every == untrained_every - 1:
            continue
        for j, c in enumerate(courses):
            completions.append(
                TrainingCompletion(
                    member=m, course=c, completed_on=datetime.date(2026, 3, 2 + j), trainer=trainer
                )
            )
    TrainingCompletion.objects.bulk_create(completions)
    return members


def load(*, stdout: Any = None) -> str:
    if StaffMember.objects.exists():
        return ""
    members = create_team(30, untrained_every=0)
    # A newcomer still in training: shows the refusal on the training page and in assignments.
    newcomer = StaffMember.objects.create(
        name="新人 研修中", skills=[Skill.PHONES], part_time=True, contract_hours_per_week=Decimal("20")
    )
    TrainingCompletion.objects.create(
        member=newcomer,
        course=TrainingCourse.objects.get(code="system"),
        completed_on=datetime.date(2026, 3, 30),
        trainer="研修担当 久留米 太郎",
    )
    # A few days of leave in April.
    for k, m in enumerate(members[:6]):
        Unavailability.objects.create(member=m, date=datetime.date(2026, 4, 6 + k * 3), reason="年次休暇")
    main = Office.objects.filter(kind=Office.Kind.MAIN).first()
    branches = list(Office.objects.filter(kind=Office.Kind.BRANCH).order_by("sort_order", "code")[:2])
    assign_offices(members, main, branches)
    plan_note = ""
    if main is not None:
        from .forecast import ForecastError
        from .services import month_plan_create, month_plan_forecast

        done = []
        for office in [main, *branches]:
            plan = MonthPlan.objects.filter(office=office, year=2026, month=4).first() or month_plan_create(
                office=office, year=2026, month=4
            )
            try:
                month_plan_forecast(plan=plan)
                done.append(office.name)
            except ForecastError as exc:
                plan_note += f"（{office.name}の4月の計画は未作成: {exc}）"
        if done:
            plan_note = f"、令和8年4月の人員計画（{'・'.join(done)}、必要人数算出済み）" + plan_note
    return f"業務従事者{len(members) + 1}人・研修記録{plan_note}"


def assign_offices(members: list[StaffMember], main: Office | None, branches: list[Office]) -> None:
    """Home offices: floor staff partly at the branches (each may also work at the main office); the main
    office's floor and back-office people may help at the branches."""
    if main is None:
        return
    for i, m in enumerate(members):
        if branches and i % 10 in (3, 4):
            m.home_office = branches[(i % 10 - 3) % len(branches)]
            m.save(update_fields=["home_office"])
            m.offices.set([main])
        else:
            m.home_office = main
            m.save(update_fields=["home_office"])
            if branches and i % 10 == 5:
                m.offices.set(branches)
