"""Japanese FAQ search: analysis (NFKC + SudachiPy + bigrams), query synonyms, and BM25F ranking.

Design (docs/faq.md has the long form):
- Every entry is analysed once, when it is saved, into per-field term counts stored on the row
  (`FaqEntry.search_terms`). Terms carry a class prefix:
    w:  SudachiPy normalised form (split mode C, plus the mode-A parts of compounds) — 受取/受け取り meet
    r:  reading form (katakana) of the same tokens — うけとり meets 受取
    g:  character bigrams of the NFKC, kana-folded text — short queries (暗証) and kanji typos still match
    y:  bigrams of the reading string — kana queries with a typo (あんしょうばんご) still match
- The in-memory index (term -> postings) is built from those stored lists, never by re-tokenising, and is
  cached per process under the stamp in `SearchIndexState`; any change to approved entries or synonyms
  bumps the stamp in the same transaction, so every app server rebuilds on its next query.
- Ranking is BM25F: field weights (question > keywords > category = answer) are applied to term
  frequencies, with document-length normalisation per term class (word terms and bigram terms have
  very different lengths). Term classes are weighted so that bigrams are a fallback, not the driver.
- Ties are broken by entry id, scores rounded, so SQLite and PostgreSQL return identical lists.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ANALYZER_VERSION = 2  # bump when analysis changes; `faq_reindex` re-analyses stored entries

FIELD_WEIGHTS = {"q": 3.0, "k": 2.0, "c": 1.0, "a": 1.0}
CLASS_WEIGHTS = {"w": 1.0, "r": 0.6, "g": 0.3, "y": 0.2}
SYNONYM_FACTOR = 0.9
K1 = 1.2
B = 0.6
RELATIVE_CUTOFF = 0.12  # drop hits scoring below this share of the best hit (bigram noise)

# Function words carry no meaning for search. Sudachi's part of speech tells us which they are.
_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# Normalised forms that appear in nearly every spoken question ("…したいんですけど").
STOPWORDS = {
    "する", "為る", "ある", "有る", "在る", "いる", "居る", "なる", "成る", "できる", "出来る", "いう", "言う",
    "こと", "事", "もの", "物", "よう", "様", "ため", "為", "ところ", "所", "とき", "時", "の", "ん",
    "くださる", "下さる", "ください", "いただく", "頂く", "おる", "れる", "られる", "せる",
    "これ", "それ", "あれ", "どれ", "この", "その", "あの", "どの", "ここ", "そこ", "どこ",
    "何", "なに", "なん", "どう", "どうして", "いい", "良い", "よい", "わかる", "分かる",
    "教える", "知る", "思う", "たい", "ちょっと", "えっと", "ええと", "あのう", "はい",
    "さん", "方", "私", "わたし", "僕", "自分", "今", "今日",
}  # fmt: skip

_SPLIT = re.compile(r"[\s、。，．,.!?！？「」『』（）()\[\]【】・:：;；/／~〜～\-ー―]+")
_KEEP_IN_BIGRAM = re.compile(r"[\s、。，．,.!?！？「」『』（）()\[\]【】・:：;；/／~〜～]+")


def fold(text: str) -> str:
    """NFKC, lower case, katakana to hiragana: the form in which spellings are compared."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


# ---------------------------------------------------------------- analysis

_local = threading.local()


def _tokenizer() -> Any:
    # Sudachi tokenizers are not thread-safe: one per thread.
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        from sudachipy import dictionary

        tok = dictionary.Dictionary(dict="core").tokenizer()
        _local.tokenizer = tok
    return tok


def _modes() -> tuple[Any, Any]:
    from sudachipy import tokenizer

    return tokenizer.Tokenizer.SplitMode.C, tokenizer.Tokenizer.SplitMode.A


@dataclass
class Analysis:
    words: list[str] = field(default_factory=list)  # w: normalised forms (with stopwords removed)
    readings: list[str] = field(default_factory=list)  # r: katakana readings of the same tokens
    reading_text: str = ""  # readings of all meaningful tokens, concatenated (for y: bigrams)
    surfaces: list[str] = field(default_factory=list)  # folded surfaces (for excerpts and highlighting)


def _keep(m: Any) -> bool:
    pos = m.part_of_speech()[0]
    return pos not in _SKIP_POS


