"""A4 PDF printouts (ReportLab + the IPAex font from lib/pdf.py): ID check sheet, applicant sheet,
pull list and branch shipment manifest."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from madoguchi.lib.jdates import format_date, format_wareki
from madoguchi.lib.pdf import register_japanese_font
from madoguchi.lib.text import to_katakana

from .glyphs import printable
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


def grouped_id(application_id: str) -> str:
    """The 23-digit application ID in groups of four, as people read it aloud (1234 5678 … 123)."""
    return " ".join(application_id[i : i + 4] for i in range(0, len(application_id), 4))


def kana_for_print(kana: str) -> str:
    """Kana in full-width katakana (hiragana and half-width kana as received are normalised for paper)."""
    return printable(to_katakana(kana))


def _barcode(
    c: Canvas, value: str, x: float, y: float, *, height: float = 9 * mm, bar: float = 0.33 * mm
) -> None:
    """A Code128 barcode of value with its bottom-left at (x, y): scanners read the notice number off paper."""
    from reportlab.graphics.barcode.code128 import Code128

    Code128(value, barHeight=height, barWidth=bar, quiet=False).drawOn(c, x, y)


def _card_rows(card: Card) -> list[tuple[str, str]]:
    rows = [
        ("交付通知書番号", card.notice_number),
        ("申請書ID", grouped_id(card.application_id)),
        ("種別・申請方式", f"{card.get_kind_display()}　{card.get_method_display()}"),
        # Names exactly as registered; a character the font cannot show prints as 〓 (never an empty box).
        ("氏名", printable(card.applicant_name)),
        ("氏名（カナ）", kana_for_print(card.applicant_kana)),
        ("生年月日", format_wareki(_birth(card)) + f"（{format_date(_birth(card), weekday=False)}）"),
        ("受取庁舎", card.pickup_office.name),
        ("収納場所", card.storage_location.code if card.storage_location else "未収納"),
    ]
    if card.gaiji_note:
        rows.append(("要外字確認", card.gaiji_note[:60]))
    return rows


def _id_check_sheet(c: Canvas, card: Card) -> None:
    y = _header(c, "本人確認書類チェックシート", f"交付通知書番号 {card.notice_number}")
    _barcode(c, card.notice_number, RIGHT - 62 * mm, H - 30 * mm + 1 * mm, height=7 * mm, bar=0.3 * mm)
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
    _barcode(c, card.notice_number, RIGHT - 62 * mm, H - 30 * mm + 1 * mm, height=7 * mm, bar=0.3 * mm)
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
    events = list(card.events.select_related("actor").order_by("at", "pk"))
    for shown, event in enumerate(events):
        if y < 20 * mm:  # the page is full: say how many more there are (never cut silently)
            c.drawString(LEFT, y, f"ほか {len(events) - shown}件（カードの画面で確認できます）")
            break
        local = event.at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
        actor = (event.actor.display_name or str(event.actor)) if event.actor else ""
        c.drawString(
            LEFT,
            y,
            f"{local:%Y-%m-%d %H:%M}　{event.get_from_state_display() or '—'} → {event.get_to_state_display()}　{actor}",
        )
        y -= 5.5 * mm
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
    barcode_column: int | None = None,
) -> None:
    """A ruled table; the cell in `barcode_column` is printed as a Code128 barcode with its text beside it."""

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
        for index, (text, w) in enumerate(zip(row, widths, strict=True)):
            if index == barcode_column and text:
                _barcode(c, str(text), x, y - 1.5 * mm, height=6 * mm, bar=0.2 * mm)
            else:
                c.drawString(x, y, str(text))
            x += w
        c.setLineWidth(0.2)
        c.line(LEFT, y - 2 * mm, RIGHT, y - 2 * mm)
        y -= 8 * mm
    _font(c, 10)
    c.drawString(LEFT, max(y - 4 * mm, 12 * mm), f"合計 {len(rows)} 枚")
    c.showPage()


def pull_list_pdf(
    cards: Sequence[Card], title: str, subtitle: str = "", bookings: Mapping[int, Any] | None = None
) -> bytes:
    """Pull list in the caller's order (storage order; with bookings, a family's cards together), with the
    notice number as a barcode, and the appointment time and booking code when the list is a day's bookings."""
    buffer = io.BytesIO()
    c = _canvas(buffer, title)
    bookings = bookings or {}
    rows = []
    previous_group = None
    for card in cards:
        booking = bookings.get(card.pk)
        group = booking.group if booking is not None else None
        family = booking is not None and booking.size > 1
        rows.append(
            (
                "□",
                ("└ " if family and group == previous_group else "")
                + (card.storage_location.code if card.storage_location else "未収納"),
                card.notice_number,
                card.notice_number,
                kana_for_print(card.applicant_kana)[:14],
                booking.time if booking else "",
                (f"{booking.code}" + (f"（{booking.size}枚）" if family else "")) if booking else "",
            )
        )
        previous_group = group
    widths = (7 * mm, 24 * mm, 40 * mm, 24 * mm, 38 * mm, 14 * mm, 33 * mm)
    _table(
        c,
        title,
        subtitle,
        ("", "収納場所", "バーコード", "通知書番号", "氏名（カナ）", "時刻", "予約番号"),
        widths,
        rows,
        barcode_column=2,
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
            item.card.notice_number,
            kana_for_print(item.card.applicant_kana)[:14],
            item.card.get_kind_display()[:8],
            "受領済" if item.received_at else "",
        )
        for i, item in enumerate(items, start=1)
    ]
    subtitle = (
        f"送付先 {shipment.to_office.name}　送付日 {format_date(shipment.shipped_at.date()) if shipment.shipped_at else '—'}"
        + (f"　交付予定日 {format_date(shipment.for_date)}" if shipment.for_date else "")
        + "　受領者署名＿＿＿＿＿＿＿＿"
    )
    widths = (7 * mm, 10 * mm, 40 * mm, 24 * mm, 40 * mm, 40 * mm, 19 * mm)
    _table(
        c,
        title,
        subtitle,
        ("", "No.", "バーコード", "通知書番号", "氏名（カナ）", "種別", "受領"),
        widths,
        rows,
        barcode_column=2,
    )
    c.save()
    return buffer.getvalue()


def _birth(card: Card) -> datetime.date:
    """The birth date (an encrypted field the type checker sees as text)."""
    return cast(datetime.date, card.birth_date)
