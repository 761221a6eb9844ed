"""Content of the operations plan (業務計画書): staffing, contact structure, training. Plain data (JSON-safe),
frozen into OperationsPlan.content when submitted so the approved text never changes afterwards."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q

from madoguchi.staffing.models import MonthPlan, Skill, StaffMember, TrainingCourse

from ..models import ContactEntry

DEFAULT_POLICY = (
    "本業務は、久留米市マイナンバーカードコールセンター等業務委託仕様書に基づき、市民サービスの向上と"
    "窓口の円滑な運営を目的として実施する。個人番号は取り扱わず、個人情報は業務に必要な範囲に限って取り扱い、"
    "閲覧・出力はすべて記録する。業務従事者には従事前に研修を行い、修了した業務にのみ配置する。"
)


def _table(caption: str, header: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"caption": caption, "header": header, "rows": rows}


def staffing_part(fiscal_year: int) -> dict[str, Any]:
    part: dict[str, Any] = {"title": "1. 業務体制（人員配置）", "paragraphs": [], "tables": []}
    members = list(StaffMember.objects.filter(active=True).select_related("home_office").order_by("name"))
    part["paragraphs"].append(
        f"業務従事者 {len(members)} 名（うち短時間勤務 {sum(1 for m in members if m.part_time)} 名）を配置する。"
        "業務管理者が常駐し、進捗管理・労務管理・従事者への指導を行う。"
    )
    by_skill = [
        [label, sum(1 for m in members if value in (m.skills or []))] for value, label in Skill.choices
    ]
    part["tables"].append(_table("業務別の配置可能人数", ["業務", "人数"], by_skill))
    part["tables"].append(
        _table(
            "業務従事者",
            ["氏名", "担当できる業務", "勤務形態", "主な勤務庁舎"],
            [
                [
                    m.name,
                    "、".join(dict(Skill.choices).get(s, s) for s in (m.skills or [])),
                    "短時間" if m.part_time else "常勤",
                    m.home_office.name if m.home_office else "",
                ]
                for m in members
            ],
        )
    )
    start, end = (fiscal_year, 4), (fiscal_year + 1, 3)
    plans = (
        MonthPlan.objects.filter(Q(year=start[0], month__gte=4) | Q(year=end[0], month__lte=3))
        .select_related("office")
        .annotate(shift_count=Count("shifts"))
        .order_by("year", "month", "office__sort_order")
    )
    rows = [
        [
            f"{p.year}年{p.month}月",
            p.office.name,
            p.get_status_display(),
            p.shift_count,
            round(p.paid_minutes / 60),
            p.short_slots,
        ]
        for p in plans
    ]
    if rows:
        part["tables"].append(
            _table(
                "月別の人員配置計画",
                ["月", "庁舎", "状態", "シフト数", "総勤務時間", "不足（人×15分）"],
                rows,
            )
        )
    return part


def contacts_part() -> dict[str, Any]:
    part: dict[str, Any] = {"title": "2. 連絡体制", "paragraphs": [], "tables": []}
    part["paragraphs"].append(
        "統括管理者は市との連絡・調整・報告を担い、業務管理者は突発的な欠員や重大なトラブル等の発生時に"
        "市への報告及び協議を行う。暴力団等から不当要求を受けた場合は毅然として拒否し、速やかに市に報告するとともに"
        "所轄の警察署に届け出る。"
    )
    entries = list(ContactEntry.objects.order_by("path", "step", "id"))
    for value, label in ContactEntry.Path.choices:
        rows = [
            [e.step, e.get_side_display(), e.role_title, e.organisation, e.person, e.phone, e.action]
            for e in entries
            if e.path == value
        ]
        part["tables"].append(
            _table(
                label,
                ["順", "区分", "役割", "所属", "担当者", "連絡先", "行うこと"],
                rows or [["", "", "（未登録）", "", "", "", ""]],
            )
        )
    return part


def training_part(fiscal_year: int) -> dict[str, Any]:
    part: dict[str, Any] = {"title": "3. 教育計画（研修）", "paragraphs": [], "tables": []}
    part["paragraphs"].append(
        "従事者には従事前に、マイナンバー制度及びカードの知識、事務処理手順（マニュアル）、守秘義務及び個人情報保護、"
        "接遇について研修を行う。事前研修後も適宜研修・指導を行う。修了していない業務には配置しない。"
    )
    active = StaffMember.objects.filter(active=True)
    total = active.count()
    courses = (
        TrainingCourse.objects.filter(active=True)
        .annotate(
            done=Count("completions__member", filter=Q(completions__member__active=True), distinct=True)
        )
        .order_by("sort_order", "id")
    )
    skills = dict(Skill.choices)
    rows = [
        [
            c.name,
            c.description,
            "、".join(skills.get(s, s) for s in (c.required_for or [])) or "全員",
            f"{c.done} / {total}",
        ]
        for c in courses
    ]
    part["tables"].append(
        _table("研修科目と修了状況", ["研修", "内容", "必須となる業務", "修了者 / 在籍者"], rows)
    )
    return part


def plan_content(*, fiscal_year: int, policy: str, title: str) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {
            "title": "0. 業務実施方針",
            "paragraphs": [p for p in (policy or DEFAULT_POLICY).splitlines() if p.strip()],
            "tables": [],
        },
    ]
    parts.append(staffing_part(fiscal_year))
    parts.append(contacts_part())
    parts.append(training_part(fiscal_year))
    period_from = datetime.date(fiscal_year, 4, 1)
    period_to = datetime.date(fiscal_year + 1, 3, 31)
    return {
        "title": title,
        "fiscal_year": fiscal_year,
        "period": [period_from.isoformat(), period_to.isoformat()],
        "parts": parts,
    }
