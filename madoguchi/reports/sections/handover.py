"""Open items for the handover (引継ぎ): every unfinished piece of work with its state, so a successor can
start at once. Ids and notice numbers always; names and phone numbers only when `personal` is chosen."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from madoguchi.calls.models import Callback, PhoneMemo
from madoguchi.cards.models import Card
from madoguchi.faq.models import FaqEntry
from madoguchi.incidents.models import Incident
from madoguchi.reservations.models import Reservation

from . import Table, choice_label, wareki, wareki_datetime


def open_callbacks(*, personal: bool) -> Table:
    header = ["番号", "登録日時", "期限", "発生元", "用件", "担当者", "架電回数", "期限超過"]
    if personal:
        header += ["お名前", "電話番号"]

    def build() -> Table:
        now = timezone.now()
        rows = []
        for cb in (
            Callback.objects.filter(status="open")
            .select_related("owner")
            .annotate(tries=Count("attempts"))
            .order_by("due_at", "id")
        ):
            row = [
                f"CB-{cb.pk}",
                wareki_datetime(cb.created_at),
                wareki_datetime(cb.due_at),
                cb.get_source_display(),
                cb.reason if personal else "（個人情報を含めない出力では省略）",
                str(cb.owner or ""),
                cb.tries,
                "超過" if cb.due_at < now else "",
            ]
            if personal:
                row += [cb.name, cb.phone]
            rows.append(row)
        return Table("未完了の折り返し", header, rows, numeric=(6,))

    return build()


def open_cards(*, personal: bool) -> Table:
    header = ["交付通知書番号", "状態", "受取庁舎", "収納場所", "保管期限", "到着日"]
    if personal:
        header += ["氏名"]

    def build() -> Table:
        rows = []
        fields = [
            "notice_number",
            "state",
            "pickup_office__name",
            "storage_location__code",
            "holding_deadline",
            "arrived_on",
        ]
        qs = Card.objects.open().order_by("state", "storage_location__code", "notice_number")
        if personal:
            for card in qs.select_related("pickup_office", "storage_location"):
                rows.append(
                    [
                        card.notice_number,
                        card.get_state_display(),
                        card.pickup_office.name,
                        card.storage_location.code if card.storage_location else "",
                        wareki(card.holding_deadline),
                        wareki(card.arrived_on),
                        card.applicant_name,
                    ]
                )
        else:
            for notice, state, office, location, deadline, arrived in qs.values_list(*fields):
                rows.append(
                    [
                        notice,
                        choice_label(Card, "state", state),
                        office,
                        location or "",
                        wareki(deadline),
                        wareki(arrived),
                    ]
                )
        return Table("未交付のカード（状態・収納場所）", header, rows)

    return build()


def cards_by_state() -> Table:
    header = ["状態", "収納場所", "枚数"]

    def build() -> Table:
        rows = [
            [choice_label(Card, "state", state), location or "（未収納）", n]
            for state, location, n in Card.objects.open()
            .values_list("state", "storage_location__code")
            .annotate(n=Count("id"))
            .order_by("state", "storage_location__code")
        ]
        return Table(
            "未交付のカード 状態別・収納場所別の枚数",
            header,
            rows,
            numeric=(2,),
            item_count=sum(r[2] for r in rows),
        )

    return build()


def upcoming_reservations(*, today: datetime.date) -> Table:
    header = ["予約番号", "日付", "時刻", "庁舎", "人数", "状態", "受付方法"]

    def build() -> Table:
        rows = [
            [
                r.code,
                wareki(r.date),
                f"{r.slot.start:%H:%M}" if r.slot else "",
                r.office.name,
                r.party_size,
                r.get_status_display(),
                r.get_channel_display(),
            ]
            for r in Reservation.objects.active()
            .filter(date__gte=today)
            .select_related("office", "slot")
            .order_by("date", "slot__start", "code")
        ]
        return Table("今後の受取予約", header, rows, numeric=(4,))

    return build()


def open_incidents() -> Table:
    header = ["番号", "発生日時", "種別", "重大度", "件名", "市への報告", "警察への届出", "状態"]

    def build() -> Table:
        rows = [
            [
                f"INC-{i.pk}",
                wareki_datetime(i.occurred_at),
                i.get_category_display(),
                i.get_severity_display(),
                i.summary,
                wareki_datetime(i.city_notified_at) if i.city_notified_at else "未報告",
                wareki_datetime(i.police_reported_at) if i.police_reported_at else "",
                i.get_status_display(),
            ]
            for i in Incident.objects.open().order_by("occurred_at", "id")
        ]
        return Table("対応中のトラブル・事故等", header, rows)

    return build()


def pending_faq() -> Table:
    header = ["No.", "分類", "質問", "状態", "版", "更新日"]

    def build() -> Table:
        rows = [
            [e.pk, e.category, e.question, e.get_state_display(), e.version, wareki(e.updated_at)]
            for e in FaqEntry.objects.filter(state__in=["draft", "review"]).order_by("category", "id")
        ]
        return Table("承認待ち・下書きの質疑応答", header, rows)

    return build()


def pending_memos() -> Table:
    header = ["番号", "受電日時", "種別", "宛先", "状態", "引継ぎ先"]

    def build() -> Table:
        rows = [
            [
                f"TM-{m.pk}",
                wareki_datetime(m.received_at),
                m.get_kind_display(),
                m.for_whom,
                m.get_status_display(),
                m.handed_to,
            ]
            for m in PhoneMemo.objects.exclude(status="done").order_by("received_at", "id")
        ]
        return Table("未完了の電話メモ", header, rows)

    return build()


def approved_faq() -> list[Any]:
    return list(FaqEntry.objects.filter(state="approved").order_by("category", "id"))
