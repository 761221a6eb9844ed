from django.apps import AppConfig


class LibConfig(AppConfig):
    """No models: shared Japanese text/date helpers, privacy checks, exports, template filters."""

    name = "madoguchi.lib"
    label = "lib"
    verbose_name = "共通ライブラリ"
