"""The booking panel inside the call screen: find the caller's card(s) — a family by birth date once one card is
found —, see why a card cannot be booked and what to tell the caller, pick a slot by its fixed letter, confirm the
read-back, and the booking is linked to the call being taken (no code typed back).

The panel is an htmx fragment of `calls/take/`; it uses only `reservations.selectors` (cards and slots as plain
values) and `reservations.services.phone_booking_make` (the booking). Its state — the cards chosen for this call,
the slot being confirmed, the bookings made — lives in the session under the call screen's `booking_key`, so a
second call (a fresh screen) starts empty and nothing personal is put in a URL.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.lib.jdates import format_date, parse_date
from madoguchi.lib.privacy import refuse_individual_number
from madoguchi.reservations.selectors import (
    NOT_FOUND_REASON,
    NOT_FOUND_TELL,
    PhoneBooking,
    PhoneCard,
    PhoneDay,
    phone_booking,
    phone_cards,
    phone_cards_find,
    phone_family_find,
    phone_slot_day,
)
from madoguchi.reservations.services import phone_booking_cancel, phone_booking_change, phone_booking_make

from .models import Call, CallCategory, ReportColumn

BOOK_PERMISSION = "reservations.book_reservation"
SESSION = "calls.booking"
MAX_KEY = 40


def new_booking_key() -> str:
    """A fresh call screen's key for its booking panel state."""
    return secrets.token_urlsafe(12)


def clean_key(value: object) -> str:
    text = str(value or "")[:MAX_KEY]
    return text if text and all(ch.isalnum() or ch in "-_" for ch in text) else ""


def booking_state(request: AuthedHttpRequest, key: str) -> dict[str, Any]:
    """This call's panel state: {key, cards, verified, chosen, token, date, booked: [{code, summary, token}]}."""
    state = request.session.get(SESSION) or {}
    if not key or state.get("key") != key:
        state = {
            "key": key,
            "call": None,
            "cards": [],
            "verified": [],
            "chosen": None,
            "token": "",
            "date": "",
            "booked": [],
            "known": [],  # codes of bookings found in this call (cards already booked): these may be managed
            "manage": "",  # the booking being changed or cancelled
            "mode": "",  # "", "cancel"
        }
    return state


def booked_codes(request: AuthedHttpRequest, key: str) -> list[str]:
    """The booking codes made in this call's panel (for the call record)."""
    return [b["code"] for b in booking_state(request, key)["booked"]] if clean_key(key) else []


def booking_forget(request: AuthedHttpRequest) -> None:
    request.session.pop(SESSION, None)


def booking_category_id() -> int | None:
    """The sub-category a booking call falls under when the operator chose none (the first active 予約 one)."""
    found = CallCategory.objects.active().filter(column=ReportColumn.RESERVATION).order_by("sort_order", "pk")
    first = found.first()
    return first.pk if first else None


def _parse_birth(value: str) -> tuple[datetime.date | None, str]:
    text = (value or "").strip()
    if not text:
        return None, "生年月日を入力してください（例: S55.5.17、1980/5/17）。"
    if len(text) > 20:
        return None, "生年月日: 20文字以内で入力してください。"
    try:
        return parse_date(text), ""
    except ValueError as exc:
        return None, f"生年月日: {exc}"


