"""Resident web booking of card pickups: public (no login), in the languages of settings.LANGUAGES (gettext).

The resident signs in with notice number + birth date (rate limited, locked out after repeated failures);
from then on the session holds the card ids — nothing personal ever goes into a URL. The emailed link
carries only a signed opaque token and leads to a page with a button (POST); no GET changes anything.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record, client_ip
from madoguchi.cards.models import Card
from madoguchi.cards.services import card_find

from . import i18n, services, throttle
from .calendar_view import month_grid
from .forms import PublicConfirmForm, PublicSignInForm
from .models import AppointmentType, Reservation, Slot
from .rules import public_site, rules

CARDS = "reservations_public_cards"
HOLD = "reservations_public_hold"
DONE = "reservations_public_done"
STEPUP = "reservations_public_stepup"
WEB = Reservation.Channel.WEB


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return public_render(request, template, context, status=status)


def public_render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Every resident page: the city, the language switcher, the call center's hours; never cached or indexed."""
    from madoguchi.calendar.services import main_office

    main = main_office()
    context = {
        "lang": i18n.current(),
        "languages": i18n.languages(),
        "site": public_site(),
        "center_hours": f"{main.opens:%-H:%M}–{main.closes:%-H:%M}",
        "weekdays": i18n.weekday_headers(),
        "offer_minutes": services._offer_minutes(),
        **context,
    }
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _cards(request: HttpRequest) -> list[Card]:
    ids = request.session.get(CARDS) or []
    found = {c.pk: c for c in Card.objects.filter(pk__in=ids).select_related("pickup_office")}
    return [found[i] for i in ids if i in found]


def _state_label(card: Card) -> str:
    if card.can_be_booked:
        return _("Ready for pickup")
    labels: dict[str, str] = {
        Card.State.RECEIVED: _("Being prepared"),
        Card.State.ISSUED: _("Already collected"),
    }
    return labels.get(str(card.state), _("Cannot be booked at the moment. Please call the call center."))


def _error(exc: ValidationError) -> str:
    return i18n.booking_error(exc)


def _invalid_message(form: PublicSignInForm) -> str:
    """Say which field is wrong and how, in the visitor's language (form errors are Japanese-only)."""
    problems = []
    if "notice_number" in form.errors:
        codes = {e.code for e in form.errors.as_data()["notice_number"]}
        if "required" in codes:
            problems.append(_("Enter the notice number."))
        elif "max_length" in codes:
            problems.append(_("The notice number is too long. Check the number on the postcard."))
        else:  # no_individual_number
            problems.append(
                _(
                    "Do not enter your My Number (individual number). Enter the notice number printed on the postcard."
                )
            )
    if "birth_date" in form.errors:
        codes = {e.code for e in form.errors.as_data()["birth_date"]}
        problems.append(
            _("Enter your date of birth.")
            if "required" in codes
            else _("Enter your date of birth as year/month/day, e.g. 1980/5/17.")
        )
    return " ".join([_("Please check what you entered."), *problems])


def _sign_in(request: HttpRequest) -> tuple[PublicSignInForm, Card | None, str]:
    """Check the posted notice number + birth date against the throttle; returns (form, card, error)."""
    form = PublicSignInForm(request.POST)
    ip = client_ip(request)
    notice = request.POST.get("notice_number", "")
    verdict = throttle.signin_check(ip=ip, notice_number=notice)
    if verdict.wait_seconds:
        return (
            form,
            None,
            _(
                "Too many wrong entries from this connection. Please wait about %(seconds)s seconds and try again, "
                "or call the call center."
            )
            % {"seconds": verdict.wait_seconds},
        )
    if not form.is_valid():
        return form, None, _invalid_message(form)
    card = card_find(
        notice_number=form.cleaned_data["notice_number"], birth_date=form.cleaned_data["birth_date"]
    )
    if verdict.step_up:
        return form, None, _step_up(request, ip=ip, card=card)
    if card is None:
        throttle.signin_failed(ip=ip, notice_number=notice)
        audit_record(
            actor=None,
            action=AuditEvent.Action.LOGIN_FAILED,
            object_type="reservations.public",
            request=request,
        )
        return form, None, _("The notice number or the date of birth is not correct.")
    audit_record(
        actor=None,
        action=AuditEvent.Action.VIEW,
        obj=card,
        request=request,
        detail={"channel": "web", "step": "sign_in"},
    )
    return form, card, ""