def _is_stop(norm: str) -> bool:
    return norm in STOPWORDS or len(norm) == 1 and ("ぁ" <= norm <= "ゖ" or "ァ" <= norm <= "ヶ")


@lru_cache(maxsize=20000)
def analyze(text: str) -> Analysis:
    """Sudachi analysis of NFKC text: mode C tokens plus the mode A parts of compounds."""
    text = unicodedata.normalize("NFKC", text or "")
    result = Analysis()
    if not text.strip():
        return result
    mode_c, mode_a = _modes()
    reading_parts: list[str] = []
    # Sudachi has an input size limit; long answers are analysed sentence by sentence.
    for chunk in re.split(r"(?<=[。\n])", text):
        if not chunk.strip():
            continue
        for m in _tokenizer().tokenize(chunk[:4000], mode_c):
            if not _keep(m):
                continue
            surface = fold(m.surface())
            norm = fold(m.normalized_form())
            reading = fold(m.reading_form())
            reading_parts.append(reading)
            result.surfaces.append(surface)
            if _is_stop(norm) or _is_stop(surface):
                continue
            result.words.append(norm)
            if reading and reading != norm:
                result.readings.append(reading)
            parts = m.split(mode_a)
            if len(parts) > 1:
                for p in parts:
                    pn = fold(p.normalized_form())
                    if not _is_stop(pn) and p.part_of_speech()[0] not in _SKIP_POS:
                        result.words.append(pn)
                        pr = fold(p.reading_form())
                        if pr and pr != pn:
                            result.readings.append(pr)
    result.reading_text = "".join(reading_parts)
    return result


def bigrams(text: str) -> list[str]:
    """Character bigrams of each run of folded text (punctuation and spaces split runs)."""
    out: list[str] = []
    for run in _KEEP_IN_BIGRAM.split(fold(text)):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def field_terms(text: str, *, reading_bigrams: bool = True) -> list[str]:
    a = analyze(text)
    terms = [f"w:{w}" for w in a.words] + [f"r:{r}" for r in a.readings]
    terms += [f"g:{g}" for g in bigrams(text)]
    if reading_bigrams:
        terms += [f"y:{g}" for g in bigrams(a.reading_text)]
    return terms


def _bag(terms: list[str]) -> dict[str, int]:
    bag: dict[str, int] = {}
    for t in terms:
        bag[t] = bag.get(t, 0) + 1
    return bag


def entry_terms(*, question: str, answer: str, keywords: str, category: str) -> dict[str, Any]:
    """What is stored on FaqEntry.search_terms: per field, each term with its count (a compact token list
    that decodes fast when every app server builds its index)."""
    return {
        "analyzer": ANALYZER_VERSION,
        "q": _bag(field_terms(question)),
        "k": _bag(field_terms(keywords)),
        "c": _bag(field_terms(category)),
        # Reading bigrams of long answers add memory and noise, not recall.
        "a": _bag(field_terms(answer, reading_bigrams=False)),
    }


# ---------------------------------------------------------------- synonyms


@dataclass(frozen=True)
class SynonymRule:
    term: str
    folded: str
    signature: frozenset[str]  # the term's word terms; a query containing all of them triggers the rule
    expansions: tuple[str, ...]


def compile_synonyms(rows: list[tuple[str, list[str]]]) -> list[SynonymRule]:
    rules = []
    for term, expansions in rows:
        words = frozenset(f"w:{w}" for w in analyze(term).words)
        rules.append(SynonymRule(term=term, folded=fold(term), signature=words, expansions=tuple(expansions)))
    return rules


# ---------------------------------------------------------------- index


@dataclass
class Doc:
    id: int
    slug: str
    question: str
    answer: str
    category: str
    is_sample: bool


@dataclass
class Index:
    stamp: int
    docs: list[Doc]
    postings: dict[str, tuple[array, array]]  # term -> (doc positions, BM25 tf part per posting)
    synonyms: list[SynonymRule]

    @property
    def size(self) -> int:
        return len(self.docs)


