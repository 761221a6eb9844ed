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


# The demo's team, sized for Kurume's April (spec 4, 6, 10(1); /work/shared/data): the main office's 6 call
# lines need 4–6 operators from 8:30 (to 19:00 on Thursdays and the busy first week), the card back office
# 39,000 cards a year × 31 minutes (20 preparation + 11 after issuance) with 10 % shrinkage, which the April
# forecast puts at 14 people through the regular hours, and the floor 2 per open interval at each of the three
# offices, weekend openings included. Someone must cover every break (art. 34: 60 minutes in a 8:30–17:15
# shift) and every day of leave, so each job has more people than its peak: 42 in all, 1 in 6 part-time.
# (count, skills, part-time, home office: "main" or the branch's index, may also work at)
DEMO_TEAM: list[tuple[int, list[str], bool, str, str]] = [
    (9, [Skill.PHONES, Skill.BACK_OFFICE], False, "main", ""),  # call center, back office when quiet
    (2, [Skill.PHONES, Skill.BACK_OFFICE], True, "main", ""),
    (16, [Skill.BACK_OFFICE], False, "main", ""),  # card preparation and after-issuance work
    (3, [Skill.BACK_OFFICE], True, "main", ""),
    (4, [Skill.FLOOR, Skill.BACK_OFFICE, Skill.OUTREACH], False, "main", "branches"),  # floor, any office
    (3, [Skill.FLOOR, Skill.OUTREACH], False, "0", "main"),  # a branch's floor, may help at the main office
    (1, [Skill.FLOOR, Skill.OUTREACH], True, "0", "main"),
    (3, [Skill.FLOOR, Skill.OUTREACH], False, "1", "main"),
    (1, [Skill.FLOOR, Skill.OUTREACH], True, "1", "main"),
]


def create_demo_team(
    main: Office | None, branches: list[Office], trainer: str = "研修担当 久留米 太郎"
) -> list[StaffMember]:
    """The demo's team (DEMO_TEAM) with every course completed in March and their home offices."""
    courses = list(TrainingCourse.objects.filter(code__in=ALL_COURSES))
    members: list[StaffMember] = []
    completions = []
    i = 0
    for count, skills, part_time, home, also in DEMO_TEAM:
        for _ in range(count):
            name = f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[(i * 7 + i // len(SURNAMES)) % len(GIVEN)]}"
            i += 1
            m = StaffMember.objects.create(
                name=name,
                skills=[str(s) for s in skills],
                part_time=part_time,
                contract_hours_per_week=Decimal("25") if part_time else Decimal("38.75"),
            )
            members.append(m)
            completions += [
                TrainingCompletion(
                    member=m, course=c, completed_on=datetime.date(2026, 3, 2 + j), trainer=trainer
                )
                for j, c in enumerate(courses)
            ]
            if main is None:
                continue
            branch = branches[int(home) % len(branches)] if home != "main" and branches else None
            m.home_office = branch or main
            m.save(update_fields=["home_office"])
            if also == "branches":
                m.offices.set(branches)
            elif branch is not None:
                m.offices.set([main])
    TrainingCompletion.objects.bulk_create(completions)
    return members


def load(*, stdout: Any = None) -> str:
    if StaffMember.objects.exists():
        return ""
    main = Office.objects.filter(kind=Office.Kind.MAIN).first()
    branches = list(Office.objects.filter(kind=Office.Kind.BRANCH).order_by("sort_order", "code")[:2])
    members = create_demo_team(main, branches)
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
    for k, m in enumerate(members[::5]):
        Unavailability.objects.create(
            member=m, date=datetime.date(2026, 4, 6 + (k % 8) * 3), reason="年次休暇"
        )
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
