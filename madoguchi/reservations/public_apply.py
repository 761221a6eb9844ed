"""Resident web booking of the types not tied to a card (電子証明書の更新, 申請, 暗証番号の再設定, …).

Flow (everything personal is POSTed, never in a URL; nothing is kept in the session):
1. choose a type (GET ?type=code): 持ち物 and who may book;
2. who comes (name + birth date + phone, or the expiry notice number + birth date), people, e-mail, office;
3. a month calendar with ○△× per day, then the day's times (the same form is posted again with the day / time);
4. the chosen time is HELD for MADOGUCHI_BOOKING_EMAIL_CONFIRM_MINUTES (30) and a link is mailed: the booking is
   final only when the resident opens the link and presses the button (a POST: mail scanners confirm nothing);
5. the confirmation e-mail carries 持ち物 and an .ics file.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office

from . import i18n, services
from .calendar_view import month_grid
from .forms import JapaneseDateField
from .models import AppointmentType, Reservation, Slot
from .public import public_render

WEB = Reservation.Channel.WEB


def _confirm_minutes() -> int:
    return int(getattr(settings, "MADOGUCHI_BOOKING_EMAIL_CONFIRM_MINUTES", 30))


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return public_render(request, template, context, status=status)


@login_not_required
def public_apply(request: HttpRequest) -> HttpResponse:
    types = list(
        AppointmentType.objects.active().filter(web_bookable=True).exclude(code=AppointmentType.PICKUP)
    )
    code = request.POST.get("type") or request.GET.get("type") or ""
    atype = next((t for t in types if t.code == code), None)
    context: dict = {
        "types": types,
        "atype": atype,
        "error": "",
        "data": {},
        "months": [],
        "times": [],
        "offer_minutes": services._offer_minutes(),
    }
    if atype is None:
        if code:
            context["error"] = _("There is no appointment type “%(code)s”. Please choose one below.") % {
                "code": code[:40]
            }
        return _render(request, "reservations/public/apply.html", context, status=400 if code else 200)
    offices = list(Office.objects.active().filter(pk__in=_office_ids(atype)))
    context["offices"] = offices
    if request.method != "POST":
        return _render(request, "reservations/public/apply.html", context)
    data = request.POST
    context["data"] = {
        k: data.get(k, "")
        for k in ("name", "birth_date", "phone", "expiry_notice_number", "email", "people", "office", "day")
    }
    error, person, people, office, email = _read(data, atype, offices)
    if error:
        context["error"] = error
        return _render(request, "reservations/public/apply.html", context, status=400)
    assert person is not None and office is not None
    context["office"] = office
    days = services.day_availability(office=office, appointment_type=atype, people=people)
    first, last = services.window_dates(public=True, appointment_type=atype)
    context["months"] = month_grid(days, first, last)
    day = _date(data.get("day"))
    if day is not None:
        context["day"] = day
        context["times"] = days.get(day, ("×", []))[1]
        context["can_wait"] = day in days and not context["times"]
    if data.get("action") == "waitlist" and day is not None:
        entry = services.waitlist_join(
            appointment_type=atype,
            office=office,
            date=day,
            person=person,
            people=people,
            email=email,
            language=i18n.current(),
        )
        return _render(request, "reservations/public/waitlist_joined.html", {"entry": entry})
    slot_id = data.get("slot")
    if slot_id and slot_id.isdigit():
        try:
            held = services.appointment_book(
                appointment_type=atype,
                slot=Slot(pk=int(slot_id)),
                by=None,
                channel=WEB,
                person=person,
                people=people,
                email=email,
                language=i18n.current(),
                hold=True,
                hold_minutes=_confirm_minutes(),
            )
        except ValidationError as exc:
            context["error"] = i18n.booking_error(exc)
            return _render(request, "reservations/public/apply.html", context, status=400)
        services.appointment_verification_send(reservation=held, base_url=request.build_absolute_uri("/"))
        audit_record(
            actor=None,
            action=AuditEvent.Action.CREATE,
            obj=held,
            request=request,
            detail={"channel": "web", "step": "email_check_sent"},
        )
        return _render(
            request, "reservations/public/apply_sent.html", {"held": held, "minutes": _confirm_minutes()}
        )
    return _render(request, "reservations/public/apply.html", context)


def _office_ids(atype: AppointmentType) -> list[int]:
    ids = list(atype.offices.values_list("pk", flat=True))
    return ids or list(Office.objects.active().values_list("pk", flat=True))


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _read(
    data: object, atype: AppointmentType, offices: list[Office]
) -> tuple[str, services.Person | None, int, Office | None, str]:
    """The posted fields, checked; the first problem is named with its field."""
    get = data.get  # type: ignore[attr-defined]
    try:
        birth = JapaneseDateField(error_label="生年月日").clean(get("birth_date", ""))
    except ValidationError as exc:
        if i18n.is_japanese():
            return exc.messages[0], None, 0, None, ""
        return _("Date of birth: enter it as year/month/day, e.g. 1980/5/17."), None, 0, None, ""
    if birth is None:
        return _("Date of birth: please enter it."), None, 0, None, ""
    people_raw = str(get("people", "1") or "1")
    if not people_raw.isdigit() or not 1 <= int(people_raw) <= atype.max_people:
        message = _("Number of people: enter a number from 1 to %(limit)s.") % {"limit": atype.max_people}
        return message, None, 0, None, ""
    email = str(get("email", "")).strip()
    if "@" not in email or len(email) > 200:
        message = _("E-mail address: we send a confirmation e-mail to it. Please enter a correct address.")
        return message, None, 0, None, ""
    office = next(
        (o for o in offices if str(o.pk) == str(get("office", ""))), offices[0] if len(offices) == 1 else None
    )
    if office is None:
        return _("Office: choose the office you will visit."), None, 0, None, ""
    person = services.Person(
        name=str(get("name", "")),
        birth_date=birth,
        phone=str(get("phone", "")),
        expiry_notice_number=str(get("expiry_notice_number", "")),
    )
    try:
        services._check_person(atype, person)
    except ValidationError as exc:
        return i18n.booking_error(exc), None, 0, None, ""
    return "", person, int(people_raw), office, email


@login_not_required
def public_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link. GET shows a button only; the POST makes the held booking final."""
    reservation = services.reservation_from_token(token)
    if reservation is None:
        return _render(request, "reservations/public/verify.html", {"bad": True}, status=404)
    if request.method == "POST":
        try:
            booked = services.reservation_confirm(
                reservation=reservation, by=None, email=reservation.email, now=timezone.now()
            )
        except ValidationError as exc:
            return _render(
                request,
                "reservations/public/verify.html",
                {"bad": False, "error": i18n.booking_error(exc)},
                status=400,
            )
        services.waitlist_settle(reservation=booked)
        services.appointment_confirmation_send(reservation=booked)
        return _render(request, "reservations/public/verify.html", {"bad": False, "booked": booked})
    return _render(
        request, "reservations/public/verify.html", {"bad": False, "r": reservation, "token": token}
    )
