"""Staff screens: the operator desk (phone), a reservation, the day list at the counter, slots and capacity."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.cards.models import Card
from madoguchi.cards.services import card_find, card_find_by_kana
from madoguchi.lib.htmx import render_page_or_fragment
from madoguchi.lib.jdates import format_date, parse_date

from . import services
from .forms import (
    AppointmentBookForm,
    AppointmentTypeForm,
    CancelForm,
    CodeForm,
    DayForm,
    FindCardForm,
    OfficeSettingsForm,
    OverrideForm,
)
from .models import AppointmentType, CapacityOverride, Reservation, Slot

BASKET = "reservations_basket"


MATCHES = "reservations_matches"
SLOT_SHORTCUTS = 9


def _basket(request: AuthedHttpRequest) -> list[Card]:
    ids = request.session.get(BASKET, [])
    cards = {c.pk: c for c in Card.objects.filter(pk__in=ids).select_related("pickup_office")}
    return [cards[i] for i in ids if i in cards]


def _date_param(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def _with_reservations(cards: list[Card]) -> list[tuple[Card, Reservation | None]]:
    found = services.active_reservations_for(cards)
    return [(c, found.get(c.pk)) for c in cards]


def _desk_context(
    request: AuthedHttpRequest, form: FindCardForm, *, matches: list[Card] | None = None
) -> dict:
    basket = _basket(request)
    office = basket[0].pickup_office if basket else None
    day = _date_param(request.GET.get("date") or request.POST.get("date"))
    slots: list[Slot] = []
    bookable = bool(basket) and all(c.can_be_booked for c in basket)
    held = [c for c, r in _with_reservations(basket) if r is not None]
    mixed = office is not None and any(c.pickup_office_id != office.pk for c in basket)
    if office is not None and bookable and not held and not mixed:
        slots = services.slots_free(office=office, people=len(basket), date=day, limit=None if day else 12)
    first, last = services.window_dates(public=False)
    raw_day = (request.GET.get("date") or request.POST.get("date") or "").strip()
    day_error = (
        f"「{raw_day[:20]}」は日付として読めません（例: 2026/12/3、令和8年12月3日）。"
        if raw_day and day is None
        else ""
    )
    if day is not None and not first <= day <= last:
        no_slots = f"{format_date(day)}は予約の受付期間外です（{format_date(first)}〜{format_date(last)}）。"
    elif day is not None:
        no_slots = f"{format_date(day)}は休業日か満席です。"
    else:
        no_slots = ""
    return {
        "no_slots": no_slots,
        "day_error": day_error,
        "form": form,
        "code_form": CodeForm(),
        "basket": _with_reservations(basket),
        "office": office,
        "slots": slots,
        "slot_shortcuts": SLOT_SHORTCUTS,
        "day": day,
        "matches": matches or [],
        "bookable": bookable and not held and not mixed,
        "mixed": mixed,
        "held": bool(held),
        "unbookable": [c for c in basket if not c.can_be_booked],
    }


@require_perm("reservations.book_reservation")
def operator(request: AuthedHttpRequest) -> HttpResponse:
    """Phone desk: find the card(s), see state and office, pick the next free slot, read back the code."""
    form = FindCardForm(request.POST if request.POST.get("action") == "find" else None)
    matches: list[Card] = []
    if request.method == "POST":
        action = request.POST.get("action")
        basket_ids: list[int] = request.session.get(BASKET, [])
        if action == "find" and form.is_valid():
            data = form.cleaned_data
            if data["notice_number"]:
                card = card_find(notice_number=data["notice_number"], birth_date=data["birth_date"])
                found = [card] if card else []
            else:
                found = card_find_by_kana(kana=data["kana"], birth_date=data["birth_date"])
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.SEARCH,
                object_type="cards.card",
                request=request,
                detail={"by": "notice" if data["notice_number"] else "kana", "found": len(found)},
            )
            if not found:
                form.add_error(
                    None,
                    "一致するカードがありません。交付通知書番号（または氏名カナ）と生年月日をもう一度確認してください。",
                )
            elif len(found) == 1:
                if found[0].pk not in basket_ids:
                    basket_ids.append(found[0].pk)
                request.session[BASKET] = basket_ids
                form = FindCardForm()
            else:
                matches = found
                request.session[MATCHES] = [c.pk for c in found]
        elif action == "pick":
            # Only a card among the last search's matches may be added (a tampered id adds nothing).
            pk = _int(request.POST.get("card"))
            if pk is not None and pk in request.session.get(MATCHES, []) and pk not in basket_ids:
                basket_ids.append(pk)
                request.session[BASKET] = basket_ids
            request.session.pop(MATCHES, None)
        elif action == "remove":
            pk = _int(request.POST.get("card"))
            request.session[BASKET] = [i for i in basket_ids if i != pk]
        elif action == "clear":
            request.session[BASKET] = []
        elif action == "book":
            return _book(request)
    context = _desk_context(request, form, matches=matches)
    if context["basket"]:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            object_type="cards.card",
            object_id=",".join(str(c.pk) for c, _ in context["basket"]),
            request=request,
            detail={"screen": "reservations.operator"},
        )
    return render_page_or_fragment(request, "reservations/operator.html", "reservations/_desk.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _book(request: AuthedHttpRequest) -> HttpResponse:
    cards = _basket(request)
    slot_id = _int(request.POST.get("slot"))
    slot = Slot(pk=slot_id) if slot_id else None
    if slot is None or not cards:
        messages.error(request, "予約する枠またはカードが選ばれていません。もう一度選んでください。")
        return redirect("reservations:operator")
    email = request.POST.get("reminder_email", "")
    mobile = request.POST.get("reminder_mobile", "")
    consent = bool(request.POST.get("reminder_consent"))
    try:
        # Refused before booking: nothing is booked without the contact the caller asked for.
        services.reminder_contact_clean(email=email, mobile=mobile, consent=consent)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, f"お知らせの連絡先: {text}")
        return redirect("reservations:operator")
    try:
        reservation = services.reservation_book(
            cards=cards,
            slot=slot,
            by=request.user,
            channel=Reservation.Channel.PHONE,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("reservations:operator")
    request.session[BASKET] = []
    note = ""
    if email.strip() or mobile.strip():
        services.reservation_set_contact(
            reservation=reservation, by=request.user, email=email, mobile=mobile, consent=consent
        )
        note = "前日にメールでお知らせします。" if email.strip() else "前日にSMSでお知らせします。"
    messages.success(
        request,
        f"予約しました。予約番号は {reservation.display_code} です。お客様に読み上げてください。{note}",
    )
    return redirect("reservations:detail", code=reservation.code)


@require_perm("reservations.view_reservation")
def find_code(request: AuthedHttpRequest) -> HttpResponse:
    # Posted, so whatever is typed (even a My Number by mistake) stays out of URLs and access logs.
    form = CodeForm(request.POST or request.GET or None)
    if form.is_valid():
        found = services.reservation_by_code(form.cleaned_data["code"])
        if found:
            return redirect("reservations:detail", code=found.code)
        messages.error(request, f"予約番号「{form.cleaned_data['code']}」の予約は見つかりません。")
    elif form.errors:
        # Say what is wrong (empty, a My Number, too long) instead of always "enter a code".
        messages.error(request, "予約番号: " + " ".join(str(e) for e in form.errors["code"]))
    return redirect(
        (request.POST.get("back") or request.GET.get("back")) == "day"
        and "reservations:day_list"
        or "reservations:operator"
    )


def _reservation_or_404(code: str) -> Reservation:
    found = services.reservation_by_code(code)
    if found is None:
        raise Http404("予約が見つかりません。")
    return found


@require_perm("reservations.view_reservation")
def detail(request: AuthedHttpRequest, code: str) -> HttpResponse:
    reservation = _reservation_or_404(code)
    links = list(reservation.card_links.select_related("card", "card__pickup_office"))
    day = _date_param(request.GET.get("date"))
    slots: list[Slot] = []
    can_book = request.user.has_perm("reservations.book_reservation")
    if can_book and reservation.status == Reservation.Status.BOOKED and reservation.slot_id:
        slots = [
            s
            for s in services.slots_free(
                office=reservation.office, people=reservation.party_size, date=day, limit=None if day else 12
            )
            if s.pk != reservation.slot_id
        ]
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=reservation,
        request=request,
        detail={"cards": len(links)},
    )
    context = {
        "r": reservation,
        "links": links,
        "events": reservation.events.select_related("actor", "from_slot", "to_slot"),
        "slots": slots,
        "day": day,
        "cancel_form": CancelForm(),
        "can_book": can_book,
        "can_counter": request.user.has_perm("reservations.counter_reservation"),
        "today": timezone.localdate(),
        "slot_shortcuts": SLOT_SHORTCUTS,
    }
    return render_page_or_fragment(
        request, "reservations/detail.html", "reservations/_change_slots.html", context
    )


def _back(request: AuthedHttpRequest, reservation: Reservation) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("reservations:detail", code=reservation.code)


@require_perm("reservations.book_reservation")
@require_POST
def change(request: AuthedHttpRequest, code: str) -> HttpResponse:
    reservation = _reservation_or_404(code)
    slot = Slot.objects.filter(pk=_int(request.POST.get("slot")) or 0).first()
    if slot is None:
        messages.error(request, "変更先の枠が見つかりません。もう一度選んでください。")
        return _back(request, reservation)
    try:
        reservation = services.reservation_change(
            reservation=reservation,
            slot=slot,
            by=request.user,
            channel=Reservation.Channel.PHONE,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            f"{reservation.display_code} を {slot.date:%-m月%-d日} {slot.start:%H:%M} に変更しました。",
        )
    return _back(request, reservation)


@require_perm("reservations.book_reservation")
@require_POST
def cancel(request: AuthedHttpRequest, code: str) -> HttpResponse:
    reservation = _reservation_or_404(code)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "取消の理由: " + " ".join(str(e) for e in form.errors.get("note", ["入力を確認してください。"])),
        )
        return _back(request, reservation)
    try:
        services.reservation_cancel(
            reservation=reservation,
            by=request.user,
            channel=Reservation.Channel.PHONE,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"予約 {reservation.display_code} を取り消しました。")
    return _back(request, reservation)


@require_perm("reservations.book_reservation")
@require_POST
def reminder(request: AuthedHttpRequest, code: str) -> HttpResponse:
    reservation = _reservation_or_404(code)
    opt_out = request.POST.get("opt_out") == "1"
    services.reservation_set_reminder(reservation=reservation, opt_out=opt_out, by=request.user)
    messages.success(
        request,
        "前日のお知らせメールを" + ("送らない設定にしました。" if opt_out else "送る設定にしました。"),
    )
    return _back(request, reservation)


@require_perm("reservations.book_reservation")
@require_POST
def contact(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Change the reminder contact (e-mail, mobile for SMS) a caller gives on the phone, with their consent;
    empty fields remove it. Through `reservation_set_contact` (one audit row, values never in it)."""
    reservation = _reservation_or_404(code)
    if reservation.status not in (Reservation.Status.BOOKED, Reservation.Status.HELD):
        messages.error(
            request,
            f"予約番号 {reservation.display_code} は「{reservation.get_status_display()}」のため連絡先を変更できません。",
        )
        return _back(request, reservation)
    remove = bool(request.POST.get("remove"))
    email = "" if remove else request.POST.get("email", "")
    mobile = "" if remove else request.POST.get("mobile", "")
    if not remove and not (email.strip() or mobile.strip()):
        messages.error(
            request,
            "お知らせの連絡先: メールアドレスか携帯電話番号を入力してください（消すときは「連絡先を消す」）。",
        )
        return _back(request, reservation)
    try:
        services.reservation_set_contact(
            reservation=reservation,
            by=request.user,
            email=email,
            mobile=mobile,
            consent=bool(request.POST.get("consent")),
        )
    except ValidationError as exc:
        labels = {"email": "メールアドレス", "mobile": "携帯電話番号", "consent": "同意"}
        for field, errors in exc.message_dict.items():
            for text in errors:
                messages.error(request, f"{labels.get(field, 'お知らせの連絡先')}: {text}")
    else:
        messages.success(
            request, "お知らせの連絡先を消しました。" if remove else "お知らせの連絡先を変更しました。"
        )
    return _back(request, reservation)


