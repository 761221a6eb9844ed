"""Back-office screens for cards. Thin views: access check → form → service → render.

Every screen that shows personal data (names, birth dates, addresses) writes an audit row.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office
from madoguchi.lib.exports import csv_bytes, download
from madoguchi.lib.htmx import render_page_or_fragment
from madoguchi.lib.jdates import format_date, parse_date
from madoguchi.lib.text import normalize_key

from . import queues, services
from .forms import (
    SCAN_STEPS,
    ArrivalImportForm,
    CardCorrectionForm,
    CardSearchForm,
    ExportForm,
    HoldingActionForm,
    ImportForm,
    MynaAssistForm,
    MynaAssistSearchForm,
    PostIssuanceForm,
    ReceiveForm,
    ScanForm,
    ShipmentForm,
    StorageLocationForm,
    TransitionForm,
)
from .importing import ALL_COLUMNS, REQUIRED
from .models import Card, CardEvent, ImportBatch, MynaAssistRecord, Shipment, StorageLocation

S = Card.State
PDF = "application/pdf"


def _staff(request: HttpRequest) -> User:
    """The signed-in staff member (every view here is behind require_perm, so never anonymous)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _audit(
    request: HttpRequest, action: str, *, obj: Any = None, object_type: str = "", detail: dict | None = None
) -> None:
    audit_record(
        actor=_staff(request),
        action=action,
        obj=obj,
        object_type=object_type or None,
        request=request,
        detail=detail,
    )


def _pdf(request: HttpRequest, content: bytes, filename: str, *, count: int, kind: str) -> HttpResponse:
    _audit(
        request, AuditEvent.Action.PRINT, object_type="cards.card", detail={"printout": kind, "cards": count}
    )
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _date_param(
    value: str | None, default: datetime.date, request: HttpRequest | None = None
) -> datetime.date:
    if not value:
        return default
    try:
        return parse_date(value)
    except ValueError:
        if request is not None:  # never show another day's list without saying so
            messages.warning(
                request, f"「{value[:20]}」は日付として読めません。{format_date(default)}を表示しています。"
            )
        return default


def _section(request: HttpRequest, queryset: Any, param: str, per_page: int = 100) -> Any:
    """One page of a list shown beside others on one screen (each with its own page parameter)."""
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))
    page.param = param  # type: ignore[attr-defined]  # read by cards/_section_pager.html
    return page


def _bad_date(value: str | None) -> bool:
    try:
        return bool(value) and not parse_date(value or "")
    except ValueError:
        return True


# -- queues ----------------------------------------------------------------------------------------


@require_perm("cards.view_queue")
def queue_overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    offices = list(Office.objects.active())
    day = _date_param(request.GET.get("date"), today + datetime.timedelta(days=1), request)
    context = {
        "queues": queues.all_queues(today),
        "state_counts": [(S(s).label, s, n) for s, n in queues.state_counts().items()],
        "offices": offices,
        "day": day,
        "today": today,
        "tomorrow": today + datetime.timedelta(days=1),
        "minutes_preparation": queues.minutes_preparation(),
        "minutes_post": queues.minutes_post_issuance(),
    }
    return render(request, "cards/queues.html", context)


@require_perm("cards.view_queue")
def queue_detail(request: HttpRequest, key: str) -> HttpResponse:
    today = timezone.localdate()
    labels = {q: label for q, label, *_ in _QUEUE_LABELS}
    if key not in labels:
        return render(
            request, "cards/not_found.html", {"message": "その作業キューはありません。"}, status=404
        )
    office = Office.objects.filter(code=request.GET.get("office") or "").first()
    qs = queues.queue_cards(key, today=today, office=office)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    _audit(
        request,
        AuditEvent.Action.LIST,
        object_type="cards.card",
        detail={"queue": key, "count": len(page.object_list)},
    )
    context = {
        "key": key,
        "label": labels[key],
        "page": page,
        "office": office,
        "offices": Office.objects.active(),
        "total": qs.count(),
    }
    return render(request, "cards/queue_detail.html", context)


_QUEUE_LABELS = [
    ("setup", "交付前設定待ち"),
    ("file", "収納待ち"),
    ("mail", "通知書発送待ち"),
    ("ship", "支所へ送付待ち"),
    ("post", "交付後処理待ち"),
    ("nearing", "保管期限が近い"),
    ("holding", "保管期限切れ"),
    ("gaiji", "要外字確認"),
]


@require_perm("cards.print_cards")
def queue_pdf(request: HttpRequest, key: str) -> HttpResponse:
    from . import printouts  # ReportLab loads only when printing

    labels = dict(_QUEUE_LABELS)
    if key not in labels:
        return HttpResponse(status=404)
    office = Office.objects.filter(code=request.GET.get("office") or "").first()
    cards = list(queues.queue_cards(key, today=timezone.localdate(), office=office))
    title = f"取り出しリスト　{labels[key]}" + (f"（{office.name}）" if office else "")
    return _pdf(
        request,
        printouts.pull_list_pdf(cards, title, "収納場所順"),
        f"pull-{key}.pdf",
        count=len(cards),
        kind="pull_list",
    )


