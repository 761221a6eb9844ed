"""Demo FAQ: 72 sample entries written by the project (data/demo_faq.csv), loaded as approved so the
search works in the demo, but flagged is_sample so every screen shows 「サンプル（市の承認待ち）」."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "demo_faq.csv"

SYNONYMS = [
    ("なくした", "紛失", "話し言葉"),
    ("無くした", "紛失", "話し言葉"),
    ("落とした", "紛失", "話し言葉"),
    ("盗まれた", "盗難 紛失", "話し言葉"),
    ("パスワード", "暗証番号", "言い換え"),
    ("紐づけ", "ひも付け 利用登録", "表記ゆれ"),
    ("紐付け", "ひも付け 利用登録", "表記ゆれ"),
    ("マイナ保険証", "健康保険証 利用登録", "通称"),
    ("保険証", "健康保険証", "略称"),
    ("住基カード", "住民基本台帳カード", "略称"),
    ("キャンセル", "取消", "言い換え"),
    ("引っ越し", "転入 転居 住所", "話し言葉"),
    ("引越し", "転入 転居 住所", "話し言葉"),
    ("はがき", "交付通知書", "通称"),
    ("ハガキ", "交付通知書", "通称"),
    ("身分証", "本人確認書類", "言い換え"),
    ("免許証", "本人確認書類", "言い換え"),
    ("期限切れ", "有効期限", "言い換え"),
    ("更新", "有効期限", "言い換え"),
    ("海外", "国外転出", "言い換え"),
    ("急ぎ", "特急発行", "言い換え"),
    ("赤ちゃん", "新生児 出生", "話し言葉"),
    ("作り直し", "再交付", "話し言葉"),
    ("再発行", "再交付", "言い換え"),
    ("e-tax", "確定申告", "通称"),
    ("コンビニ", "コンビニ交付", "通称"),
    ("ロック", "暗証番号 間違え", "話し言葉"),
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
