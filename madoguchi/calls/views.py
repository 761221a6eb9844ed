from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import check_perm, require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.lib.forms import error_summary
from madoguchi.lib.htmx import render_page_or_fragment
from madoguchi.lib.jdates import wareki_year
from madoguchi.lib.listing import Column, Listing

from . import booking as booking_panel
from . import integrations, selectors, services
from .forms import (
    AttemptForm,
    CallbackForm,
    CallFilterForm,
    CallForm,
    CategoryForm,
    CloseForm,
    HandOverForm,
    MemoForm,
)
from .models import Call, Callback, CallCategory, HangupCause, OperatorSeat, PhoneMemo, ReportColumn

SESSION_LINE = "calls.line"
ACTIVE_CALLS_SHOWN = 12

# Closed callbacks: the whole history, paginated; the export holds no phone, name or reason (personal).
CLOSED_CALLBACKS = Listing(
    name="calls.callbacks_closed",
    title="完了した折り返し",
    columns=[
        Column("pk", "No."),
        Column("due_at", "期限", order_by="due_at"),
        Column("source", "発生元"),
        Column("owner", "担当", value=lambda cb: cb.owner or "未割当"),
        Column("attempt_count", "架電回数", css="num"),
        Column("outcome", "結果"),
        Column("closed_at", "完了日時", order_by="closed_at"),
        Column("closed_by", "完了者", value=lambda cb: cb.closed_by or ""),
    ],
    ordering=("-closed_at", "-pk"),
    keep_params=("status",),
)
DONE_MEMOS = Listing(
    name="calls.memos_done",
    title="対応完了の電話メモ",
    columns=[Column("pk", "No."), Column("done_at", "完了日時")],
    ordering=("-done_at", "-pk"),
    keep_params=("status",),
)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            visible = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if visible else None, errors)
    else:
        form.add_error(None, exc.messages)


ROLLOVERS_SHOWN = 5  # the desk shows the oldest five; the count and a link lead to the whole queue


def _cti_call(request: AuthedHttpRequest, value: object, *, unlogged: bool = True) -> Call | None:
    try:
        qs = Call.objects.filter(pk=int(str(value)), source=Call.Source.CTI)
    except (TypeError, ValueError):
        return None
    # A call answered by another operator (their extension) is theirs: it is not offered here.
    qs = qs.filter(Q(operator__isnull=True) | Q(operator=request.user))
    return (qs.filter(logged_at__isnull=True) if unlogged else qs).first()


# --- operator screen --------------------------------------------------------------------------


