"""予約の取込・出力 (staff): bookings to and from the city's other reservation system (reservations.exchange)."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.calendar.models import Office
from madoguchi.lib.exports import ENCODINGS, download, read_table
from madoguchi.lib.jdates import parse_date

from .exchange import (
    EXPORT_COLUMNS,
    INLINE_ROWS,
    OPTIONAL,
    REQUIRED,
    ImportResult,
    bookings_export,
    bookings_import,
)

MAX_BYTES = 20 * 1024 * 1024


def _day(value: str, default: datetime.date) -> datetime.date:
    try:
        return parse_date(value) if value else default
    except ValueError:
        return default


@require_perm("reservations.manage_slots")
def exchange(request: AuthedHttpRequest) -> HttpResponse:
    offices = list(Office.objects.active())
    today = timezone.localdate()
    context: dict = {
        "offices": offices,
        "encodings": ENCODINGS,
        "required": REQUIRED,
        "optional": OPTIONAL,
        "export_columns": EXPORT_COLUMNS,
        "start": today,
        "end": today + datetime.timedelta(days=31),
        "result": None,
        "error": "",
        "inline_rows": INLINE_ROWS,
    }
    if request.method == "POST" and request.POST.get("action") == "export":
        office = next((o for o in offices if o.code == request.POST.get("office")), None)
        start = _day(request.POST.get("start", ""), today)
        end = _day(request.POST.get("end", ""), start + datetime.timedelta(days=31))
        fmt = "xlsx" if request.POST.get("format") == "xlsx" else "csv"
        encoding = "cp932" if request.POST.get("encoding") == "cp932" else "utf-8"
        if end < start or (end - start).days > 366:
            context["error"] = "出力する期間: 終わりの日は始めの日以降、1年以内にしてください。"
            return render(request, "reservations/exchange.html", context, status=400)
        try:
            content = bookings_export(
                by=request.user, office=office, start=start, end=end, fmt=fmt, encoding=encoding
            )
        except UnicodeEncodeError as exc:
            context["error"] = (
                f"Shift_JIS (CP932) にない文字「{exc.object[exc.start : exc.end]}」があるため出力できません。"
                "UTF-8 か XLSX を選んでください。"
            )
            return render(request, "reservations/exchange.html", context, status=400)
        name = f"予約_{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
        kind = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if fmt == "xlsx"
            else f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}"
        )
        return download(content, name, kind)
    if request.method == "POST" and request.POST.get("action") == "import":
        upload = request.FILES.get("file")
        encoding = request.POST.get("encoding", "")
        if upload is None:
            context["error"] = "ファイル: 取り込むファイルを選んでください。"
            return render(request, "reservations/exchange.html", context, status=400)
        if upload.size and upload.size > MAX_BYTES:
            context["error"] = "ファイル: 20MB を超えるファイルは取り込めません。分けてください。"
            return render(request, "reservations/exchange.html", context, status=400)
        data = upload.read()
        try:
            table = read_table(data, upload.name or "", encoding=encoding if encoding in ENCODINGS else None)
        except ValueError as exc:
            context["error"] = f"ファイル: {exc}"
            return render(request, "reservations/exchange.html", context, status=400)
        if len(table.rows) > INLINE_ROWS:
            from madoguchi.jobs.services import JobAlreadyRunning, job_start

            suffix = ".xlsx" if (upload.name or "").lower().endswith(".xlsx") else ".csv"
            path = default_storage.save(f"reservations/imports/{uuid.uuid4().hex}{suffix}", ContentFile(data))
            try:
                job = job_start(
                    kind="reservations.import_bookings",
                    params={"path": path, "filename": (upload.name or "")[:100], "encoding": encoding,
                            "user_id": request.user.pk},
                    user=request.user,
                    lock_key="reservations.import_bookings",
                )  # fmt: skip
            except JobAlreadyRunning as exc:
                default_storage.delete(path)
                job = exc.job
                messages.warning(request, "別の取込が実行中です。終わってからもう一度取り込んでください。")
            return redirect("jobs:detail", pk=job.pk)
        result: ImportResult = bookings_import(table=table, by=request.user, filename=upload.name or "")
        context["result"] = result
        if result.errors:
            return render(request, "reservations/exchange.html", context, status=400)
        messages.success(
            request, f"{result.created}件の予約を登録しました（取込済みのため省略: {result.skipped}件）。"
        )
        return redirect("reservations:exchange")
    return render(request, "reservations/exchange.html", context)
