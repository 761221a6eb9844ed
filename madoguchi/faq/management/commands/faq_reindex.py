from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from madoguchi.faq import search
from madoguchi.faq.models import FaqEntry
from madoguchi.faq.services import bump_search_stamp


class Command(BaseCommand):
    help = "全ての質疑応答の検索語を作り直します（辞書や解析方法を変えた後に実行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for entry in FaqEntry.objects.select_for_update().order_by("id"):
                entry.search_terms = search.entry_terms(
                    question=entry.question,
                    answer=entry.answer,
                    keywords=entry.keywords,
                    category=entry.category,
                )
                entry.save(update_fields=["search_terms"])
                count += 1
            bump_search_stamp()
        self.stdout.write(self.style.SUCCESS(f"{count}件の検索語を作り直しました。"))
