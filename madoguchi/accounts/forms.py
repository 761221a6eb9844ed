from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest
from django_otp import match_token, user_has_device

from .models import User
from .roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(
        label="ユーザー名",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="パスワード", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp_token = forms.CharField(
        label="ワンタイムパスワード（2段階認証を設定済みの方）",
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        self.otp_device: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if username and password:
            # django-axes counts failures through this call and locks out repeated ones.
            user = authenticate(self.request, username=username, password=password)
            if user is None:
                raise forms.ValidationError(
                    "ユーザー名またはパスワードが正しくありません。", code="invalid_login"
                )
            if not user.is_active:
                raise forms.ValidationError("このアカウントは無効です。", code="inactive")
            if user_has_device(user):
                token = (data.get("otp_token") or "").strip()
                if not token:
                    raise forms.ValidationError(
                        "ワンタイムパスワードを入力してください。", code="token_required"
                    )
                device = match_token(user, token)
                if device is None:
                    raise forms.ValidationError(
                        "ワンタイムパスワードが正しくありません。", code="invalid_token"
                    )
                self.otp_device = device
            self.user = user
        return data


class PasswordResetByAdminForm(forms.Form):
    password = forms.CharField(
        label="仮のパスワード（12文字以上。本人は次回ログイン時に変更します）",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password, user=self.user)
        return password


class TokenForm(forms.Form):
    token = forms.CharField(
        label="認証アプリに表示された6桁の数字",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class AuditSearchForm(forms.Form):
    date_from = forms.DateField(
        label="開始日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label="終了日", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    username = forms.CharField(label="ユーザー名", required=False, max_length=150)
    action = forms.ChoiceField(label="操作", required=False)
    object_type = forms.CharField(label="対象の種類", required=False, max_length=100)
    object_id = forms.CharField(label="対象ID", required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import AuditEvent

        self.fields["action"].choices = [("", "すべて"), *AuditEvent.Action.choices]  # type: ignore[attr-defined]


class StaffCreateForm(forms.Form):
    username = forms.CharField(label="ユーザー名（本人専用）", max_length=150)
    display_name = forms.CharField(label="氏名（表示名）", max_length=100)
    email = forms.EmailField(label="メールアドレス", required=False)
    role = forms.ChoiceField(label="役割", choices=Role.choices)
    password = forms.CharField(
        label="初期パスワード（12文字以上。本人は初回ログイン時に変更します）",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("このユーザー名は既に使われています。")
        if username.lower() in {"shared", "common", "guest", "kyoyo", "operator", "admin"}:
            raise forms.ValidationError(
                "共有アカウントは作れません。職員ごとに本人専用の名前にしてください。"
            )
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            candidate = User(
                username=data.get("username", ""),
                display_name=data.get("display_name", ""),
                email=data.get("email", ""),
            )
            try:
                validate_password(data["password"], user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if not Group.objects.filter(name=role).exists():
            raise forms.ValidationError("役割が見つかりません。")
        return role
