"""Build the print font ahead of the first document (deployments, CI, the demo machine).

The merged font (IPAex + Noto Sans JP + Noto Sans, see madoguchi/lib/pdf.py) is built on first use and kept in
a cache file; building it takes 10–30 s, which a request or a test should not pay. Idempotent: a second run
only reports the existing file."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.lib import pdf


class Command(BaseCommand):
    help = "帳票用フォント（IPAex＋Noto Sans JP の合成 TrueType）を作成してキャッシュに置きます。"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        path = pdf.merged_font_path()
        chars = pdf.jis_x_0213_characters()
        missing = pdf.missing_glyphs("".join(chars))
        self.stdout.write(
            f"{path}（{path.stat().st_size:,} バイト、{time.monotonic() - started:.1f} 秒）\n"
            f"JIS X 0213 の {len(chars):,} 字のうち {len(chars) - len(missing):,} 字を印刷できます"
            + (f"（不足: {''.join(sorted(missing))}）" if missing else "")
        )
