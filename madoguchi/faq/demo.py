"""Demo FAQ: 72 sample entries written by the project (data/demo_faq.csv), loaded as approved so the
search works in the demo, but flagged is_sample so every screen shows 「サンプル（市の承認待ち）」."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "demo_faq.csv"

# The product ships a general paraphrase layer (faq/paraphrase/: a colloquial → official list for municipal
# procedures and the safe groups of the Sudachi synonym dictionary). Only rules that point at this demo
# collection's own wording stay here, as a city would add its own on the synonym screen.
SYNONYMS = [
    ("e-tax", "確定申告", "通称（このサンプル集の言い方）"),
    ("急ぎ", "特急発行", "このサンプル集の言い方"),
    ("ロック", "暗証番号 間違え", "このサンプル集の言い方"),
]


def load(*, stdout: Any = None) -> str:
    from .models import FaqEntry, Synonym
    from .services import faq_import, synonym_save

    if FaqEntry.objects.filter(slug__isnull=False, is_sample=True).exists():
        return ""
    for term, expansions, note in SYNONYMS:
        if not Synonym.objects.filter(term=term).exists():
            synonym_save(by=None, term=term, expansions=expansions, note=note)
    result = faq_import(data=DATA.read_bytes(), filename=DATA.name, by=None, approve=True, is_sample=True)
    if not result.ok:  # the shipped file is tested; this only guards against local edits
        raise RuntimeError("demo_faq.csv: " + " / ".join(str(e) for e in result.errors))
    return f"質疑応答集: サンプル{result.created}件（承認済み・サンプル表示）と言い換え{len(SYNONYMS)}件"