COUNTER_ACTIONS = {
    "check_in": (services.reservation_check_in, "来庁受付"),
    "no_show": (services.reservation_no_show, "来庁なし"),
    "issue": (services.reservation_issue, "交付"),
}


@require_perm("reservations.counter_reservation")
@require_POST
def counter(request: AuthedHttpRequest, code: str, action: str) -> HttpResponse:
    reservation = _reservation_or_404(code)
    if action not in COUNTER_ACTIONS:
        raise Http404("操作が見つかりません。")
    func, label = COUNTER_ACTIONS[action]
    try:
        func(reservation=reservation, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{reservation.display_code}: {label}を記録しました。")
    return _back(request, reservation)


@require_perm("reservations.view_daylist")
def day_list(request: AuthedHttpRequest) -> HttpResponse:
    offices = list(Office.objects.active())
    form = DayForm(request.GET or None)
    office = offices[0] if offices else None
    day = timezone.localdate()
    if form.is_valid():
        office = form.cleaned_data["office"]
        day = form.cleaned_data["date"] or day
    elif form.is_bound:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    rows = services.day_list(office=office, date=day) if office else []
    if office:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.LIST,
            object_type="reservations.reservation",
            request=request,
            detail={"office": office.code, "date": day.isoformat(), "rows": len(rows)},
        )
    counts = {s: sum(r.party_size for r in rows if r.status == s) for s in Reservation.Status.values}
    find_form = FindCardForm()
    # The walk-in form sits below the list: autofocus there would scroll the day's bookings out of view.
    find_form.fields["notice_number"].widget.attrs.pop("autofocus", None)
    context = {
        "offices": offices,
        "office": office,
        "day": day,
        "prev_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "rows": rows,
        "counts": counts,
        "people": sum(r.party_size for r in rows),
        "is_today": day == timezone.localdate(),
        "find_form": find_form,
        "can_counter": request.user.has_perm("reservations.counter_reservation"),
        "follow_up_count": services.follow_up_queryset().count()
        if request.user.has_perm("reservations.manage_slots")
        else 0,
    }
    return render_page_or_fragment(
        request, "reservations/day_list.html", "reservations/_day_table.html", context
    )


