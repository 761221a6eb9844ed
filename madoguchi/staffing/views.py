from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import check_perm, require_perm
from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.jobs.selectors import job_latest
from madoguchi.jobs.services import JobAlreadyRunning, job_start
from madoguchi.lib.htmx import render_page_or_fragment
from madoguchi.lib.listing import Column, Listing

from . import erlang, services
from .forecast import CATEGORY_LABELS, ForecastError
from .forms import (
    ErlangForm,
    IntervalOverrideForm,
    OverridesForm,
    PlanCreateForm,
    ShiftEditForm,
    ShiftTemplateForm,
    StaffMemberForm,
    TimeOffRequestForm,
    TrainingCompletionForm,
    UnavailabilityForm,
)
from .models import (
    WEEKDAY_LABELS,
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


def _user(request: HttpRequest) -> User:
    """The signed-in user (every staffing view requires a login, so never anonymous here)."""
    user = request.user
    assert isinstance(user, User)
    return user


# --- Erlang what-if ------------------------------------------------------------------------------


def erlang_result(data: dict) -> dict:
    """The calculator's answer for cleaned form data (shared by the screen and the API)."""
    load = erlang.offered_load(data["calls_per_hour"], data["aht_seconds"])
    req = erlang.required_agents(
        data["model"],
        load,
        data["target"],
        max_agents=data.get("max_agents"),
        calls_per_hour=data["calls_per_hour"],
        aht_seconds=data["aht_seconds"],
        answer_seconds=data.get("answer_seconds"),
        patience_seconds=data.get("patience_seconds") or 120.0,
    )
    at_agents = None
    if data.get("agents") is not None:
        at_agents = erlang.probability(
            data["model"],
            data["agents"],
            load,
            aht_seconds=data["aht_seconds"],
            answer_seconds=data.get("answer_seconds"),
            patience_seconds=data.get("patience_seconds") or 120.0,
        )
    return {"load": load, "requirement": req, "at_agents": at_agents, "agents": data.get("agents")}


@require_perm("staffing.use_erlang")
def erlang_calculator(request: HttpRequest) -> HttpResponse:
    form = ErlangForm(request.GET or None)
    result = None
    error = ""
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        data["target"] = data["target"] / 100
        try:
            result = erlang_result(data)
        except erlang.ErlangInputError as exc:
            error = str(exc)
    context = {"form": form, "result": result, "error": error}
    return render_page_or_fragment(request, "staffing/erlang.html", "staffing/_erlang_result.html", context)


# --- plans ----------------------------------------------------------------------------------------


@require_perm("staffing.view_monthplan")
def plan_list(request: HttpRequest) -> HttpResponse:
    can_manage = request.user.has_perm("staffing.manage_plan")
    form = PlanCreateForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        check_perm(request, "staffing.manage_plan")
        assert form is not None
        if form.is_valid():
            year, month = form.cleaned_data["month"]
            office = form.cleaned_data["office"]
            existing = MonthPlan.objects.filter(office=office, year=year, month=month).first()
            if existing:
                messages.info(request, f"{existing}の計画はすでにあります。")
                return redirect("staffing:plan", pk=existing.pk)
            plan = services.month_plan_create(office=office, year=year, month=month, by=_user(request))
            messages.success(request, f"{plan}の計画を作成しました。次に必要人数を算出してください。")
            return redirect("staffing:plan", pk=plan.pk)
    plans = MonthPlan.objects.select_related("office")
    return render(request, "staffing/plan_list.html", {"plans": plans, "form": form})


def _plan_context(plan: MonthPlan) -> dict:
    figures = plan.figures or {}
    calls = figures.get("calls", {})
    return {
        "plan": plan,
        "calls_rows": [
            (CATEGORY_LABELS[c], calls.get(c), (figures.get("aht") or {}).get(c)) for c in CATEGORY_LABELS
        ],
        "paid_hours": round(plan.paid_minutes / 60, 1),
        "target_percent": (
            f"{float(figures['target']) * 100:g}%" if figures.get("target") is not None else ""
        ),
        "shift_count": plan.shifts.count(),
        "has_intervals": plan.intervals.exists(),
    }


@require_perm("staffing.view_monthplan")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(MonthPlan.objects.select_related("office"), pk=pk)
    form = (
        OverridesForm(initial=OverridesForm.initial_from(plan.overrides))
        if request.user.has_perm("staffing.manage_plan")
        else None
    )
    return render(request, "staffing/plan.html", {**_plan_context(plan), "form": form})


@require_POST
@require_perm("staffing.manage_plan")
def plan_forecast(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(MonthPlan, pk=pk)
    form = OverridesForm(request.POST)
    if form.is_valid():
        try:
            services.month_plan_forecast(plan=plan, overrides=form.overrides(), by=_user(request))
        except ForecastError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "必要人数を算出しました。ヒートマップで確認し、シフトを作成してください。"
            )
            return redirect("staffing:plan", pk=plan.pk)
    plan.refresh_from_db()
    return render(request, "staffing/plan.html", {**_plan_context(plan), "form": form}, status=400)


@require_POST
@require_perm("staffing.manage_plan")
def plan_solve(request: HttpRequest, pk: int) -> HttpResponse:
    """Solving a plan solves its month's roster (every office at once) as a background job."""
    plan = get_object_or_404(MonthPlan, pk=pk)
    return _start_solve(request, services.roster_get(year=plan.year, month=plan.month))


@require_POST
@require_perm("staffing.manage_plan")
def plan_simulate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(MonthPlan, pk=pk)
    try:
        r = services.month_plan_simulate(plan=plan, by=_user(request))
    except ForecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"シミュレーション: 入電{r['calls']}件、他回線へ{r['rolled_over']}件（{r['rollover_rate']:.2%}、"
            f"アーランBの予測 {r['erlang_b_rate']:.2%}）、折り返し{r['callbacks']}件、月末の交付事務の残 {r['backlog_hours']}時間。",
        )
    return redirect("staffing:plan", pk=plan.pk)


