from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.calendar.services import office_day_hours
from madoguchi.lib.exports import csv_bytes, download
from madoguchi.lib.htmx import render_page_or_fragment
from madoguchi.lib.listing import Column, Listing

from .access import require_perm
from .context_processors import app_order
from .forms import AuditSearchForm, LoginForm, PasswordResetByAdminForm, StaffCreateForm, TokenForm
from .http import AuthedHttpRequest
from .models import AuditEvent, TwoFactorApproval, User
from .reveal import field_label, reveal_dom_id, revealable
from .services import (
    audit_record,
    password_change,
    staff_create,
    staff_deactivate,
    staff_password_reset,
    two_factor_approve,
    two_factor_request,
)


@login_not_required
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = LoginForm(request, request.POST or None)
    if request.method == "POST":
        if form.is_valid() and form.user is not None:
            login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
            if form.otp_device is not None:
                otp_login(request, form.otp_device)
            audit_record(actor=form.user, action=AuditEvent.Action.LOGIN, obj=form.user, request=request)
            next_url = request.GET.get("next", "")
            if next_url.startswith("/") and not next_url.startswith("//"):
                return redirect(next_url)
            return redirect("accounts:dashboard")
        audit_record(
            actor=None,
            action=AuditEvent.Action.LOGIN_FAILED,
            object_type="accounts.user",
            request=request,
        )
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audit_record(actor=request.user, action=AuditEvent.Action.LOGOUT, obj=request.user, request=request)  # type: ignore[arg-type]
    logout(request)
    messages.info(request, "ログアウトしました。")
    return redirect("accounts:login")


def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    widgets = []
    configs = {c.label: c for c in apps.get_app_configs()}
    for label in app_order(request.user):
        for template, perm in getattr(configs[label], "dashboard_widgets", []):
            if perm is None or request.user.has_perm(perm):
                widgets.append(template)
    return render(
        request,
        "accounts/dashboard.html",
        {"today": today, "office_hours": office_day_hours(today), "widgets": widgets},
    )


def _audit_queryset(form: AuditSearchForm):
    qs = AuditEvent.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            qs = qs.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(at__date__lte=data["date_to"])
        if data["username"]:
            qs = qs.filter(actor_username__icontains=data["username"])
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["object_type"]:
            qs = qs.filter(object_type__icontains=data["object_type"])
        if data["object_id"]:
            qs = qs.filter(object_id=data["object_id"])
    return qs


# The filters are applied by _audit_queryset (the export shares them); the listing counts, orders and pages.
AUDIT_EVENTS = Listing(
    name="accounts.audit",
    title="監査ログ",
    columns=[Column("at", "日時", order_by="at")],
    ordering=("-at", "-pk"),
    per_page=100,
    keep_params=tuple(AuditSearchForm.base_fields),
)


@require_perm("accounts.view_auditevent")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    listing = AUDIT_EVENTS.result(request, _audit_queryset(form))
    return render(request, "accounts/audit_list.html", {"form": form, "list": listing, "page": listing.page})


