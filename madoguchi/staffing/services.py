"""Writes and checks of the staffing app: staff members, training records, forecasts, plans, schedules.

Other apps (outreach, floor) call `member_is_trained` / `untrained_reason` before assigning a person.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_for, hours_range

from . import forecast, solver
from .models import (
    MonthPlan,
    PlanInterval,
    PlanShift,
    Roster,
    RosterVersion,
    ShiftTemplate,
    Skill,
    StaffMember,
    TrainingCompletion,
    TrainingCourse,
    Unavailability,
)

# --- training -----------------------------------------------------------------------------------


def missing_courses(*, member: StaffMember, skill: str) -> list[TrainingCourse]:
    """The active courses `skill` requires that `member` has not completed, in display order."""
    required = [c for c in TrainingCourse.objects.filter(active=True) if c.is_required_for(skill)]
    done = set(member.completions.values_list("course_id", flat=True))
    return [c for c in required if c.pk not in done]


def untrained_reason(*, member: StaffMember, skill: str) -> str | None:
    """None when `member` may do `skill`; otherwise a Japanese sentence saying why not."""
    if skill not in Skill.values:
        return f"業務「{skill}」は登録されていません。"
    label = Skill(skill).label
    if not member.active:
        return f"{member.name}さんは在籍していないため、{label}に配置できません。"
    if not member.has_skill(skill):
        return f"{member.name}さんは{label}の担当業務として登録されていません。"
    missing = missing_courses(member=member, skill=skill)
    if missing:
        names = "、".join(f"「{c.name}」" for c in missing)
        return f"{member.name}さんは{label}に必要な研修{names}を修了していません。"
    return None


def member_is_trained(*, member: StaffMember, skill: str) -> bool:
    """True when `member` is active, has `skill`, and completed every course `skill` requires."""
    return untrained_reason(member=member, skill=skill) is None


def trained_members(*, skill: str, members: list[StaffMember] | None = None) -> list[StaffMember]:
    """The active members fit for `skill` (one query for completions, not one per member)."""
    if members is None:
        members = list(StaffMember.objects.active().prefetch_related("completions"))
    required = {c.pk for c in TrainingCourse.objects.filter(active=True) if c.is_required_for(skill)}
    result = []
    for m in members:
        if not m.active or not m.has_skill(skill):
            continue
        done = {c.course_id for c in m.completions.all()}
        if required <= done:
            result.append(m)
    return result


def training_completion_record(
    *,
    member: StaffMember,
    course: TrainingCourse,
    completed_on: datetime.date,
    trainer: str,
    note: str = "",
    by: User | None = None,
) -> TrainingCompletion:
    """Record that `member` completed `course` (validated; one row per member, course and day)."""
    with transaction.atomic():
        completion = TrainingCompletion(
            member=member,
            course=course,
            completed_on=completed_on,
            trainer=trainer,
            note=note,
            recorded_by=by,
        )
        completion.full_clean()
        completion.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=completion,
            detail={"member_id": member.pk, "course": course.code},
        )
    return completion


def training_completion_delete(*, completion: TrainingCompletion, by: User | None = None) -> None:
    with transaction.atomic():
        pk = completion.pk
        detail = {"member_id": completion.member_id, "course": completion.course.code}
        completion.delete()
        audit_record(
            actor=by,
            action=AuditEvent.Action.DELETE,
            object_type="staffing.trainingcompletion",
            object_id=pk,
            detail=detail,
        )


# --- staff members ------------------------------------------------------------------------------


def staff_member_create(
    *,
    name: str,
    skills: list[str],
    contract_hours_per_week: Decimal | float = Decimal("38.75"),
    part_time: bool = False,
    user: User | None = None,
    home_office_id: int | None = None,
    note: str = "",
    by: User | None = None,
) -> StaffMember:
    with transaction.atomic():
        member = StaffMember(
            name=name,
            skills=[s for s in Skill.values if s in skills],
            contract_hours_per_week=Decimal(str(contract_hours_per_week)),
            part_time=part_time,
            user=user,
            home_office_id=home_office_id,
            note=note,
        )
        member.full_clean()
        member.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=member, detail={"skills": member.skills})
    return member


def staff_member_update(
    *,
    member: StaffMember,
    by: User | None = None,
    **changes: object,
) -> StaffMember:
    """Change the listed fields (name, skills, contract_hours_per_week, part_time, active, note, home_office_id)."""
    allowed = {"name", "skills", "contract_hours_per_week", "part_time", "active", "note", "home_office_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        was_active = member.active
        for field, value in changes.items():
            if field == "skills":
                value = [s for s in Skill.values if s in value]  # type: ignore[operator]
            if field == "contract_hours_per_week":
                value = Decimal(str(value))
            setattr(member, field, value)
        update_fields = list(changes)
        if was_active and not member.active:
            upcoming = member.shifts.filter(date__gte=timezone.localdate()).order_by("date").first()
            if upcoming is not None:
                raise ValidationError(
                    f"{member.name}さんは {upcoming.date:%Y年%-m月%-d日} 以降にシフトがあります。"
                    "勤務不可日を登録してシフト表を作り直してから、在籍を外してください。"
                )
        if "active" in changes and bool(changes["active"]) != was_active:
            # The retention period of a leaver's name runs from here; coming back stops it.
            member.left_at = None if member.active else timezone.now()
            update_fields.append("left_at")
        member.full_clean()
        member.save(update_fields=update_fields)
        audit_record(
            actor=by, action=AuditEvent.Action.UPDATE, obj=member, detail={"fields": sorted(changes)}
        )
    return member


# --- plans ---------------------------------------------------------------------------------------


def month_plan_create(*, office: Office, year: int, month: int, by: User | None = None) -> MonthPlan:
    with transaction.atomic():
        plan = MonthPlan(office=office, year=year, month=month, created_by=by)
        plan.full_clean()
        plan.save()
        audit_record(
            actor=by, action=AuditEvent.Action.CREATE, obj=plan, detail={"year": year, "month": month}
        )
    return plan


def month_plan_forecast(
    *, plan: MonthPlan, overrides: dict[str, object] | None = None, by: User | None = None
) -> MonthPlan:
    """(Re)compute the plan's requirements from the forecast. Interval overrides already set are kept.

    Raises forecast.ForecastError (Japanese message) and leaves the plan unchanged on bad input.
    """
    if overrides is not None:
        plan.overrides = {
            k: v for k, v in overrides.items() if k in forecast.PARAMETERS and v not in (None, "")
        }
    fc = forecast.build(plan.office, plan.year, plan.month, plan.overrides)
    with transaction.atomic():
        kept = {(i.date, i.start, i.skill): i.override for i in plan.intervals.filter(override__isnull=False)}
        plan.intervals.all().delete()
        PlanInterval.objects.bulk_create(
            [
                PlanInterval(
                    plan=plan,
                    date=i.date,
                    start=i.start,
                    end=i.end,
                    skill=i.skill,
                    calls_per_hour=i.calls_per_hour,
                    required=i.required,
                    override=kept.get((i.date, i.start, i.skill)),
                    rollover=i.rollover,
                )
                for i in fc.intervals
            ]
        )
        # The shifts stay (a re-forecast mid-month must not empty the roster): their coverage is recounted.
        has_shifts = plan.shifts.exists()
        if has_shifts:
            for date in sorted({i.date for i in fc.intervals}):
                _recount(plan, date)
        plan.figures = fc.figures
        plan.messages = fc.messages + (
            ["【シフト】必要人数が変わりました。シフトはそのまま残っています。必要なら作成し直してください。"]
            if has_shifts
            else []
        )
        if not has_shifts:
            plan.status = MonthPlan.Status.FORECAST
            plan.solver_status = ""
            plan.objective = plan.bound = plan.gap = plan.wall_seconds = None
            plan.paid_minutes = plan.short_slots = 0
            plan.solved_at = None
        plan.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=plan,
            detail={"step": "forecast", "overrides": sorted(plan.overrides), "intervals": len(fc.intervals)},
        )
    return plan


def plan_interval_override(
    *,
    plan: MonthPlan,
    date: datetime.date,
    start: datetime.time,
    skill: str,
    people: int | None,
    by: User | None = None,
) -> PlanInterval:
    """Set (or clear with None) the site manager's required number for one interval."""
    if people is not None and people < 0:
        raise ValueError("必要人数は0以上にしてください。")
    if skill == Skill.PHONES and people is not None and people > forecast.LINES:
        raise ValueError(f"電話応対は{forecast.LINES}回線のため、{forecast.LINES}人までです。")
    with transaction.atomic():
        interval = plan.intervals.select_for_update().get(date=date, start=start, skill=skill)
        interval.override = people
        interval.save(update_fields=["override"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=interval,
            detail={"plan_id": plan.pk, "skill": skill, "override": people},
        )
    return interval


def _work_end(interval: PlanInterval, office: Office) -> datetime.time:
    """Card work stops at the office's regular close (see forecast.py), even inside the interval spanning it."""
    close = forecast.regular_close(office)
    if interval.skill == Skill.BACK_OFFICE and interval.start < close < interval.end:
        return close
    return interval.end


# --- the month's roster (all offices) ------------------------------------------------------------


class RosterError(ValueError):
    """A roster operation refused (Japanese message naming the person, the day and the rule)."""


def roster_get(*, year: int, month: int) -> Roster:
    """The month's roster (created empty on first use: a roster row carries no personal data)."""
    roster, _ = Roster.objects.get_or_create(year=year, month=month)
    return roster


def _setup_minutes() -> int:
    return int(getattr(settings, "MADOGUCHI_STAFFING_SETUP_MINUTES", 30))


def _trained_from(
    members: list[StaffMember], first: datetime.date, last: datetime.date
) -> dict[int, dict[str, datetime.date | None]]:
    """Per member and skill: the date from which they are trained (None: since before the month); a skill
    missing from the dict is not usable in the month. Training counts from its completion date."""
    courses = list(TrainingCourse.objects.filter(active=True))
    result: dict[int, dict[str, datetime.date | None]] = {}
    for m in members:
        done: dict[int, datetime.date] = {}
        for c in m.completions.all():
            if c.course_id not in done or c.completed_on < done[c.course_id]:
                done[c.course_id] = c.completed_on
        skills: dict[str, datetime.date | None] = {}
        for s in Skill.values:
            if not m.has_skill(s):
                continue
            required = [c.pk for c in courses if c.is_required_for(s)]
            if any(pk not in done for pk in required):
                continue
            since = max((done[pk] for pk in required), default=None)
            if since is not None and since > last:
                continue
            skills[s] = since if since is not None and since > first else None
        result[m.pk] = skills
    return result


def _unpopular_shift(shift: PlanShift) -> bool:
    return shift.date.weekday() >= 5 or shift.end > forecast.regular_close(shift.plan.office)


def _shift_row(shift: PlanShift) -> list[object]:
    return [
        shift.member_id,
        shift.date.isoformat(),
        shift.plan.office_id,
        shift.template_code,
        shift.skill,
        shift.start.strftime("%H:%M"),
        shift.end.strftime("%H:%M"),
        shift.break_start.strftime("%H:%M") if shift.break_start else None,
        shift.break_end.strftime("%H:%M") if shift.break_end else None,
        shift.paid_minutes,
        shift.source,
    ]


@dataclass
class RosterInput:
    problem: solver.Problem
    members: dict[int, StaffMember]
    plans: dict[str, MonthPlan]  # by office code
    sources: dict[tuple[int, datetime.date], str]  # source of fixed shifts


def roster_problem(  # noqa: C901 — reads each source of the month (plans, calendar, staff, shifts, outreach) in turn
    *,
    roster: Roster,
    time_limit_seconds: float = 45.0,
    num_workers: int = 1,
    minimal_change: bool | None = None,
    today: datetime.date | None = None,
) -> RosterInput:
    """Everything the solver needs for the month, read from the database (no writes).

    Raises forecast.ForecastError when no office plan of the month has its requirements yet."""
    from madoguchi.outreach.selectors import staff_assignments_between

    today = today or timezone.localdate()
    first, last = roster.first_day, roster.last_day
    plans = {
        p.office.code: p
        for p in MonthPlan.objects.filter(year=roster.year, month=roster.month)
        .select_related("office")
        .order_by("office__sort_order", "office__code")
        if p.intervals.exists()
    }
    if not plans:
        raise forecast.ForecastError(
            "必要人数がまだ算出されていません。各庁舎の計画で「必要人数を算出」を実行してください。"
        )
    setup = _setup_minutes()
    days: list[solver.Day] = []
    open_days: set[tuple[datetime.date, str]] = set()
    for code, plan in plans.items():
        for h in hours_range(plan.office, first, last):
            if not h.is_open or h.opens is None or h.closes is None:
                continue
            special = h.kind.startswith("special:") or h.date.weekday() >= 5
            days.append(
                solver.Day(
                    h.date,
                    h.opens,
                    h.closes,
                    special=special,
                    office=code,
                    regular_close=forecast.regular_close(plan.office),
                    setup_minutes=setup,
                )
            )
            open_days.add((h.date, code))
    if not days:
        raise forecast.ForecastError(f"{roster.year}年{roster.month}月はどの庁舎も開庁日がありません。")
    templates = [
        solver.Template(
            t.code,
            t.name,
            t.start,
            t.end,
            t.part_time,
            break_after=t.break_after,
            break_before_end=t.break_before_end,
            weekdays=frozenset(t.weekdays or range(7)),
        )
        for t in ShiftTemplate.objects.filter(active=True)
    ]
    earliest = min(solver.minutes_of(d.opens) - setup for d in days)
    earliest = min([earliest] + [solver.minutes_of(t.start) for t in templates])
    origin = datetime.time(earliest // 60, earliest % 60)
    n_slots = max(solver.to_slot(d.closes, origin) for d in days)
    required: dict[tuple[datetime.date, str, str], list[int]] = {}
    for code, plan in plans.items():
        for i in plan.intervals.all():
            if (i.date, code) not in open_days:
                continue  # the calendar changed since the forecast: that day is no longer open
            row = required.setdefault((i.date, code, i.skill), [0] * n_slots)
            for q in range(
                solver.to_slot(i.start, origin), solver.to_slot(_work_end(i, plan.office), origin)
            ):
                row[q] = i.need

    members = list(
        StaffMember.objects.active()
        .select_related("home_office")
        .prefetch_related("completions", "unavailable_days", "offices")
    )
    by_id = {m.pk: m for m in members}
    trained = _trained_from(members, first, last)
    main_code = next(
        (code for code, p in plans.items() if p.office.kind == Office.Kind.MAIN), next(iter(plans))
    )

    # Shifts already in the month: fixed ones (locked past days, manual edits) and the previous roster.
    current = list(
        PlanShift.objects.filter(date__range=(first, last))
        .select_related("plan__office")
        .order_by("date", "pk")
    )
    published = roster.published if minimal_change is None else minimal_change
    fixed: list[solver.Assignment] = []
    sources: dict[tuple[int, datetime.date], str] = {}
    previous: dict[tuple[int, datetime.date], tuple[str, str, str] | None] = {}
    for s in current:
        a = solver.Assignment(
            s.member_id,
            s.date,
            s.template_code,
            s.skill,
            s.start,
            s.end,
            s.break_start,
            s.break_end,
            s.paid_minutes,
            s.plan.office.code,
        )
        if s.member_id not in by_id:
            continue
        if roster.locked(s.date, today) or s.source == PlanShift.Source.MANUAL:
            fixed.append(a)
            sources[s.member_id, s.date] = s.source
        elif s.source == PlanShift.Source.SOLVER and published:
            previous[s.member_id, s.date] = a.key
    if published:
        for m in members:
            for d in {d.date for d in days}:
                if not roster.locked(d, today):
                    previous.setdefault((m.pk, d), None)
    # Outreach assignments are fixed shifts at the office whose plan asks for outreach that day.
    for venue in staff_assignments_between(first, last):
        if venue.member_id not in by_id or (venue.member_id, venue.date) in sources:
            continue
        found = next(
            (c for (d, c, s), v in required.items() if d == venue.date and s == Skill.OUTREACH and any(v)),
            None,
        )
        home_office = by_id[venue.member_id].home_office
        code = found or (
            home_office.code if home_office is not None and home_office.code in plans else main_code
        )
        span = solver.minutes_of(venue.ends) - solver.minutes_of(venue.starts)
        fixed.append(
            solver.Assignment(
                venue.member_id,
                venue.date,
                "outreach",
                Skill.OUTREACH,
                venue.starts,
                venue.ends,
                None,
                None,
                span - solver.break_minutes_for(span),
                code,
            )
        )
        sources[venue.member_id, venue.date] = PlanShift.Source.OUTREACH
        previous.pop((venue.member_id, venue.date), None)

    # Weeks that straddle the month, the days just before it, and the fiscal year's evenings and holidays.
    week_start = first - datetime.timedelta(days=first.weekday())
    week_end = last + datetime.timedelta(days=6 - last.weekday())
    hours_already: dict[tuple[int, tuple[int, int]], int] = {}
    for shift in PlanShift.objects.filter(date__range=(week_start, week_end)).exclude(
        date__range=(first, last)
    ):
        key = (shift.member_id, shift.date.isocalendar()[:2])
        hours_already[key] = hours_already.get(key, 0) + shift.paid_minutes
    before = first - datetime.timedelta(days=12)
    worked_before: dict[int, set[datetime.date]] = {}
    for mid, d in PlanShift.objects.filter(
        date__range=(before, first - datetime.timedelta(days=1))
    ).values_list("member_id", "date"):
        worked_before.setdefault(mid, set()).add(d)
    fy_start = datetime.date(first.year if first.month >= 4 else first.year - 1, 4, 1)
    prior_unpopular: dict[int, int] = {}
    for shift in PlanShift.objects.filter(date__gte=fy_start, date__lt=first).select_related("plan__office"):
        if _unpopular_shift(shift):
            prior_unpopular[shift.member_id] = prior_unpopular.get(shift.member_id, 0) + 1

    workers = []
    for m in members:
        skills = trained[m.pk]
        offices = {o.code for o in m.offices.all()}
        home_code = m.home_office.code if m.home_office is not None else main_code
        offices.add(home_code)
        off = {
            u.date
            for u in m.unavailable_days.all()
            if u.status == Unavailability.Status.APPROVED and u.whole_day
        }
        windows = {
            u.date: (u.available_from, u.available_until)
            for u in m.unavailable_days.all()
            if u.status == Unavailability.Status.APPROVED and u.available_from and u.available_until
        }

        def minutes(value: Decimal | None) -> int | None:
            return None if value is None else int(value * 60)

        workers.append(
            solver.Worker(
                id=m.pk,
                name=m.name,
                skills=frozenset(skills),
                contract_minutes_per_week=int(m.contract_hours_per_week * 60),
                part_time=m.part_time,
                unavailable=frozenset(off),
                offices=frozenset(offices),
                home_office=home_code,
                min_minutes_per_week=minutes(m.min_hours_per_week),
                max_minutes_per_week=minutes(m.max_hours_per_week),
                min_minutes_per_month=minutes(m.min_hours_per_month),
                max_minutes_per_month=minutes(m.max_hours_per_month),
                max_consecutive_days=m.max_consecutive_days,
                windows=windows,
                preferred_weekdays=frozenset(m.preferred_weekdays or []),
                unwanted_weekdays=frozenset(m.unwanted_weekdays or []),
                prior_unpopular=prior_unpopular.get(m.pk, 0),
                worked_before=frozenset(worked_before.get(m.pk, set())),
                trained_from={s: d for s, d in skills.items() if d is not None},
            )
        )
    problem = solver.Problem(
        days=days,
        workers=workers,
        templates=templates,
        required=required,
        origin=origin,
        time_limit_seconds=time_limit_seconds,
        num_workers=num_workers,
        hours_already=hours_already,
        fixed=fixed,
        previous=previous,
    )
    return RosterInput(problem, by_id, plans, sources)


def roster_solve(
    *,
    roster: Roster,
    by: User | None = None,
    time_limit_seconds: float = 45.0,
    num_workers: int = 1,
    minimal_change: bool | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    today: datetime.date | None = None,
) -> Roster:
    """Solve the month for every office at once and store it in ONE transaction at the end, so that a solve
    killed half-way leaves the previous roster as it was. A published roster is re-solved with minimal change
    (changes to published shifts are penalised and listed in `roster.changes`). When no roster satisfies the
    hard rules the previous shifts are kept and the reasons are stored in `roster.messages`."""
    data = roster_problem(
        roster=roster,
        time_limit_seconds=time_limit_seconds,
        num_workers=num_workers,
        minimal_change=minimal_change,
        today=today,
    )
    data.problem.progress = progress
    solution = solver.solve(data.problem)
    names = {m.pk: m.name for m in data.members.values()}
    office_names = {code: p.office.name for code, p in data.plans.items()}
    with transaction.atomic():
        roster = Roster.objects.select_for_update().get(pk=roster.pk)
        messages = [f"【シフト】{m}" for m in solution.problems]
        ok = solution.status in ("OPTIMAL", "FEASIBLE")
        if ok:
            PlanShift.objects.filter(date__range=(roster.first_day, roster.last_day)).delete()
            PlanShift.objects.bulk_create(
                [
                    PlanShift(
                        plan=data.plans[a.office],
                        member=data.members[a.worker_id],
                        date=a.date,
                        skill=a.skill,
                        template_code=a.template,
                        start=a.start,
                        end=a.end,
                        break_start=a.break_start,
                        break_end=a.break_end,
                        paid_minutes=a.paid_minutes,
                        source=data.sources.get((a.worker_id, a.date), PlanShift.Source.SOLVER),
                    )
                    for a in solution.assignments
                ]
            )
            _store_coverage(data, solution.scheduled)
            for s in solution.shortfalls:
                messages.append("【シフト】" + solver.describe_shortfall(s, office_names.get(s.office, "")))
            messages += [f"【契約時間】{m}" for m in solution.under_contract]
        for code, plan in data.plans.items():
            plan_short = [s for s in solution.shortfalls if s.office == code]
            if ok:
                plan.status = MonthPlan.Status.SHORT if plan_short else MonthPlan.Status.SOLVED
                plan.paid_minutes = sum(a.paid_minutes for a in solution.assignments if a.office == code)
                plan.short_slots = sum(
                    max(0, r - h)
                    for (d, o, sk), req in data.problem.required.items()
                    if o == code
                    for r, h in zip(req, solution.scheduled.get((d, o, sk), []), strict=False)
                )
                plan.solved_at = timezone.now()
            else:
                plan.status = MonthPlan.Status.FAILED
            plan.messages = [m for m in plan.messages if not m.startswith(("【シフト】", "【契約時間】"))]
            plan.messages += [
                m
                for m in messages
                if office_names[code] in m or not any(n in m for n in office_names.values())
            ]
            plan.solver_status = solution.status
            plan.objective = solution.objective
            plan.bound = solution.bound
            plan.gap = solution.gap
            plan.wall_seconds = round(solution.wall_seconds, 2)
            plan.save()
        roster.messages = messages
        roster.solver_status = solution.status
        roster.objective = solution.objective
        roster.bound = solution.bound
        roster.gap = solution.gap
        roster.wall_seconds = round(solution.wall_seconds, 2)
        roster.short_slots = solution.short_slots
        if ok:
            roster.paid_minutes = solution.paid_minutes
            roster.solved_at = timezone.now()
            roster.changes = [
                {
                    "member": names.get(wid, str(wid)),
                    "date": d.isoformat(),
                    "before": before,
                    "after": after,
                }
                for wid, d, before, after in solution.changes
            ]
        roster.save()
        kind = RosterVersion.Kind.RESOLVE if data.problem.previous else RosterVersion.Kind.SOLVE
        _version(
            roster, kind=kind, by=by, summary={"status": solution.status, "changes": len(solution.changes)}
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=roster,
            detail={
                "step": "solve",
                "status": solution.status,
                "shifts": len(solution.assignments),
                "shortfalls": len(solution.shortfalls),
                "changes": len(solution.changes),
            },
        )
    return roster


def _store_coverage(data: RosterInput, scheduled: dict[tuple[datetime.date, str, str], list[int]]) -> None:
    origin = data.problem.origin
    for code, plan in data.plans.items():
        rows = list(plan.intervals.all())
        for i in rows:
            heads = scheduled.get((i.date, code, i.skill))
            q0 = solver.to_slot(i.start, origin)
            q1 = solver.to_slot(_work_end(i, plan.office), origin)
            # The interval keeps the fewest on duty in any of its quarter-hours.
            i.scheduled = min(heads[q0:q1]) if heads and q1 > q0 else 0
        PlanInterval.objects.bulk_update(rows, ["scheduled"], batch_size=500)


def _version(roster: Roster, *, kind: str, by: User | None, summary: dict[str, object]) -> RosterVersion:
    """Keep the roster as it now is (call inside the writing transaction)."""
    shifts = PlanShift.objects.filter(date__range=(roster.first_day, roster.last_day)).select_related("plan")
    roster.version += 1
    roster.save(update_fields=["version"])
    return RosterVersion.objects.create(
        roster=roster,
        number=roster.version,
        kind=kind,
        created_by=by,
        summary={
            **summary,
            "shifts": shifts.count(),
            "short_slots": roster.short_slots,
            "gap": roster.gap,
            "solver_status": roster.solver_status,
        },
        shifts=[_shift_row(s) for s in shifts.order_by("date", "member_id")],
    )


def month_plan_solve(
    *, plan: MonthPlan, by: User | None = None, time_limit_seconds: float = 45.0, num_workers: int = 1
) -> MonthPlan:
    """Solve the roster of the plan's month (every office at once) and return the plan refreshed."""
    roster = roster_get(year=plan.year, month=plan.month)
    roster_solve(roster=roster, by=by, time_limit_seconds=time_limit_seconds, num_workers=num_workers)
    plan.refresh_from_db()
    return plan


def roster_publish(*, roster: Roster, by: User | None = None) -> Roster:
    """Draft → published: staff see their own shifts; from now on past days are locked and a re-solve keeps
    changes to published shifts to a minimum."""
    with transaction.atomic():
        roster = Roster.objects.select_for_update().get(pk=roster.pk)
        if not PlanShift.objects.filter(date__range=(roster.first_day, roster.last_day)).exists():
            raise RosterError(f"{roster}にはまだシフトがありません。先にシフトを作成してください。")
        roster.state = Roster.State.PUBLISHED
        roster.published_at = timezone.now()
        roster.published_by = by
        roster.changes = []
        roster.save()
        _version(roster, kind=RosterVersion.Kind.PUBLISH, by=by, summary={})
        audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=roster, detail={"step": "publish"})
    return roster


def _week_minutes(member: StaffMember, date: datetime.date, *, excluding: int | None = None) -> int:
    monday = date - datetime.timedelta(days=date.weekday())
    qs = PlanShift.objects.filter(member=member, date__range=(monday, monday + datetime.timedelta(days=6)))
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    return sum(qs.values_list("paid_minutes", flat=True))


def shift_set(  # noqa: C901 — one check per rule, each with its own Japanese message
    *,
    member: StaffMember,
    date: datetime.date,
    office: Office,
    template: ShiftTemplate,
    skill: str,
    by: User | None = None,
    today: datetime.date | None = None,
) -> tuple[PlanShift, list[str]]:
    """Put one person on one shift (replacing their shift of that day), checked against every rule: locked day,
    office, training (from its completion date), leave, opening hours, weekly maximum, consecutive days.
    Returns the shift and the coverage impact (Japanese lines). Raises RosterError naming person, day, rule."""
    today = today or timezone.localdate()
    roster = roster_get(year=date.year, month=date.month)
    who = f"{member.name}さん {solver.jp_date(date)}"
    if roster.locked(date, today):
        raise RosterError(f"{who}: 過去の日は確定済みのため変更できません（確定日の規則）。")
    allowed = {o.pk for o in member.offices.all()} | (
        {member.home_office_id} if member.home_office_id else set()
    )
    if office.pk not in allowed:
        raise RosterError(f"{who}: {office.name}は勤務できる庁舎に含まれていません（勤務庁舎の規則）。")
    if template.part_time != member.part_time:
        raise RosterError(
            f"{who}: シフト「{template.name}」は{'短時間勤務者' if template.part_time else '常勤者'}用です。"
        )
    trained = _trained_from([member], date, date).get(member.pk, {})
    if skill not in trained:
        raise RosterError(
            f"{who}: {Skill(skill).label}に必要な研修をこの日までに修了していません（研修の規則）。"
        )
    leave = member.unavailable_days.filter(date=date, status=Unavailability.Status.APPROVED).first()
    if leave is not None:
        if leave.whole_day:
            raise RosterError(f"{who}: 勤務不可日です（休暇の規則）。")
        assert leave.available_from and leave.available_until
        if not (leave.available_from <= template.start and template.end <= leave.available_until):
            raise RosterError(
                f"{who}: 勤務できるのは{leave.available_from:%-H:%M}〜{leave.available_until:%-H:%M}です（勤務可能時間の規則）。"
            )
    hours = hours_for(office, date)
    setup = _setup_minutes()
    if not hours.is_open or hours.opens is None or hours.closes is None:
        raise RosterError(f"{who}: {office.name}は休業日です（{hours.reason}）。")
    day = solver.Day(date, hours.opens, hours.closes, office=office.code, setup_minutes=setup)
    st = solver.Template(template.code, template.name, template.start, template.end, template.part_time)
    if not day.fits(st):
        raise RosterError(
            f"{who}: シフト「{template}」は{office.name}のこの日の開庁時間（{hours.label}）に収まりません。"
        )
    plan = MonthPlan.objects.filter(office=office, year=date.year, month=date.month).first()
    if plan is None:
        raise RosterError(
            f"{who}: {office.name}の{date.year}年{date.month}月の計画がありません。先に計画を作成してください。"
        )
    with transaction.atomic():
        StaffMember.objects.select_for_update().filter(pk=member.pk).first()  # one edit of a person at a time
        existing = PlanShift.objects.filter(member=member, date=date).first()
        week = _week_minutes(member, date, excluding=existing.pk if existing else None) + st.paid_minutes
        if week > member.max_week_minutes:
            raise RosterError(
                f"{who}: この週の勤務が{solver.hours_label(week)}になり、週の上限"
                f"{solver.hours_label(member.max_week_minutes)}を超えます（契約時間の規則）。"
            )
        if member.max_hours_per_month is not None:
            month_cap = int(member.max_hours_per_month * 60)
            others = PlanShift.objects.filter(member=member, date__year=date.year, date__month=date.month)
            if existing is not None:
                others = others.exclude(pk=existing.pk)
            month = sum(others.values_list("paid_minutes", flat=True)) + st.paid_minutes
            if month > month_cap:
                raise RosterError(
                    f"{who}: この月の勤務が{solver.hours_label(month)}になり、月の上限"
                    f"{solver.hours_label(month_cap)}を超えます（契約時間の規則）。"
                )
        k = member.max_consecutive_days
        worked = set(
            PlanShift.objects.filter(
                member=member,
                date__range=(date - datetime.timedelta(days=k), date + datetime.timedelta(days=k)),
            ).values_list("date", flat=True)
        ) | {date}
        run = 1
        d = date - datetime.timedelta(days=1)
        while d in worked:
            run, d = run + 1, d - datetime.timedelta(days=1)
        d = date + datetime.timedelta(days=1)
        while d in worked:
            run, d = run + 1, d + datetime.timedelta(days=1)
        if run > k:
            raise RosterError(f"{who}: {run}日連続の勤務になり、上限{k}日を超えます（連続勤務の規則）。")
        before_cov = _coverage_lines(plan, date)
        if existing is not None:
            existing.delete()
        brk = st.break_minutes
        bs = be = None
        if brk:
            b0, b1 = solver._break_range(st, st.start)
            mid = (b0 + b1) // 2
            bs = solver.slot_time(mid, st.start)
            be_min = solver.minutes_of(bs) + brk
            be = datetime.time(be_min // 60, be_min % 60)
        shift = PlanShift.objects.create(
            plan=plan,
            member=member,
            date=date,
            skill=skill,
            template_code=template.code,
            start=template.start,
            end=template.end,
            break_start=bs,
            break_end=be,
            paid_minutes=st.paid_minutes,
            source=PlanShift.Source.MANUAL,
        )
        plans = [plan] + ([existing.plan] if existing is not None and existing.plan_id != plan.pk else [])
        for p in plans:
            _recount(p, date)
        impact = _impact(before_cov, _coverage_lines(plan, date))
        _version(
            roster,
            kind=RosterVersion.Kind.EDIT,
            by=by,
            summary={"member": member.pk, "date": date.isoformat()},
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=shift,
            detail={"step": "edit", "date": date.isoformat(), "office": office.code, "skill": skill},
        )
    return shift, impact


def _coverage_lines(plan: MonthPlan, date: datetime.date) -> dict[tuple[datetime.time, str], tuple[int, int]]:
    return {(i.start, i.skill): (i.need, i.scheduled) for i in plan.intervals.filter(date=date)}


def _impact(
    before: dict[tuple[datetime.time, str], tuple[int, int]],
    after: dict[tuple[datetime.time, str], tuple[int, int]],
) -> list[str]:
    lines = []
    for key in sorted(after):
        need, now = after[key]
        was = before.get(key, (need, now))[1]
        if now != was:
            state = "不足" if now < need else "充足"
            lines.append(f"{key[0]:%-H:%M} {Skill(key[1]).label}: {was}人 → {now}人（必要{need}人、{state}）")
    return lines


def _recount(plan: MonthPlan, date: datetime.date) -> None:
    """Scheduled heads of one plan-day's intervals from its shifts (after an edit)."""
    shifts = list(plan.shifts.filter(date=date))
    rows = list(plan.intervals.filter(date=date))
    for i in rows:
        end = _work_end(i, plan.office)
        i.scheduled = min(
            (
                sum(
                    1
                    for s in shifts
                    if s.skill == i.skill
                    and s.start <= t < s.end
                    and not (s.break_start and s.break_end and s.break_start <= t < s.break_end)
                )
                for t in _quarter_hours(i.start, end)
            ),
            default=0,
        )
    PlanInterval.objects.bulk_update(rows, ["scheduled"])


def _quarter_hours(start: datetime.time, end: datetime.time) -> list[datetime.time]:
    out = []
    m = solver.minutes_of(start)
    while m < solver.minutes_of(end):
        out.append(datetime.time(m // 60, m % 60))
        m += solver.SLOT_MINUTES
    return out


def shift_clear(
    *, member: StaffMember, date: datetime.date, by: User | None = None, today: datetime.date | None = None
) -> list[str]:
    """Take one person off their shift of the day; returns the coverage impact. Locked days are refused."""
    today = today or timezone.localdate()
    roster = roster_get(year=date.year, month=date.month)
    if roster.locked(date, today):
        raise RosterError(
            f"{member.name}さん {solver.jp_date(date)}: 過去の日は確定済みのため変更できません（確定日の規則）。"
        )
    with transaction.atomic():
        shift = PlanShift.objects.select_related("plan__office").filter(member=member, date=date).first()
        if shift is None:
            return []
        plan = shift.plan
        before = _coverage_lines(plan, date)
        shift.delete()
        _recount(plan, date)
        impact = _impact(before, _coverage_lines(plan, date))
        _version(
            roster,
            kind=RosterVersion.Kind.EDIT,
            by=by,
            summary={"member": member.pk, "date": date.isoformat()},
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.DELETE,
            obj=member,
            detail={"step": "shift_clear", "date": date.isoformat()},
        )
    return impact


def absence_record(
    *,
    member: StaffMember,
    date: datetime.date,
    reason: str = "",
    available_from: datetime.time | None = None,
    available_until: datetime.time | None = None,
    by: User | None = None,
    today: datetime.date | None = None,
) -> tuple[Unavailability, Roster | None]:
    """An approved absence (whole day, or a window the person can still work). Refused on a locked day.
    Returns the roster to re-solve with minimal change when the absence hits a shift of a published roster."""
    today = today or timezone.localdate()
    roster = Roster.objects.filter(year=date.year, month=date.month).first()
    if roster is not None and roster.locked(date, today):
        raise RosterError(
            f"{member.name}さん {solver.jp_date(date)}: 過去の日は確定済みのため休暇を登録できません（確定日の規則）。"
        )
    item = unavailability_add(
        member=member,
        date=date,
        reason=reason,
        by=by,
        available_from=available_from,
        available_until=available_until,
    )
    hit = PlanShift.objects.filter(member=member, date=date).first()
    if hit is not None and not item.whole_day:
        assert item.available_from and item.available_until
        if item.available_from <= hit.start and hit.end <= item.available_until:
            hit = None
    needs = roster if roster is not None and roster.published and hit is not None else None
    return item, needs


def unavailability_add(
    *,
    member: StaffMember,
    date: datetime.date,
    reason: str = "",
    by: User | None = None,
    available_from: datetime.time | None = None,
    available_until: datetime.time | None = None,
    status: str = Unavailability.Status.APPROVED,
) -> Unavailability:
    """A day (or part of one) a person cannot work; `status=requested` for a staff member's own request."""
    with transaction.atomic():
        if Unavailability.objects.filter(member=member, date=date).exists():
            raise ValueError(f"{date:%Y/%m/%d} はすでに勤務不可日として登録されています。")
        item = Unavailability(
            member=member,
            date=date,
            reason=reason,
            available_from=available_from,
            available_until=available_until,
            status=status,
            decided_by=by if status != Unavailability.Status.REQUESTED else None,
        )
        item.full_clean()
        item.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=item, detail={"member_id": member.pk})
    return item


def month_plan_simulate(*, plan: MonthPlan, seed: int = 2026, by: User | None = None) -> dict[str, float]:
    """Replay the plan's month with its schedule (SimPy): roll-over rate, callbacks, back-office backlog,
    next to the roll-over rate Erlang B predicts for the same staffing. Stored in plan.figures["simulation"]."""
    from . import erlang, simulate

    shifts = list(plan.shifts.all())
    intervals = list(plan.intervals.all())
    if not shifts:
        raise forecast.ForecastError(
            "シフトがまだ作成されていません。先に「シフトを作成」を実行してください。"
        )
    figures = plan.figures or {}
    calls = figures.get("calls") or {}
    aht_by = figures.get("aht") or {}
    total = sum(calls.values()) or 1
    aht = sum(calls.get(c, 0) * aht_by.get(c, 300) for c in forecast.CATEGORIES) / total
    dates = sorted({i.date for i in intervals})
    bo_days = sorted({i.date for i in intervals if i.skill == Skill.BACK_OFFICE and i.need > 0})
    bo_minutes_per_day = float(figures.get("back_office_hours") or 0) * 60 / max(1, len(bo_days))
    step = solver.SLOT_MINUTES
    origin = min(i.start for i in intervals)
    days_in: list[simulate.DayInput] = []
    expected_lost = 0.0
    expected_calls = 0.0
    for d in dates:
        day_iv = [i for i in intervals if i.date == d]
        end = max(i.end for i in day_iv)
        n = solver.to_slot(end, origin)
        rate = [0.0] * n
        for i in day_iv:
            if i.skill == Skill.PHONES:
                for q in range(solver.to_slot(i.start, origin), solver.to_slot(i.end, origin)):
                    rate[q] = i.calls_per_hour
        ops = [0] * n
        bo = [0] * n
        for s in shifts:
            if s.date != d:
                continue
            for q in range(solver.to_slot(s.start, origin), min(n, solver.to_slot(s.end, origin))):
                t = solver.slot_time(q, origin)
                if s.break_start and s.break_end and s.break_start <= t < s.break_end:
                    continue
                if s.skill == Skill.PHONES:
                    ops[q] += 1
                elif s.skill == Skill.BACK_OFFICE:
                    bo[q] += 1
        for q in range(n):
            lam = rate[q] * step / 60
            expected_calls += lam
            expected_lost += lam * erlang.erlang_b(min(forecast.LINES, ops[q]), rate[q] * aht / 3600)
        days_in.append(simulate.DayInput(step, rate, ops, bo, bo_minutes_per_day if d in bo_days else 0.0))
    result = simulate.simulate_month(days_in, aht_seconds=aht, lines=forecast.LINES, seed=seed)
    summary = {
        "calls": result.calls,
        "rolled_over": result.rolled_over,
        "rollover_rate": round(result.rollover_rate, 4),
        "erlang_b_rate": round(expected_lost / expected_calls, 4) if expected_calls else 0.0,
        "callbacks": result.callbacks,
        "backlog_hours": round(result.final_backlog_minutes / 60, 1),
        "seed": seed,
    }
    with transaction.atomic():
        plan.figures = {**figures, "simulation": summary}
        plan.save(update_fields=["figures"])
        audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=plan, detail={"step": "simulate"})
    return summary


def _check_template_hours(template: ShiftTemplate) -> None:
    """A template must fit some active office's opening hours (set-up time before opening allowed); the hours
    are the calendar's (the offices' regular and evening closing)."""
    setup = _setup_minutes()
    offices = list(Office.objects.active())
    if not offices:
        return
    earliest = min(solver.minutes_of(o.opens) for o in offices) - setup
    latest = max(
        solver.minutes_of(o.evening_closes if (o.thursday_evening or o.busy_season_evening) else o.closes)
        for o in offices
    )
    start, end = solver.minutes_of(template.start), solver.minutes_of(template.end)
    if start < earliest or end > latest:
        window = f"{earliest // 60}:{earliest % 60:02d}〜{latest // 60}:{latest % 60:02d}"
        raise ValidationError(
            {
                "start": f"シフトはどの庁舎の開庁時間（開庁{setup}分前の準備を含め {window}）にも収まりません。"
                "開庁時間外のシフトは作れません。"
            }
        )


def shift_template_create(
    *,
    code: str,
    name: str,
    start: datetime.time,
    end: datetime.time,
    part_time: bool,
    break_after: int = 120,
    break_before_end: int = 90,
    weekdays: list[int] | None = None,
    active: bool = True,
    by: User | None = None,
) -> ShiftTemplate:
    """A new shift pattern; refused outside every office's hours (set-up before opening allowed) or off the
    15-minute grid."""
    with transaction.atomic():
        if ShiftTemplate.objects.filter(code=code).exists():
            raise ValidationError({"code": f"コード「{code}」はすでに使われています。"})
        template = ShiftTemplate(
            code=code,
            name=name,
            start=start,
            end=end,
            part_time=part_time,
            break_after=break_after,
            break_before_end=break_before_end,
            weekdays=sorted(weekdays) if weekdays else list(range(7)),
            active=active,
            sort_order=ShiftTemplate.objects.count(),
        )
        template.full_clean()
        _check_template_hours(template)
        template.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=template, detail={"code": code})
    return template


def shift_template_update(
    *, template: ShiftTemplate, by: User | None = None, **changes: object
) -> ShiftTemplate:
    """Change a template's times, break window, days or retire it (`active=False`). Shifts already made keep
    their times; the next solve uses the new pattern."""
    allowed = {"name", "start", "end", "part_time", "break_after", "break_before_end", "weekdays", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        for field, value in changes.items():
            setattr(template, field, sorted(value) if field == "weekdays" and value else value)  # type: ignore[call-overload]
        if not template.weekdays:
            template.weekdays = list(range(7))
        template.full_clean()
        _check_template_hours(template)
        template.save()
        audit_record(
            actor=by, action=AuditEvent.Action.UPDATE, obj=template, detail={"fields": sorted(changes)}
        )
    return template


def time_off_decide(*, item: Unavailability, approve: bool, by: User | None = None) -> Unavailability:
    """A manager approves or rejects a staff member's time-off request (approved ones bind the solver)."""
    with transaction.atomic():
        item = Unavailability.objects.select_for_update().get(pk=item.pk)
        if item.status != Unavailability.Status.REQUESTED:
            raise RosterError(
                f"{item.member.name}さん {solver.jp_date(item.date)}の申請はすでに処理済みです。"
            )
        item.status = Unavailability.Status.APPROVED if approve else Unavailability.Status.REJECTED
        item.decided_by = by
        item.save(update_fields=["status", "decided_by"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=item,
            detail={"member_id": item.member_id, "status": item.status},
        )
    return item


def calendar_token(*, member: StaffMember, renew: bool = False, by: User | None = None) -> str:
    """The secret of the person's iCalendar feed, made on first use (or replaced with `renew`)."""
    import secrets

    if member.calendar_token and not renew:
        return member.calendar_token
    with transaction.atomic():
        member.calendar_token = secrets.token_urlsafe(32)
        member.save(update_fields=["calendar_token"])
        audit_record(
            actor=by, action=AuditEvent.Action.UPDATE, obj=member, detail={"calendar_token": "renewed"}
        )
    return member.calendar_token


DEPARTED_MEMBER_PREFIX = "退職者"


def departed_member_purge(*, before: Any, dry_run: bool, holds: Any = ()) -> int:
    """Retention (madoguchi/retention, kind `staffing.departed_member`): staff members taken off the team (在籍 off)
    before `before` lose their name (becomes 「退職者<id>」), their note, their calendar-feed key and the notes of
    their training records. Their shifts, hours and training dates stay, so past rosters and the training record
    the contract requires still add up. Members who left inside a legal hold are kept."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    qs = StaffMember.objects.filter(active=False, left_at__lt=before).exclude(
        name__startswith=DEPARTED_MEMBER_PREFIX
    )
    for start, end in holds or ():
        qs = qs.exclude(left_at__range=(start, end))
    if dry_run:
        return qs.count()
    with transaction.atomic():
        ids = list(qs.select_for_update().values_list("pk", flat=True))
        TrainingCompletion.objects.filter(member_id__in=ids).update(note="")
        count = StaffMember.objects.filter(pk__in=ids).update(
            name=Concat(Value(DEPARTED_MEMBER_PREFIX), Cast("pk", output_field=CharField())),
            note="",
            calendar_token="",
        )
        audit_record(
            actor=None,
            action=AuditEvent.Action.DELETE,
            object_type="staffing.staffmember",
            detail={"purged": count, "what": "departed_member"},
        )
    return count
