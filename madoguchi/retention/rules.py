"""The retention schedule: one rule per kind of personal data, periods from settings (city defaults below).

MADOGUCHI_RETENTION_DAYS = {"calls.phone": 90, ...} overrides any of the defaults. Each rule calls the owning app's
published purge function `(*, before, dry_run, holds) -> int`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Rule:
    kind: str
    label: str
    default_days: int
    action: str
    purge: Callable[..., int]

    @property
    def days(self) -> int:
        overrides = getattr(settings, "MADOGUCHI_RETENTION_DAYS", {}) or {}
        return int(overrides.get(self.kind, self.default_days))

    def describe(self) -> str:
        return f"{self.label}: {self.days}日経過後に{self.action}"


def rules() -> list[Rule]:
    from madoguchi.accounts import services as accounts
    from madoguchi.calls import services as calls
    from madoguchi.cards import services as cards
    from madoguchi.faq import services as faq
    from madoguchi.floor import services as floor
    from madoguchi.reservations import services as reservations
    from madoguchi.staffing import services as staffing

    return [
        Rule(
            "cards.card",
            "交付・返納・廃棄が済んだカードの氏名・住所・電話・生年月日",
            365,
            "匿名化",
            cards.card_personal_data_purge,
        ),
        Rule(
            "cards.import_batch",
            "到着カード取込のファイル（完了・中断とも）",
            7,
            "削除",
            cards.import_batch_purge,
        ),
        Rule("calls.phone", "通話記録の相手方電話番号", 90, "削除", calls.call_personal_data_purge),
        Rule(
            "calls.callback",
            "完了した折り返しの氏名・電話番号",
            180,
            "削除",
            calls.callback_personal_data_purge,
        ),
        Rule(
            "calls.phone_memo",
            "対応完了の電話メモの相手の氏名・電話番号",
            90,
            "削除",
            calls.phone_memo_personal_data_purge,
        ),
        Rule(
            "floor.mynaportal_contact",
            "マイナポータル支援記録の連絡先",
            90,
            "削除",
            floor.mynaportal_contact_purge,
        ),
        Rule(
            "reservations.email",
            "予約のメールアドレス（予約日から）",
            30,
            "削除",
            reservations.booking_email_purge,
        ),
        Rule(
            "faq.import_file",
            "質疑応答集の取込ファイル（試行のまま取り込まれなかったもの）",
            7,
            "削除",
            faq.faq_import_upload_purge,
        ),
        Rule(
            "accounts.departed_staff",
            "退職（無効化）した職員アカウントの氏名・表示名・メール・パスワード・認証アプリ（無効化の日から）",
            365,
            "匿名化",
            accounts.departed_staff_purge,
        ),
        Rule(
            "staffing.departed_member",
            "在籍を外した業務従事者の氏名・備考・研修記録の備考（在籍を外した日から。勤務実績と受講日は残す）",
            365,
            "匿名化",
            staffing.departed_member_purge,
        ),
    ]
