"""質疑応答集の利用状況: the FAQ app's published monthly usage (`faq.selectors.faq_usage_month`).

Per month: operator searches, searches that found nothing, calls answered with an entry. For a single month
also the entries that answered most calls and the most frequent searches that found nothing (the words the
FAQ should be updated for, spec 2 ⑥ 質疑応答集の作成、更新). The search log keeps queries with phone numbers,
addresses and names already removed (`faq.privacy.check_query`), so what is printed carries no personal data.
"""

from __future__ import annotations

from madoguchi.faq.selectors import faq_usage_month

from . import Period, Section, Table
from .others import _months

TOP = 10


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def faq_usage(period: Period) -> Section:
    section = Section(
        key="faq",
        title="質疑応答集の利用状況",
        note="オペレーターが通話中に質疑応答集を検索した回数と、回答に使われた項目（検索語の個人情報は記録時に除去済み）。",
    )
    months = _months(period)
    rows = []
    totals = [0, 0, 0]
    approved = 0
    usages = [faq_usage_month(year=y, month=m, top=TOP) for y, m in months]
    for usage in usages:
        key = f"{usage.year}-{usage.month:02d}"
        label = f"{usage.month}月"
        searches = section.figure(f"{key}.searches", f"{label} 質疑応答集の検索", usage.searches)
        zero = section.figure(f"{key}.zero_hit", f"{label} 該当なしの検索", usage.zero_hit)
        answered = section.figure(f"{key}.answered", f"{label} 回答に使用", usage.answered)
        rows.append([label, searches, zero, _percent(zero, searches), answered])
        totals = [totals[0] + searches, totals[1] + zero, totals[2] + answered]
        approved = usage.approved_entries
    total = None
    if len(months) > 1:
        total = ["計", totals[0], totals[1], _percent(totals[1], totals[0]), totals[2]]
    section.tables.append(
        Table(
            "検索と回答",
            ["月", "検索回数", "該当なし", "該当なしの割合", "回答に使用した通話"],
            rows,
            total=total,
            numeric=(1, 2, 4),
        )
    )
    # The number of approved entries is the state when the report is built (the FAQ keeps no history of
    # it): shown, but not compared with a submission.
    section.figure("approved_entries", "承認済みの質疑応答（作成時点）", approved, volatile=True)
    section.tables.append(
        Table("質疑応答集", ["項目", "件数"], [["承認済みの質疑応答（作成時点）", approved]], numeric=(1,))
    )
    if len(usages) == 1:
        usage = usages[0]
        section.tables.append(
            Table(
                f"回答に使われた質疑応答（上位{TOP}件）",
                ["No.", "質問", "通話数"],
                [[f"FAQ-{u.entry_id}", u.question, u.count] for u in usage.top_answered],
                numeric=(2,),
                empty_text="この月に回答に使われた質疑応答はありません。",
                widths=(0.14, 0.72, 0.14),
            )
        )
        section.tables.append(
            Table(
                f"該当なしだった検索語（上位{TOP}件・質疑応答集の更新候補）",
                ["検索語", "回数"],
                [[query, n] for query, n in usage.top_misses],
                numeric=(1,),
                empty_text="該当なしの検索はありません。",
                widths=(0.8, 0.2),
            )
        )
    return section