class Panel:
    """One request's work on the panel; `context()` is what `calls/_booking.html` renders."""

    def __init__(self, request: AuthedHttpRequest, key: str) -> None:
        self.request = request
        self.state = booking_state(request, key)
        self.errors: list[str] = []
        self.refused: list[PhoneCard] = []  # cards found but not added: each with its reason and what to tell
        self.not_found = False
        self.focus = ""  # the element to focus after the swap: find, family, slots, confirm
        self.values: dict[str, str] = {}

    # -- actions ---------------------------------------------------------------------------------------

    def find(self, post: Any) -> None:
        notice, kana = str(post.get("notice_number", "")).strip(), str(post.get("kana", "")).strip()
        self.values = {"notice_number": notice[:30], "kana": kana[:60]}
        birth, error = _parse_birth(str(post.get("birth_date", "")))
        self.focus = "find"
        for value, field in ((notice, "notice_number"), (kana, "kana")):
            try:
                refuse_individual_number(value, field=field)
            except ValidationError:
                self.errors.append(
                    "個人番号（マイナンバー）は入力しないでください。交付通知書番号をお聞きください。"
                )
                return
        if not notice and not kana:
            self.errors.append("交付通知書番号（または氏名カナ）を入力してください。")
        if error:
            self.errors.append(error)
        if self.errors or birth is None:
            return
        found = phone_cards_find(notice_number=notice, kana=kana, birth_date=birth)
        self._audit_search("notice" if notice else "kana", len(found))
        if not found:
            self.not_found = True
            return
        if len(found) > 1:
            self.errors.append(
                f"{len(found)}枚のカードが一致しました。交付通知書番号でお探しください（同姓同名・同じ生年月日）。"
            )
            return
        self.values = {}
        self._add(found, verified=True)

    def family(self, post: Any) -> None:
        self.focus = "family"
        birth, error = _parse_birth(str(post.get("family_birth_date", "")))
        if error or birth is None:
            self.errors.append(error)
            return
        verified = [i for i in self.state["verified"] if i in self.state["cards"]] or self.state["verified"]
        if not verified:
            self.errors.append("先に、お電話の方のカードを交付通知書番号と生年月日で探してください。")
            return
        found = phone_family_find(card_ids=verified, birth_date=birth)
        self._audit_search("family", len(found))
        if not found:
            self.errors.append(
                f"同じ住所で生年月日が{format_date(birth, weekday=False)}のカードは見つかりません。"
                "交付通知書番号と生年月日で探してください。"
            )
        elif len(found) > 1:
            self.errors.append(
                f"同じ住所・同じ生年月日のカードが{len(found)}枚あります。交付通知書番号で探してください。"
            )
        else:
            self._add(found, verified=False)

    def remove(self, post: Any) -> None:
        pk = _int(post.get("card"))
        self.state["cards"] = [i for i in self.state["cards"] if i != pk]
        self.state["chosen"] = None
        self.focus = "find"

    def clear(self) -> None:
        self.state.update(cards=[], verified=[], chosen=None, date="")
        self.focus = "find"

    def day(self, post: Any) -> None:
        self.state["chosen"] = None
        self.focus = "slots"
        value = str(post.get("date", "")).strip()
        if not value:
            self.state["date"] = ""
            return
        try:
            self.state["date"] = parse_date(value[:20]).isoformat()
        except ValueError as exc:
            self.errors.append(f"日付: {exc}")

    def choose(self, post: Any) -> None:
        slot_id = _int(post.get("slot"))
        day = self._day()
        slot = next((s for s in day.slots if s.slot_id == slot_id), None) if day else None
        if slot is None or not slot.fits:
            self.errors.append(
                "その枠は選べません（満席・受付停止・過ぎた時刻）。空いている枠の文字キーを押してください。"
            )
            self.focus = "slots"
            return
        self.state["chosen"] = slot.slot_id
        self.state["token"] = secrets.token_urlsafe(8)
        self.focus = "confirm"

    def back(self) -> None:
        self.state["chosen"] = None
        self.state["mode"] = ""
        self.focus = "slots"

    def manage(self, post: Any) -> None:
        code = str(post.get("code", ""))
        if code not in self.state.get("known", []):
            self.errors.append("変更・取消する予約は、カードを探して表示された予約から選んでください。")
            return
        self.state.update(manage=code, mode="", chosen=None, date="")
        self.focus = "slots"

    def leave(self) -> None:
        self.state.update(manage="", mode="", chosen=None, date="")
        self.focus = "find"

    def cancel_ask(self) -> None:
        booking = self._managed()
        if booking is None or not booking.changeable:
            self.errors.append("この予約は取り消せません。")
            return
        self.state.update(mode="cancel", chosen=None, token=secrets.token_urlsafe(8))
        self.focus = "confirm"

    def confirm(self, post: Any, *, call_id: int | None) -> None:
        token = str(post.get("token", ""))
        if any(b["token"] == token for b in self.state["booked"]):
            return  # a second press of 確定 (double click): the booking is already made, shown once
        if self.state.get("manage"):
            self._confirm_manage(post, token)
            return
        slot_id = _int(post.get("slot"))
        if (
            slot_id is None
            or not token
            or token != self.state.get("token")
            or slot_id != self.state.get("chosen")
        ):
            self.errors.append("選んだ枠が変わっています。枠をもう一度選んでください。")
            self.state["chosen"] = None
            self.focus = "slots"
            return
        cards = self.state["cards"]
        try:
            reservation = phone_booking_make(
                card_ids=cards,
                slot_id=slot_id,
                by=self.request.user,
                email=str(post.get("reminder_email", "")),
                mobile=str(post.get("reminder_mobile", "")),
                consent=bool(post.get("reminder_consent")),
                audit_detail={"call": call_id} if call_id else {"screen": "calls.take"},
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                self.errors.extend(f"お知らせの連絡先: {m}" for m in exc.messages)
                self.focus = "confirm"
                return
            self.errors.append(exc.messages[0])
            self.state["chosen"] = None
            self.focus = "slots"
            return
        slot = reservation.slot
        when = f"{format_date(reservation.date)} {slot.start:%H:%M}〜{slot.end:%H:%M}" if slot else ""
        self.state["booked"].append(
            {
                "code": reservation.display_code,
                "summary": f"{when}・{reservation.office.name}・{reservation.party_size}人",
                "token": token,
            }
        )
        self.state.update(cards=[], verified=[], chosen=None, token="", date="")
        self.focus = "done"

    def _confirm_manage(self, post: Any, token: str) -> None:
        code, cancel = self.state["manage"], self.state.get("mode") == "cancel"
        slot_id = _int(post.get("slot"))
        stale = not token or token != self.state.get("token")
        if stale or (not cancel and (slot_id is None or slot_id != self.state.get("chosen"))):
            self.errors.append("選んだ内容が変わっています。もう一度選んでください。")
            self.state.update(chosen=None, mode="")
            self.focus = "slots"
            return
        try:
            if cancel:
                done = phone_booking_cancel(code=code, by=self.request.user)
            else:
                assert slot_id is not None
                done = phone_booking_change(code=code, slot_id=slot_id, by=self.request.user)
        except ValidationError as exc:
            self.errors.append(exc.messages[0])
            self.state.update(chosen=None, mode="")
            self.focus = "slots"
            return
        slot = done.slot
        when = (
            f"{format_date(done.date)} {slot.start:%H:%M}〜{slot.end:%H:%M}"
            if slot
            else format_date(done.date)
        )
        self.state["booked"].append(
            {
                "code": done.display_code,
                "summary": f"{when}・{done.office.name}・{done.party_size}人"
                + ("（取消済み）" if cancel else ""),
                "token": token,
                "verb": "予約を取り消しました" if cancel else "予約の日時を変更しました",
            }
        )
        self.state.update(manage="", mode="", chosen=None, token="", date="")
        self.focus = "done"

    # -- helpers ---------------------------------------------------------------------------------------

    def _managed(self) -> PhoneBooking | None:
        code = self.state.get("manage") or ""
        return phone_booking(code) if code else None

    def _add(self, found: list[PhoneCard], *, verified: bool) -> None:
        card = found[0]
        if card.card_id in self.state["cards"]:
            self.errors.append(f"カード {card.notice_number} はもう選ばれています。")
            return
        current = phone_cards(self.state["cards"])
        if not card.bookable:
            self.refused.append(card)
            if card.booked_code and card.booked_code not in self.state.setdefault("known", []):
                self.state["known"].append(card.booked_code)
        elif current and card.office_id != current[0].office_id:
            self.refused.append(
                PhoneCard(
                    **{
                        **card.__dict__,
                        "bookable": False,
                        "reason": "受取庁舎が異なる",
                        "tell": f"このカードの受取庁舎は{card.office_name}です。同じ予約にはできないため、"
                        "いまの予約のあとで別に予約します。",
                    }
                )
            )
        else:
            self.state["cards"].append(card.card_id)
            self.state["chosen"] = None
            self.focus = "family"
        if verified:
            # A card identified by notice number + birth date lets the family be found by birth date, even when
            # that card itself cannot be booked (the caller's own card issued, the children's waiting).
            self.state["verified"].append(card.card_id)
            self.focus = "family"

    def _audit_search(self, by: str, found: int) -> None:
        audit_record(
            actor=self.request.user,
            action=AuditEvent.Action.SEARCH,
            object_type="cards.card",
            request=self.request,
            detail={"by": by, "found": found, "screen": "calls.take"},
        )

    def _day(self) -> PhoneDay | None:
        date = datetime.date.fromisoformat(self.state["date"]) if self.state.get("date") else None
        booking = self._managed()
        if booking is not None:
            if not booking.changeable:
                return None
            day = phone_slot_day(office_id=booking.office_id, people=booking.people, date=date)
            if day is None:
                return None
            # The booking's own slot is where it is now: not a choice.
            slots = [dataclasses.replace(s, fits=s.fits and s.slot_id != booking.slot_id) for s in day.slots]
            return dataclasses.replace(day, slots=slots)
        cards = phone_cards(self.state["cards"])
        if not cards:
            return None
        return phone_slot_day(office_id=cards[0].office_id, people=len(cards), date=date)

    def save(self) -> None:
        self.request.session[SESSION] = self.state

    def context(self) -> dict[str, Any]:
        cards = phone_cards(self.state["cards"])
        manage = self._managed()
        day = self._day() if cards or manage else None
        chosen = None
        if day is not None and self.state.get("chosen"):
            chosen = next((s for s in day.slots if s.slot_id == self.state["chosen"]), None)
        if cards:
            audit_record(
                actor=self.request.user,
                action=AuditEvent.Action.VIEW,
                object_type="cards.card",
                object_id=",".join(str(c.card_id) for c in cards),
                request=self.request,
                detail={"screen": "calls.take.booking"},
            )
        return {
            "booking_key": self.state["key"],
            "cards": cards,
            "family_ready": bool(self.state["verified"]),
            "refused": self.refused,
            "not_found": self.not_found,
            "not_found_reason": NOT_FOUND_REASON,
            "not_found_tell": NOT_FOUND_TELL,
            "errors": self.errors,
            "day": day,
            "chosen": chosen,
            "token": self.state.get("token", ""),
            "booked": self.state["booked"],
            "booked_codes": " ".join(b["code"] for b in self.state["booked"]),
            "booking_category": booking_category_id(),
            "focus": self.focus,
            "values": self.values,
            "manage": manage,
            "mode": self.state.get("mode", ""),
            "people": manage.people if manage else len(cards),
        }


def _int(value: object) -> int | None:
    try:
        return int(str(value or ""))
    except ValueError:
        return None


def _own_call(request: AuthedHttpRequest, value: object) -> int | None:
    """The CTI call the screen is logging, when it is this operator's or nobody's (for the booking's audit row)."""
    pk = _int(value)
    if pk is None:
        return None
    mine = Call.objects.filter(pk=pk, source=Call.Source.CTI).filter(
        Q(operator__isnull=True) | Q(operator=request.user)
    )
    return pk if mine.exists() else None


def panel_html(request: AuthedHttpRequest, key: str, *, call_id: int | None) -> str:
    """The panel as the call screen first shows it (or after a refused call form, with its state); `call_id` is
    the CTI call being taken, which the booking's audit row names."""
    panel = Panel(request, key)
    panel.state["call"] = call_id
    panel.save()
    return render_to_string("calls/_booking.html", panel.context(), request=request)


@require_perm("calls.add_call")
@require_POST
def booking(request: AuthedHttpRequest) -> HttpResponse:
    """The booking panel (htmx): one action per request, the whole panel back."""
    if not request.user.has_perm(BOOK_PERMISSION):
        raise PermissionDenied("予約を受け付ける権限がありません。")
    key = clean_key(request.POST.get("booking_key"))
    if not key:
        raise PermissionDenied("通話受付画面を開き直してください。")
    panel = Panel(request, key)
    action = request.POST.get("action", "")
    if action == "find":
        panel.find(request.POST)
    elif action == "family":
        panel.family(request.POST)
    elif action == "remove":
        panel.remove(request.POST)
    elif action == "clear":
        panel.clear()
    elif action == "day":
        panel.day(request.POST)
    elif action == "choose":
        panel.choose(request.POST)
    elif action == "back":
        panel.back()
    elif action == "manage":
        panel.manage(request.POST)
    elif action == "leave":
        panel.leave()
    elif action == "cancel_ask":
        panel.cancel_ask()
    elif action == "confirm":
        panel.confirm(request.POST, call_id=_own_call(request, panel.state.get("call")))
    panel.save()
    return render(request, "calls/_booking.html", panel.context())