def build_index(stamp: int, rows: list[dict[str, Any]], synonym_rows: list[tuple[str, list[str]]]) -> Index:
    """rows: dicts with id, slug, question, answer, category, keywords, is_sample, search_terms."""
    docs: list[Doc] = []
    post_docs: dict[str, list[int]] = {}
    post_tfs: dict[str, list[float]] = {}
    lengths: dict[str, list[float]] = {c: [] for c in CLASS_WEIGHTS}
    fields = list(FIELD_WEIGHTS.items())
    for pos, row in enumerate(sorted(rows, key=lambda r: r["id"])):
        terms = row.get("search_terms") or {}
        if terms.get("analyzer") != ANALYZER_VERSION:
            terms = entry_terms(
                question=row["question"],
                answer=row["answer"],
                keywords=row["keywords"],
                category=row["category"],
            )
        docs.append(
            Doc(
                id=row["id"],
                slug=row.get("slug") or "",
                question=row["question"],
                answer=row["answer"],
                category=row["category"],
                is_sample=bool(row.get("is_sample")),
            )
        )
        weighted: dict[str, float] = {}
        get = weighted.get
        for fname, weight in fields:
            for term, count in terms.get(fname, {}).items():
                weighted[term] = get(term, 0.0) + weight * count
        length = dict.fromkeys(CLASS_WEIGHTS, 0.0)
        for term, tf in weighted.items():
            length[term[0]] += tf
            plist = post_docs.get(term)
            if plist is None:
                post_docs[term] = [pos]
                post_tfs[term] = [tf]
            else:
                plist.append(pos)
                post_tfs[term].append(tf)
        for c in CLASS_WEIGHTS:
            lengths[c].append(length[c])
    n = max(len(docs), 1)
    avg = {c: (sum(lengths[c]) / n) or 1.0 for c in CLASS_WEIGHTS}
    # Precompute each posting's BM25 term-frequency part (it does not depend on the query), so a query
    # only multiplies by its term weight and idf.
    k1_plus = K1 + 1.0
    norms = {c: [K1 * (1.0 - B + B * length / avg[c]) for length in lengths[c]] for c in CLASS_WEIGHTS}
    postings = {}
    for t, pdocs in post_docs.items():
        cls_norms = norms[t[0]]
        impacts = array(
            "f", [tf * k1_plus / (tf + cls_norms[d]) for d, tf in zip(pdocs, post_tfs[t], strict=True)]
        )
        postings[t] = (array("i", pdocs), impacts)
    return Index(
        stamp=stamp,
        docs=docs,
        postings=postings,
        synonyms=compile_synonyms(synonym_rows),
    )


# ---------------------------------------------------------------- query


def matching_rules(index: Index, query: str) -> list[SynonymRule]:
    """Synonym rules the query triggers: its term occurs in the query, or all the term's words do."""
    folded_query = fold(query)
    own_words = {f"w:{w}" for w in analyze(query).words}
    return [
        rule
        for rule in index.synonyms
        if (rule.folded and rule.folded in folded_query) or (rule.signature and rule.signature <= own_words)
    ]


def query_terms(index: Index, query: str) -> dict[str, float]:
    """Weighted query terms: the query's own, its synonyms' (slightly less), and bigram fallbacks."""
    weights: dict[str, float] = {}

    def add(terms: list[str], factor: float) -> None:
        for t in terms:
            w = CLASS_WEIGHTS[t[0]] * factor
            if w > weights.get(t, 0.0):
                weights[t] = w

    own = field_terms(query)
    add(own, 1.0)
    folded_query = fold(query)
    for rule in matching_rules(index, query):
        for expansion in rule.expansions:
            add(field_terms(expansion), SYNONYM_FACTOR)
    # A one-character query has no bigram of its own: take every indexed bigram that contains it.
    core = _SPLIT.sub("", folded_query)
    if len(core) == 1:
        for t in index.postings:
            if t.startswith("g:") and core in t[2:]:
                weights.setdefault(t, CLASS_WEIGHTS["g"])
    return weights


@dataclass(frozen=True)
class Hit:
    entry_id: int
    question: str
    excerpt: str
    score: float
    category: str = ""
    slug: str = ""
    is_sample: bool = False
    answer: str = ""  # the whole answer, so a call screen can show it without leaving the call