@require_perm("calls.add_call")
def take(request: AuthedHttpRequest) -> HttpResponse:
    """One screen for one call: timer, line, FAQ, reservation link, category, note, outcome, end."""
    booking_key = ""
    if request.method == "POST":
        booking_key = booking_panel.clean_key(request.POST.get("booking_key"))
        posted = request.POST.copy()
        codes = booking_panel.booked_codes(request, booking_key)
        if codes:
            # The booking made in the panel during this call is the call's: no code typed back, and the outcome
            # and sub-category follow from it unless the operator chose otherwise.
            if not posted.get("reservation_ref", "").strip():
                posted["reservation_ref"] = " ".join(codes)
            if not posted.get("outcome"):
                posted["outcome"] = Call.Outcome.BOOKED
            if not posted.get("subcategory"):
                posted["subcategory"] = str(booking_panel.booking_category_id() or "")
        form = CallForm(posted)
        if form.is_valid():
            data = form.cleaned_data
            # A CTI call already logged stays that call: the service refuses to log it twice.
            call = _cti_call(request, data.get("call"), unlogged=False) if data.get("call") else None
            callback = None
            if data["outcome"] == Call.Outcome.CALLBACK:
                callback = services.CallbackRequest(
                    phone=data["callback_phone"],
                    name=data["callback_name"],
                    reason=data["callback_reason"] or data["note"],
                )
            try:
                logged = services.call_log(
                    by=request.user,
                    line=data["line"],
                    direction=data["direction"],
                    subcategory=data["subcategory"],
                    outcome=data["outcome"],
                    started_at=data["started_at"] if call is None else call.started_at,
                    note=data["note"],
                    reservation_ref=data["reservation_ref"],
                    call=call,
                    callback=callback,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                request.session[SESSION_LINE] = logged.line
                booking_panel.booking_forget(request)
                extra = "（折り返しを登録しました）" if callback else ""
                messages.success(
                    request,
                    f"通話を記録しました: 回線{logged.line}・{logged.subcategory}・"
                    f"{logged.get_outcome_display()}・{logged.duration_label}{extra}",
                )
                return redirect("calls:take")
        cti = _cti_call(request, request.POST.get("call"))
    else:
        cti = _cti_call(request, request.GET.get("call"))
        started = cti.started_at if cti else timezone.now()
        form = CallForm(
            initial={
                "started_at": started.isoformat(),
                "call": cti.pk if cti else "",
                "line": (cti.line if cti and cti.line else request.session.get(SESSION_LINE, 1)),
                "direction": cti.direction if cti else Call.Direction.INBOUND,
            }
        )
    started_iso = form["started_at"].value() or timezone.now().isoformat()
    booking_key = booking_key or booking_panel.new_booking_key()
    can_book = request.user.has_perm(booking_panel.BOOK_PERMISSION)
    return render(
        request,
        "calls/take.html",
        {
            "form": form,
            "cti": cti,
            "started_iso": started_iso,
            # A refused call keeps what the operator was searching for (the box is submitted with the form).
            "faq_q": (request.POST.get("q") or "").strip()[:200] if request.method == "POST" else "",
            "reservation_url": integrations.reservation_url(request.user),
            "booking_key": booking_key,
            "booking_html": booking_panel.panel_html(request, booking_key, call_id=cti.pk if cti else None)
            if can_book
            else None,
            "faq_page_url": integrations.faq_page_url(),
            "seat": OperatorSeat.objects.filter(user=request.user).first(),
            "recent": Call.objects.filter(operator=request.user, logged_at__isnull=False)
            .select_related("subcategory")
            .order_by("-logged_at")[:5],
        },
    )


@require_perm("calls.add_call")
def faq_pane(request: AuthedHttpRequest) -> HttpResponse:
    """The FAQ answers for what the operator types (htmx fragment)."""
    # The screen POSTs the query (it may hold a caller's details); GET stays for old links.
    q = (request.POST.get("q") or request.GET.get("q") or "").strip()[:2000]
    hits = integrations.faq_search(q, 5, user=request.user) if q else []
    return render(
        request,
        "calls/_faq_results.html",
        {
            "q": q[:200],
            "hits": hits,
            "faq_page_url": integrations.faq_page_url(),
            "note": integrations.faq_query_note(q),
        },
    )


@require_perm("calls.add_call")
def active_calls(request: AuthedHttpRequest) -> HttpResponse:
    """CTI calls on the lines now that nobody has logged yet (polled by the operator screen)."""
    since = timezone.now() - datetime.timedelta(hours=12)
    seat = OperatorSeat.objects.filter(user=request.user).first()
    signed_in = list(OperatorSeat.objects.values_list("extension", flat=True))
    unlogged = (
        Call.objects.filter(
            source=Call.Source.CTI,
            logged_at__isnull=True,
            started_at__gte=since,
            status__in=[Call.Status.RINGING, Call.Status.ACTIVE, Call.Status.ENDED],
        )
        # Answered on an extension someone is signed in to: only that operator sees it. Ringing calls, and calls
        # answered where nobody is signed in, are everyone's to pick up.
        .filter(Q(extension="") | ~Q(extension__in=signed_in) | Q(extension=seat.extension if seat else ""))
        .filter(Q(operator__isnull=True) | Q(operator=request.user))
        .order_by("started_at")
    )
    # Two per line fit the pane; the rest are counted, not dropped silently.
    calls = list(unlogged[: ACTIVE_CALLS_SHOWN + 1])
    more = unlogged.count() - ACTIVE_CALLS_SHOWN if len(calls) > ACTIVE_CALLS_SHOWN else 0
    shown = calls[:ACTIVE_CALLS_SHOWN]
    mine = [c for c in shown if seat is not None and c.extension == seat.extension and c.phone_hash]
    history = caller_history(request, mine)
    for c in shown:
        c.history = history.get(c.pk)  # type: ignore[attr-defined]
        # The operator's own call opens with Alt+A (the oldest first: the first such link on the page).
        c.is_mine = seat is not None and c.extension == seat.extension  # type: ignore[attr-defined]
    # Roll-overs nobody has taken yet: on every operator's desk at once (this fragment is polled every 5 s as a
    # poll, so it does not keep the session alive). No numbers here: the callback page shows them (audited).
    rollovers = (
        Callback.objects.open().filter(source=Callback.Source.OVERFLOW, owner__isnull=True).order_by("due_at")
    )
    return render(
        request,
        "calls/_active_calls.html",
        {
            "calls": shown,
            "more": more,
            "seat": seat,
            "rollovers": list(rollovers[:ROLLOVERS_SHOWN]),
            "rollover_count": rollovers.count(),
        },
    )


def caller_history(request: AuthedHttpRequest, calls: list[Call]) -> dict[int, dict[str, int]]:
    """For the operator's own ringing/answered calls: earlier calls and open callbacks from the same number,
    found by its keyed hash (the number itself is never searched); showing them is audited."""
    history: dict[int, dict[str, int]] = {}
    for call in calls:
        earlier = (
            Call.objects.filter(phone_hash=call.phone_hash, started_at__lt=call.started_at)
            .exclude(pk=call.pk)
            .count()
        )
        open_callbacks = Callback.objects.open().filter(phone_hash=call.phone_hash).count()
        history[call.pk] = {"earlier": earlier, "open_callbacks": open_callbacks}
    if history:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            object_type="calls.call",
            request=request,
            detail={"caller_history_for": sorted(history)},
        )
    return history


