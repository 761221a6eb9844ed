"""Demo incidents: a closed complaint, an open trouble not yet reported to the city, a closed anti-social demand."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.calendar.models import Office

from . import services
from .models import Incident


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first() or User.objects.filter(is_superuser=False).first()


def load(*, stdout: Any = None) -> str:
    if Incident.objects.exists():
        return ""
    floor, manager, director = _user("takahashi"), _user("tanaka"), _user("ito")
    if floor is None or manager is None or director is None:
        return ""
    office = Office.objects.filter(kind=Office.Kind.MAIN).first()
    now = timezone.localtime().replace(second=0, microsecond=0)

    def ago(days: int, hour: int, minute: int = 0) -> datetime.datetime:
        return (now - datetime.timedelta(days=days)).replace(hour=hour, minute=minute)

    complaint = services.incident_record(
        by=floor,
        occurred_at=ago(20, 10, 40),
        office=office,
        place="交付窓口",
        category=Incident.Category.COMPLAINT,
        severity=Incident.Severity.MINOR,
        summary="受取の待ち時間が長いとの苦情",
        description="予約なしで来庁した方から、40分待ったとの苦情。予約制の案内と混雑状況を説明した。",
        city_contact="市民課 渡辺",
        city_notified_at=ago(20, 11, 30),
    )
    services.incident_note_add(
        by=manager, incident=complaint, text="フロアに待ち時間の目安を掲示することを市と協議。"
    )
    services.incident_close(
        by=director, incident=complaint, closure_note="掲示を追加し、以後同種の苦情なし。"
    )

    services.incident_record(
        by=floor,
        occurred_at=ago(1, 15, 10),
        office=office,
        place="交付前準備",
        category=Incident.Category.TROUBLE,
        severity=Incident.Severity.MODERATE,
        summary="統合端末が起動せず交付前設定が遅延",
        description="統合端末2号機が起動しない。1号機のみで対応し、約30枚の設定が翌日回しとなった。",
    )

    demand = services.incident_record(
        by=manager,
        occurred_at=ago(45, 13, 5),
        office=office,
        place="交付窓口",
        category=Incident.Category.UNDUE_DEMAND,
        severity=Incident.Severity.SERIOUS,
        summary="暴力団関係者を名乗る者による優先交付の要求",
        description="順番を無視した即時交付を大声で要求。毅然として拒否し、業務管理者が対応した。",
        anti_social=True,
        city_contact="市民課 課長補佐",
        city_notified_at=ago(45, 13, 30),
        police_station="久留米警察署",
        police_reported_at=ago(45, 15, 0),
        police_report_kind=Incident.PoliceReportKind.NOTIFICATION,
        police_reference="R8-生安-0123",
    )
    services.incident_close(by=director, incident=demand, closure_note="警察へ届出済み。再来庁なし。")
    services.incident_record(
        by=floor,
        occurred_at=ago(3, 9, 50),
        place="電話（外線）",
        category=Incident.Category.COMPLAINT,
        severity=Incident.Severity.MINOR,
        summary="交付通知書が届かないとの苦情",
        description="通知書の再送を求める電話。住所の確認が必要なため市民課へ引き継いだ。",
        city_contact="市民課 渡辺",
        city_notified_at=ago(3, 10, 15),
    )
    return f"トラブル・苦情 {Incident.objects.count()}件（対応中 {Incident.objects.open().count()}件）"