@require_perm("cards.view_queue")
def day_preparation(request: HttpRequest) -> HttpResponse:
    """The day's pull list per office: from the reservations when they exist, else cards scanned as prepared."""
    today = timezone.localdate()
    params = request.POST if request.method == "POST" else request.GET
    if request.method == "POST" and _bad_date(params.get("date")):
        # Marking cards pulled for a day we could not read would act on the wrong day.
        messages.error(
            request, f"「{params.get('date', '')[:20]}」は日付として読めません。何も変更していません。"
        )
        return redirect(request.path)
    day = _date_param(params.get("date"), today + datetime.timedelta(days=1), request)
    offices = list(Office.objects.active())
    office = next((o for o in offices if o.code == params.get("office")), offices[0] if offices else None)
    cards: list[Card] = []
    bookings: dict[int, queues.Booking] = {}
    missing: list[str] = []
    source = "none"
    if office is not None:
        cards, missing = queues.day_pull_list(office, day)
        bookings = queues.day_bookings(office, day)
        cards = queues.family_order(cards, bookings)
        source = "reservations"
    if request.method == "POST":
        # Mark the day's booked cards as pulled (those whose state allows it), all of them or none.
        if not request.user.has_perm("cards.transition_card"):
            return HttpResponse("この操作を行う権限がありません。", status=403)
        # On-hold cards stay on hold: a problem must be resolved on the card page first.
        ready = [c for c in cards if c.can_be_booked and S.PREPARED in services.allowed_next(c.state)]
        pending = [c for c in cards if c.state not in (S.PREPARED, S.SHIPPED, S.RECEIVED_AT_BRANCH)]
        try:
            services.card_transition_many(cards=ready, to_state=S.PREPARED, by=_staff(request), office=office)
        except ValidationError as exc:
            messages.error(request, exc.messages[0] + "（どのカードも変更していません）")
        else:
            skipped = len(pending) - len(ready)
            note = f"（状態のため対象外 {skipped}枚）" if skipped > 0 else ""
            messages.success(request, f"{len(ready)}枚を当日準備済にしました{note}。")
        return redirect(f"{request.path}?office={office.code if office else ''}&date={day.isoformat()}")
    prepared = _section(
        request,
        Card.objects.filter(state__in=(S.PREPARED, S.SHIPPED, S.RECEIVED_AT_BRANCH), pickup_office=office)
        .select_related("pickup_office", "storage_location")
        .by_storage()
        if office
        else Card.objects.none(),
        "page_prepared",
    )
    _audit(
        request,
        AuditEvent.Action.LIST,
        object_type="cards.card",
        detail={"day": day.isoformat(), "count": len(cards) + len(prepared.object_list)},
    )
    context = {
        "day": day,
        "today": today,
        "tomorrow": today + datetime.timedelta(days=1),
        "office": office,
        "offices": offices,
        "cards": cards,
        # (card, its booking or None, whether it continues the family of the row above)
        "rows": [
            (c, bookings.get(c.pk), i > 0 and _same_booking(bookings, cards[i - 1], c))
            for i, c in enumerate(cards)
        ],
        "missing": missing,
        "source": source,
        "prepared": prepared,
        "to_prepare": sum(1 for c in cards if c.state not in (S.PREPARED, S.SHIPPED, S.RECEIVED_AT_BRANCH)),
    }
    return render(request, "cards/day.html", context)


def _same_booking(bookings: dict[int, queues.Booking], a: Card, b: Card) -> bool:
    first, second = bookings.get(a.pk), bookings.get(b.pk)
    return first is not None and second is not None and first.group == second.group


@require_perm("cards.print_cards")
def day_pdf(request: HttpRequest) -> HttpResponse:
    """A day's batch: pull list, then the ID check sheet and applicant sheet of every card on it."""
    from . import printouts  # ReportLab loads only when printing

    today = timezone.localdate()
    params = request.POST if request.method == "POST" else request.GET
    what = params.get("what", "sheets")
    if what != "list" and request.method != "POST":
        # The sheets start a job: only from the day screen's button, never from a link or a prefetch.
        return HttpResponseNotAllowed(["POST"])
    if _bad_date(params.get("date")):
        return HttpResponse("日付を読めません。当日準備の画面から印刷してください。", status=400)
    day = _date_param(params.get("date"), today + datetime.timedelta(days=1))
    office = get_object_or_404(Office, code=params.get("office") or "")
    if what != "list":
        # Two pages a card for the whole day: a background job, then downloaded from its page.
        from madoguchi.jobs.services import JobAlreadyRunning, job_start

        try:
            job = job_start(
                kind="cards.day_sheets",
                params={"office_id": office.pk, "day": day.isoformat(), "user_id": request.user.pk},
                user=_staff(request),
                lock_key=f"cards.day_sheets:{office.code}:{day.isoformat()}",
            )
        except JobAlreadyRunning as exc:
            messages.info(request, "同じ日のシートを作成中です。その進み具合を表示します。")
            job = exc.job
        return redirect(job)
    cards, _missing = queues.day_pull_list(office, day)
    bookings = queues.day_bookings(office, day)
    cards = queues.family_order(cards, bookings)
    content = printouts.pull_list_pdf(
        cards,
        f"当日準備 取り出しリスト {office.name}",
        f"{format_date(day)} 収納場所順（同じ予約の家族はまとめて）",
        bookings=bookings,
    )
    return _pdf(
        request, content, f"day-{office.code}-{day:%Y%m%d}-list.pdf", count=len(cards), kind="day_list"
    )


