"""Resident web booking: public (no login), Japanese and English.

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
from django.views.decorators.http import require_POST

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record, client_ip
from madoguchi.cards.models import Card
from madoguchi.cards.services import card_find
from madoguchi.lib.jdates import format_date

from . import services, throttle
from .forms import PublicConfirmForm, PublicSignInForm
from .models import Reservation, Slot
from .public_text import STATE_EN, lang, say, texts
from .rules import public_site, rules

CARDS = "reservations_public_cards"
HOLD = "reservations_public_hold"
DONE = "reservations_public_done"
STEPUP = "reservations_public_stepup"
WEB = Reservation.Channel.WEB


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context = {"t": texts(), "lang": lang(), "site": public_site(), **context}
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _cards(request: HttpRequest) -> list[Card]:
    ids = request.session.get(CARDS) or []
    found = {c.pk: c for c in Card.objects.filter(pk__in=ids).select_related("pickup_office")}
    return [found[i] for i in ids if i in found]


def _state_label(card: Card) -> str:
    if lang() == "en":
        return STATE_EN.get(card.state, "Please call us")
    return card.get_state_display()


def _error(exc: ValidationError) -> str:
    if isinstance(exc, services.SlotFullError):
        return say("full")
    return say("refused") + exc.messages[0]


def _invalid_message(form: PublicSignInForm) -> str:
    """Say which field is wrong and how, in the visitor's language (form errors are Japanese-only)."""
    problems = []
    if "notice_number" in form.errors:
        codes = {e.code for e in form.errors.as_data()["notice_number"]}
        if "required" in codes:
            problems.append(say("notice_missing"))
        elif "max_length" in codes:
            problems.append(say("notice_too_long"))
        else:  # no_individual_number
            problems.append(say("notice_is_my_number"))
    if "birth_date" in form.errors:
        codes = {e.code for e in form.errors.as_data()["birth_date"]}
        problems.append(say("birth_missing") if "required" in codes else say("birth_bad"))
    return " ".join([say("invalid"), *problems])


def _sign_in(request: HttpRequest) -> tuple[PublicSignInForm, Card | None, str]:
    """Check the posted notice number + birth date against the throttle; returns (form, card, error)."""
    form = PublicSignInForm(request.POST)
    ip = client_ip(request)
    notice = request.POST.get("notice_number", "")
    verdict = throttle.signin_check(ip=ip, notice_number=notice)
    if verdict.wait_seconds:
        return form, None, say("wait", seconds=verdict.wait_seconds)
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
        return form, None, say("wrong")
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
            send_mail(say("code_mail_subject"), say("code_mail_body", code=code), None, [email])
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
    return say("step_up")


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
            error = say("code_wrong")
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
                error = say("other_office")
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
    slots: list[Slot] = []
    if ready:
        people = booking.party_size if booking else len(cards)
        slots = services.slots_free(
            office=office, people=people, public=True, date=day, limit=None if day else 30
        )
        if booking:
            slots = [s for s in slots if s.pk != booking.slot_id]
    first, last = services.window_dates(public=True)
    no_slots = say("no_slots")
    if day is not None:  # say why the chosen day has nothing, and which days can be chosen
        shown = {d: (f"{d:%Y-%m-%d}" if lang() == "en" else format_date(d)) for d in (day, first, last)}
        key = "no_slots_outside" if not first <= day <= last else "no_slots_day"
        no_slots = say(key, day=shown[day], first=shown[first], last=shown[last])
    context = {
        "no_slots": no_slots,
        "cards": [(c, _state_label(c)) for c in cards],
        "office": office,
        "ready": ready,
        "booking": booking,
        "slots": slots,
        "day": day,
        "first": first,
        "last": last,
        "error": error,
        "can_change": booking is not None and _web_changeable(booking),
    }
    return _render(request, "reservations/public/manage.html", context)


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
            return _manage_with(request, say("no_slots"))
        # A hold the resident left behind (went back, picked again) gives its places back first.
        for previous in {r.pk: r for r in services.active_reservations_for(cards).values()}.values():
            if previous.status == Reservation.Status.HELD:
                services.reservation_cancel(reservation=previous, by=None, channel=WEB, note="選び直し")
        try:
            held = services.reservation_book(
                cards=cards, slot=slot, by=None, channel=WEB, hold=True, language=lang()
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
                return _manage_with(request, say("hold_over") if "期限" in exc.messages[0] else _error(exc))
            request.session.pop(HOLD, None)
            request.session[DONE] = booked.pk
            mailed = services.confirmation_send(reservation=booked, base_url=request.build_absolute_uri("/"))
            request.session["reservations_public_mailed"] = mailed
            return redirect("reservations:public_done")
        error = say("invalid")
    return _render(
        request,
        "reservations/public/confirm_booking.html",
        {
            "held": held,
            "form": form,
            "error": error,
            "hold_note": say("hold_note", minutes=rules().hold_minutes),
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
    code = request.GET.get("lang", "ja")
    code = code if code in {c for c, _ in settings.LANGUAGES} else "ja"
    target = request.GET.get("next") or reverse("reservations:public_start")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("reservations:public_start")
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
