"""Password rules besides Django's (length 12, common list, all-digits, similarity to the user's attributes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

CONTEXT_WORDS = ("password", "passw0rd", "madoguchi", "qwerty", "mynumber")


class PasswordVarietyValidator:
    """Refuse passwords of few distinct characters (`aaaaaaaaaaaa`), that contain the user's name, or a word of
    this service (ASVS 6.2: context-specific words)."""

    def __init__(self, min_distinct: int = 6) -> None:
        self.min_distinct = min_distinct

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        if len(set(lowered)) < self.min_distinct:
            raise ValidationError(
                f"同じ文字の繰り返しが多すぎます。{self.min_distinct}種類以上の文字を使ってください。",
                code="password_too_repetitive",
            )
        names = [getattr(user, attr, "") or "" for attr in ("username", "display_name")] if user else []
        for name in names:
            if len(name) >= 3 and name.lower() in lowered:
                raise ValidationError(
                    "ユーザー名や氏名を含むパスワードは使えません。", code="password_has_name"
                )
        for word in CONTEXT_WORDS:
            if word in lowered:
                raise ValidationError(
                    "「password」やサービス名など推測されやすい語を含むパスワードは使えません。",
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return f"{self.min_distinct}種類以上の文字を使い、氏名やユーザー名を含めないでください。"
