"""Content of the operations plan (業務計画書): staffing, contact structure, training. Plain data (JSON-safe),
frozen into OperationsPlan.content when submitted so the approved text never changes afterwards."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q

from madoguchi.staffing.models import MonthPlan, Skill, StaffMember, TrainingCourse

from ..models import ContactEntry

DEFAULT_POLICY = (
    "本業務は、委託仕様書に基づき、市民サービスの向上と"
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
                    m.home_office.name if m.home_office else "未設定（全庁舎）",
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
    part["missing"] = [f"人員配置: {r[0]} {r[1]} のシフトがありません。" for r in rows if not r[3]]
    if not rows:
        part["missing"].append("人員配置: この年度のシフト表（人員配置計画）がまだありません。")
    if not members:
        part["missing"].append("人員配置: 業務従事者が登録されていません。")
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
    part["missing"] = [
        f"連絡体制: 「{label}」の連絡先が登録されていません。"
        for value, label in ContactEntry.Path.choices
        if not any(e.path == value for e in entries)
    ]
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
    part["missing"] = [] if rows else ["教育計画: 研修科目が登録されていません。"]
    return part


def plan_content(
    *, fiscal_year: int, policy: str, title: str, sections: dict[str, str] | None = None
) -> dict[str, Any]:
    """The whole plan in the spec's order (11(1): 業務体制・連絡体制・教育計画, then the method per item 4(1)–(8),
    the annual schedule, security (12) and handover (8)). Each part says what is missing; `plan_missing`
    collects that and the submission is refused while anything is."""
    written = {p["key"]: p for p in text_parts(sections)}
    parts: list[dict[str, Any]] = [
        {
            "title": "業務実施方針",
            "paragraphs": [p for p in (policy or DEFAULT_POLICY).splitlines() if p.strip()],
            "tables": [],
        },
        organisation_part(),
        staffing_part(fiscal_year),
        time_of_day_part(fiscal_year),
        contacts_part(),
        training_part(fiscal_year),
    ]
    for index in range(1, 9):
        method = written[f"method_{index}"]
        parts.append({**method, "title": f"業務の実施方法 {method['title']}"})
    parts += [schedule_part(fiscal_year), written["security"], written["handover"]]
    for number, part in enumerate(parts, start=1):
        part["title"] = f"{number}. {part['title'].split('. ', 1)[-1]}"
    period_from = datetime.date(fiscal_year, 4, 1)
    period_to = datetime.date(fiscal_year + 1, 3, 31)
    return {
        "title": title,
        "fiscal_year": fiscal_year,
        "period": [period_from.isoformat(), period_to.isoformat()],
        "parts": parts,
    }


def plan_missing(content: dict[str, Any]) -> list[str]:
    """Everything the plan still lacks (empty parts, months without shifts, unregistered contacts)."""
    missing: list[str] = []
    for part in content.get("parts", []):
        missing += part.get("missing", [])
        if not part.get("paragraphs") and not any(t.get("rows") for t in part.get("tables", [])):
            missing.append(f"「{part['title']}」に内容がありません。")
    return missing


# --- the parts the spec asks for beyond staffing, contacts and training (issue 13 item 5) ----------------

# Text parts the director writes and the city reads: stored on the plan (OperationsPlan.sections), prefilled
# with a draft that follows the spec item by item. A part left empty blocks the submission.
TEXT_PARTS: tuple[tuple[str, str, str], ...] = (
    (
        "method_1",
        "4(1) コールセンター業務",
        "6回線で入電を受け、他回線へ回らないよう休憩を交代で取得する。制度全般・通知カード・カード・電子証明書・"
        "必要書類の問合せには承認済みの質疑応答集で回答し、回答できない問合せは折り返しとして期限つきで登録する。"
        "受取予約（新規・変更・取消）は市の予約システムに入力する。他回線へ回った入電（あふれ呼）はすべて折り返す。"
        "質疑応答集は月1回以上見直し、市の承認を得て更新する。",
    ),
    (
        "method_2",
        "4(2) 出張申請に関する業務",
        "市主催の出張申請（最大4窓口程度）について、事前準備・会場設営・受付を行い、来場者の問合せに対応する。"
        "従事者は研修を修了した者を配置し、実施日ごとに申請件数・問合せ件数を記録して月報で報告する。",
    ),
    (
        "method_3",
        "4(3) フロア業務",
        "窓口で来庁者を用件ごとに案内し、申請書等の記載を案内する。案内件数を用件別に記録し、混雑時は業務管理者が"
        "配置を調整する。庁舎のレイアウト改修時は市と協議のうえ案内を変更する。",
    ),
    (
        "method_4",
        "4(4) マイナンバーカードの交付前準備",
        "到着したカードの一覧を取り込み、統合端末での交付前設定、本人確認書類チェックシートの出力、ファイリング及び"
        "収納、予約分・当日来庁分の準備、総合支所・市民センターへの送付準備、マイナ・アシスト申請者の入力を行う。"
        "すべての工程をバーコードで記録し、1枚あたり約20分を目安に作業量を管理する。",
    ),
    (
        "method_5",
        "4(5) マイナンバーカード交付後処理",
        "カード管理システムへの交付日等の入力、交付済み書類の分別・整理、交付通知書IDの確認及び記入を行う。"
        "1枚あたり約11分を目安とし、交付日未入力などの不整合は月次締めで点検する。",
    ),
    (
        "method_6",
        "4(6) マイナポータルを使った手続きサポート",
        "健康保険証のひも付け等、マイナポータルでの手続きを来庁者とともに行い、説明する。手続き別・結果別に記録する。",
    ),
    (
        "method_7",
        "4(7) 執務室内の電話対応",
        "外線電話を受け、用件を電話メモとして記録して職員へ引き継ぐ。内線は担当職員へ取り次ぎ、完了まで管理する。",
    ),
    (
        "method_8",
        "4(8) 急激な繁忙・不測の事態への対応",
        "繁忙期・制度変更時は市と協議のうえ、予備要員の配置、夜間延長・休日開庁への対応、回線数の調整を行う。"
        "突発的な欠員は業務管理者が代替要員を手配し、市へ報告する。",
    ),
    (
        "security",
        "個人情報保護・セキュリティ（仕様書12）",
        "番号法及び市の情報セキュリティ規則を遵守する。個人番号は記録せず、入力されたときはシステムが拒否する。"
        "氏名・住所・生年月日・電話番号は暗号化して保存し、閲覧・変更・出力はすべて監査ログに記録する。"
        "業務上知り得た情報は委託終了後・退職後も漏らさず、市のデータを本業務以外に利用・複写しない。"
        "プライバシーマーク等の第三者認証を維持し、従事者には守秘義務の誓約と研修を課す。",
    ),
    (
        "handover",
        "引継ぎ計画（仕様書8）",
        "契約期間中に引継期間を設け、業務手順書・質疑応答集・処理途中の案件一覧（状態つき）を次期受託者へ渡し、"
        "実地研修を行う。処理途中の案件は種類と状態を明確にし、次期受託者が直ちに業務を行えるようにする。"
        "市の確認をもって引継ぎ完了とする。",
    ),
)


def text_parts(sections: dict[str, str] | None) -> list[dict[str, Any]]:
    """The written parts, each with its text (the plan's own, else the draft) and what is missing."""
    sections = sections or {}
    parts = []
    for key, title, draft in TEXT_PARTS:
        text = sections.get(key, draft)
        paragraphs = [p for p in (text or "").splitlines() if p.strip()]
        parts.append(
            {
                "key": key,
                "title": title,
                "paragraphs": paragraphs,
                "tables": [],
                "missing": [] if paragraphs else [f"「{title}」が空欄です。"],
            }
        )
    return parts


def organisation_part() -> dict[str, Any]:
    """業務体制: where and when the work is done, with how many lines (from the calendar and the call center)."""
    from madoguchi.calendar.models import Office
    from madoguchi.calls.models import LINE_COUNT

    part: dict[str, Any] = {
        "title": "業務体制（実施場所・業務時間・回線）",
        "paragraphs": [],
        "tables": [],
        "missing": [],
    }
    part["paragraphs"].append(
        f"コールセンターは{LINE_COUNT}回線で運営する。統括管理者が市との連絡・調整・報告を担い、"
        "常駐の業務管理者が進捗管理・労務管理・従事者の指導を行う（連絡体制の表を参照）。"
    )
    rows = []
    for office in Office.objects.active().order_by("sort_order", "name"):
        evening = []
        if office.thursday_evening:
            evening.append(f"木曜（祝日を除く）{office.evening_closes:%H:%M}まで")
        if office.busy_season_evening:
            evening.append(f"繁忙期 {office.evening_closes:%H:%M}まで")
        rows.append(
            [
                office.name,
                office.get_kind_display(),
                f"{office.opens:%H:%M}〜{office.closes:%H:%M}",
                "、".join(evening) or "なし",
            ]
        )
    if not rows:
        part["missing"].append("業務体制: 庁舎が登録されていません。")
    part["tables"].append(_table("庁舎別の業務時間（平日）", ["庁舎", "種別", "業務時間", "夜間延長"], rows))
    return part


def _band(start: datetime.time, office: Any) -> str:
    if start >= office.closes:
        return "夜間延長"
    if start < datetime.time(12, 0):
        return "午前"
    if start < datetime.time(13, 0):
        return "昼"
    return "午後"


def time_of_day_part(fiscal_year: int) -> dict[str, Any]:
    """人員配置（時間帯別）: the average number of people scheduled per office, time of day and task, on
    ordinary weekdays, Thursday evenings and busy-season days, from the shift plans of the fiscal year."""
    from madoguchi.calendar.models import BusySeason
    from madoguchi.staffing.models import PlanInterval

    part: dict[str, Any] = {
        "title": "人員配置（庁舎別・時間帯別）",
        "paragraphs": [],
        "tables": [],
        "missing": [],
    }
    start, end = datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 4, 1)
    seasons = list(BusySeason.objects.filter(end__gte=start, start__lt=end).values_list("start", "end"))
    sums: dict[tuple[str, str, str], list[int]] = {}
    skills = dict(Skill.choices)
    qs = PlanInterval.objects.filter(date__gte=start, date__lt=end).select_related("plan__office")
    for interval in qs.iterator():
        office = interval.plan.office
        busy = any(a <= interval.date <= b for a, b in seasons)
        kind = "繁忙期" if busy else ("木曜" if interval.date.weekday() == 3 else "平日")
        band = _band(interval.start, office)
        if band == "夜間延長" and kind == "平日":
            kind = "木曜"
        key = (office.name, f"{kind}・{band}", skills.get(interval.skill, interval.skill))
        sums.setdefault(key, []).append(interval.scheduled)
    order = {"平日": 0, "木曜": 1, "繁忙期": 2}
    bands = {"午前": 0, "昼": 1, "午後": 2, "夜間延長": 3}
    rows = [
        [office, when, skill, f"{sum(v) / len(v):.1f}"]
        for (office, when, skill), v in sorted(
            sums.items(),
            key=lambda kv: (
                kv[0][0],
                order[kv[0][1].split("・")[0]],
                bands[kv[0][1].split("・")[1]],
                kv[0][2],
            ),
        )
    ]
    part["paragraphs"].append(
        "シフト表（人員配置計画）から、庁舎・時間帯・業務ごとの平均配置人数を示す。木曜夜間と年度末・年度初めの"
        "繁忙期は別に示す。"
    )
    if not rows:
        part["missing"].append("人員配置: この年度のシフト表がまだありません（時間帯別の配置を示せません）。")
    part["tables"].append(_table("時間帯別の平均配置人数", ["庁舎", "日・時間帯", "業務", "平均人数"], rows))
    return part