@require_perm("accounts.view_auditevent", "accounts.export_auditevent")
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    qs = _audit_queryset(form)
    encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8"
    header = ["日時", "ユーザー名", "操作", "対象の種類", "対象ID", "接続元", "画面", "詳細"]
    rows = (
        [
            timezone.localtime(e.at).isoformat(timespec="seconds"),
            e.actor_username,
            e.get_action_display(),
            e.object_type,
            e.object_id,
            e.ip_address or "",
            e.path,
            e.detail,
        ]
        for e in qs.iterator()
    )
    content = csv_bytes(header, rows, encoding=encoding)
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditEvent.Action.EXPORT,
        object_type="accounts.auditevent",
        request=request,
        detail={
            "filters": {k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return download(content, f"監査ログ_{stamp}.csv", "text/csv")


def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a confirmed TOTP device for this session, or enrol a new one: the user proves a code, then an
    administrator other than the user approves it (until then the device cannot be used)."""
    user: User = request.user  # type: ignore[assignment]
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=False)
    pending = not device.confirmed and TwoFactorApproval.objects.filter(device=device).exists()
    form = TokenForm(request.POST or None)
    if request.method == "POST" and not pending and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            if not device.confirmed:
                two_factor_request(device=device, request=request)
                messages.info(request, "登録を受け付けました。管理者の承認後に使えるようになります。")
                return redirect("accounts:two_factor")
            otp_login(request, device)
            messages.success(request, "2段階認証が確認できました。")
            return redirect("accounts:dashboard")
        form.add_error(
            "token", "数字が正しくありません。時刻のずれがないか確認してもう一度入力してください。"
        )
    import base64

    secret = base64.b32encode(device.bin_key).decode() if not device.confirmed and not pending else ""
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "device": device,
            "pending": pending,
            "secret": secret,
            "config_url": device.config_url if secret else "",
        },
    )


def password_change_view(request: HttpRequest) -> HttpResponse:
    """Self-service password change (also where a temporary password must be replaced)."""
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.forms import PasswordChangeForm

    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_change(user=user, password=form.cleaned_data["new_password1"], request=request)
        update_session_auth_hash(request, user)
        messages.success(request, "パスワードを変更しました。")
        return redirect("accounts:dashboard")
    return render(
        request, "accounts/password_change.html", {"form": form, "forced": user.must_change_password}
    )


@require_perm("accounts.manage_accounts")
def staff_password_reset_view(request: HttpRequest, user_id: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    target = get_object_or_404(User, pk=user_id)
    form = PasswordResetByAdminForm(target, request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff_password_reset(
            user=target,
            password=form.cleaned_data["password"],
            by=request.user,  # type: ignore[arg-type]
            request=request,
        )
        messages.success(
            request,
            f"「{target.username}」に仮のパスワードを設定しました。次回ログイン時に変更が求められます。",
        )
        return redirect("accounts:staff_list")
    return render(request, "accounts/staff_password.html", {"form": form, "target": target})


@require_perm("accounts.manage_accounts")
@require_POST
def staff_two_factor_approve(request: HttpRequest, approval_id: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    approval = get_object_or_404(TwoFactorApproval, pk=approval_id)
    two_factor_approve(approval=approval, by=request.user, request=request)  # type: ignore[arg-type]
    messages.success(request, "2段階認証の登録を承認しました。")
    return redirect("accounts:staff_list")


@require_perm("accounts.manage_accounts")
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        staff_create(
            username=data["username"],
            password=data["password"],
            role=data["role"],
            display_name=data["display_name"],
            email=data["email"],
            by=request.user,  # type: ignore[arg-type]
            must_change_password=True,
        )
        messages.success(request, f"アカウント「{data['username']}」を作成しました。")
        return redirect("accounts:staff_list")
    users = User.objects.prefetch_related("groups").order_by("username")
    pending = TwoFactorApproval.objects.filter(approved_at__isnull=True).select_related("device__user")
    return render(request, "accounts/staff_list.html", {"form": form, "users": users, "pending": pending})


@require_perm("accounts.manage_accounts")
@require_POST
def staff_deactivate_view(request: HttpRequest, user_id: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    target = get_object_or_404(User, pk=user_id)
    try:
        staff_deactivate(user=target, by=request.user, request=request)  # type: ignore[arg-type]
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"アカウント「{target.username}」を無効にしました。")
    return redirect("accounts:staff_list")


@require_POST
def reveal(request: AuthedHttpRequest, key: str, pk: int, field: str) -> HttpResponse:
    """「表示」 on a masked address or phone: one audit row (field name only), then the value (docs/security.md)."""
    entry = revealable(key)
    if entry is None or field not in entry.fields:
        raise Http404("表示できる項目ではありません。")
    if not request.user.has_perm(entry.permission):
        raise PermissionDenied("この情報を見る権限がありません。")
    obj = get_object_or_404(entry.model._default_manager.all(), pk=pk)
    value = str(getattr(obj, field) or "")
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=obj,
        request=request,
        detail={"reveal": field},
    )
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    context = {
        "label": field_label(obj, field),
        "value": value,
        "dom_id": reveal_dom_id(key, pk, field),
        "back": back,
    }
    return render_page_or_fragment(request, "accounts/revealed.html", "accounts/_revealed.html", context)
