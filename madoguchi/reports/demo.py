"""Demo data for reports: the contact structure, the FY2026 operations plan (submitted and approved by the
city), and the monthly reports of the months already closed, submitted by the director."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.lib.jdates import fiscal_year

from . import services
from .models import ContactEntry, ContractSettings, OperationsPlan

CONTACTS = [
    # path, step, side, role, organisation, person, phone, action
    (
        "regular",
        1,
        "contractor",
        "統括管理者",
        "受託者 本社",
        "伊藤 直子",
        "092-000-0001",
        "市への定期報告（月報）・連絡調整",
    ),
    (
        "regular",
        2,
        "city",
        "市民課 マイナンバーカード担当 係長",
        "久留米市 市民課",
        "渡辺 誠",
        "0942-30-9000",
        "報告の受領・指示",
    ),
    (
        "trouble",
        1,
        "contractor",
        "業務管理者（常駐）",
        "受託者 久留米事業所",
        "田中 健",
        "0942-00-0002",
        "現場で対処し、遅滞なく市へ報告",
    ),
    (
        "trouble",
        2,
        "city",
        "市民課 マイナンバーカード担当 係長",
        "久留米市 市民課",
        "渡辺 誠",
        "0942-30-9000",
        "対応の協議・市職員への引継ぎ",
    ),
    (
        "trouble",
        3,
        "contractor",
        "統括管理者",
        "受託者 本社",
        "伊藤 直子",
        "092-000-0001",
        "重大な場合は市と協議",
    ),
    (
        "antisocial",
        1,
        "contractor",
        "業務管理者（常駐）",
        "受託者 久留米事業所",
        "田中 健",
        "0942-00-0002",
        "毅然として拒否し、速やかに市へ報告",
    ),
    ("antisocial", 2, "city", "市民課 課長", "久留米市 市民課", "", "0942-30-9000", "市としての対応を判断"),
    (
        "antisocial",
        3,
        "external",
        "所轄警察署",
        "久留米警察署",
        "",
        "0942-38-0110",
        "届出・被害届、捜査への協力",
    ),
    (
        "incident",
        1,
        "contractor",
        "業務管理者（常駐）",
        "受託者 久留米事業所",
        "田中 健",
        "0942-00-0002",
        "被害拡大の防止、事実確認",
    ),
    (
        "incident",
        2,
        "city",
        "市民課 マイナンバーカード担当 係長",
        "久留米市 市民課",
        "渡辺 誠",
        "0942-30-9000",
        "直ちに報告（個人情報事故）",
    ),
    (
        "incident",
        3,
        "contractor",
        "統括管理者",
        "受託者 本社",
        "伊藤 直子",
        "092-000-0001",
        "再発防止策を市へ提出",
    ),
    (
        "absence",
        1,
        "contractor",
        "業務管理者（常駐）",
        "受託者 久留米事業所",
        "田中 健",
        "0942-00-0002",
        "代替要員の手配、市への報告",
    ),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def load(*, stdout: Any = None) -> str:
    if not ContractSettings.objects.exists():
        fy0 = fiscal_year(timezone.localdate())
        # The demo scenario's contract (a real deployment enters its own on the 契約情報 screen).
        ContractSettings.objects.create(
            city_name="久留米市",
            addressee="久留米市長",
            section="市民文化部 市民課",
            contractor="株式会社まどぐち（デモ）",
            contractor_address="福岡県久留米市（デモ）",
            representative="代表取締役 伊藤 一郎",
            contract_name="マイナンバーカードコールセンター等業務委託",
            period_start=datetime.date(fy0, 4, 1),
            period_end=datetime.date(fy0 + 1, 3, 31),
        )
    if ContactEntry.objects.exists() or OperationsPlan.objects.exists():
        return ""
    director, city = _user("ito"), _user("watanabe")
    for path, step, side, role, org, person, phone, action in CONTACTS:
        ContactEntry.objects.create(
            path=path,
            step=step,
            side=side,
            role_title=role,
            organisation=org,
            person=person,
            phone=phone,
            action=action,
        )
    if director is None or city is None:
        return f"連絡体制 {len(CONTACTS)} 件"
    today = timezone.localdate()
    fy = fiscal_year(today)
    plan = services.plan_create(by=director, fiscal_year=fy)
    # Submitted and approved only when complete: the demo's shift plans may leave months without shifts,
    # and the plan screen then lists what is missing (the director completes it and submits in the demo).
    if services.plan_missing(services.plan_content_now(plan)):
        return f"連絡体制 {len(CONTACTS)} 件、業務計画書（作成中）1 件、契約情報 1 件"
    services.plan_submit(by=director, plan=plan)
    services.plan_decide(by=city, plan=plan, approve=True, comment="内容を確認し、承諾します。")
    # Months are left for the director to reconcile, close and submit (鑑 + 別紙, as a job) in the demo.
    return f"連絡体制 {len(CONTACTS)} 件、業務計画書（承諾済）1 件、契約情報 1 件"