@require_perm("reservations.counter_reservation")
@require_POST
def walk_in(request: AuthedHttpRequest) -> HttpResponse:
    office = Office.objects.active().filter(code=request.POST.get("office")).first()
    form = FindCardForm(request.POST)
    back = reverse("reservations:day_list") + (f"?office={office.code}" if office else "")
    if office is None:
        messages.error(request, "庁舎を選んでください。")
        return redirect(back)
    if not form.is_valid():
        messages.error(
            request, "予約なし来庁: " + " ".join(str(e) for errs in form.errors.values() for e in errs)
        )
        return redirect(back)
    data = form.cleaned_data
    if data["notice_number"]:
        card = card_find(notice_number=data["notice_number"], birth_date=data["birth_date"])
        found = [card] if card else []
    else:
        found = card_find_by_kana(kana=data["kana"], birth_date=data["birth_date"])
    if len(found) != 1:
        messages.error(
            request,
            "予約なし来庁: 一致するカードがありません。"
            if not found
            else "予約なし来庁: 複数のカードが一致しました。交付通知書番号で探してください。",
        )
        return redirect(back)
    try:
        r = services.walk_in_record(cards=found, office=office, by=request.user)
    except ValidationError as exc:
        messages.error(request, "予約なし来庁: " + exc.messages[0])
        return redirect(back)
    messages.success(request, f"予約なし来庁を受け付けました（受付番号 {r.display_code}）。")
    return redirect(back)


