"""FAQ search quality and speed: top-1 / top-3 hit rates on madoguchi/faq/eval/queries.jsonl (demo entries),
beside a plain substring search measured in the same run, and p95 latency with the demo set and with
2,000 entries (generated variants of the demo entries).

    uv run python bench/faq_search.py
"""

from __future__ import annotations

import json
import random
import statistics
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import _django

_django.setup(fresh=False)  # flush is refused by the audit triggers on PostgreSQL: use a fresh database

from madoguchi.faq import demo, search  # noqa: E402
from madoguchi.faq.models import FaqEntry  # noqa: E402

EVAL = Path(__file__).resolve().parent.parent / "madoguchi" / "faq" / "eval" / "queries.jsonl"


def substring_ids(rows: list[dict], query: str, limit: int) -> list[int]:
    """Baseline: every whitespace-separated word of the query must occur (NFKC) in the entry's text —
    what a LIKE '%…%' search box does. Entries matching in the question first, then by id."""
    words = unicodedata.normalize("NFKC", query).split()
    if not words:
        return []

    def text(r: dict, with_answer: bool) -> str:
        body = r["question"] + " " + r["keywords"] + " " + r["category"]
        if with_answer:
            body += " " + r["answer"]
        return unicodedata.normalize("NFKC", body)

    first = [r["id"] for r in rows if all(w in text(r, False) for w in words)]
    rest = [r["id"] for r in rows if r["id"] not in first and all(w in text(r, True) for w in words)]
    return (first + rest)[:limit]


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(round(0.95 * len(values))) - 1)]


def evaluate(queries: list[dict], slug_of: dict[int, str], rows: list[dict]) -> None:
    stats: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    misses = []
    for item in queries:
        expected = set(item["expected"])
        for name in ("search", "substring"):
            t = time.perf_counter()
            if name == "search":
                ids = [h.entry_id for h in search.search(item["query"], limit=3)]
            else:
                ids = substring_ids(rows, item["query"], 3)
            ms = (time.perf_counter() - t) * 1000
            slugs = [slug_of[i] for i in ids]
            top1 = bool(slugs) and slugs[0] in expected
            top3 = bool(expected & set(slugs[:3]))
            for key in ("all", item["style"]):
                stats[name][f"{key}:top1"].append(top1)
                stats[name][f"{key}:top3"].append(top3)
            stats[name]["ms"].append(ms)
            if name == "search" and not top3:
                misses.append((item["style"], item["query"], slugs))
    styles = sorted({q["style"] for q in queries})
    counts = ", ".join(f"{s} {sum(q['style'] == s for q in queries)}" for s in styles)
    print(f"評価クエリ {len(queries)} 件（{counts}）")
    print(f"{'':14}{'top-1':>8}{'top-3':>8}   " + "  ".join(f"{s}(1/3)" for s in styles))
    for name in ("search", "substring"):
        s = stats[name]
        rate = lambda k, s=s: 100 * statistics.mean(s[k])  # noqa: E731
        per_style = "  ".join(f"{rate(st + ':top1'):.0f}/{rate(st + ':top3'):.0f}%" for st in styles)
        label = "faq.search" if name == "search" else "部分一致"
        print(f"{label:14}{rate('all:top1'):7.1f}%{rate('all:top3'):7.1f}%   {per_style}")
    print(
        f"latency (demo {len(rows)} entries): search p50 {statistics.median(stats['search']['ms']):.1f} ms,"
        f" p95 {p95(stats['search']['ms']):.1f} ms; substring p95 {p95(stats['substring']['ms']):.2f} ms"
    )
    if misses:
        print("top-3 に正解が入らなかったクエリ:")
        for style, q, slugs in misses:
            print(f"  [{style}] {q} -> {slugs}")


VARIANT_PREFIX = ["", "（よくある質問）", "【窓口】", "【電話】", "【支所】"]
VARIANT_SUFFIX = [
    "",
    "ご家族の場合も同じです。",
    "詳しくは市民課にお問い合わせください。",
    "総合支所でも同様にご案内しています。",
    "手続の際は本人確認書類をお持ちください。",
]


def scale_to(n: int, queries: list[dict]) -> None:
    """Add generated variants of the demo entries until there are n approved entries, then time queries."""
    from madoguchi.faq.services import bump_search_stamp

    rng = random.Random(2026)
    base = list(FaqEntry.objects.approved().order_by("id"))
    words = [w for e in base for w in e.keyword_list()]
    new = []
    i = 0
    while len(base) + len(new) < n:
        e = base[i % len(base)]
        extra = " ".join(rng.sample(words, 3))
        q = f"{rng.choice(VARIANT_PREFIX)}{e.question}（{extra}）"
        a = f"{e.answer}{rng.choice(VARIANT_SUFFIX)}"
        entry = FaqEntry(category=e.category, question=q, answer=a, keywords=e.keywords, state="approved")
        entry.search_terms = search.entry_terms(
            question=q, answer=a, keywords=e.keywords, category=e.category
        )
        new.append(entry)
        i += 1
    t = time.perf_counter()
    FaqEntry.objects.bulk_create(new, batch_size=500)
    print(f"generated {len(new)} variants (analysis + insert {time.perf_counter() - t:.1f} s)")
    bump_search_stamp()
    t = time.perf_counter()
    index = search.get_index()
    print(
        f"index rebuild from stored terms: {index.size} entries, {len(index.postings)} terms,"
        f" {(time.perf_counter() - t) * 1000:.0f} ms (once per process per stamp)"
    )
    for label, clear in (("query analysis not cached", True), ("repeated queries", False)):
        times = []
        for _ in range(3):
            for item in queries:
                if clear:
                    search.analyze.cache_clear()  # every query analysed by Sudachi from scratch
                t = time.perf_counter()
                search.search(item["query"], limit=10)
                times.append((time.perf_counter() - t) * 1000)
        print(
            f"latency ({index.size} entries, {len(times)} queries, limit 10, {label}):"
            f" p50 {statistics.median(times):.1f} ms, p95 {p95(times):.1f} ms, max {max(times):.1f} ms"
        )


DB_VENDOR = ""


def main() -> None:
    global DB_VENDOR
    from django.db import connection

    DB_VENDOR = connection.vendor
    demo.load()
    queries = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = list(
        FaqEntry.objects.approved().values("id", "slug", "question", "answer", "keywords", "category")
    )
    slug_of = {r["id"]: r["slug"] for r in rows}
    # A fingerprint of every ranked list: run once on SQLite and once on PostgreSQL, the lines must match.
    import hashlib

    ranked = [[h.entry_id - rows[0]["id"] for h in search.search(q["query"], 10)] for q in queries]
    print(f"result fingerprint ({DB_VENDOR}): {hashlib.sha256(json.dumps(ranked).encode()).hexdigest()[:16]}")
    search.get_index()  # warm the process cache and Sudachi, as a running server would be
    search.search("予約")
    evaluate(queries, slug_of, rows)
    scale_to(2000, queries)


if __name__ == "__main__":
    main()