SKILL_ORDER = [Skill.PHONES, Skill.BACK_OFFICE, Skill.FLOOR, Skill.OUTREACH]


def _cell_class(need: int, scheduled: int) -> str:
    if need == 0 and scheduled == 0:
        return "hm-none"
    diff = scheduled - need
    if diff < 0:
        return "hm-short2" if diff <= -2 else "hm-short1"
    if diff == 0:
        return "hm-exact"
    return "hm-over1" if diff == 1 else "hm-over2"


@require_perm("staffing.view_monthplan")
def plan_heatmap(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(MonthPlan.objects.select_related("office"), pk=pk)
    skill = request.GET.get("skill") or Skill.PHONES
    if skill not in Skill.values:
        skill = Skill.PHONES
    rows = list(plan.intervals.filter(skill=skill))
    starts = sorted({i.start for i in rows})
    grid: dict[datetime.date, dict[datetime.time, PlanInterval]] = defaultdict(dict)
    for i in rows:
        grid[i.date][i.start] = i
    table = []
    for date in sorted(grid):
        cells: list[dict[str, object] | None] = []
        for s in starts:
            cell = grid[date].get(s)
            if cell is None:
                cells.append(None)
            else:
                cells.append({"i": cell, "cls": _cell_class(cell.need, cell.scheduled)})
        table.append({"date": date, "cells": cells})
    context = {
        "plan": plan,
        "skill": skill,
        "skills": [(s.value, s.label) for s in SKILL_ORDER],
        "skill_label": Skill(skill).label,
        "starts": starts,
        "table": table,
        "solved": bool(plan.solved_at),
    }
    return render_page_or_fragment(request, "staffing/heatmap.html", "staffing/_heatmap.html", context)


def _actual_calls(
    day: datetime.date, starts: list[datetime.time], by_key: dict[tuple[datetime.time, str], PlanInterval]
) -> list[dict[str, object] | None]:
    """Calls logged per half-hour against the forecast, once the day has begun (empty before, or without
    phones)."""
    actual_row: list[dict[str, object] | None] = []
    if day > timezone.localdate() or not any(k[1] == Skill.PHONES and i.need for k, i in by_key.items()):
        return actual_row  # not begun, or no phones planned here (a branch: the city's calls are the main office's)
    from madoguchi.calls.selectors import inbound_calls

    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    counts: dict[datetime.time, int] = defaultdict(int)
    for started in inbound_calls(start=start, end=start + datetime.timedelta(days=1)).values_list(
        "started_at", flat=True
    ):
        local = timezone.localtime(started)
        counts[datetime.time(local.hour, 30 if local.minute >= 30 else 0)] += 1
    for t in starts:
        cell = by_key.get((t, Skill.PHONES))
        if cell is None:
            actual_row.append(None)
            continue
        minutes = (cell.end.hour * 60 + cell.end.minute) - (cell.start.hour * 60 + cell.start.minute)
        actual_row.append(
            {"actual": counts.get(t, 0), "forecast": round(cell.calls_per_hour * minutes / 60, 1)}
        )
    return actual_row


def _coverage_rows(
    starts: list[datetime.time],
    by_key: dict[tuple[datetime.time, str], PlanInterval],
    *,
    skip_empty: bool = False,
) -> list[dict[str, object]]:
    """One row per job: the cells of the day's half-hours (skip_empty: leave out a job nobody is needed or
    planned for all day)."""
    rows: list[dict[str, object]] = []
    for s in SKILL_ORDER:
        cells = [by_key.get((t, s)) for t in starts]
        if skip_empty and not any(c is not None and (c.need or c.scheduled) for c in cells):
            continue
        if any(c is not None for c in cells):
            rows.append(
                {
                    "label": s.label,
                    "cells": [
                        {"i": c, "cls": _cell_class(c.need, c.scheduled) if c else "hm-none"} for c in cells
                    ],
                }
            )
    return rows


@require_perm("staffing.view_monthplan")
def intraday(request: HttpRequest, date: str | None = None) -> HttpResponse:
    """本日の配置: for each office, who is on (working, on a break, not yet, finished), planned vs needed per
    half-hour with the current interval marked, calls logged vs forecast, and the day's absences."""
    today = timezone.localdate()
    if date is None:
        day = today
    else:
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            raise Http404("日付が正しくありません。") from None
    now = timezone.localtime().time() if day == today else None
    plans = list(
        MonthPlan.objects.filter(year=day.year, month=day.month)
        .select_related("office")
        .order_by("office__sort_order", "office__pk")
    )
    offices = []
    for plan in plans:
        intervals = list(plan.intervals.filter(date=day))
        shifts = list(plan.shifts.filter(date=day).select_related("member").order_by("start", "member__name"))
        if not intervals and not shifts:
            continue
        starts = sorted({i.start for i in intervals})
        by_key = {(i.start, i.skill): i for i in intervals}
        people = []
        for sh in shifts:
            if now is None:
                state = ""
            elif now < sh.start:
                state = "勤務前"
            elif now >= sh.end:
                state = "勤務終了"
            elif sh.break_start and sh.break_end and sh.break_start <= now < sh.break_end:
                state = "休憩中"
            else:
                state = "勤務中"
            people.append({"shift": sh, "state": state})
        ends = {i.start: i.end for i in intervals}
        current = next((t for t in starts if now is not None and t <= now < ends[t]), None)
        short = sum(1 for i in intervals if i.scheduled < i.need)
        offices.append(
            {
                "plan": plan,
                "starts": starts,
                "current": current,
                "coverage": _coverage_rows(starts, by_key, skip_empty=True),
                "actual_row": _actual_calls(day, starts, by_key),
                "people": people,
                "on_now": sum(1 for p in people if p["state"] == "勤務中"),
                "short": short,
            }
        )
    absences = list(
        Unavailability.objects.filter(date=day)
        .exclude(status=Unavailability.Status.REJECTED)
        .select_related("member", "member__home_office")
        .order_by("member__name")
    )
    roster = Roster.objects.filter(year=day.year, month=day.month).first()
    changes = [c for c in (roster.changes if roster else []) or [] if c.get("date") == day.isoformat()]
    context = {
        "day": day,
        "today": today,
        "now": now,
        "offices": offices,
        "absences": absences,
        "changes": changes,
        "roster": roster,
        "prev_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
    }
    return render(request, "staffing/intraday.html", context)


@require_perm("staffing.view_monthplan")
def plan_day(request: HttpRequest, pk: int, date: str) -> HttpResponse:
    plan = get_object_or_404(MonthPlan.objects.select_related("office"), pk=pk)
    # A day outside the plan's month (or no date at all) is not this plan's: showing another day instead
    # would let an override land on the wrong day.
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise Http404("日付が正しくありません。") from None
    if (day.year, day.month) != (plan.year, plan.month):
        raise Http404("この計画の月の日付ではありません。")
    form = None
    if request.user.has_perm("staffing.manage_plan"):
        form = IntervalOverrideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.plan_interval_override(
                    plan=plan,
                    date=day,
                    start=form.cleaned_data["start"],
                    skill=form.cleaned_data["skill"],
                    people=form.cleaned_data["people"],
                    by=_user(request),
                )
            except PlanInterval.DoesNotExist:
                form.add_error("start", "その時間帯は開庁時間外か、まだ必要人数が算出されていません。")
            except ValueError as exc:
                form.add_error("people", str(exc))
            else:
                messages.success(
                    request,
                    "必要人数を上書きしました。シフトに反映するには「シフトを作成」を再実行してください。",
                )
                return redirect("staffing:plan_day", pk=plan.pk, date=day.isoformat())
    elif request.method == "POST":
        check_perm(request, "staffing.manage_plan")
    shifts = list(
        plan.shifts.filter(date=day).select_related("member").order_by("skill", "start", "member__name")
    )
    intervals = list(plan.intervals.filter(date=day))
    starts = sorted({i.start for i in intervals})
    by_key = {(i.start, i.skill): i for i in intervals}
    coverage = _coverage_rows(starts, by_key)
    dates = sorted(set(plan.intervals.values_list("date", flat=True)))
    idx = dates.index(day) if day in dates else -1
    # Once the day has begun: calls logged per half-hour against the forecast (intraday view).
    actual_row = _actual_calls(day, starts, by_key)
    context = {
        "plan": plan,
        "day": day,
        "shifts": shifts,
        "starts": starts,
        "coverage": coverage,
        "form": form,
        "prev_day": dates[idx - 1] if idx > 0 else None,
        "next_day": dates[idx + 1] if 0 <= idx < len(dates) - 1 else None,
        "dates": dates,
        "actual_row": actual_row,
    }
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, "staffing/plan_day.html", context, status=status)