@require_perm("reservations.manage_slots")
def slots(request: AuthedHttpRequest) -> HttpResponse:
    offices = list(Office.objects.active())
    office = next(
        (o for o in offices if o.code == (request.GET.get("office") or request.POST.get("office"))), None
    )
    office = office or (offices[0] if offices else None)
    if office is None:
        raise Http404("庁舎が登録されていません。")
    conf = services.slot_settings_for(office)
    settings_form = OfficeSettingsForm(
        request.POST if request.POST.get("action") == "settings" else None,
        initial={
            "slot_minutes": conf.slot_minutes,
            "windows": conf.windows,
            "people_per_window": conf.people_per_window,
        },
        prefix="s",
    )
    override_form = OverrideForm(
        request.POST if request.POST.get("action") == "override" else None, prefix="o"
    )
    result: services.SyncResult | None = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "settings" and settings_form.is_valid():
                job = services.office_settings_update(
                    office=office, by=request.user, **settings_form.cleaned_data
                )
                messages.success(
                    request,
                    f"{office.name}の予約枠の設定を保存しました。予約枠は処理「{job.title}」で作り直します"
                    "（下に進み具合を表示しています）。",
                )
                return redirect(reverse("reservations:slots") + f"?office={office.code}")
            elif request.POST.get("action") == "sync":
                services.slots_sync_start(office=office, by=request.user)
                messages.success(request, f"{office.name}の予約枠をカレンダーに合わせる処理を開始しました。")
                return redirect(reverse("reservations:slots") + f"?office={office.code}")
            elif request.POST.get("action") == "override" and override_form.is_valid():
                d = override_form.cleaned_data
                result = services.capacity_override_set(
                    office=office,
                    date=d["date"],
                    start=d["start"],
                    capacity=d["capacity"],
                    reason=d["reason"],
                    by=request.user,
                )
            elif request.POST.get("action") == "delete_override":
                found = get_object_or_404(
                    CapacityOverride, pk=_int(request.POST.get("override")), office=office
                )
                result = services.capacity_override_delete(override=found, by=request.user)
        except ValidationError as exc:
            target = override_form if request.POST.get("action") == "override" else settings_form
            target.add_error(None, exc.messages[0])
        if result is not None:
            note = (
                f"要対応の予約 {len(result.affected)} 件"
                if result.affected
                else "影響を受ける予約はありません"
            )
            messages.success(
                request,
                f"{office.name}の予約枠を更新しました（新規 {result.created}・変更 {result.updated}・停止 {result.withdrawn}。{note}）。",
            )
            return redirect(reverse("reservations:slots") + f"?office={office.code}")
    from madoguchi.jobs.selectors import job_latest

    start = timezone.localdate()
    # A GET only reads: the slots are made by the sync job (nightly, and after every calendar or capacity change).
    context = {
        "offices": offices,
        "office": office,
        "conf": conf,
        "settings_form": settings_form,
        "override_form": override_form,
        "overrides": CapacityOverride.objects.filter(office=office, date__gte=start),
        "overview": services.day_overview(office=office, start=start, days=14),
        "follow_up": services.follow_up_list(),
        "sync_job": job_latest(lock_key=f"{services.SYNC_KIND}:{office.pk}")
        or job_latest(lock_key=f"{services.SYNC_KIND}:all"),
    }
    return render(request, "reservations/slots.html", context)