def rank(index: Index, query: str, limit: int = 10) -> list[tuple[int, float]]:
    """[(doc position, score)], best first, ties by entry id."""
    if not query or not query.strip() or not index.docs:
        return []
    n = len(index.docs)
    scores = [0.0] * n
    touched = False
    for term, qw in query_terms(index, query).items():
        posting = index.postings.get(term)
        if posting is None:
            continue
        docs, impacts = posting
        df = len(docs)
        factor = qw * math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        touched = True
        for d, impact in zip(docs, impacts, strict=True):
            scores[d] += factor * impact
    if not touched:
        return []
    docs = index.docs
    ranked = heapq.nsmallest(limit, ((-round(s, 6), docs[d].id, d) for d, s in enumerate(scores) if s > 0.0))
    if not ranked:
        return []
    best = -ranked[0][0]
    return [(d, -neg) for neg, _id, d in ranked if -neg >= best * RELATIVE_CUTOFF]


def excerpt(answer: str, query: str, width: int = 90) -> str:
    """A window of the answer around the first query word it contains, else its beginning."""
    text = re.sub(r"\s+", " ", answer).strip()
    folded = fold(text)
    start = -1
    for s in sorted(set(analyze(query).surfaces) | set(analyze(query).words), key=len, reverse=True):
        if len(s) >= 2:
            start = folded.find(s)
            if start >= 0:
                break
    if start < 0 or start < width // 3:
        return text[:width] + ("…" if len(text) > width else "")
    begin = max(0, start - width // 3)
    return "…" + text[begin : begin + width] + ("…" if begin + width < len(text) else "")


# ---------------------------------------------------------------- process cache + public API

_cache_lock = threading.Lock()
_cached: Index | None = None


def current_stamp() -> int:
    from .models import SearchIndexState

    stamp = SearchIndexState.objects.values_list("stamp", flat=True).first()
    return int(stamp or 0)


def load_index(stamp: int) -> Index:
    from .models import FaqEntry, Synonym

    rows = list(
        FaqEntry.objects.approved().values(
            "id", "slug", "question", "answer", "category", "keywords", "is_sample", "search_terms"
        )
    )
    for row in rows:
        if (row["search_terms"] or {}).get("analyzer") != ANALYZER_VERSION:
            # Stored by an older analyser (after an upgrade): re-analyse once and keep the result.
            row["search_terms"] = entry_terms(
                question=row["question"],
                answer=row["answer"],
                keywords=row["keywords"],
                category=row["category"],
            )
            FaqEntry.objects.filter(pk=row["id"]).update(search_terms=row["search_terms"])
    synonym_rows = [(s.term, s.expansion_list()) for s in Synonym.objects.order_by("term")]
    return build_index(stamp, rows, synonym_rows)


def get_index() -> Index:
    """The index for the current stamp; rebuilt from the stored term lists when the stamp moved."""
    global _cached
    stamp = current_stamp()
    index = _cached
    if index is not None and index.stamp == stamp:
        return index
    with _cache_lock:
        if _cached is not None and _cached.stamp == stamp:
            return _cached
        _cached = load_index(stamp)
        return _cached


def clear_cache() -> None:
    global _cached
    with _cache_lock:
        _cached = None


def search(query: str, limit: int = 10) -> list[Hit]:
    """Ranked approved FAQ entries for a free-text Japanese query (the operator screen calls this)."""
    limit = max(1, min(int(limit), 100))
    index = get_index()
    hits = []
    for pos, score in rank(index, query, limit):
        doc = index.docs[pos]
        hits.append(
            Hit(
                entry_id=doc.id,
                question=doc.question,
                excerpt=excerpt(doc.answer, query),
                score=score,
                category=doc.category,
                slug=doc.slug,
                is_sample=doc.is_sample,
                answer=doc.answer,
            )
        )
    return hits


def substring_search(rows: list[dict[str, Any]], query: str, limit: int = 10) -> list[int]:
    """The baseline the benchmark compares against: entries whose text contains the whole query
    (NFKC), questions first, then by id."""
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        return []
    in_question = [r["id"] for r in rows if q in unicodedata.normalize("NFKC", r["question"])]
    rest = [
        r["id"]
        for r in rows
        if r["id"] not in in_question
        and q in unicodedata.normalize("NFKC", r["answer"] + " " + r["keywords"] + " " + r["category"])
    ]
    return (in_question + rest)[:limit]