@require_perm("calls.add_call")
@require_POST
def seat(request: AuthedHttpRequest) -> HttpResponse:
    """Sign in to an extension (CTI calls answered there pop up here only), or sign out."""
    if request.POST.get("sign_out"):
        services.seat_sign_out(user=request.user)
        messages.success(request, "内線からサインアウトしました。")
        return redirect("calls:take")
    try:
        taken = services.seat_sign_in(user=request.user, extension=request.POST.get("extension", ""))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, f"内線: {text}")
    else:
        messages.success(
            request, f"内線{taken.extension}にサインインしました。この内線で応答した着信だけが表示されます。"
        )
    return redirect("calls:take")


# --- call records -----------------------------------------------------------------------------


@require_perm("calls.view_call")
def call_list(request: AuthedHttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None)
    day = form.cleaned_data["date"] if form.is_valid() else timezone.localdate()
    qs = Call.objects.on_date(day).select_related("subcategory", "operator").order_by("started_at", "id")
    if form.is_valid():
        if form.cleaned_data["line"]:
            qs = qs.filter(line=form.cleaned_data["line"])
        if form.cleaned_data["category"]:
            qs = qs.filter(category=form.cleaned_data["category"])
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    # Notes are free text that may name a resident: listing them is recorded.
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.LIST,
        object_type="calls.call",
        request=request,
        detail={"date": day.isoformat(), "count": page.paginator.count},
    )
    context = {
        "form": form,
        "day": day,
        "page": page,
        "counts": Call.objects.on_date(day).column_counts(),
        "prev_day": (day - datetime.timedelta(days=1)).isoformat(),
        "next_day": (day + datetime.timedelta(days=1)).isoformat(),
    }
    return render_page_or_fragment(request, "calls/list.html", "calls/_call_table.html", context)


def _fiscal_year(value: str | None) -> int:
    today = timezone.localdate()
    default = today.year if today.month >= 4 else today.year - 1
    try:
        year = int(value or default)
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


