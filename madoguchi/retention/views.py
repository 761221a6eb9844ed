from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import check_perm, require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.jobs.services import JobAlreadyRunning, job_start

from . import services
from .forms import LegalHoldForm
from .models import DeletionRecord, LegalHold
from .rules import rules


@require_perm("retention.view_deletionrecord")
def index(request: HttpRequest) -> HttpResponse:
    latest_dry = DeletionRecord.objects.filter(dry_run=True).order_by("-at").first()
    dry = list(DeletionRecord.objects.filter(dry_run=True, at=latest_dry.at)) if latest_dry else []
    page = Paginator(DeletionRecord.objects.filter(dry_run=False), 50).get_page(request.GET.get("page"))
    context = {
        "rules": rules(),
        "dry": dry,
        "dry_at": latest_dry.at if latest_dry else None,
        "page": page,
        "approval": services.approval_current(),
        "holds": LegalHold.objects.filter(released_at__isnull=True),
        "hold_form": LegalHoldForm() if request.user.has_perm("retention.add_legalhold") else None,
    }
    return render(request, "retention/index.html", context)


@require_perm("retention.view_deletionrecord")
@require_POST
def dry_run(request: AuthedHttpRequest) -> HttpResponse:
    try:
        job = job_start(
            kind="retention.purge", params={"dry_run": True}, user=request.user, lock_key="retention.purge"
        )
    except JobAlreadyRunning as exc:
        messages.info(request, "削除または試算が実行中です。")
        return redirect(exc.job)
    return redirect(job)


@require_perm("retention.approve_retention")
@require_POST
def approve(request: HttpRequest) -> HttpResponse:
    try:
        services.retention_approve(by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "現在の保存期間での削除を承認しました。毎日2時の処理から削除されます。")
    return redirect("retention:index")


@require_perm("retention.add_legalhold")
@require_POST
def hold_add(request: HttpRequest) -> HttpResponse:
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        try:
            services.legal_hold_add(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "保全を登録しました。対象期間の記録は削除されません。")
    else:
        messages.error(request, "保全の登録内容を確認してください（" + "、".join(form.errors) + "）。")
    return redirect("retention:index")


@require_POST
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    check_perm(request, "retention.add_legalhold")
    hold = get_object_or_404(LegalHold, pk=pk, released_at__isnull=True)
    services.legal_hold_release(hold=hold, by=request.user)  # type: ignore[arg-type]
    messages.success(request, "保全を解除しました。")
    return redirect("retention:index")
