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


def _manual() -> str:
    """One revision of the 業務手順書 approved by the city and one waiting for its review (idempotent)."""
    from .models import ManualRevision

    manager, city = _user("tanaka"), _user("watanabe")
    if manager is None or city is None or ManualRevision.objects.exists():
        return ""
    approved = services.manual_draft_save(
        by=manager,
        key="site_manager.morning",
        title="朝の確認",
        steps="\n".join(
            [
                "ホーム画面で当日の予約件数、作業キュー、期限切れ間近の折り返しを確認する。",
                "シフト表で当日の配置を確認し、欠員があれば代替要員を手配して市へ連絡する（連絡体制の表）。",
                "8時45分の朝礼で、当日の特別開庁・出張申請・レイアウト変更などの連絡事項を全員に伝える。",
            ]
        ),
    )
    services.manual_submit(by=manager, revision=approved)
    services.manual_decide(by=city, revision=approved, approve=True)
    waiting = services.manual_draft_save(
        by=manager,
        key="operator.callback",
        title="その場で答えられない問合せ・あふれ呼の折り返し",
        steps="\n".join(
            [
                "結果で「折り返しが必要」を選び、電話番号と用件を入力する（期限は自動で設定される）。",
                "メニュー「折り返し」で期限の近い順に架電し、結果（連絡がついた・応答なし等）を毎回記録する。",
                "3回架電してもつながらない場合は、業務管理者に報告し、はがきで連絡するかを判断する。",
                "対応が終わったら完了理由を選んで完了にする。",
            ]
        ),
        note="他回線へ回った入電（あふれ呼）は自動で折り返し一覧に入る。すべて折り返す。",
    )
    services.manual_submit(by=manager, revision=waiting)
    return "、業務手順書の改訂 2 件（承認済 1・市の確認待ち 1）"


def load(*, stdout: Any = None) -> str:
    manual = _manual()
    return _load() + manual


def _load() -> str:
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