# -- search and card page ---------------------------------------------------------------------------


@require_perm("cards.view_card")
def search(request: HttpRequest) -> HttpResponse:
    # POST only: a name and a birth date must not travel in the URL (access logs, browser history).
    form = CardSearchForm(request.POST if request.method == "POST" else None)
    results: list[Card] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["notice_number"]:
            if data["birth_date"]:
                found = services.card_find(notice_number=data["notice_number"], birth_date=data["birth_date"])
                results = [found] if found else []
            else:
                found = services.card_by_notice(data["notice_number"])
                results = [found] if found else []
        else:
            results = services.card_find_by_kana(kana=data["kana"], birth_date=data["birth_date"])
        _audit(request, AuditEvent.Action.SEARCH, object_type="cards.card", detail={"results": len(results)})
        if len(results) == 1 and not getattr(request, "htmx", False):
            return redirect("cards:detail", pk=results[0].pk)
    return render_page_or_fragment(
        request, "cards/search.html", "cards/_search_results.html", {"form": form, "results": results}
    )


@require_perm("cards.view_card")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Card.objects.select_related("pickup_office", "storage_location"), pk=pk)
    form = None
    if request.user.has_perm("cards.transition_card"):
        form = TransitionForm(request.POST or None, card=card)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.card_transition(
                    card=card,
                    to_state=data["to_state"],
                    by=_staff(request),
                    office=data["office"],
                    note=data["note"],
                    storage_location=data["storage_location"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, f"{card.notice_number} を「{S(card.state).label}」にしました。")
                return redirect("cards:detail", pk=card.pk)
    elif request.method == "POST":
        return HttpResponse("この操作を行う権限がありません。", status=403)
    _audit(request, AuditEvent.Action.VIEW, obj=card)
    shipments = card.shipment_items.select_related("shipment", "shipment__to_office")
    return render(
        request,
        "cards/detail.html",
        {
            "card": card,
            "timeline": _timeline(card),
            "form": form,
            "fix_form": _correction_form(request, card),
            "shipments": shipments,
            "post": getattr(card, "post_issuance", None),
        },
    )


def _correction_form(request: HttpRequest, card: Card, data: Any = None) -> CardCorrectionForm | None:
    if not request.user.has_perm("cards.transition_card"):
        return None
    full = request.user.has_perm("accounts.view_full_contact")
    return CardCorrectionForm(data, card=card, full_contact=full)


def _timeline(card: Card) -> list[dict[str, Any]]:
    """The card's history: its state changes and the corrections applied to its data, in time order."""
    rows: list[dict[str, Any]] = [
        {"at": e.at, "event": e} for e in card.events.select_related("actor", "office", "undoes")
    ]
    for c in card.corrections.filter(status="applied").select_related("decided_by", "batch"):
        fields = "・".join(services.CORRECTABLE[f] for f in c.changed if f in services.CORRECTABLE)
        source = f"再送一覧（取込No.{c.batch_id} {c.row}行目）" if c.batch_id else "カード画面"
        note = f"{fields}を訂正（{source}）" + (f": {c.reason}" if c.reason else "")
        rows.append({"at": c.decided_at or c.created_at, "correction": c, "note": note})
    return sorted(rows, key=lambda r: r["at"])


@require_perm("cards.transition_card")
@require_POST
def card_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Fix wrong personal data on the card (only the fields that changed), with a reason; audited."""
    card = get_object_or_404(Card.objects.select_related("pickup_office", "storage_location"), pk=pk)
    form = _correction_form(request, card, request.POST)
    assert form is not None
    if form.is_valid():
        try:
            correction = services.card_correct(
                card=card, by=_staff(request), reason=form.cleaned_data["reason"], **form.values()
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            labels = "・".join(services.CORRECTABLE[f] for f in correction.changed)
            messages.success(
                request, f"{card.notice_number} の{labels}を訂正しました（履歴に記録しました）。"
            )
            return redirect("cards:detail", pk=card.pk)
    _audit(request, AuditEvent.Action.VIEW, obj=card)
    return render(
        request,
        "cards/detail.html",
        {
            "card": card,
            "timeline": _timeline(card),
            "form": TransitionForm(card=card),
            "fix_form": form,
            "fix_open": True,
            "shipments": card.shipment_items.select_related("shipment", "shipment__to_office"),
            "post": getattr(card, "post_issuance", None),
        },
        status=400,
    )


@require_perm("cards.view_card", "cards.print_cards")
def card_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from . import printouts  # ReportLab loads only when printing

    card = get_object_or_404(Card.objects.select_related("pickup_office", "storage_location"), pk=pk)
    return _pdf(
        request,
        printouts.card_sheets_pdf([card]),
        f"sheet-{card.notice_number}.pdf",
        count=1,
        kind="card_sheets",
    )


# -- scan station --------------------------------------------------------------------------------------


@require_perm("cards.transition_card")
def scan(request: HttpRequest) -> HttpResponse:
    form = ScanForm(initial={"step": request.GET.get("step") or S.SET_UP})
    locations = StorageLocation.objects.filter(is_active=True)
    return render(request, "cards/scan.html", {"form": form, "steps": SCAN_STEPS, "locations": locations})


@require_POST
@require_perm("cards.transition_card")
def scan_apply(request: HttpRequest) -> JsonResponse:
    """One scan: apply the chosen step to one notice number. JSON for the scan page's script."""
    form = ScanForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return JsonResponse({"ok": False, "message": first}, status=400)
    data = form.cleaned_data
    number = normalize_key(data["notice_number"])
    card = services.card_by_notice(number)
    if card is None:
        return JsonResponse(
            {"ok": False, "number": number, "message": f"{number}: 該当するカードがありません。"}
        )
    location = None
    if data["step"] == S.FILED:
        location = services.storage_location_by_code(data["location"])
        if location is None:
            return JsonResponse(
                {
                    "ok": False,
                    "number": number,
                    "message": "収納場所コードを入力してください（例: A-01-05）。",
                }
            )
    note = data["note"] or ("スキャンで通知書返戻を登録" if data["step"] == S.NOTICE_RETURNED else "")
    try:
        event = services.card_transition(
            card=card,
            to_state=data["step"],
            by=_staff(request),
            office=data["office"],
            note=note,
            storage_location=location,
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "number": number, "message": exc.messages[0]})
    where = f"（{location.code}）" if location else ""
    return JsonResponse(
        {
            "ok": True,
            "number": number,
            "event": event.pk,
            "message": f"{number}: {S(event.to_state).label}{where}",
        }
    )


