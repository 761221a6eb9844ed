"""Build `sudachi_synonyms.tsv` (shipped) from the Sudachi synonym dictionary (Apache-2.0, Works Applications).

The source is the npm package `sudachi-synonyms-dictionary` (a JSON copy of SudachiDict's synonyms.txt):

    npm pack sudachi-synonyms-dictionary && tar xzf sudachi-synonyms-dictionary-*.tgz
    uv run python -m madoguchi.faq.paraphrase.build_sudachi_synonyms package/sudachi-synonyms-dictionary.json

Only "safe" groups are kept (docs/faq.md, "Paraphrase layer"):
- no proper-name or specialist fields (companies, people, places, products, sports, music, food …);
- every headword is one Sudachi token (its normalised form is what the index stores) of 2+ characters;
- a group keeps at most MAX_GROUP distinct words (big groups are loose associations, not synonyms);
- a headword with expansion flag 2 (never expand) is dropped; flag 1 (expand to, never from) is kept as target only.
Each output line is one group: `word/vocabulary/trigger` fields separated by tabs, where words with the same
vocabulary number are spellings or abbreviations of one another (strong) and other pairs are near synonyms (weaker).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXCLUDED_FIELDS = {
    "企業名", "旧企業名", "人名", "大学名", "組織名", "旧組織名", "店名", "店", "キャラ", "不快", "商品",
    "スポーツ", "音楽", "娯楽", "ファッション", "料理", "動植物", "地名", "国名", "美容", "化学", "観光", "地形",
    "色", "単位",
}  # fmt: skip
MAX_GROUP = 8
OUT = Path(__file__).resolve().parent / "sudachi_synonyms.tsv"


def main(source: str) -> None:
    from sudachipy import dictionary, tokenizer

    from madoguchi.faq.search import fold

    tok = dictionary.Dictionary(dict="core").tokenizer()
    mode = tokenizer.Tokenizer.SplitMode.C
    groups = json.loads(Path(source).read_text(encoding="utf-8"))
    lines = []
    for group in groups:
        items = group["items"]
        if any(set(i["bunya"]) & EXCLUDED_FIELDS for i in items):
            continue
        words: dict[str, tuple[int, bool]] = {}
        for item in items:
            if item["expandControl"] == 2:
                continue
            morphemes = tok.tokenize(item["midashi"], mode)
            if len(morphemes) != 1 or morphemes[0].part_of_speech()[0] in {
                "助詞",
                "助動詞",
                "補助記号",
                "記号",
            }:
                continue
            norm = fold(morphemes[0].normalized_form())
            if len(norm) < 2:
                continue
            vocab = int(item["vocabularyNumber"] or 0)
            trigger = item["expandControl"] == 0
            old = words.get(norm)
            words[norm] = (vocab if old is None else old[0], trigger or (old is not None and old[1]))
        if 2 <= len(words) <= MAX_GROUP and any(t for _v, t in words.values()):
            lines.append("\t".join(f"{w}/{v}/{int(t)}" for w, (v, t) in sorted(words.items())))
    header = "# Sudachi synonym dictionary (SudachiDict synonyms.txt, Apache-2.0), safe groups; see build_sudachi_synonyms.py\n"
    OUT.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    sys.stdout.write(f"{len(lines)} groups -> {OUT}\n")


if __name__ == "__main__":
    main(sys.argv[1])