def _step_up(request: HttpRequest, *, ip: str | None, card: Card | None) -> str:
    """A notice number under attack: the same reply whether the birth date was right or not (no oracle);
    a code goes to the e-mail address on file only when it was right."""
    throttle.source_failed(ip=ip)  # every answer counts here, so the delays reveal nothing either
    sent = False
    if card is not None:
        email = next(
            (r.email for r in Reservation.objects.filter(card_links__card=card).order_by("-pk") if r.email),
            "",
        )
        if email:
            code = throttle.stepup_code_issue(card_id=card.pk)
            send_mail(
                _("[Pickup booking] Confirmation code"),
                _(
                    "Your confirmation code for the My Number Card pickup booking is %(code)s (valid 15 minutes).\n"
                    "If you did not ask for it, ignore this e-mail and tell the call center."
                )
                % {"code": code},
                None,
                [email],
            )
            sent = True
    request.session[STEPUP] = card.pk if card is not None else None
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="reservations.public",
        object_id=card.pk if card is not None else "",
        request=request,
        detail={"step": "step_up", "code_sent": sent},
    )
    return _(
        "There were repeated wrong entries for this notice number, so a confirmation code is needed. If you gave "
        "an e-mail address in an earlier booking, we have sent a code to it (valid 15 minutes). If none arrives, "
        "please call the call center."
    )


def _sign_in_code(request: HttpRequest) -> Card | None:
    card_id = request.session.pop(STEPUP, None)
    throttle_wait = throttle.signin_check(ip=client_ip(request), notice_number="").wait_seconds
    if throttle_wait or not throttle.stepup_code_check(card_id=card_id, code=request.POST.get("code", "")):
        throttle.source_failed(ip=client_ip(request))
        return None
    card = Card.objects.filter(pk=card_id).first()
    if card is not None:
        audit_record(
            actor=None,
            action=AuditEvent.Action.VIEW,
            obj=card,
            request=request,
            detail={"channel": "web", "step": "sign_in_code"},
        )
    return card


@login_not_required
def public_start(request: HttpRequest) -> HttpResponse:
    error = ""
    form = PublicSignInForm()
    if request.method == "POST" and "code" in request.POST:
        card = _sign_in_code(request)
        if card is None:
            error = _(
                "The confirmation code is wrong or has expired. Enter the notice number and date of birth again, "
                "or call the call center."
            )
        else:
            request.session.cycle_key()
            request.session[CARDS] = [card.pk]
            request.session.pop(HOLD, None)
            return redirect("reservations:public_manage")
    elif request.method == "POST":
        form, card, error = _sign_in(request)
        if card is not None:
            # A fresh session id on sign-in (no fixation); the card ids stay server-side.
            request.session.cycle_key()
            request.session[CARDS] = [card.pk]
            request.session.pop(HOLD, None)
            return redirect("reservations:public_manage")
    return _render(
        request,
        "reservations/public/start.html",
        {"form": form, "error": error, "stepup": STEPUP in request.session},
        status=400 if error else 200,
    )


@login_not_required
def public_manage(request: HttpRequest) -> HttpResponse:
    cards = _cards(request)
    if not cards:
        return redirect("reservations:public_start")
    error = request.session.pop("reservations_public_error", "")
    if request.method == "POST":  # add a family member's card
        form, card, error = _sign_in(request)
        if card is not None:
            if card.pickup_office_id != cards[0].pickup_office_id:
                error = _("Cards for a different pickup office cannot be booked together.")
            elif card.pk not in request.session[CARDS]:
                request.session[CARDS] = [*request.session[CARDS], card.pk][: rules().max_party]
                return redirect("reservations:public_manage")
    active = services.active_reservations_for(cards)
    booking = next((active[c.pk] for c in cards if c.pk in active), None)
    if booking is not None and booking.status == Reservation.Status.HELD:
        booking = None
    office = cards[0].pickup_office
    ready = all(c.can_be_booked for c in cards)
    day = _date(request.GET.get("date"))
    first, last = services.window_dates(public=True)
    context: dict = {
        "cards": [(c, _state_label(c)) for c in cards],
        "office": office,
        "ready": ready,
        "booking": booking,
        "day": day,
        "first": first,
        "last": last,
        "error": error,
        "can_change": booking is not None and _web_changeable(booking),
        "can_add_family": booking is None and ready and len(cards) < rules().max_party,
    }
    if ready and (booking is None or context["can_change"]):
        people = booking.party_size if booking else len(cards)
        days = services.day_availability(office=office, appointment_type=_pickup_type(), people=people)
        context["months"] = month_grid(days, first, last)
        if day is not None:
            times = [s for s in days.get(day, ("×", []))[1] if booking is None or s.pk != booking.slot_id]
            context["times"] = times
            if not times:
                shown = {d: i18n.date_label(d) for d in (day, first, last)}
                if not first <= day <= last:
                    context["no_slots"] = _(
                        "%(day)s cannot be booked online. Choose a date from %(first)s to %(last)s."
                    ) % {"day": shown[day], "first": shown[first], "last": shown[last]}
                elif day in days and booking is None:
                    context["no_slots"] = _("%(day)s is fully booked.") % {"day": shown[day]}
                    context["can_wait"] = True
                else:
                    context["no_slots"] = _(
                        "%(day)s is closed or fully booked. Please choose another date."
                    ) % {"day": shown[day]}
    return _render(request, "reservations/public/manage.html", context)


