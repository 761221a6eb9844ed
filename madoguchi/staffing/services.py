"""Writes and checks of the staffing app: staff members, training records, forecasts, plans, schedules.

Other apps (outreach, floor) call `member_is_trained` / `untrained_reason` before assigning a person.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_range

from . import forecast, solver
from .models import (
    MonthPlan,
    PlanInterval,
    PlanShift,
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
        for field, value in changes.items():
            if field == "skills":
                value = [s for s in Skill.values if s in value]  # type: ignore[operator]
            if field == "contract_hours_per_week":
                value = Decimal(str(value))
            setattr(member, field, value)
        member.full_clean()
        member.save(update_fields=list(changes))
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
        plan.shifts.all().delete()
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
        plan.figures = fc.figures
        plan.messages = fc.messages
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


def _work_end(interval: PlanInterval) -> datetime.time:
    """Card work stops at the regular close (see forecast.py), even inside the 17:00–17:30 interval."""
    if interval.skill == Skill.BACK_OFFICE and interval.start < forecast.REGULAR_CLOSE < interval.end:
        return forecast.REGULAR_CLOSE
    return interval.end


def _problem_for(
    plan: MonthPlan, *, time_limit_seconds: float
) -> tuple[solver.Problem, dict[int, StaffMember]]:
    intervals = list(plan.intervals.all())
    if not intervals:
        raise forecast.ForecastError(
            "必要人数がまだ算出されていません。先に「必要人数を算出」を実行してください。"
        )
    fc_days = sorted({i.date for i in intervals})
    hours = {h.date: h for h in hours_range(plan.office, plan.first_day, plan.last_day) if h.is_open}
    days = []
    for d in fc_days:
        h = hours.get(d)
        if h is None or h.opens is None or h.closes is None:
            continue  # the calendar changed since the forecast: that day is no longer open
        days.append(
            solver.Day(d, h.opens, h.closes, special=h.kind.startswith("special:") or d.weekday() >= 5)
        )
    origin = min(d.opens for d in days)
    n_slots = max(solver.to_slot(d.closes, origin) for d in days)
    required: dict[tuple[datetime.date, str], list[int]] = {}
    for i in intervals:
        if i.date not in hours:
            continue
        row = required.setdefault((i.date, i.skill), [0] * n_slots)
        for q in range(solver.to_slot(i.start, origin), solver.to_slot(_work_end(i), origin)):
            row[q] = i.need
    members = list(StaffMember.objects.active().prefetch_related("completions", "unavailable_days"))
    fit = {s: {m.pk for m in trained_members(skill=s, members=members)} for s in Skill.values}
    workers = [
        solver.Worker(
            id=m.pk,
            name=m.name,
            skills=frozenset(s for s in Skill.values if m.pk in fit[s]),
            contract_minutes_per_week=int(m.contract_hours_per_week * 60),
            part_time=m.part_time,
            unavailable=frozenset(u.date for u in m.unavailable_days.all()),
        )
        for m in members
    ]
    templates = [
        solver.Template(t.code, t.name, t.start, t.end, t.part_time)
        for t in ShiftTemplate.objects.filter(active=True)
    ]
    # Weeks that straddle the month: hours already planned in the neighbouring month count against the
    # weekly contract hours.
    week_start = plan.first_day - datetime.timedelta(days=plan.first_day.weekday())
    week_end = plan.last_day + datetime.timedelta(days=6 - plan.last_day.weekday())
    hours_already: dict[tuple[int, tuple[int, int]], int] = {}
    neighbours = (
        PlanShift.objects.filter(date__range=(week_start, week_end))
        .exclude(plan=plan)
        .exclude(date__range=(plan.first_day, plan.last_day))
    )
    for shift in neighbours:
        key = (shift.member_id, shift.date.isocalendar()[:2])
        hours_already[key] = hours_already.get(key, 0) + shift.paid_minutes
    problem = solver.Problem(
        days=days,
        workers=workers,
        templates=templates,
        required=required,
        origin=origin,
        time_limit_seconds=time_limit_seconds,
        hours_already=hours_already,
    )
    return problem, {m.pk: m for m in members}


def month_plan_solve(
    *, plan: MonthPlan, by: User | None = None, time_limit_seconds: float = 45.0
) -> MonthPlan:
    """Build the month's schedule with CP-SAT and store shifts, scheduled heads and the explanation."""
    from django.utils import timezone

    problem, members = _problem_for(plan, time_limit_seconds=time_limit_seconds)
    solution = solver.solve(problem)
    with transaction.atomic():
        plan.shifts.all().delete()
        messages = [m for m in plan.messages if not m.startswith("【シフト】")]
        messages += [f"【シフト】{m}" for m in solution.problems]
        if solution.status == "NO_SOLUTION":
            plan.status = MonthPlan.Status.FAILED
        else:
            PlanShift.objects.bulk_create(
                [
                    PlanShift(
                        plan=plan,
                        member=members[a.worker_id],
                        date=a.date,
                        skill=a.skill,
                        template_code=a.template,
                        start=a.start,
                        end=a.end,
                        break_start=a.break_start,
                        break_end=a.break_end,
                        paid_minutes=a.paid_minutes,
                    )
                    for a in solution.assignments
                ]
            )
            rows = list(plan.intervals.all())
            for i in rows:
                heads = solution.scheduled.get((i.date, i.skill))
                q0 = solver.to_slot(i.start, problem.origin)
                q1 = solver.to_slot(_work_end(i), problem.origin)
                # The interval keeps the fewest on duty in any of its quarter-hours.
                i.scheduled = min(heads[q0:q1]) if heads and q1 > q0 else 0
            PlanInterval.objects.bulk_update(rows, ["scheduled"], batch_size=500)
            for s in solution.shortfalls[:30]:
                messages.append("【シフト】" + solver.describe_shortfall(s))
            if len(solution.shortfalls) > 30:
                messages.append(f"【シフト】ほかに{len(solution.shortfalls) - 30}件の不足があります。")
            plan.status = MonthPlan.Status.SOLVED if solution.covered else MonthPlan.Status.SHORT
        plan.messages = messages
        plan.solver_status = solution.status
        plan.objective = solution.objective
        plan.bound = solution.bound
        plan.gap = solution.gap
        plan.wall_seconds = round(solution.wall_seconds, 2)
        plan.paid_minutes = solution.paid_minutes
        plan.short_slots = solution.short_slots
        plan.solved_at = timezone.now()
        plan.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=plan,
            detail={
                "step": "solve",
                "status": solution.status,
                "shifts": len(solution.assignments),
                "shortfalls": len(solution.shortfalls),
            },
        )
    return plan


def unavailability_add(
    *, member: StaffMember, date: datetime.date, reason: str = "", by: User | None = None
) -> Unavailability:
    with transaction.atomic():
        if Unavailability.objects.filter(member=member, date=date).exists():
            raise ValueError(f"{date:%Y/%m/%d} はすでに勤務不可日として登録されています。")
        item = Unavailability(member=member, date=date, reason=reason)
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
                if s.break_start and s.break_start <= t < s.break_end:
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


def shift_template_create(
    *, code: str, name: str, start: datetime.time, end: datetime.time, part_time: bool, by: User | None = None
) -> ShiftTemplate:
    """A new shift pattern; refused outside the service hours (8:30–19:00) or off the 15-minute grid."""
    with transaction.atomic():
        if ShiftTemplate.objects.filter(code=code).exists():
            raise ValidationError({"code": f"コード「{code}」はすでに使われています。"})
        template = ShiftTemplate(
            code=code,
            name=name,
            start=start,
            end=end,
            part_time=part_time,
            sort_order=ShiftTemplate.objects.count(),
        )
        template.full_clean()
        template.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=template, detail={"code": code})
    return template