@require_POST
@require_perm("cards.transition_card")
def scan_undo(request: HttpRequest) -> JsonResponse:
    event = CardEvent.objects.filter(pk=request.POST.get("event") or 0).select_related("card").first()
    if event is None:
        return JsonResponse({"ok": False, "message": "取り消す操作が見つかりません。"}, status=404)
    try:
        services.card_transition_undo(event=event, by=_staff(request))
    except ValidationError as exc:
        return JsonResponse({"ok": False, "message": exc.messages[0]})
    return JsonResponse(
        {
            "ok": True,
            "message": f"{event.card.notice_number}: 取り消しました（{S(event.from_state).label}に戻しました）。",
        }
    )


# -- import ---------------------------------------------------------------------------------------------


@require_POST
@require_perm("cards.import_cards")
def import_profile_delete(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ImportProfile

    profile = get_object_or_404(ImportProfile, pk=pk)
    name = profile.name
    services.import_profile_delete(profile=profile, by=_staff(request))
    messages.success(request, f"取込設定「{name}」を削除しました。")
    return redirect("cards:import")


@require_perm("cards.import_cards")
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload: the file is kept (encrypted) and read as far as its headings; the preview page follows."""
    form = ArrivalImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            batch = services.import_batch_create(
                file_name=f.name,
                content=f.read(),
                by=_staff(request),
                encoding=form.cleaned_data["encoding"] or None,
                profile=form.cleaned_data["profile"],
                preview=True,
            )
        except services.ImportDuplicate as exc:
            messages.error(request, exc.messages[0])
            return redirect("cards:import_batch", pk=exc.batch.pk)
        except ValidationError as exc:
            form.add_error("file", exc.messages[0])
        else:
            return redirect("cards:import_batch", pk=batch.pk)
    batches = _section(request, ImportBatch.objects.select_related("created_by").order_by("-pk"), "page", 20)
    from .models import ImportProfile

    return render(
        request,
        "cards/import.html",
        {
            "form": form,
            "batches": batches,
            "required": REQUIRED,
            "columns": ALL_COLUMNS,
            "profiles": ImportProfile.objects.order_by("name"),
        },
    )


def _import_lock(batch: ImportBatch) -> str:
    return f"cards.import:{batch.pk}"


def _posted_mapping(request: HttpRequest, headings: list[str]) -> dict[str, str] | None:
    """The preview form's column choices: one select per heading, named col-<index> (None: none posted,
    the batch keeps the mapping it has)."""
    if not any(key.startswith("col-") for key in request.POST):
        return None
    return {h: request.POST.get(f"col-{i}", "") for i, h in enumerate(headings) if h}


def _import_preview_post(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    from madoguchi.jobs.services import JobAlreadyRunning, job_start

    from .models import ImportProfile

    action = request.POST.get("action", "")
    by = _staff(request)
    try:
        if action == "cancel":
            services.import_batch_abandon(
                batch_id=batch.pk,
                message="取込を取り消しました。アップロードされたファイルの内容は削除しました。何も登録していません。",
                by=by,
            )
            messages.success(request, "取込を取り消しました。")
            return redirect("cards:import")
        if action == "reread":
            profile = ImportProfile.objects.filter(pk=request.POST.get("profile") or 0).first()
            services.import_batch_reread(
                batch=batch, by=by, sheet=request.POST.get("sheet") or None, profile=profile
            )
            return redirect("cards:import_batch", pk=batch.pk)
        headings = services.import_preview(batch=batch, rows=0).plan.headings
        mapping = _posted_mapping(request, headings)
        if action == "save_profile":
            profile = services.import_profile_save(
                name=request.POST.get("profile_name", ""), mapping=mapping or batch.mapping, by=by
            )
            services.import_batch_reread(batch=batch, by=by, profile=profile, mapping=mapping)
            messages.success(
                request, f"取込設定「{profile.name}」を保存しました。次からは見出しで自動判別します。"
            )
            return redirect("cards:import_batch", pk=batch.pk)
        if action == "confirm":
            batch = services.import_batch_confirm(batch=batch, by=by, mapping=mapping)
            try:
                job_start(
                    kind="cards.import", params={"batch_id": batch.pk}, user=by, lock_key=_import_lock(batch)
                )
            except JobAlreadyRunning:  # the same batch cannot be started twice; show its page
                pass
            return redirect("cards:import_batch", pk=batch.pk)
    except services.ImportDuplicate as exc:
        messages.error(request, exc.messages[0])
        return redirect("cards:import_batch", pk=exc.batch.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("cards:import_batch", pk=batch.pk)
    messages.error(request, "操作を選んでください。")
    return redirect("cards:import_batch", pk=batch.pk)


@require_perm("cards.import_cards")
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch page: the preview (columns, first rows) until confirmed, the job's progress while it runs,
    then the result (counts, or every error)."""
    from madoguchi.jobs.selectors import job_latest

    from .importing import OPTIONAL
    from .models import ImportProfile

    batch = get_object_or_404(ImportBatch.objects.select_related("profile"), pk=pk)
    if batch.status == ImportBatch.Status.PREVIEW and batch.payload:
        if request.method == "POST":
            return _import_preview_post(request, batch)
        preview = services.import_preview(batch=batch)
        _audit(request, AuditEvent.Action.VIEW, obj=batch, detail={"preview_rows": len(preview.rows)})
        columns = [
            {"index": i, "heading": h, "target": t, "unknown": h in preview.plan.unknown}
            for i, (h, t) in enumerate(zip(preview.plan.headings, preview.plan.targets, strict=True))
        ]
        width = len(columns)
        rows = [(n, [cells[i] if i < len(cells) else "" for i in range(width)]) for n, cells in preview.rows]
        return render(
            request,
            "cards/import_preview.html",
            {
                "batch": batch,
                "preview": preview,
                "rows": rows,
                "columns": columns,
                "targets": [*REQUIRED, *OPTIONAL],
                "required": REQUIRED,
                "profiles": ImportProfile.objects.order_by("name"),
            },
        )
    corrections = list(batch.corrections.select_related("card").filter(status="pending"))
    if request.method == "POST" and request.POST.get("correction"):
        chosen = next((c for c in corrections if str(c.pk) == request.POST["correction"]), None)
        if chosen is None:
            messages.error(request, "その訂正は確認済みか、ありません。")
        else:
            services.card_correction_decide(
                correction=chosen, apply=request.POST.get("decision") == "apply", by=_staff(request)
            )
            messages.success(request, f"{chosen.card.notice_number} の訂正を記録しました。")
        return redirect("cards:import_batch", pk=batch.pk)
    if corrections:
        _audit(request, AuditEvent.Action.VIEW, obj=batch, detail={"corrections": len(corrections)})
    return render(
        request,
        "cards/import_batch.html",
        {"batch": batch, "job": job_latest(lock_key=_import_lock(batch)), "corrections": corrections},
    )