@login_not_required
@require_POST
def public_waitlist(request: HttpRequest) -> HttpResponse:
    """A full day: the signed-in cards wait for a place (キャンセル待ち); a freed place is mailed as an offer."""
    cards = _cards(request)
    day = _date(request.POST.get("date"))
    if not cards or day is None:
        return redirect("reservations:public_manage")
    first, last = services.window_dates(public=True)
    if not first <= day <= last:
        return _manage_with(request, _("This date cannot be booked online."))
    try:
        entry = services.waitlist_join(
            appointment_type=_pickup_type(),
            office=cards[0].pickup_office,
            date=day,
            cards=cards,
            email=request.POST.get("email", ""),
            language=i18n.current(),
        )
    except ValidationError as exc:
        return _manage_with(request, _error(exc))
    return _render(request, "reservations/public/waitlist_joined.html", {"entry": entry})


def _pickup_type() -> AppointmentType:
    return AppointmentType.objects.get(code=AppointmentType.PICKUP)


def _web_changeable(booking: Reservation) -> bool:
    deadline = booking.date - datetime.timedelta(days=rules().change_days)
    return timezone.localdate() <= deadline and booking.status == Reservation.Status.BOOKED


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _slot(request: HttpRequest) -> Slot | None:
    try:
        return Slot.objects.filter(pk=int(request.POST.get("slot") or "")).first()
    except ValueError:
        return None


@login_not_required
def public_book(request: HttpRequest) -> HttpResponse:
    """POST slot: hold it; GET: the confirm form for the hold; POST confirm: book and email."""
    cards = _cards(request)
    if not cards:
        return redirect("reservations:public_start")
    if request.method == "POST" and "slot" in request.POST:
        slot = _slot(request)
        if slot is None:
            return _manage_with(request, _("There are no free times."))
        # A hold the resident left behind (went back, picked again) gives its places back first.
        for previous in {r.pk: r for r in services.active_reservations_for(cards).values()}.values():
            if previous.status == Reservation.Status.HELD:
                services.reservation_cancel(reservation=previous, by=None, channel=WEB, note="選び直し")
        try:
            held = services.reservation_book(
                cards=cards, slot=slot, by=None, channel=WEB, hold=True, language=i18n.current()
            )
        except ValidationError as exc:
            return _manage_with(request, _error(exc))
        request.session[HOLD] = held.pk
        return redirect("reservations:public_book")
    current = (
        Reservation.objects.select_related("slot", "office").filter(pk=request.session.get(HOLD, 0)).first()
    )
    if current is None or current.status != Reservation.Status.HELD or not _owns(request, current):
        return redirect("reservations:public_manage")
    held = current
    form = PublicConfirmForm(request.POST or None, initial={"reminder": True})
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                booked = services.reservation_confirm(
                    reservation=held,
                    by=None,
                    email=form.cleaned_data["email"],
                    reminder_opt_out=not form.cleaned_data["reminder"],
                )
            except ValidationError as exc:
                request.session.pop(HOLD, None)
                return _manage_with(request, _error(exc))
            request.session.pop(HOLD, None)
            request.session[DONE] = booked.pk
            mailed = services.confirmation_send(reservation=booked, base_url=request.build_absolute_uri("/"))
            request.session["reservations_public_mailed"] = mailed
            return redirect("reservations:public_done")
        error = _("Please check what you entered.")
    return _render(
        request,
        "reservations/public/confirm_booking.html",
        {
            "held": held,
            "form": form,
            "error": error,
            "hold_minutes": rules().hold_minutes,
        },
    )