def schedule_part(fiscal_year: int) -> dict[str, Any]:
    """年間予定: special openings, busy seasons, outreach events and the year-end break, from the calendar."""
    from django.conf import settings

    from madoguchi.calendar.models import BusySeason, SpecialDay
    from madoguchi.lib.jdates import format_wareki
    from madoguchi.outreach.models import OutreachEvent

    part: dict[str, Any] = {"title": "年間予定", "paragraphs": [], "tables": [], "missing": []}
    start, end = datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)
    rows: list[tuple[datetime.date, list[Any]]] = []
    for day in (
        SpecialDay.objects.filter(date__gte=start, date__lte=end).select_related("office").order_by("date")
    ):
        hours = f"{day.opens:%H:%M}〜{day.closes:%H:%M}" if day.opens and day.closes else ""
        rows.append(
            (
                day.date,
                [
                    format_wareki(day.date, weekday=True),
                    day.get_kind_display(),
                    day.office.name if day.office else "全庁舎",
                    f"{day.reason} {hours}".strip(),
                ],
            )
        )
    for season in BusySeason.objects.filter(end__gte=start, start__lte=end).order_by("start"):
        rows.append(
            (
                season.start,
                [
                    f"{format_wareki(season.start)}〜{format_wareki(season.end)}",
                    "繁忙期（夜間延長）",
                    "全庁舎",
                    f"{season.name} {season.closes:%H:%M}まで",
                ],
            )
        )
    for event in OutreachEvent.objects.active().filter(date__gte=start, date__lte=end).order_by("date"):
        rows.append(
            (
                event.date,
                [
                    format_wareki(event.date, weekday=True),
                    "出張申請",
                    "庁舎外",
                    f"{event.venue} {event.opens:%H:%M}〜{event.closes:%H:%M}",
                ],
            )
        )
    (m1, d1), (m2, d2) = settings.MADOGUCHI_NEW_YEAR_BREAK
    year_end = datetime.date(fiscal_year, m1, d1)
    rows.append(
        (
            year_end,
            [
                f"{format_wareki(year_end)}〜{format_wareki(datetime.date(fiscal_year + 1, m2, d2))}",
                "年末年始の休業",
                "全庁舎",
                "年末開庁日は特別開庁として上に記載",
            ],
        )
    )
    rows.sort(key=lambda r: r[0])
    part["paragraphs"].append(
        "カレンダーに登録された休日開庁・繁忙期・出張申請・年末年始の予定（変更があれば市と協議のうえ更新する）。"
    )
    if len(rows) <= 1:
        part["missing"].append("年間予定: 休日開庁・繁忙期・出張申請の予定がカレンダーに登録されていません。")
    part["tables"].append(_table("年間予定", ["日付", "種類", "庁舎", "内容"], [r for _, r in rows]))
    return part
