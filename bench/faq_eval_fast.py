"""Fast in-memory FAQ ranking check for development: demo, second, dev and blind2 (never the independent set).

Builds each index from the collection file directly (no database), ranks every query and prints top-1/top-3
per set and per style; `--misses[=set]` lists the failures of the development sets.

    uv run python bench/faq_eval_fast.py [--misses] [--misses=blind2]
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import _django

_django.setup(fresh=False)

from madoguchi.faq import search  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "madoguchi" / "faq"
SETS = {  # the independent set is left out on purpose: it stays unseen by whoever develops the search
    "demo": (ROOT / "data" / "demo_faq.csv", ROOT / "eval" / "queries.jsonl"),
    "second": (ROOT / "eval" / "second" / "collection.csv", ROOT / "eval" / "second" / "queries.jsonl"),
    "dev": (ROOT / "eval" / "dev" / "collection.csv", ROOT / "eval" / "dev" / "queries.csv"),
    "blind2": (ROOT / "eval" / "blind2" / "collection.csv", ROOT / "eval" / "blind2" / "queries.csv"),
}


def index_of(path: Path) -> search.Index:
    rows = []
    with path.open(encoding="utf-8-sig") as f:
        for i, r in enumerate(csv.DictReader(f), start=1):
            rows.append(
                {
                    "id": i,
                    "slug": r.get("識別キー") or f"e{i}",
                    "question": r["質問"],
                    "answer": r["回答"],
                    "keywords": r["キーワード"],
                    "category": r["分類"],
                    "is_sample": False,
                    "search_terms": search.entry_terms(
                        question=r["質問"], answer=r["回答"], keywords=r["キーワード"], category=r["分類"]
                    ),
                }
            )
    return search.build_index(1, rows, [])


def queries_of(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    with path.open(encoding="utf-8-sig") as f:
        return [
            {"query": r["query"], "style": r["style"], "expected": [r["expected_key"]]}
            for r in csv.DictReader(f)
        ]


def main() -> None:
    show = {a.split("=", 1)[1] if "=" in a else "*" for a in sys.argv if a.startswith("--misses")}
    total1 = total3 = n = 0
    for name, (coll, qfile) in SETS.items():
        index = index_of(coll)
        qs = queries_of(qfile)
        st: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
        times = []
        for q in qs:
            t = time.perf_counter()
            slugs = [index.docs[d].slug for d, _s in search.rank(index, q["query"], 3)]
            times.append((time.perf_counter() - t) * 1000)
            exp = set(q["expected"])
            r = (bool(slugs) and slugs[0] in exp, bool(exp & set(slugs)))
            st["all"].append(r)
            st[q["style"]].append(r)
            if not r[0] and (name in show or "*" in show) and name in ("dev", "blind2"):
                print(
                    f"  {'top3' if r[1] else 'MISS'} {name} [{q['style']}] {q['query']} -> {slugs} want {sorted(exp)}"
                )
        per = "  ".join(
            f"{k} {100 * statistics.mean(a for a, _ in v):.0f}/{100 * statistics.mean(b for _, b in v):.0f}"
            for k, v in sorted(st.items())
            if k != "all"
        )
        a1 = 100 * statistics.mean(a for a, _ in st["all"])
        a3 = 100 * statistics.mean(b for _, b in st["all"])
        print(
            f"{name:7} {len(qs):4} q  top-1 {a1:5.1f}%  top-3 {a3:5.1f}%   {per}   rank p50 {statistics.median(times):.1f} ms"
        )
        if name in ("dev", "blind2"):
            total1 += sum(a for a, _ in st["all"])
            total3 += sum(b for _, b in st["all"])
            n += len(qs)
    print(f"dev+blind2 {n} q  top-1 {100 * total1 / n:.1f}%  top-3 {100 * total3 / n:.1f}%")


if __name__ == "__main__":
    main()