@require_perm("calls.view_call")
def monthly(request: AuthedHttpRequest) -> HttpResponse:
    """The spec's table: incoming calls per month by 予約 / カードに関する問合せ / その他 / 計."""
    fy = _fiscal_year(request.GET.get("fy"))
    rows = []
    totals = {"reservation": 0, "card_inquiry": 0, "other": 0, "total": 0, "overflow": 0, "unclassified": 0}
    causes = [*HangupCause.choices, ("unknown", "終話未受信")]
    cause_rows = []
    cause_totals = dict.fromkeys((key for key, _ in causes), 0)
    for offset in range(12):
        year, month = fy + (3 + offset) // 12, (3 + offset) % 12 + 1
        counts = services.monthly_counts(year=year, month=month)
        rows.append({"year": year, "month": month, **counts})
        for key in totals:
            totals[key] += counts[key]
        by_cause = selectors.hangup_cause_counts(year=year, month=month)
        cause_rows.append({"month": month, "counts": [by_cause[key] for key, _ in causes]})
        for key, _ in causes:
            cause_totals[key] += by_cause[key]
    return render(
        request,
        "calls/monthly.html",
        {
            "fy": fy,
            # The city's documents name the fiscal year by era (令和8年度); the western year follows.
            "fy_label": "{}{}年度".format(*wareki_year(datetime.date(fy, 4, 1))),
            "rows": rows,
            "totals": totals,
            "columns": ReportColumn.choices,
            "causes": causes,
            "cause_rows": cause_rows,
            "cause_totals": [cause_totals[key] for key, _ in causes],
        },
    )


@require_perm("calls.view_call")
def dashboard_fragment(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "calls/_dashboard_body.html", {"calls_dash": services.dashboard_figures()})


# --- callbacks --------------------------------------------------------------------------------


@require_perm("calls.view_callback")
def callbacks(request: AuthedHttpRequest) -> HttpResponse:
    """The queue: open callbacks by due time, overdue first in line and marked. No personal data shown."""
    show_closed = request.GET.get("status") == "closed"
    if show_closed:
        return CLOSED_CALLBACKS.response(
            request,
            Callback.objects.filter(status=Callback.Status.CLOSED)
            .select_related("owner", "closed_by")
            .annotate(attempt_count=Count("attempts")),
            template="calls/callbacks.html",
            fragment="calls/_callback_table.html",
            context={"show_closed": True, "now": timezone.now()},
            on_export=lambda fmt, count: audit_record(
                actor=request.user,
                action=AuditEvent.Action.EXPORT,
                object_type="calls.callback",
                request=request,
                detail={"format": fmt, "count": count, "status": "closed"},
            ),
        )
    return render_page_or_fragment(
        request,
        "calls/callbacks.html",
        "calls/_callback_table.html",
        {"object_list": Callback.objects.queue(), "show_closed": False, "now": timezone.now()},
    )


@require_perm("calls.add_callback")
def callback_new(request: AuthedHttpRequest) -> HttpResponse:
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cb = services.callback_create(
                by=request.user,
                phone=data["phone"],
                name=data["name"],
                reason=data["reason"],
                source=data["source"],
                due_at=data["due_at"] or services.callback_due_after(timezone.now()),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"折り返し（No.{cb.pk}）を登録しました。")
            return redirect("calls:callbacks")
    return render(request, "calls/callback_new.html", {"form": form})


@require_perm("calls.view_callback")
def callback_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cb = get_object_or_404(Callback.objects.select_related("owner", "call", "closed_by"), pk=pk)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, obj=cb, request=request)
    return render(
        request,
        "calls/callback_detail.html",
        {
            "cb": cb,
            "attempts": cb.attempts.select_related("by"),
            "attempt_form": AttemptForm(),
            "close_form": CloseForm(auto_id="close_%s"),  # ids unique beside the attempt form's
            "now": timezone.now(),
            "can_change": request.user.has_perm("calls.change_callback"),
        },
    )


def _callback_post(request: AuthedHttpRequest, pk: int, form_class, action) -> HttpResponse:
    cb = get_object_or_404(Callback, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = action(cb, form.cleaned_data)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, message)
            if Callback.objects.filter(pk=pk, status=Callback.Status.CLOSED).exists():
                return redirect("calls:callbacks")
    else:
        for item in error_summary(form):
            messages.error(request, item.text)
    return redirect("calls:callback_detail", pk=pk)