# -- storage locations --------------------------------------------------------------------------------


@require_perm("cards.manage_storage")
def locations(request: HttpRequest) -> HttpResponse:
    form = StorageLocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            location = services.storage_location_create(by=_staff(request), **data)
        except ValidationError as exc:
            for field, errs in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
            ):
                for e in errs:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, f"収納場所 {location.code} を登録しました。")
            return redirect("cards:locations")
    rows = StorageLocation.objects.annotate(
        n=Count("cards", filter=Q(cards__state__in=Card.BOOKABLE_STATES))
    ).order_by("code")
    return render(request, "cards/locations.html", {"form": form, "locations": rows})


# -- shipments ------------------------------------------------------------------------------------------


@require_perm("cards.view_shipment")
def shipments(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("cards.add_shipment")
    form = (
        ShipmentForm(request.POST or None, initial={"office": request.GET.get("office")}) if can_add else None
    )
    office = None
    candidates: list[Card] = []
    if form is not None:
        office_id = request.POST.get("office") or request.GET.get("office")
        office = (
            Office.objects.filter(pk=office_id).exclude(kind=Office.Kind.MAIN).first()
            if office_id and str(office_id).isdigit()
            else None
        )
        if office:
            candidates = list(
                Card.objects.filter(state=S.PREPARED, pickup_office=office)
                .select_related("pickup_office", "storage_location")
                .by_storage()
            )
        if request.method == "POST" and form.is_valid():
            chosen = set(request.POST.getlist("card"))
            cards = [c for c in candidates if str(c.pk) in chosen]
            try:
                shipment = services.shipment_create(
                    office=form.cleaned_data["office"],
                    cards=cards,
                    by=_staff(request),
                    for_date=form.cleaned_data["for_date"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(
                    request,
                    f"送付No.{shipment.pk}（{len(cards)}枚）を作成しました。送付票を印刷してください。",
                )
                return redirect("cards:shipment", pk=shipment.pk)
    elif request.method == "POST":
        return HttpResponse("この操作を行う権限がありません。", status=403)
    if candidates:
        _audit(
            request,
            AuditEvent.Action.LIST,
            object_type="cards.card",
            detail={"ship_candidates": len(candidates)},
        )
    pending = (
        Card.objects.filter(state=S.PREPARED)
        .exclude(pickup_office__kind=Office.Kind.MAIN)
        .values("pickup_office__pk", "pickup_office__name")
        .annotate(n=Count("pk"))
        .order_by("pickup_office__pk")
    )
    recent = _section(
        request,
        Shipment.objects.select_related("to_office")
        .annotate(n=Count("items"), received=Count("items", filter=Q(items__received_at__isnull=False)))
        .order_by("-pk"),
        "page",
        30,
    )
    return render(
        request,
        "cards/shipments.html",
        {"form": form, "office": office, "candidates": candidates, "pending": pending, "shipments": recent},
    )


@require_perm("cards.view_shipment")
def shipment(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Shipment.objects.select_related("to_office", "created_by", "received_by"), pk=pk)
    form = ReceiveForm(request.POST or None)
    can_receive = request.user.has_perm("cards.receive_shipment")
    result: dict[str, Any] | None = None
    if request.method == "POST":
        if not can_receive:
            return HttpResponse("この操作を行う権限がありません。", status=403)
        action = request.POST.get("action", "scan")
        try:
            if action == "scan" and form.is_valid():
                item = services.shipment_receive_card(
                    shipment=obj, notice_number=form.cleaned_data["notice_number"], by=_staff(request)
                )
                result = {"ok": True, "message": f"{item.card.notice_number} を受領しました。"}
                form = ReceiveForm()
            elif action in ("close", "receive_all"):
                obj = services.shipment_close(
                    shipment=obj, by=_staff(request), receive_rest=action == "receive_all"
                )
                messages.success(
                    request, f"送付No.{obj.pk} の受領を締めました（{obj.get_status_display()}）。"
                )
                return redirect("cards:shipment", pk=obj.pk)
        except ValidationError as exc:
            result = {"ok": False, "message": exc.messages[0]}
            form = ReceiveForm()
        obj.refresh_from_db()
    items = obj.items.select_related("card", "card__storage_location").order_by("card__notice_number")
    _audit(request, AuditEvent.Action.VIEW, obj=obj, detail={"items": items.count()})
    context = {
        "shipment": obj,
        "items": items,
        "form": form,
        "can_receive": can_receive,
        "result": result,
        "missing": [i for i in items if i.received_at is None],
    }
    return render_page_or_fragment(request, "cards/shipment.html", "cards/_shipment_items.html", context)


@require_perm("cards.view_shipment", "cards.print_cards")
def shipment_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from . import printouts  # ReportLab loads only when printing

    obj = get_object_or_404(Shipment.objects.select_related("to_office"), pk=pk)
    return _pdf(
        request,
        printouts.manifest_pdf(obj),
        f"manifest-{obj.pk}.pdf",
        count=obj.items.count(),
        kind="manifest",
    )


# -- post-issuance ------------------------------------------------------------------------------------


@require_perm("cards.export_cards")
def post_issuance(request: HttpRequest) -> HttpResponse:
    issued = (
        Card.objects.filter(state=S.ISSUED)
        .select_related("pickup_office", "storage_location")
        .order_by("issued_on", "notice_number")
    )
    page = Paginator(issued, 100).get_page(request.GET.get("page"))
    _audit(
        request,
        AuditEvent.Action.LIST,
        object_type="cards.card",
        detail={"post_issuance": len(page.object_list)},
    )
    from .models import PostIssuance

    waiting_export = PostIssuance.objects.filter(exported_at=None).count()
    return render(
        request,
        "cards/post_issuance.html",
        {
            "page": page,
            "export_form": ExportForm(),
            "waiting_export": waiting_export,
            "minutes": queues.minutes_post_issuance(),
        },
    )


@require_perm("cards.export_cards")
def post_issuance_card(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Card.objects.select_related("pickup_office"), pk=pk)
    form = PostIssuanceForm(
        request.POST or None, initial={"issued_on": card.issued_on or timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.post_issuance_record(
                card=card,
                scanned_notice=data["scanned_notice"],
                issued_on=data["issued_on"],
                checks={k: data[k] for k in services.CHECKLIST},
                by=_staff(request),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    for e in errs:
                        form.add_error(field if field in form.fields else None, e)
            else:
                form.add_error(None, exc.messages[0])
        else:
            messages.success(request, f"{card.notice_number} の交付後処理を完了しました。")
            nxt = Card.objects.filter(state=S.ISSUED).order_by("issued_on", "notice_number").first()
            return redirect("cards:post_card", pk=nxt.pk) if nxt else redirect("cards:post_issuance")
    _audit(request, AuditEvent.Action.VIEW, obj=card, detail={"screen": "post_issuance"})
    return render(request, "cards/post_card.html", {"card": card, "form": form})


@require_POST
@require_perm("cards.export_cards")
def post_issuance_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "出力の条件を確認してください。")
        return redirect("cards:post_issuance")
    content, count = services.post_issuance_export(
        by=_staff(request),
        encoding=form.cleaned_data["encoding"],
        include_exported=form.cleaned_data["include_exported"],
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return download(content, f"交付日一括登録-{stamp}.csv", "text/csv")


# -- holding period ---------------------------------------------------------------------------------


@require_perm("cards.view_queue")
def holding(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = HoldingActionForm(request.POST or None)
    can_act = request.user.has_perm("cards.transition_card")
    if request.method == "POST":
        if not can_act:
            return HttpResponse("この操作を行う権限がありません。", status=403)
        ids = request.POST.getlist("card")
        if form.is_valid():
            cards = list(Card.objects.filter(pk__in=ids).select_related("pickup_office", "storage_location"))
            if not cards:
                form.add_error(None, "対象のカードを選んでください。")
            else:
                try:
                    services.card_transition_many(
                        cards=cards,
                        to_state=form.cleaned_data["action"],
                        by=_staff(request),
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc.messages[0] + "（どのカードも変更していません）")
                else:
                    messages.success(
                        request, f"{len(cards)}枚を「{S(form.cleaned_data['action']).label}」にしました。"
                    )
                    return redirect("cards:holding")
    # Every card is listed (counted, paged per section, the whole list printable): never cut silently.
    nearing = _section(
        request,
        Card.objects.nearing_holding(today)
        .select_related("pickup_office", "storage_location")
        .order_by("holding_deadline", "notice_number"),
        "page_nearing",
    )
    past = _section(
        request,
        Card.objects.past_holding(today)
        .select_related("pickup_office", "storage_location")
        .order_by("holding_deadline", "notice_number"),
        "page_past",
    )
    unclaimed = _section(
        request,
        Card.objects.filter(state=S.UNCLAIMED)
        .select_related("pickup_office", "storage_location")
        .by_storage(),
        "page_unclaimed",
    )
    _audit(
        request,
        AuditEvent.Action.LIST,
        object_type="cards.card",
        detail={"holding": len(nearing.object_list) + len(past.object_list) + len(unclaimed.object_list)},
    )
    from .services import holding_days

    return render(
        request,
        "cards/holding.html",
        {
            "form": form,
            "nearing": nearing,
            "past": past,
            "unclaimed": unclaimed,
            "today": today,
            "can_act": can_act,
            "holding_days": holding_days(),
        },
    )


# -- Myna-Assist ------------------------------------------------------------------------------------


ASSIST_SEARCH = "cards_assist_search"


@require_perm("cards.view_mynaassistrecord")
def assist_list(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("cards.add_mynaassistrecord")
    form = (
        MynaAssistForm(request.POST or None, initial={"received_on": timezone.localdate()})
        if can_add
        else None
    )
    if request.method == "POST" and request.POST.get("action") == "search":
        # Posted and kept in the session: a resident's name never goes into a URL or the access log.
        search_form = MynaAssistSearchForm(request.POST)
        if search_form.is_valid():
            request.session[ASSIST_SEARCH] = {k: request.POST.get(k, "") for k in search_form.fields}
            return redirect("cards:assist_list")
    elif request.method == "POST":
        if form is None:
            return HttpResponse("この操作を行う権限がありません。", status=403)
        if form.is_valid():
            try:
                services.myna_assist_record_create(by=_staff(request), **form.cleaned_data)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    for e in errs:
                        form.add_error(field if field in form.fields else None, e)
            else:
                messages.success(request, "マイナ・アシストの記録を登録しました。")
                return redirect("cards:assist_list")
    if request.GET.get("clear"):
        request.session.pop(ASSIST_SEARCH, None)
    if not (request.method == "POST" and request.POST.get("action") == "search"):
        search_form = MynaAssistSearchForm(request.session.get(ASSIST_SEARCH) or None)
    records = _assist_query(search_form)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    _audit(
        request,
        AuditEvent.Action.LIST,
        object_type="cards.mynaassistrecord",
        detail={"count": len(page.object_list)},
    )
    return render(
        request,
        "cards/assist.html",
        {
            "form": form,
            "search_form": search_form,
            "page": page,
            "can_export": request.user.has_perm("cards.export_mynaassistrecord"),
            "searching": bool(request.session.get(ASSIST_SEARCH)),
        },
    )


def _assist_query(form: MynaAssistSearchForm) -> Any:
    records = MynaAssistRecord.objects.select_related("office", "card")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["name"]:
            records = records.filter(name_hash=MynaAssistRecord.hash_name(data["name"]))
        if data["date_from"]:
            records = records.filter(received_on__gte=data["date_from"])
        if data["date_to"]:
            records = records.filter(received_on__lte=data["date_to"])
    return records


@require_perm("cards.export_mynaassistrecord")
def assist_export(request: HttpRequest) -> HttpResponse:
    form = MynaAssistSearchForm(request.session.get(ASSIST_SEARCH) or None)
    records = list(_assist_query(form))
    encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8"
    rows = [
        (
            r.received_on.isoformat(),
            r.applicant_name,
            r.office.name if r.office else "",
            r.card.notice_number if r.card else "",
            r.note,
        )
        for r in records
    ]
    try:
        content = csv_bytes(
            ("受付日", "申請者氏名", "受付場所", "交付通知書番号", "備考"), rows, encoding=encoding
        )
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        messages.error(
            request, f"Shift_JIS にない文字（{bad}）が含まれるため出力できません。UTF-8 で出力してください。"
        )
        return redirect("cards:assist_list")
    _audit(
        request,
        AuditEvent.Action.EXPORT,
        object_type="cards.mynaassistrecord",
        detail={"rows": len(rows), "encoding": encoding},
    )
    return download(content, f"マイナ・アシスト-{timezone.localdate():%Y%m%d}.csv", "text/csv")


# -- the books ---------------------------------------------------------------------------------------


@require_perm("cards.export_cards")
def ledgers(request: HttpRequest) -> HttpResponse:
    """受払簿 and 返納・廃棄簿 for a period, as XLSX or CSV (UTF-8 / Shift_JIS); every download is audited."""
    from .forms import LedgerForm

    today = timezone.localdate()
    form = LedgerForm(
        request.POST or None,
        initial={"kind": "receipts", "start": today.replace(day=1), "end": today, "fmt": "xlsx"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            content, name, _rows = services.ledger_export(
                kind=data["kind"],
                start=data["start"],
                end=data["end"],
                fmt=data["fmt"],
                encoding=data["encoding"] or "utf-8",
                by=_staff(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            content_type = {
                "pdf": "application/pdf",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }.get(name.rsplit(".", 1)[-1], "text/csv")
            return download(content, name, content_type)
    return render(request, "cards/ledgers.html", {"form": form})


# -- stocktake --------------------------------------------------------------------------------------------


@require_perm("cards.transition_card")
def stocktake(request: HttpRequest) -> HttpResponse:
    """棚卸, a mode of the scan station: choose a place, scan every card found there (the scanner types each
    number and Enter into the box), then compare and keep the result."""
    from .models import Stocktake
    from .stocktake import expected_numbers

    error = ""
    place = request.POST.get("place", "") if request.method == "POST" else request.GET.get("place", "")
    if request.method == "POST":
        try:
            record = services.stocktake_record(
                place=place, scanned=request.POST.get("scanned", "").split(), by=_staff(request)
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            return redirect("cards:stocktake_result", pk=record.pk)
    expected: list[str] = []
    if place.strip():
        try:
            expected = expected_numbers(place=place)
        except ValueError as exc:
            error = str(exc)
    recent = _section(request, Stocktake.objects.select_related("by"), "page", 20)
    return render(
        request,
        "cards/stocktake.html",
        {
            "error": error,
            "place": place,
            "expected": expected,
            "scanned": request.POST.get("scanned", ""),
            "recent": recent,
        },
    )


@require_perm("cards.transition_card")
def stocktake_result(request: HttpRequest, pk: int) -> HttpResponse:
    """One stocktake's kept result: missing, wrong-place and unknown numbers."""
    from .models import Stocktake

    record = get_object_or_404(Stocktake.objects.select_related("by"), pk=pk)
    ids = dict(
        Card.objects.filter(
            notice_number__in=[m["notice"] for m in record.missing + record.wrong_place]
        ).values_list("notice_number", "pk")
    )
    return render(
        request,
        "cards/stocktake_result.html",
        {
            "result": record,
            "missing": [m | {"pk": ids.get(m["notice"])} for m in record.missing],
            "wrong_place": [m | {"pk": ids.get(m["notice"])} for m in record.wrong_place],
        },
    )


# -- resident register changes ------------------------------------------------------------------------------


@require_perm("cards.import_cards", "cards.transition_card")
def register_changes(request: HttpRequest) -> HttpResponse:
    """Upload the resident register's change list: every open card it names goes on hold with the reason."""
    from .register_changes import COLUMNS, register_changes_apply

    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        result = register_changes_apply(
            file_name=f.name,
            content=f.read(),
            by=_staff(request),
            encoding=form.cleaned_data["encoding"] or None,
        )
    return render(
        request, "cards/register_changes.html", {"form": form, "result": result, "columns": COLUMNS}
    )