# -- appointment types (site managers) and the staff desk for every other type -------------------------


@require_perm("reservations.manage_appointment_types")
def types(request: AuthedHttpRequest) -> HttpResponse:
    from madoguchi.lib.listing import Column, Listing

    listing = Listing(
        name="reservations.types",
        title="予約の種類",
        columns=[
            Column("sort_order", "表示順", order_by="sort_order"),
            Column("name", "名称", link=lambda t: reverse("reservations:type_edit", args=[t.pk])),
            Column("duration_slots", "所要（枠）"),
            Column("identification", "本人確認"),
            Column("max_people", "人数上限"),
            Column("web_bookable", "Web予約"),
            Column("is_active", "受付中"),
        ],
        ordering=("sort_order", "pk"),
    )
    return listing.response(request, AppointmentType.objects.all(), template="reservations/types.html")


@require_perm("reservations.manage_appointment_types")
def type_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(AppointmentType, pk=pk) if pk else AppointmentType()
    form = AppointmentTypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.appointment_type_save(
                appointment_type=form.save(commit=False),
                offices=form.cleaned_data["offices"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, f"予約の種類「{saved.name}」を保存しました。")
            return redirect("reservations:types")
    return render(request, "reservations/type_edit.html", {"form": form, "instance": instance})


@require_perm("reservations.book_reservation")
def appointment_desk(request: AuthedHttpRequest) -> HttpResponse:
    """Phone desk for every type not tied to a card: who, how many, where → free slots for that type → book.

    Everything is posted (names, birth dates, phone numbers never reach a URL); the slot buttons post the form
    again with the chosen slot."""
    form = AppointmentBookForm(request.POST or None)
    slots: list[Slot] = []
    atype: AppointmentType | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        atype = data["appointment_type"]
        person = services.Person(
            name=data["name"],
            birth_date=data["birth_date"],
            phone=data["phone"],
            expiry_notice_number=data["expiry_notice_number"],
        )
        slot_id = _int(request.POST.get("slot"))
        if slot_id:
            try:
                reservation = services.appointment_book(
                    appointment_type=atype,
                    slot=Slot(pk=slot_id),
                    by=request.user,
                    channel=Reservation.Channel.PHONE,
                    person=person,
                    people=data["people"],
                    email=data["email"] or "",
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(
                    request,
                    f"「{atype.name}」を予約しました。予約番号は {reservation.display_code} です。お客様に読み上げてください。",
                )
                return redirect("reservations:detail", code=reservation.code)
        slots = services.slots_free(
            office=data["office"],
            people=data["people"],
            date=data["date"],
            limit=None if data["date"] else 12,
            appointment_type=atype,
        )
    return render(
        request,
        "reservations/appointment_desk.html",
        {"form": form, "slots": slots, "atype": atype, "slot_shortcuts": SLOT_SHORTCUTS},
    )
