"""A4 PDF printouts (ReportLab + the IPAex font from lib/pdf.py): ID check sheet, applicant sheet,
pull list and branch shipment manifest."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from typing import cast

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from madoguchi.lib.jdates import format_date, format_wareki
from madoguchi.lib.pdf import register_japanese_font

from .models import Card, Shipment

W, H = A4
LEFT = 20 * mm
RIGHT = W - 20 * mm

ONE_DOCUMENT = (
    "マイナンバーカード（旧カード）",
    "運転免許証・運転経歴証明書",
    "パスポート",
    "在留カード・特別永住者証明書",
    "障害者手帳（身体・精神・療育）",
    "その他（官公署発行・顔写真付き）",
)
TWO_DOCUMENTS = (
    "健康保険の資格確認書・資格情報のお知らせ",
    "年金手帳・年金証書",
    "社員証・学生証（写真付き）",
    "預金通帳・キャッシュカード",
    "医療受給者証",
    "その他",
)


def _canvas(buffer: io.BytesIO, title: str) -> Canvas:
    c = Canvas(buffer, pagesize=A4)
    c.setTitle(title)
    c.setAuthor(f"madoguchi {settings.MADOGUCHI_CITY_NAME}")
    return c


def _font(c: Canvas, size: float) -> None:
    c.setFont(register_japanese_font(), size)


def _header(c: Canvas, title: str, subtitle: str = "") -> float:
    _font(c, 16)
    c.drawString(LEFT, H - 22 * mm, title)
    _font(c, 9)
    c.drawRightString(
        RIGHT, H - 22 * mm, f"{settings.MADOGUCHI_CITY_NAME}　印刷 {format_date(datetime.date.today())}"
    )
    if subtitle:
        c.drawString(LEFT, H - 28 * mm, subtitle)
    c.line(LEFT, H - 31 * mm, RIGHT, H - 31 * mm)
    return H - 40 * mm


def _rows(c: Canvas, y: float, rows: Sequence[tuple[str, str]], *, label_width: float = 38 * mm) -> float:
    for label, value in rows:
        _font(c, 9)
        c.drawString(LEFT, y, label)
        _font(c, 12)
        c.drawString(LEFT + label_width, y, value)
        c.setLineWidth(0.3)
        c.line(LEFT, y - 2.5 * mm, RIGHT, y - 2.5 * mm)
        y -= 9 * mm
    return y


def _box(c: Canvas, x: float, y: float, text: str, size: float = 10) -> None:
    c.rect(x, y - 1 * mm, 3.5 * mm, 3.5 * mm)
    _font(c, size)
    c.drawString(x + 5.5 * mm, y, text)


def _card_rows(card: Card) -> list[tuple[str, str]]:
    return [
        ("交付通知書番号", card.notice_number),
        ("申請書ID", card.application_id),
        ("種別・申請方式", f"{card.get_kind_display()}　{card.get_method_display()}"),
        ("氏名", card.applicant_name),
        ("氏名（カナ）", card.applicant_kana),
        ("生年月日", format_wareki(_birth(card)) + f"（{format_date(_birth(card), weekday=False)}）"),
        ("受取庁舎", card.pickup_office.name),
        ("収納場所", card.storage_location.code if card.storage_location else "未収納"),
    ]


def _id_check_sheet(c: Canvas, card: Card) -> None:
    y = _header(c, "本人確認書類チェックシート", f"交付通知書番号 {card.notice_number}")
    y = _rows(c, y, _card_rows(card))
    y -= 4 * mm
    _font(c, 11)
    c.drawString(LEFT, y, "A　1点で確認できる書類（顔写真付き）")
    y -= 7 * mm
    for i, doc in enumerate(ONE_DOCUMENT):
        _box(c, LEFT + (i % 2) * 85 * mm, y, doc)
        if i % 2:
            y -= 7 * mm
    y -= 5 * mm
    _font(c, 11)
    c.drawString(LEFT, y, "B　2点で確認する書類（Aがない場合）")
    y -= 7 * mm
    for i, doc in enumerate(TWO_DOCUMENTS):
        _box(c, LEFT + (i % 2) * 85 * mm, y, doc)
        if i % 2:
            y -= 7 * mm
    y -= 5 * mm
    _font(c, 11)
    c.drawString(LEFT, y, "交付時の確認")
    y -= 7 * mm
    for text in (
        "交付通知書（照会書）の回収",
        "顔写真と本人の照合",
        "暗証番号の設定（署名用・利用者証明用・券面事項入力補助用・住民基本台帳用）",
        "旧カード・通知カードの回収（該当時）",
        "代理人の場合: 委任状・代理人の本人確認",
    ):
        _box(c, LEFT, y, text)
        y -= 7 * mm
    y -= 6 * mm
    _font(c, 10)
    c.drawString(LEFT, y, "交付日　　　　年　　月　　日　　　　交付担当者　　　　　　　　　　確認者")
    c.rect(LEFT, y - 4 * mm, RIGHT - LEFT, 10 * mm)
    _font(c, 7)
    c.drawString(LEFT, 12 * mm, "このシートには個人番号（マイナンバー）を記入しないでください。")
    c.showPage()


def _applicant_sheet(c: Canvas, card: Card) -> None:
    y = _header(c, "申請者情報シート", f"交付通知書番号 {card.notice_number}")
    rows = _card_rows(card) + [
        ("住所", card.address or "—"),
        ("電話番号", card.phone or "—"),
        ("マイナ・アシスト", "あり" if card.myna_assist else "なし"),
        ("到着日", format_date(card.arrived_on)),
        ("保管期限", format_date(card.holding_deadline) if card.holding_deadline else "—"),
        ("状態", card.get_state_display()),
    ]
    y = _rows(c, y, rows)
    y -= 4 * mm
    _font(c, 11)
    c.drawString(LEFT, y, "処理履歴")
    y -= 7 * mm
    _font(c, 9)
    for event in card.events.select_related("actor").order_by("at", "pk")[:20]:
        local = event.at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
        actor = (event.actor.display_name or str(event.actor)) if event.actor else ""
        c.drawString(
            LEFT,
            y,
            f"{local:%Y-%m-%d %H:%M}　{event.get_from_state_display() or '—'} → {event.get_to_state_display()}　{actor}",
        )
        y -= 5.5 * mm
        if y < 20 * mm:
            break
    c.showPage()


def card_sheets_pdf(cards: Iterable[Card]) -> bytes:
    """For each card: the ID check sheet, then the applicant sheet."""
    buffer = io.BytesIO()
    c = _canvas(buffer, "本人確認書類チェックシート・申請者情報シート")
    any_card = False
    for card in cards:
        any_card = True
        _id_check_sheet(c, card)
        _applicant_sheet(c, card)
    if not any_card:
        _header(c, "本人確認書類チェックシート")
        _font(c, 12)
        c.drawString(LEFT, H - 50 * mm, "対象のカードはありません。")
        c.showPage()
    c.save()
    return buffer.getvalue()


def _table(
    c: Canvas,
    title: str,
    subtitle: str,
    header: Sequence[str],
    widths: Sequence[float],
    rows: Sequence[Sequence[str]],
) -> None:
    def start() -> float:
        y = _header(c, title, subtitle)
        _font(c, 9)
        x = LEFT
        for text, w in zip(header, widths, strict=True):
            c.drawString(x, y, text)
            x += w
        c.line(LEFT, y - 2 * mm, RIGHT, y - 2 * mm)
        return y - 7 * mm

    y = start()
    for row in rows:
        if y < 20 * mm:
            c.showPage()
            y = start()
        _font(c, 10)
        x = LEFT
        for text, w in zip(row, widths, strict=True):
            c.drawString(x, y, str(text))
            x += w
        c.setLineWidth(0.2)
        c.line(LEFT, y - 2 * mm, RIGHT, y - 2 * mm)
        y -= 7 * mm
    _font(c, 10)
    c.drawString(LEFT, max(y - 4 * mm, 12 * mm), f"合計 {len(rows)} 枚")
    c.showPage()


def pull_list_pdf(cards: Sequence[Card], title: str, subtitle: str = "") -> bytes:
    """Pull list sorted by storage location (the caller orders the cards)."""
    buffer = io.BytesIO()
    c = _canvas(buffer, title)
    rows = [
        (
            "□",
            card.storage_location.code if card.storage_location else "未収納",
            card.notice_number,
            card.applicant_kana[:16],
            card.pickup_office.name[:10],
            card.get_state_display(),
        )
        for card in cards
    ]
    widths = (8 * mm, 30 * mm, 32 * mm, 48 * mm, 30 * mm, 22 * mm)
    _table(
        c, title, subtitle, ("", "収納場所", "通知書番号", "氏名（カナ）", "受取庁舎", "状態"), widths, rows
    )
    c.save()
    return buffer.getvalue()


def manifest_pdf(shipment: Shipment) -> bytes:
    buffer = io.BytesIO()
    title = f"支所送付票　No.{shipment.pk}"
    c = _canvas(buffer, title)
    items = list(
        shipment.items.select_related("card", "card__storage_location").order_by("card__notice_number")
    )
    rows = [
        (
            "□",
            str(i),
            item.card.notice_number,
            item.card.applicant_kana[:16],
            item.card.get_kind_display(),
            "受領済" if item.received_at else "",
        )
        for i, item in enumerate(items, start=1)
    ]
    subtitle = (
        f"送付先 {shipment.to_office.name}　送付日 {format_date(shipment.shipped_at.date()) if shipment.shipped_at else '—'}"
        + (f"　交付予定日 {format_date(shipment.for_date)}" if shipment.for_date else "")
        + "　受領者署名＿＿＿＿＿＿＿＿"
    )
    widths = (8 * mm, 12 * mm, 34 * mm, 52 * mm, 40 * mm, 24 * mm)
    _table(c, title, subtitle, ("", "No.", "通知書番号", "氏名（カナ）", "種別", "受領"), widths, rows)
    c.save()
    return buffer.getvalue()


def _birth(card: Card) -> datetime.date:
    """The birth date (an encrypted field the type checker sees as text)."""
    return cast(datetime.date, card.birth_date)
