"""XLSX of a month plan: the schedule per person (a grid), the shift list, required vs scheduled, figures."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from madoguchi.lib.jdates import format_date

from .forecast import CATEGORY_LABELS
from .models import MonthPlan, PlanShift, Roster, Skill

BOLD = Font(bold=True)
SHORT = PatternFill("solid", fgColor="F8C8C8")
WEEKDAYS = "月火水木金土日"


def plan_xlsx(plan: MonthPlan) -> bytes:
    wb = Workbook()
    shifts = list(plan.shifts.select_related("member").order_by("date", "start", "member__name"))
    intervals = list(plan.intervals.all())
    dates = sorted({i.date for i in intervals})

    # 1. Grid: one row per person, one column per opening day.
    ws = wb.active
    ws.title = "個人別シフト"
    ws.append(
        ["氏名"] + [f"{d.month}/{d.day}({WEEKDAYS[d.weekday()]})" for d in dates] + ["日数", "勤務時間"]
    )
    by_member: dict[str, dict] = defaultdict(dict)
    for s in shifts:
        by_member[s.member.name][s.date] = s
    for name in sorted(by_member):
        days = by_member[name]
        cells = []
        for d in dates:
            found = days.get(d)
            cells.append(
                f"{Skill(found.skill).label} {found.start:%-H:%M}-{found.end:%-H:%M}" if found else ""
            )
        ws.append([name] + cells + [len(days), round(sum(s.paid_minutes for s in days.values()) / 60, 2)])
    for cell in ws[1]:
        cell.font = BOLD
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 16

    # 2. Shift list.
    ws = wb.create_sheet("シフト一覧")
    ws.append(["日付", "氏名", "業務", "開始", "終了", "休憩開始", "休憩終了", "勤務時間（分）"])
    for s in shifts:
        ws.append(
            [
                format_date(s.date),
                s.member.name,
                Skill(s.skill).label,
                s.start.strftime("%H:%M"),
                s.end.strftime("%H:%M"),
                s.break_start.strftime("%H:%M") if s.break_start else "",
                s.break_end.strftime("%H:%M") if s.break_end else "",
                s.paid_minutes,
            ]
        )
    for cell in ws[1]:
        cell.font = BOLD
    ws.freeze_panes = "A2"

    # 3. Required vs scheduled per interval.
    ws = wb.create_sheet("時間帯別の必要人数")
    ws.append(["日付", "時間帯", "業務", "予測呼数（時）", "必要人数", "上書き", "配置人数", "過不足"])
    for row_number, i in enumerate(intervals, start=2):
        ws.append(
            [
                format_date(i.date),
                f"{i.start:%H:%M}-{i.end:%H:%M}",
                Skill(i.skill).label,
                i.calls_per_hour if i.skill == Skill.PHONES else None,
                i.required,
                i.override,
                i.scheduled,
                i.scheduled - i.need,
            ]
        )
        if i.scheduled < i.need:
            # Index the row directly: ws[ws.max_row] rescans the sheet each time (quadratic).
            for col in range(1, 9):
                ws.cell(row=row_number, column=col).fill = SHORT
    for cell in ws[1]:
        cell.font = BOLD
    ws.freeze_panes = "A2"

    # 4. Figures (for the operations plan, spec 11(1)).
    ws = wb.create_sheet("予測の根拠")
    f = plan.figures or {}
    rows = [
        ("対象", str(plan)),
        ("状態", plan.get_status_display()),
        ("呼数の出典", f.get("calls_source", "")),
    ]
    for c, label in CATEGORY_LABELS.items():
        rows.append((f"月間呼数：{label}", (f.get("calls") or {}).get(c)))
        rows.append((f"平均処理時間（秒）：{label}", (f.get("aht") or {}).get(c)))
    rows += [
        ("目標呼損率", f.get("target")),
        ("交付前準備の枚数", f.get("cards_preparation")),
        ("交付後処理の枚数", f.get("cards_post_issuance")),
        ("交付事務の作業時間（時間）", f.get("back_office_hours")),
        ("フロア案内の人数", f.get("floor_staff")),
        ("開庁日数", f.get("opening_days")),
        ("総勤務時間（時間）", round(plan.paid_minutes / 60, 1)),
        ("不足（人×15分）", plan.short_slots),
        ("求解結果", plan.solver_status_label),
        ("最適性ギャップ", plan.gap),
        ("計算時間（秒）", plan.wall_seconds),
    ]
    for r in rows:
        ws.append(list(r))
    ws.column_dimensions["A"].width = 30
    for m in plan.messages or []:
        ws.append(["注意事項", m])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    title = "".join("＿" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "庁舎"
    base, n = title, 2
    while title in used:
        title = f"{base[:28]}({n})"
        n += 1
    used.add(title)
    return title


def roster_xlsx(roster: Roster) -> bytes:
    """The month's roster, one sheet per office (person × day: job, hours, break; days and hours at that office),
    then the changes to published shifts and a summary (status in Japanese, gap, version)."""
    wb = Workbook()
    summary = wb.active
    summary.title = "概要"
    plans = list(
        MonthPlan.objects.filter(year=roster.year, month=roster.month)
        .select_related("office")
        .order_by("office__sort_order", "office__pk")
    )
    shifts = list(
        PlanShift.objects.filter(date__range=(roster.first_day, roster.last_day))
        .select_related("member", "plan__office")
        .order_by("date", "start", "member__name")
    )
    dates = sorted(
        {d for p in plans for d in p.intervals.values_list("date", flat=True).distinct()}
        | {s.date for s in shifts}
    )
    used = {"概要"}
    for plan in plans:
        ws = wb.create_sheet(_sheet_title(plan.office.name, used))
        ws.append(
            ["氏名"] + [f"{d.month}/{d.day}({WEEKDAYS[d.weekday()]})" for d in dates] + ["日数", "勤務時間"]
        )
        by_member: dict[tuple[str, int], dict[datetime.date, PlanShift]] = defaultdict(dict)
        for shift in shifts:
            if shift.plan_id == plan.pk:
                by_member[shift.member.name, shift.member_id][shift.date] = shift
        for name, mid in sorted(by_member):
            days = by_member[name, mid]
            cells = []
            for d in dates:
                found = days.get(d)
                if found is None:
                    cells.append("")
                    continue
                text = f"{Skill(found.skill).label} {found.start:%-H:%M}-{found.end:%-H:%M}"
                if found.break_start and found.break_end:
                    text += f"（休憩{found.break_start:%-H:%M}-{found.break_end:%-H:%M}）"
                cells.append(text)
            hours = round(sum(x.paid_minutes for x in days.values()) / 60, 2)
            ws.append([name] + cells + [len(days), hours])
        if not by_member:
            ws.append(["この庁舎のシフトはありません。"])
        for cell in ws[1]:
            cell.font = BOLD
            cell.alignment = Alignment(horizontal="center")
        ws.freeze_panes = "B2"
        ws.column_dimensions["A"].width = 16

    ws = wb.create_sheet("公開後の変更")
    ws.append(["氏名", "日付", "変更前", "変更後"])
    for c in roster.changes or []:
        ws.append([c.get("member", ""), c.get("date", ""), c.get("before", ""), c.get("after", "")])
    for cell in ws[1]:
        cell.font = BOLD

    rows: list[tuple[str, object]] = [
        ("対象", str(roster)),
        ("公開状態", roster.get_state_display()),
        ("版", roster.version),
        ("求解結果", roster.status_sentence),
        ("最適性ギャップ", roster.gap),
        ("計算時間（秒）", roster.wall_seconds),
        ("不足（人×15分）", roster.short_slots),
        ("総勤務時間（時間）", round(roster.paid_minutes / 60, 1)),
        ("シフト数", len(shifts)),
    ]
    for plan in plans:
        n = sum(1 for s in shifts if s.plan_id == plan.pk)
        rows.append((f"{plan.office.name}のシフト数", n))
    for r in rows:
        summary.append(list(r))
    for m in roster.messages or []:
        summary.append(["注意事項", m])
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 80

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