def _owns(request: HttpRequest, reservation: Reservation) -> bool:
    ids = set(request.session.get(CARDS) or [])
    return bool(ids) and set(reservation.card_links.values_list("card_id", flat=True)) <= ids


def _manage_with(request: HttpRequest, error: str) -> HttpResponse:
    return _render_manage_error(request, error)


def _render_manage_error(request: HttpRequest, error: str) -> HttpResponse:
    request.session["reservations_public_error"] = error
    return redirect(reverse("reservations:public_manage") + "#message")


def _booking(request: HttpRequest) -> Reservation | None:
    cards = _cards(request)
    active = services.active_reservations_for(cards)
    for card in cards:
        r = active.get(card.pk)
        if r is not None and r.status == Reservation.Status.BOOKED:
            return r
    return None


@login_not_required
@require_POST
def public_change(request: HttpRequest) -> HttpResponse:
    booking = _booking(request)
    slot = _slot(request)
    if booking is None or slot is None:
        return redirect("reservations:public_manage")
    try:
        booking = services.reservation_change(reservation=booking, slot=slot, by=None, channel=WEB)
    except ValidationError as exc:
        return _render_manage_error(request, _error(exc))
    request.session[DONE] = booking.pk
    request.session["reservations_public_mailed"] = services.confirmation_send(
        reservation=booking, base_url=request.build_absolute_uri("/")
    )
    return redirect("reservations:public_done")


@login_not_required
def public_cancel(request: HttpRequest) -> HttpResponse:
    """GET: a confirm button. POST: cancel. A mail scanner following a link cancels nothing."""
    booking = _booking(request)
    if booking is None:
        return redirect("reservations:public_manage")
    if request.method == "POST":
        try:
            services.reservation_cancel(reservation=booking, by=None, channel=WEB)
        except ValidationError as exc:
            return _render_manage_error(request, _error(exc))
        request.session[DONE] = booking.pk
        return redirect("reservations:public_done")
    return _render(request, "reservations/public/cancel.html", {"booking": booking})


@login_not_required
def public_done(request: HttpRequest) -> HttpResponse:
    booking = (
        Reservation.objects.select_related("slot", "office").filter(pk=request.session.get(DONE, 0)).first()
    )
    if booking is None or not _owns(request, booking):
        return redirect("reservations:public_manage")
    return _render(
        request,
        "reservations/public/done.html",
        {"booking": booking, "mailed": request.session.get("reservations_public_mailed", False)},
    )


@login_not_required
@require_POST
def public_logout(request: HttpRequest) -> HttpResponse:
    for key in (CARDS, HOLD, DONE, "reservations_public_mailed", "reservations_public_error"):
        request.session.pop(key, None)
    return redirect("reservations:public_start")


@login_not_required
def public_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. GET shows a button only; the POST opens the booking in this session."""
    reservation = services.reservation_from_token(token)
    if reservation is None:
        return _render(request, "reservations/public/link.html", {"bad": True}, status=404)
    if request.method == "POST":
        ids = list(reservation.card_links.values_list("card_id", flat=True))
        request.session.cycle_key()
        request.session[CARDS] = ids
        request.session.pop(HOLD, None)
        audit_record(
            actor=None,
            action=AuditEvent.Action.VIEW,
            obj=reservation,
            request=request,
            detail={"channel": "web", "step": "link"},
        )
        return redirect("reservations:public_manage")
    return _render(request, "reservations/public/link.html", {"bad": False, "token": token})


@login_not_required
def public_lang(request: HttpRequest) -> HttpResponse:
    """Switch the resident pages' language (a cookie, as Django's set_language does)."""
    code = request.GET.get("lang", "")
    if not i18n.supported(code):
        # A language that does not exist: say so (in the language the visitor has now) and offer the list.
        return _render(request, "reservations/public/language.html", {"asked": code[:20]}, status=400)
    target = request.GET.get("next") or reverse("reservations:public_start")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("reservations:public_start")
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