@require_perm("staffing.view_monthplan")
def plan_people(request: HttpRequest, pk: int) -> HttpResponse:
    """The month per person: one row per staff member, one column per opening day."""
    plan = get_object_or_404(MonthPlan.objects.select_related("office"), pk=pk)
    dates = sorted(set(plan.intervals.values_list("date", flat=True)))
    shifts = plan.shifts.select_related("member")
    member_id = request.GET.get("member")
    by_member: dict[int, dict[datetime.date, PlanShift]] = defaultdict(dict)
    members: dict[int, StaffMember] = {}
    for s in shifts:
        by_member[s.member_id][s.date] = s
        members[s.member_id] = s.member
    rows = []
    for mid, m in sorted(members.items(), key=lambda kv: kv[1].name):
        if member_id and str(mid) != member_id:
            continue
        days = by_member[mid]
        rows.append(
            {
                "member": m,
                "cells": [days.get(d) for d in dates],
                "hours": round(sum(s.paid_minutes for s in days.values()) / 60, 2),
                "count": len(days),
            }
        )
    context = {"plan": plan, "dates": dates, "rows": rows}
    return render(request, "staffing/plan_people.html", context)


@require_perm("staffing.view_monthplan")
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(MonthPlan.objects.select_related("office"), pk=pk)
    if not plan.shifts.exists() and not plan.intervals.exists():
        messages.error(request, "出力できるシフト・必要人数がまだありません。")
        return redirect("staffing:plan", pk=plan.pk)
    from . import exports  # openpyxl loads only when exporting

    content = exports.plan_xlsx(plan)
    audit_record(
        actor=_user(request),
        action=AuditEvent.Action.EXPORT,
        obj=plan,
        request=request,
        detail={"format": "xlsx", "shifts": plan.shifts.count()},
    )
    from madoguchi.lib.exports import download

    return download(
        content,
        f"staffing-{plan.year}-{plan.month:02d}-{plan.office.code}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- staff and training ---------------------------------------------------------------------------


@require_perm("staffing.view_staffmember")
def staff_list(request: HttpRequest) -> HttpResponse:
    can_manage = request.user.has_perm("staffing.manage_staff")
    form = StaffMemberForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        check_perm(request, "staffing.manage_staff")
        assert form is not None
        if form.is_valid():
            d = form.cleaned_data
            try:
                member = services.staff_member_create(
                    name=d["name"],
                    skills=d["skills"],
                    contract_hours_per_week=d["contract_hours_per_week"],
                    part_time=d["part_time"],
                    note=d["note"],
                    by=_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{member.name}さんを登録しました。研修の受講を記録してください。")
                return redirect("staffing:member", pk=member.pk)
    members = list(StaffMember.objects.all().prefetch_related("completions"))
    fit = {s: {m.pk for m in services.trained_members(skill=s, members=members)} for s in Skill.values}
    rows = [
        {
            "member": m,
            "skills": [(Skill(s).label, m.pk in fit[s]) for s in Skill.values if m.has_skill(s)],
        }
        for m in members
    ]
    return render(
        request,
        "staffing/staff_list.html",
        {"rows": rows, "form": form},
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@require_perm("staffing.view_training")
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(StaffMember, pk=pk)
    can_record = request.user.has_perm("staffing.record_training")
    can_manage = request.user.has_perm("staffing.manage_staff")
    form = TrainingCompletionForm(initial={"member": member}) if can_record else None
    leave_form = UnavailabilityForm(request.POST or None, prefix="leave") if can_manage else None
    if request.method == "POST":
        check_perm(request, "staffing.manage_staff")
        assert leave_form is not None
        if leave_form.is_valid():
            d = leave_form.cleaned_data
            try:
                _item, needs = services.absence_record(
                    member=member,
                    date=d["date"],
                    reason=d["reason"],
                    available_from=d.get("available_from"),
                    available_until=d.get("available_until"),
                    by=_user(request),
                )
            except (ValueError, ValidationError) as exc:
                leave_form.add_error("date", str(exc) if isinstance(exc, ValueError) else exc)
            else:
                messages.success(request, "勤務不可日を登録しました。")
                if needs is not None:
                    messages.info(
                        request,
                        f"{member.name}さんは公開済みのシフトがある日です。変更を最小限にしてシフト表を作り直します。",
                    )
                    return _start_solve(request, needs)
                return redirect("staffing:member", pk=member.pk)
    courses = list(TrainingCourse.objects.filter(active=True))
    done = {c.course_id: c for c in member.completions.select_related("course").order_by("completed_on")}
    status_rows = [
        {"skill": Skill(s).label, "reason": services.untrained_reason(member=member, skill=s)}
        for s in Skill.values
        if member.has_skill(s)
    ]
    context = {
        "member": member,
        "courses": [(c, done.get(c.pk)) for c in courses],
        "completions": member.completions.select_related("course", "recorded_by"),
        "status_rows": status_rows,
        "form": form,
        "leave_form": leave_form,
        "leave": member.unavailable_days.all(),
    }
    return render(
        request,
        "staffing/member.html",
        context,
        status=400 if leave_form is not None and leave_form.is_bound and leave_form.errors else 200,
    )


@require_POST
@require_perm("staffing.manage_staff")
def member_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a leaver off the team (在籍を外す) or bring them back; the retention period of a leaver's name starts here."""
    member = get_object_or_404(StaffMember, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.staff_member_update(member=member, active=active, by=_user(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            f"{member.name}さんを在籍に戻しました。" if active else f"{member.name}さんの在籍を外しました。",
        )
    return redirect("staffing:member", pk=member.pk)


@require_perm("staffing.view_training")
def training(request: HttpRequest) -> HttpResponse:
    """Courses × staff matrix of completions, with the form to record one."""
    can_record = request.user.has_perm("staffing.record_training")
    form = TrainingCompletionForm(request.POST or None) if can_record else None
    if request.method == "POST":
        check_perm(request, "staffing.record_training")
        assert form is not None
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.training_completion_record(
                    member=d["member"],
                    course=d["course"],
                    completed_on=d["completed_on"],
                    trainer=d["trainer"],
                    note=d["note"],
                    by=_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, f"{d['member'].name}さんの「{d['course'].name}」受講を記録しました。"
                )
                if request.POST.get("back") == "member":
                    return redirect("staffing:member", pk=d["member"].pk)
                return redirect("staffing:training")
    courses = list(TrainingCourse.objects.filter(active=True))
    members = StaffMember.objects.active().prefetch_related(
        Prefetch("completions", queryset=TrainingCompletion.objects.order_by("completed_on"))
    )
    rows = []
    for m in members:
        latest = {}
        for c in m.completions.all():
            latest[c.course_id] = c
        rows.append({"member": m, "cells": [latest.get(c.pk) for c in courses]})
    context = {"courses": courses, "rows": rows, "form": form}
    return render(
        request,
        "staffing/training.html",
        context,
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@require_perm("staffing.view_monthplan")
def shift_templates(request: HttpRequest) -> HttpResponse:
    """The shift patterns the solver may use; managers add one (refused outside the service hours)."""
    can_manage = request.user.has_perm("staffing.manage_plan")
    form = ShiftTemplateForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        check_perm(request, "staffing.manage_plan")
        assert form is not None
        if form.is_valid():
            try:
                t = services.shift_template_create(**{**form.cleaned_data, "active": True}, by=_user(request))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"シフト型「{t}」を登録しました。")
                return redirect("staffing:templates")
    from .solver import break_minutes_for

    rows = []
    for t in ShiftTemplate.objects.all():
        span = (t.end.hour * 60 + t.end.minute) - (t.start.hour * 60 + t.start.minute)
        brk = break_minutes_for(span)
        rows.append({"t": t, "break": brk, "paid": f"{(span - brk) // 60}時間{(span - brk) % 60:02d}分"})
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(request, "staffing/templates.html", {"rows": rows, "form": form}, status=status)


# --- the month's roster (all offices), publication, edits -------------------------------------------


def _start_solve(request: HttpRequest, roster: Roster) -> HttpResponse:
    """Queue the solve job; a second request while one runs is told so and sent to the running one."""
    try:
        job_start(
            kind="staffing.solve",
            params={"roster_id": roster.pk, "user_id": request.user.pk},
            user=_user(request),
            lock_key=roster.lock_key,
        )
    except JobAlreadyRunning as exc:
        messages.info(request, f"{roster}の作成は実行中です。終わるまでお待ちください。")
        return redirect(exc.job)
    messages.success(request, f"{roster}の作成を始めました。この画面で進み具合を確認できます。")
    return redirect("staffing:roster", year=roster.year, month=roster.month)


VERSIONS = Listing(
    name="staffing.roster_versions",
    title="シフト表の版",
    columns=[
        Column("number", "版", order_by="number"),
        Column("kind", "種類"),
        Column("created_at", "日時", order_by="created_at"),
        Column("created_by", "実行者", value=lambda v: str(v.created_by or "")),
        Column("status", "求解結果", value=lambda v: v.summary.get("solver_status") or ""),
        Column("shifts", "シフト数", value=lambda v: v.summary.get("shifts")),
        Column("changes", "公開済みシフトの変更", value=lambda v: v.summary.get("changes", "")),
    ],
    ordering=("-number",),
    per_page=20,
)


def _roster_grid(roster: Roster) -> tuple[list[datetime.date], list[dict[str, object]]]:
    shifts = (
        PlanShift.objects.filter(date__range=(roster.first_day, roster.last_day))
        .select_related("member", "plan__office")
        .order_by("date")
    )
    by_member: dict[int, dict[datetime.date, PlanShift]] = defaultdict(dict)
    members: dict[int, StaffMember] = {}
    for s in shifts:
        by_member[s.member_id][s.date] = s
        members[s.member_id] = s.member
    dates = sorted({d for days in by_member.values() for d in days})
    rows = []
    for mid, m in sorted(members.items(), key=lambda kv: (kv[1].name, kv[0])):
        days = by_member[mid]
        rows.append(
            {
                "member": m,
                "cells": [days.get(d) for d in dates],
                "hours": round(sum(s.paid_minutes for s in days.values()) / 60, 2),
                "count": len(days),
            }
        )
    return dates, rows


@require_perm("staffing.view_monthplan")
def roster_detail(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not 1 <= month <= 12:
        raise Http404("月が正しくありません。")
    roster = Roster.objects.filter(year=year, month=month).first() or Roster(year=year, month=month)
    plans = list(MonthPlan.objects.filter(year=year, month=month).select_related("office"))
    can_manage = request.user.has_perm("staffing.manage_plan")
    dates, rows = _roster_grid(roster)
    pending = (
        Unavailability.objects.filter(
            date__range=(roster.first_day, roster.last_day), status=Unavailability.Status.REQUESTED
        ).select_related("member")
        if can_manage
        else Unavailability.objects.none()
    )
    context = {
        "roster": roster,
        "plans": plans,
        "job": job_latest(lock_key=roster.lock_key) if roster.pk else None,
        "dates": dates,
        "rows": rows,
        "can_manage": can_manage,
        "edit_form": ShiftEditForm() if can_manage else None,
        "pending": pending,
        "has_requirements": any(p.intervals.exists() for p in plans),
    }
    versions = roster.versions.all() if roster.pk else RosterVersion.objects.none()
    return VERSIONS.response(request, versions, template="staffing/roster.html", context=context)


@require_perm("staffing.view_monthplan")
def roster_export(request: HttpRequest, year: int, month: int) -> HttpResponse:
    """The month's roster as XLSX, one sheet per office (audited EXPORT)."""
    roster = Roster.objects.filter(year=year, month=month).first()
    if (
        roster is None
        or not PlanShift.objects.filter(date__range=(roster.first_day, roster.last_day)).exists()
    ):
        messages.error(
            request, "出力できるシフトがまだありません。先に「シフト表を作成」を実行してください。"
        )
        return redirect("staffing:roster", year=year, month=month)
    from madoguchi.lib.exports import download

    from . import exports  # openpyxl loads only when exporting

    content = exports.roster_xlsx(roster)
    audit_record(
        actor=_user(request),
        action=AuditEvent.Action.EXPORT,
        obj=roster,
        request=request,
        detail={"format": "xlsx", "version": roster.version},
    )
    return download(
        content,
        f"staffing-roster-{roster.year}-{roster.month:02d}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_POST
@require_perm("staffing.manage_plan")
def roster_solve(request: HttpRequest, year: int, month: int) -> HttpResponse:
    return _start_solve(request, services.roster_get(year=year, month=month))


@require_POST
@require_perm("staffing.manage_plan")
def roster_publish(request: HttpRequest, year: int, month: int) -> HttpResponse:
    roster = get_object_or_404(Roster, year=year, month=month)
    try:
        services.roster_publish(roster=roster, by=_user(request))
    except services.RosterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{roster}を公開しました。職員は「わたしのシフト」で確認できます。")
    return redirect("staffing:roster", year=year, month=month)


@require_POST
@require_perm("staffing.manage_plan")
def roster_shift_edit(request: HttpRequest, year: int, month: int) -> HttpResponse:
    form = ShiftEditForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for e in errors:
                messages.error(request, f"{label}: {e}" if label else str(e))
        return redirect("staffing:roster", year=year, month=month)
    d = form.cleaned_data
    try:
        if d["clear"]:
            impact = services.shift_clear(member=d["member"], date=d["date"], by=_user(request))
        else:
            _shift, impact = services.shift_set(
                member=d["member"],
                date=d["date"],
                office=d["office"],
                template=d["template"],
                skill=d["skill"],
                by=_user(request),
            )
    except services.RosterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{d['member'].name}さんの{d['date'].month}月{d['date'].day}日のシフトを変更しました。"
        )
        for line in impact:
            messages.info(request, f"配置への影響: {line}")
    return redirect("staffing:roster", year=year, month=month)


@require_POST
@require_perm("staffing.manage_staff")
def time_off_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Unavailability.objects.select_related("member"), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.time_off_decide(item=item, approve=approve, by=_user(request))
    except services.RosterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{item.member.name}さんの{item.date.month}月{item.date.day}日の休暇申請を{'承認' if approve else '却下'}しました。",
        )
    return redirect("staffing:roster", year=item.date.year, month=item.date.month)


# --- staff: my shifts and the iCalendar feed ---------------------------------------------------------


def _own_member(request: HttpRequest) -> StaffMember:
    member = StaffMember.objects.filter(user=_user(request), active=True).first()
    if member is None:
        raise Http404("あなたのアカウントは業務従事者として登録されていません。")
    return member


def _published_shifts(member: StaffMember, since: datetime.date) -> list[PlanShift]:
    published = {
        (r.year, r.month) for r in Roster.objects.filter(state=Roster.State.PUBLISHED).only("year", "month")
    }
    shifts = (
        PlanShift.objects.filter(member=member, date__gte=since)
        .select_related("plan__office")
        .order_by("date")
    )
    return [s for s in shifts if (s.date.year, s.date.month) in published]


@require_perm("staffing.view_monthplan")
def my_shifts(request: HttpRequest) -> HttpResponse:
    """A person's own published shifts from today on (phone-friendly), the iCalendar link and time-off requests."""
    member = _own_member(request)
    form = TimeOffRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unavailability_add(
                member=member,
                date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                status=Unavailability.Status.REQUESTED,
                by=_user(request),
            )
        except (ValueError, ValidationError) as exc:
            form.add_error("date", str(exc) if isinstance(exc, ValueError) else exc)
        else:
            messages.success(request, "休暇を申請しました。管理者の承認をお待ちください。")
            return redirect("staffing:my_shifts")
    today = timezone.localdate()
    shifts = _published_shifts(member, today)
    audit_record(
        actor=_user(request),
        action=AuditEvent.Action.VIEW,
        obj=member,
        request=request,
        detail={"page": "my_shifts"},
    )
    context = {
        "member": member,
        "shifts": shifts,
        "form": form,
        "requests": member.unavailable_days.filter(date__gte=today).order_by("date"),
        "feed_url": request.build_absolute_uri(
            reverse("staffing:my_calendar", kwargs={"token": services.calendar_token(member=member)})
        ),
        "weekdays": WEEKDAY_LABELS,
    }
    return render(request, "staffing/my_shifts.html", context, status=400 if form.errors else 200)


@login_not_required
def my_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The person's published shifts as an iCalendar feed (the secret token stands for the login a calendar
    app cannot do; it carries no personal data and is replaced from「わたしのシフト」)."""
    from icalendar import Calendar, Event

    member = StaffMember.objects.filter(calendar_token=token, active=True).exclude(calendar_token="").first()
    if member is None or len(token) < 20:
        raise Http404("カレンダーが見つかりません。")
    cal = Calendar()
    cal.add("prodid", "-//madoguchi//staffing//JA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "シフト")
    tz = timezone.get_current_timezone()
    since = timezone.localdate() - datetime.timedelta(days=31)
    for s in _published_shifts(member, since):
        ev = Event()
        ev.add("uid", f"shift-{s.member_id}-{s.date.isoformat()}@madoguchi")
        ev.add("summary", f"{s.get_skill_display()}（{s.plan.office.name}）")
        ev.add("dtstart", datetime.datetime.combine(s.date, s.start, tzinfo=tz))
        ev.add("dtend", datetime.datetime.combine(s.date, s.end, tzinfo=tz))
        ev.add("location", s.plan.office.name)
        if s.break_start and s.break_end:
            ev.add("description", f"休憩 {s.break_start:%-H:%M}〜{s.break_end:%-H:%M}")
        ev.add("dtstamp", timezone.now())
        cal.add_component(ev)
    audit_record(
        actor=None, action=AuditEvent.Action.VIEW, obj=member, request=request, detail={"page": "ical"}
    )
    return HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")


@require_POST
@require_perm("staffing.view_monthplan")
def my_calendar_reset(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    services.calendar_token(member=member, renew=True, by=_user(request))
    messages.success(request, "カレンダー配信のURLを新しくしました。古いURLは使えなくなりました。")
    return redirect("staffing:my_shifts")


@require_perm("staffing.manage_plan")
def shift_template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a template's times, break window and days, or retire it."""
    template = get_object_or_404(ShiftTemplate, pk=pk)
    initial = {
        "code": template.code,
        "name": template.name,
        "start": template.start,
        "end": template.end,
        "part_time": template.part_time,
        "break_after": template.break_after,
        "break_before_end": template.break_before_end,
        "weekdays": template.weekdays,
        "active": template.active,
    }
    form = ShiftTemplateForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            services.shift_template_update(template=template, by=_user(request), **changes)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"シフト型「{template}」を変更しました。次のシフト作成から使われます。")
            return redirect("staffing:templates")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "staffing/template_edit.html", {"form": form, "template": template}, status=status)