@require_perm("calls.change_callback")
@require_POST
def callback_attempt(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def act(cb: Callback, data: dict) -> str:
        attempt = services.callback_attempt_record(
            by=request.user,
            callback=cb,
            outcome=data["outcome"],
            note=data["note"],
            next_due_at=data["next_due_at"],
        )
        return f"架電を記録しました（{attempt.get_outcome_display()}）。"

    return _callback_post(request, pk, AttemptForm, act)


@require_perm("calls.change_callback")
@require_POST
def callback_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def act(cb: Callback, data: dict) -> str:
        closed = services.callback_close(
            by=request.user,
            callback=cb,
            outcome=data["outcome"],
            note=data["note"],
        )
        return f"折り返し No.{closed.pk} を完了にしました（{closed.get_outcome_display()}）。"

    return _callback_post(request, pk, CloseForm, act)


@require_perm("calls.change_callback")
@require_POST
def callback_assign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cb = get_object_or_404(Callback, pk=pk)
    try:
        services.callback_assign(by=request.user, callback=cb, owner=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"折り返し No.{cb.pk} の担当になりました。")
    return redirect("calls:callback_detail", pk=pk)


# --- phone memos ------------------------------------------------------------------------------


@require_perm("calls.view_phonememo")
def memos(request: AuthedHttpRequest) -> HttpResponse:
    form = MemoForm(request.POST or None)
    if request.method == "POST":
        check_perm(request, "calls.add_phonememo")
        if form.is_valid():
            data = form.cleaned_data
            try:
                memo = services.memo_create(by=request.user, **data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"電話メモ No.{memo.pk}（{memo.for_whom} 宛）を登録しました。")
                return redirect("calls:memos")
    show_done = request.GET.get("status") == "done"
    qs = PhoneMemo.objects.select_related("taken_by", "handed_over_by", "done_by")
    done_list = None
    if show_done:
        done_list = DONE_MEMOS.result(request, qs.filter(status=PhoneMemo.Status.DONE))
        memo_list = list(done_list.page)
    else:
        memo_list = list(qs.pending().order_by("received_at"))
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.LIST,
        object_type="calls.phonememo",
        request=request,
        detail={"count": len(memo_list), "done": show_done},
    )
    return render(
        request,
        "calls/memos.html",
        {
            "form": form,
            "memos": memo_list,
            "list": done_list,
            "show_done": show_done,
            "can_add": request.user.has_perm("calls.add_phonememo"),
            "can_change": request.user.has_perm("calls.change_phonememo"),
        },
    )


@require_perm("calls.change_phonememo")
@require_POST
def memo_hand_over(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    memo = get_object_or_404(PhoneMemo, pk=pk)
    form = HandOverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "引継ぎ先: " + " ".join(str(e) for e in form.errors.get("handed_to", [])))
        return redirect("calls:memos")
    try:
        memo = services.memo_hand_over(by=request.user, memo=memo, handed_to=form.cleaned_data["handed_to"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"電話メモ No.{memo.pk} を {memo.handed_to} に引き継ぎました。")
    return redirect("calls:memos")


@require_perm("calls.change_phonememo")
@require_POST
def memo_done(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    memo = get_object_or_404(PhoneMemo, pk=pk)
    try:
        services.memo_done(by=request.user, memo=memo)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"電話メモ No.{memo.pk} を対応完了にしました。")
    return redirect("calls:memos")


# --- categories -------------------------------------------------------------------------------


@require_perm("calls.change_callcategory")
def categories(request: AuthedHttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        check_perm(request, "calls.add_callcategory")
        if form.is_valid():
            try:
                cat = services.category_save(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"分類「{cat.name}」を追加しました。")
                return redirect("calls:categories")
    return render(
        request,
        "calls/categories.html",
        {"form": form, "categories": CallCategory.objects.all(), "columns": ReportColumn.choices},
    )


@require_perm("calls.change_callcategory")
def category_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(CallCategory, pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            # The form has already written its values onto `category`: save from a fresh copy so the
            # audit row records what it was before.
            services.category_save(
                by=request.user,
                category=CallCategory.objects.get(pk=pk),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"分類「{category.name}」を変更しました。")
            return redirect("calls:categories")
    return render(request, "calls/category_edit.html", {"form": form, "category": category})
