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

import math
import re
import threading
import time
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ANALYZER_VERSION = 4  # bump when analysis changes; `faq_reindex` re-analyses stored entries

FIELD_WEIGHTS = {"q": 3.0, "k": 2.0, "c": 1.0, "a": 0.5}
CLASS_WEIGHTS = {"w": 1.0, "r": 0.6, "g": 0.3, "y": 0.2}
SYNONYM_FACTOR = 0.9
K1 = 1.2
B = 0.6
FUZZY_FACTOR = 0.7  # a word one mistyped kanji away (代利人 → 代理人)
FUZZY_MAX = 6  # more candidates than this: the run is too unspecific to guess
FUZZY_MAX_SHORT = 3  # for two-character runs (予訳 → 予約)
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
    # spoken requests and hedges around the real question
    "願う", "お願い", "御願い", "伺う", "尋ねる", "聞く", "訊く", "欲しい", "ほしい", "聞きたい", "つもり",
    "感じ", "場合", "大丈夫", "本当", "すみません", "済む", "今度", "やっぱり", "結局", "一応", "とりあえず",
    "ちゃう", "じゃう", "てる", "でる", "とく", "どく", "けど", "だけど", "ので", "です", "ます",
    "遣る", "やる", "困る", "みたい", "かな", "かも", "もう", "ずっと", "なんか", "何か",
}  # fmt: skip
# After a te-form these verbs are helpers (…してもらう, …してしまう, …している), not the question's subject.
_HELPER_AFTER_TE = {
    "居る", "いる", "有る", "ある", "しまう", "仕舞う", "おく", "置く", "いく", "行く", "くる", "来る", "みる", "見る",
    "もらう", "貰う", "くれる", "呉れる", "あげる", "上げる", "いただく", "頂く", "くださる", "下さる", "ほしい",
    "欲しい", "いい", "良い", "よい", "ちょうだい", "頂戴",
}  # fmt: skip
_NEGATIONS = {"ない", "ぬ", "ず", "無い"}

_SPLIT = re.compile(r"[\s、。，．,.!?！？「」『』（）()\[\]【】・:：;；/／~〜～\-ー―]+")
_KEEP_IN_BIGRAM = re.compile(r"[\s、。，．,.!?！？「」『』（）()\[\]【】・:：;；/／~〜～]+")


_KATA_TO_HIRA = {c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)}


def fold(text: str) -> str:
    """NFKC, lower case, katakana to hiragana: the form in which spellings are compared."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(_KATA_TO_HIRA)


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
        after_te = False
        for m in _tokenizer().tokenize(chunk[:4000], mode_c):
            helper = after_te and fold(m.normalized_form()) in _HELPER_AFTER_TE
            after_te = m.part_of_speech()[1] == "接続助詞" and m.normalized_form() in ("て", "で")
            if not _keep(m) or helper:
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


# ---------------------------------------------------------------- paraphrases (rules) and synonyms

PARAPHRASE_DIR = Path(__file__).resolve().parent / "paraphrase"
RULE_FACTOR = 0.9  # a rule's expansions (colloquial list, the city's synonym table)
SAME_WORD_FACTOR = 0.8  # Sudachi synonyms: another spelling / abbreviation of the same word
NEAR_SYNONYM_FACTOR = 0.45  # Sudachi synonyms: a different word of the same group
PARTS_FACTOR = 0.7  # a compound's parts, when the entry does not have the compound itself
OTHER_ALTERNATIVES = 0.25  # share of a concept's other matching alternatives added to its best one
# A caller's everyday word that a rule maps to a procedure term (落とす → 紛失) weighs this much when an entry
# contains the word itself: the entry naming the procedure should beat one that only shares the word
# (「アプリはどこから落とせますか」 must not beat the 紛失 entry for 「カードを落とした」).
# What kind of answer a question asks for, read from its wording on both sides (the query and each entry's
# question): an entry whose question asks the same thing (cost, how long, where, how many) is preferred.
# Only wordings that name the kind of answer, never a topic, so any collection's questions carry them.
INTENT_BOOST = 0.15
INTENTS = {
    "cost": re.compile(r"いくら|お金|おかね|費用|料金|手数料|有料|無料|値段|ねだん|安い|やすい|\d+円"),
    "duration": re.compile(
        r"いつ(?!も|の間)|何日|なんにち|何年|なんねん|何.?月|なんかげつ|何週|どのくらい|どれくらい|どのぐらい|どれぐらい|期間|日数"
    ),
    "where": re.compile(r"どこ(?!か)|何処|場所"),
    "count": re.compile(r"何種類|何種|何個|なんこ|いくつ|何回|なんかい|何桁|なんけた"),
}
PHRASE_FACTOR = 1.0  # a several-word rule term scored together (×1/√words)
EVERYDAY_WORD_FACTOR = 0.6


@dataclass(frozen=True)
class SynonymRule:
    term: str
    folded: str
    signature: frozenset[
        str
    ]  # the term's words (negated verbs as "word+ない"); a query with all of them fires
    expansions: tuple[str, ...]
    source: str = "table"  # "table" (the city's synonym screen) or "shipped" (colloquial.tsv)
    literal: bool = False  # the term is also matched as a substring of the folded query


@dataclass(frozen=True)
class QueryToken:
    surface: str  # folded
    norm: str  # folded normalised form
    reading: str  # folded reading
    parts: tuple[tuple[str, str], ...]  # mode-A parts (norm, reading) of a compound
    start: int
    end: int
    stop: bool  # a filler or helper word: no concept, but still part of rule signatures
    negated: bool
    after_conditional: bool = False  # follows …と / …ば / …ては (for …ないといけない)
    before_conditional: bool = False
    not_yet: bool = (
        False  # …ていない / …てない: not done yet (「まだ届いていない」), not "cannot" (「行けない」)
    )
    potential: bool = False  # 行ける・来られる・使える: "can" (Sudachi normalises 行ける to 行く)
    helpers: tuple[str, ...] = ()  # helper verbs after its te-form (出てくる: 来る)


_PROGRESSIVE = {"いる", "居る", "おる"}
_LIGHT_VERBS = {"為る", "する", "出来る", "できる"}
OBLIGATION = "ないといけない"  # the pseudo-word for an obligation phrase (rules can trigger on it)
_MUST_VERBS = {"行く", "いける", "成る", "なる", "駄目", "だめ"}


@lru_cache(maxsize=20000)
def query_tokens(text: str) -> tuple[QueryToken, ...]:
    """The query's content tokens (split mode C) with offsets in the NFKC text and negation marks."""
    text = unicodedata.normalize("NFKC", text or "")[:2000]
    if not text.strip():
        return ()
    mode_c, mode_a = _modes()
    out: list[QueryToken] = []
    after_te = False
    progressive = False  # a helper いる / おる after a te-form was just skipped (…ている)
    negation: tuple[str, list[int]] | None = None  # the negation just applied (ず / ない) and to which tokens
    for m in _tokenizer().tokenize(text, mode_c):
        pos = m.part_of_speech()
        norm = fold(m.normalized_form())
        just_negated, negation = negation, None
        if _spoken_fix(out, just_negated, pos, m.normalized_form(), norm):
            continue
        helper = after_te and norm in _HELPER_AFTER_TE
        te_negation = after_te and norm in _NEGATIONS  # …てない (いる dropped in speech)
        after_te = pos[1] == "接続助詞" and m.normalized_form() in ("て", "で")
        if (pos[0] == "助動詞" or te_negation) and norm in _NEGATIONS and out and not out[-1].negated:
            last = out[-1]
            if progressive or te_negation:
                # …ていない: not done yet (「まだ取りに行っていない」), which is not "cannot go".
                out[-1] = QueryToken(**{**last.__dict__, "not_yet": True})
            elif last.norm in _MUST_VERBS and last.after_conditional:
                # …ないといけない / …なければならない: an obligation, not "cannot go"
                out[-1] = QueryToken(**{**last.__dict__, "norm": OBLIGATION, "stop": True})
            else:
                out[-1] = QueryToken(**{**last.__dict__, "negated": True})
                negation = (m.normalized_form(), [len(out) - 1])
                if last.norm in _LIGHT_VERBS and len(out) > 1 and not out[-2].stop:
                    # 反応しない: the negation belongs to the noun the light verb makes a verb of.
                    out[-2] = QueryToken(**{**out[-2].__dict__, "negated": True})
                    negation[1].append(len(out) - 2)
            progressive = False
            continue
        if pos[0] == "助動詞" and norm in ("れる", "られる") and out and not out[-1].negated:
            out[-1] = QueryToken(**{**out[-1].__dict__, "potential": True})
        if (helper and norm in _PROGRESSIVE) or (pos[0] == "助動詞" and norm in ("てる", "でる")):
            progressive = True
        elif pos[0] not in _SKIP_POS:
            progressive = False
        conditional = pos[0] == "助詞" and m.normalized_form() in ("と", "ば", "は", "ても")
        if helper and out:
            # 出てくる is not 出る: the helper stays in the word's signature (出る+来る) for rules to tell apart.
            out[-1] = QueryToken(**{**out[-1].__dict__, "helpers": (*out[-1].helpers, norm)})
        if pos[0] in _SKIP_POS or helper:
            if out and conditional:
                out[-1] = QueryToken(**{**out[-1].__dict__, "before_conditional": True})
            continue
        surface = fold(m.surface())
        parts: tuple[tuple[str, str], ...] = ()
        split = m.split(mode_a)
        if len(split) > 1:
            parts = tuple(
                (fold(p.normalized_form()), fold(p.reading_form()))
                for p in split
                if p.part_of_speech()[0] not in _SKIP_POS and not _is_stop(fold(p.normalized_form()))
            )
        out.append(
            QueryToken(
                surface=surface,
                norm=norm,
                reading=fold(m.reading_form()),
                parts=parts,
                start=m.begin(),
                end=m.end(),
                stop=_is_stop(norm) or _is_stop(surface),
                negated=False,
                potential=_is_potential(m),
                after_conditional=bool(out) and out[-1].before_conditional,
            )
        )
    return tuple(out)


def _spoken_fix(
    out: list[QueryToken], negation: tuple[str, list[int]] | None, pos: Any, raw: str, norm: str
) -> bool:
    """Two misreadings of spoken Japanese, fixed in `out`; True when the current morpheme is consumed."""
    if negation is not None and pos[0] == "助詞" and (negation[0], raw) in (("ず", "に"), ("ない", "で")):
        # 行かずに / 行かないで: "without going" (窓口に行かずに申請), which is not "cannot go".
        for i in negation[1]:
            out[i] = QueryToken(**{**out[i].__dict__, "negated": False})
        return True
    if (
        out
        and out[-1].norm == "無い"
        and out[-1].surface == "なく"
        and norm in _LIGHT_VERBS
        and pos[0] == "動詞"
    ):
        # なくしちゃった: Sudachi reads なく+し (無い + する) where the caller said the verb なくす.
        out[-1] = QueryToken(**{**out[-1].__dict__, "norm": "なくす", "reading": "なくす"})
        return True
    return False


def _is_potential(m: Any) -> bool:
    """A potential verb (行ける, 来れる, 使える): its dictionary form is not the normalised form it came from."""
    if m.part_of_speech()[0] != "動詞":
        return False
    d, n = fold(m.dictionary_form()), fold(m.normalized_form())
    if d == n or not d.endswith("る"):
        return False
    return not n.endswith("る") or (d.endswith("れる") and not n.endswith("れる"))


def signature(text: str) -> frozenset[str]:
    """Words a rule trigger (or a query) is made of: normalised forms, plus "word+ない" for a negated word.
    A trigger may also be written as "行ける+ない" directly."""
    if text == OBLIGATION:
        return frozenset({OBLIGATION})
    if "+" in text:
        word, _, neg = text.partition("+")
        base = signature(word)
        if not neg:
            return base
        if fold(neg) == "ない" and any(t.potential for t in query_tokens(word)):
            return base | {f"{t.norm}+れない" for t in query_tokens(word) if t.potential}
        return base | {f"{w}+{fold(neg)}" for w in base}
    words: set[str] = set()
    for t in query_tokens(text):
        words.add(t.norm)
        if t.negated:
            words.add(f"{t.norm}+ない")
            if t.potential:
                words.add(f"{t.norm}+れない")  # 来られない (cannot come) is not 来ない (has not come)
        if t.not_yet:
            words.add(f"{t.norm}+未")
        words.update(f"{t.norm}+{h}" for h in t.helpers)
    return frozenset(words)


def _rule(term: str, expansions: list[str], source: str) -> SynonymRule:
    folded = fold(term.split("+")[0]) if "+" not in term else ""
    return SynonymRule(
        term=term,
        folded=folded,
        signature=signature(term),
        expansions=tuple(expansions),
        source=source,
        literal=bool(folded) and (len(folded) >= 3 or not _KANA.fullmatch(folded)),
    )


def compile_synonyms(rows: list[tuple[str, list[str]]]) -> list[SynonymRule]:
    return [_rule(term, expansions, "table") for term, expansions in rows]


def _data_lines(name: str) -> list[list[str]]:
    text = (PARAPHRASE_DIR / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[SynonymRule, ...]:
    """The curated colloquial → official list shipped with the product (paraphrase/colloquial.tsv)."""
    rules = []
    for cols in _data_lines("colloquial.tsv"):
        expansions = [e for e in cols[1].split() if e]
        rules.append(_rule(cols[0].strip(), expansions, "shipped"))
    return tuple(rules)


@lru_cache(maxsize=1)
def sudachi_synonyms() -> dict[str, tuple[tuple[str, float], ...]]:
    """word → ((synonym, factor), …) from the safe groups of the Sudachi synonym dictionary."""
    table: dict[str, list[tuple[str, float]]] = {}
    for cols in _data_lines("sudachi_synonyms.tsv"):
        members: list[tuple[str, str, bool]] = []
        for col in cols:
            word, vocab, flag = col.rsplit("/", 2)
            members.append((word, vocab, flag == "1"))
        for word, vocab, trigger in members:
            if not trigger:
                continue
            for other, other_vocab, _t in members:
                if other != word:
                    factor = SAME_WORD_FACTOR if vocab == other_vocab else NEAR_SYNONYM_FACTOR
                    table.setdefault(word, []).append((other, factor))
    return {w: tuple(v) for w, v in table.items()}


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
    kana: dict[str, list[str]] = field(default_factory=dict)  # kana string -> indexed w:/r: terms spelled so
    # a kanji word with one character replaced by "?" -> the indexed w: terms (for mistyped kanji: 代利人)
    fuzzy: dict[str, list[str]] = field(default_factory=dict)
    # intent -> positions of the entries whose question asks for that kind of answer (INTENTS)
    intents: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.docs)


_KANA = re.compile(r"[ぁ-ゖー]+")
_KANJI = re.compile(r"[\u4e00-\u9fff々]")


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
    kana: dict[str, list[str]] = {}
    fuzzy: dict[str, list[str]] = {}
    for t, pdocs in post_docs.items():
        cls_norms = norms[t[0]]
        impacts = array(
            "f", [tf * k1_plus / (tf + cls_norms[d]) for d, tf in zip(pdocs, post_tfs[t], strict=True)]
        )
        postings[t] = (array("i", pdocs), impacts)
        if t[0] in "wr" and len(t) > 3 and _KANA.fullmatch(t[2:]):
            kana.setdefault(t[2:], []).append(t)
        if t[0] == "w" and 2 <= len(t) - 2 <= 8 and _KANJI.search(t):
            word = t[2:]
            for i in range(len(word)):
                fuzzy.setdefault(f"{word[:i]}?{word[i + 1 :]}", []).append(t)
    intents: dict[str, Any] = {}
    for name in INTENTS:
        positions = [pos for pos, doc in enumerate(docs) if name in question_intents(doc.question)]
        if positions:
            intents[name] = array("i", positions)
    return Index(
        stamp=stamp,
        docs=docs,
        postings=postings,
        synonyms=compile_synonyms(synonym_rows),
        kana=kana,
        fuzzy=fuzzy,
        intents=intents,
    )


@lru_cache(maxsize=4096)
def question_intents(text: str) -> frozenset[str]:
    """The kinds of answer a question asks for (INTENTS), from its wording."""
    folded = fold(unicodedata.normalize("NFKC", text or ""))
    return frozenset(name for name, pattern in INTENTS.items() if pattern.search(folded))


# ---------------------------------------------------------------- query

# A concept is one thing the query asks about. Its alternatives are the ways an entry can contain it (the
# word, its reading, its synonyms, its parts); an entry scores the best alternative plus a small share of
# the others, so a word is never counted three or four times over.
Alternative = tuple[tuple[str, float], ...]  # terms whose scores add up (e.g. a compound's parts)


@dataclass
class Concept:
    label: str
    alternatives: list[Alternative] = field(default_factory=list)


def matching_rules(index: Index, query: str) -> list[SynonymRule]:
    """Rules the query triggers (the city's table and the shipped colloquial list): the term occurs in the
    folded query, or all the term's words (with their negation) occur in it."""
    folded_query = fold(query)
    own = signature(query)
    fired = []
    for rules in (index.synonyms, shipped_rules()):
        for rule in rules:
            if (rule.literal and rule.folded in folded_query) or (rule.signature and rule.signature <= own):
                fired.append(rule)
    return fired


@lru_cache(maxsize=4096)
def _rule_alternatives(rule: SynonymRule) -> tuple[Alternative, ...]:
    """A rule's expansions as alternatives (parsed once per rule, not once per query)."""
    alts: list[Alternative] = []
    for expansion in rule.expansions:
        toks = [tok for tok in query_tokens(expansion) if not tok.stop]
        for tok in toks:
            alts.extend(
                tuple((t, w * RULE_FACTOR) for t, w in alt)
                for alt in _word_alternatives(tok.norm, tok.reading, tok.parts)[:3]
            )
        if len(toks) > 1 and PHRASE_FACTOR:
            # A term of several words (15歳未満, 本人確認書類 written apart): an entry with all of them scores
            # them together, like a compound's parts, not just its best single word.
            share = RULE_FACTOR * PHRASE_FACTOR / len(toks) ** 0.5
            alts.append(tuple((f"w:{tok.norm}", share) for tok in toks))
    return tuple(alts)


def _word_alternatives(norm: str, reading: str, parts: tuple[tuple[str, str], ...]) -> list[Alternative]:
    alts: list[Alternative] = [((f"w:{norm}", 1.0),)]
    if reading and reading != norm:
        alts.append(((f"r:{reading}", CLASS_WEIGHTS["r"]),))
    if len(parts) > 1:
        alts.append(tuple((f"w:{p}", PARTS_FACTOR / len(parts) ** 0.5) for p, _r in parts))
    for other, factor in sudachi_synonyms().get(norm, ()):
        alts.append(((f"w:{other}", factor),))
    return alts


def _segment_kana(index: Index, run: str, min_len: int) -> list[str]:
    """Split a kana run into indexed kana words (readings or kana spellings), preferring long pieces."""
    n = len(run)
    best: list[tuple[int, list[str]]] = [(0, [])] * (n + 1)
    for i in range(1, n + 1):
        best[i] = best[i - 1]
        for j in range(max(0, i - 16), i - min_len + 1):
            piece = run[j:i]
            if piece in index.kana:
                score = best[j][0] + (i - j) ** 2
                if score > best[i][0]:
                    best[i] = (score, [*best[j][1], piece])
    return best[n][1]


def _mistyped_kanji(
    index: Index, folded: str, tokens: tuple[QueryToken, ...], covered: list[tuple[int, int]]
) -> tuple[list[Concept], set[int]]:
    """A wrong kanji conversion (代利人, 在流期間, 予訳) breaks a word into single characters the index does not
    know. A run of adjacent query tokens that is not an indexed word but is one character away from indexed
    kanji words becomes one concept with those words (longest run first); its broken tokens are absorbed."""
    content = [t for t in tokens if not t.stop and not any(a <= t.start and t.end <= b for a, b in covered)]
    postings = index.postings
    concepts: list[Concept] = []
    absorbed: set[int] = set()
    used: set[int] = set()  # token positions already inside a matched run
    for size in (4, 3, 2, 1):
        for i in range(len(content) - size + 1):
            run = content[i : i + size]
            if any(j in used for j in range(i, i + size)):
                continue
            if any(run[k].end != run[k + 1].start for k in range(size - 1)):
                continue
            text = folded[run[0].start : run[-1].end]
            if not 2 <= len(text) <= 8 or not _KANJI.search(text) or f"w:{text}" in postings:
                continue
            # The run must contain a token the index does not know (else it is just two real words).
            if all(f"w:{t.norm}" in postings and len(t.surface) > 1 for t in run):
                continue
            found: list[str] = []
            for k in range(len(text)):
                if _KANJI.match(text[k]):
                    found += index.fuzzy.get(f"{text[:k]}?{text[k + 1 :]}", [])
            found = sorted(set(found))
            if not found or len(found) > FUZZY_MAX or (len(text) == 2 and len(found) > FUZZY_MAX_SHORT):
                continue
            concepts.append(Concept(f"~{text}", [((t, FUZZY_FACTOR),) for t in found]))
            used.update(range(i, i + size))
            absorbed.update(t.start for t in run if f"w:{t.norm}" not in postings or len(t.surface) == 1)
    return concepts, absorbed


def query_concepts(index: Index, query: str) -> list[Concept]:
    nfkc = unicodedata.normalize("NFKC", query or "")[:2000]
    tokens = query_tokens(nfkc)
    concepts: list[Concept] = []
    # Kana runs are matched against the readings of indexed words: the tokenizer often splits all-kana
    # text into wrong words. A run that is mostly covered replaces the tokens inside it.
    folded = fold(nfkc)
    covered: list[tuple[int, int]] = []
    core = _SPLIT.sub("", folded)
    for m in _KANA.finditer(folded):
        run = m.group()
        whole = len(run) == len(core)
        if len(run) < (2 if whole else 3):
            continue
        pieces = _segment_kana(index, run, 2 if whole else 3)
        if sum(len(p) for p in pieces) * 2 < len(run):
            continue
        covered.append((m.start(), m.end()))
        for piece in pieces:
            concepts.append(Concept(piece, [((t, 1.0),) for t in index.kana[piece]]))
    fuzzy_concepts, absorbed = _mistyped_kanji(index, folded, tokens, covered)
    concepts.extend(fuzzy_concepts)
    by_word: dict[str, Concept] = {}
    for tok in tokens:
        if tok.stop or any(a <= tok.start and tok.end <= b for a, b in covered) or tok.start in absorbed:
            continue
        concept = Concept(tok.norm, _word_alternatives(tok.norm, tok.reading, tok.parts))
        concepts.append(concept)
        by_word.setdefault(tok.norm, concept)
    demoted: set[int] = set()
    for rule in matching_rules(index, nfkc):
        alts = list(_rule_alternatives(rule))
        if not alts:
            continue
        # The rule is another way to say the word that fired it: one concept, not two (なくした is the
        # word 無くす or the procedure 紛失, never both added up). A rule without such a word (a literal
        # phrase, a stop word like いらない) is a concept of its own. The owner is the longest word, ties by
        # the word itself: a frozenset's order changes with each process's string hashing (市内 = 市 + 内).
        owner = next(
            (by_word[w] for w in sorted(rule.signature, key=lambda w: (-len(w), w)) if w in by_word), None
        )
        if owner is not None:
            if id(owner) not in demoted:
                demoted.add(id(owner))
                owner.alternatives = [
                    tuple((t, w * EVERYDAY_WORD_FACTOR) for t, w in alt) for alt in owner.alternatives
                ]
            owner.alternatives.extend(alts)
        else:
            concepts.append(Concept(f"{rule.term}→{' '.join(rule.expansions)}", alts))
    # Character bigrams are the fallback for typos and unknown words: each bigram a small concept.
    for t in set(f"g:{g}" for g in bigrams(nfkc)) | set(
        f"y:{g}" for g in bigrams(analyze(nfkc).reading_text)
    ):
        concepts.append(Concept(t, [((t, CLASS_WEIGHTS[t[0]]),)]))
    # A one-character query has no bigram of its own: take every indexed bigram that contains it.
    if len(core) == 1:
        for t in index.postings:
            if t.startswith("g:") and core in t[2:]:
                concepts.append(Concept(t, [((t, CLASS_WEIGHTS["g"]),)]))
    return concepts


def query_terms(index: Index, query: str) -> dict[str, float]:
    """Every term the query looks for with its highest weight (for the synonym screen's trial box)."""
    weights: dict[str, float] = {}
    for concept in query_concepts(index, query):
        for alt in concept.alternatives:
            for t, w in alt:
                weights[t] = max(w, weights.get(t, 0.0))
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
    """[(doc position, score)], best first, ties by entry id. Scores are summed in numpy vectors (one per
    concept alternative), which keeps a 2,000-entry collection well inside the latency budget."""
    if not query or not query.strip() or not index.docs:
        return []
    import numpy as np

    n = len(index.docs)
    scores = np.zeros(n)
    touched = False
    idf_cache: dict[str, float] = {}
    postings = index.postings
    for concept in query_concepts(index, query):
        if len(concept.alternatives) == 1 and len(concept.alternatives[0]) == 1:
            # One term (most bigrams): add straight into the scores, no vector of its own.
            term, qw = concept.alternatives[0][0]
            posting = postings.get(term)
            if posting is not None:
                docs, impacts = posting
                df = len(docs)
                one_idf = idf_cache.setdefault(term, math.log(1.0 + (n - df + 0.5) / (df + 0.5)))
                scores[np.frombuffer(docs, dtype=np.int32)] += (qw * one_idf) * np.frombuffer(
                    impacts, dtype=np.float32
                )
                touched = True
            continue
        per_alt = []
        for alt in concept.alternatives:
            got = None
            for term, qw in alt:
                posting = postings.get(term)
                if posting is None:
                    continue
                docs, impacts = posting
                idf = idf_cache.get(term)
                if idf is None:
                    df = len(docs)
                    idf = idf_cache[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
                if got is None:
                    got = np.zeros(n)
                # Doc positions are unique within a posting list, so fancy-index addition is exact.
                got[np.frombuffer(docs, dtype=np.int32)] += (qw * idf) * np.frombuffer(
                    impacts, dtype=np.float32
                )
            if got is not None:
                per_alt.append(got)
        if not per_alt:
            continue
        touched = True
        if len(per_alt) == 1:
            scores += per_alt[0]
        else:
            # The best alternative per entry, plus a small share of the others.
            stacked = np.vstack(per_alt)
            best = stacked.max(axis=0)
            scores += best + OTHER_ALTERNATIVES * (stacked.sum(axis=0) - best)
    if not touched:
        return []
    _boost_intents(index, query, scores)
    # Keep a margin beyond `limit` by raw score, then order by rounded score and id (identical on every DB).
    k = min(n, limit + 20)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    docs_ = index.docs
    ranked = sorted(
        (-round(float(scores[d]), 6), docs_[d].id, int(d)) for d in candidates if scores[d] > 0.0
    )[:limit]
    if not ranked:
        return []
    top = -ranked[0][0]
    return [(d, -neg) for neg, _id, d in ranked if -neg >= top * RELATIVE_CUTOFF]


def _boost_intents(index: Index, query: str, scores: Any) -> None:
    """Entries whose question asks for the same kind of answer as the query (INTENTS) score INTENT_BOOST more."""
    import numpy as np

    for name in question_intents(query):
        positions = index.intents.get(name)
        if positions is not None:
            scores[np.frombuffer(positions, dtype=np.int32)] *= 1.0 + INTENT_BOOST


@lru_cache(maxsize=4096)
def _flat(answer: str) -> tuple[str, str]:
    """An answer on one line, and folded (cached: the same answers are excerpted for query after query)."""
    text = re.sub(r"\s+", " ", answer).strip()
    return text, fold(text)


@lru_cache(maxsize=2048)
def _needles(query: str) -> tuple[str, ...]:
    a = analyze(query)
    return tuple(s for s in sorted(set(a.surfaces) | set(a.words), key=len, reverse=True) if len(s) >= 2)


def excerpt(answer: str, query: str, width: int = 90) -> str:
    """A window of the answer around the first query word it contains, else its beginning."""
    text, folded = _flat(answer)
    start = -1
    for s in _needles(query):
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
    return build_index(stamp, [dict(r) for r in rows], synonym_rows)


# How long a process trusts the stamp it last read before reading it again. A change made in this process
# moves the stamp locally at once (`stamp_moved`); a change made by another app server reaches this one
# within this many seconds. Inside a transaction (tests, a write in progress) the stamp is always read.
STAMP_CHECK_SECONDS = 1.0
_checked_at = -math.inf
_moves = 0  # counts stamp_moved calls, so a read that raced with a local write is not trusted


def stamp_moved() -> None:
    """Called by every write that bumps the stamp (and again when it commits): read the stamp next time."""
    global _checked_at, _moves
    _moves += 1
    _checked_at = -math.inf


def _must_check() -> bool:
    from django.db import connection

    return connection.in_atomic_block or time.monotonic() - _checked_at >= STAMP_CHECK_SECONDS


def get_index() -> Index:
    """The index for the current stamp; rebuilt from the stored term lists when the stamp moved. The stamp
    costs a database round trip (~4 ms on a loaded PostgreSQL), so it is read at most once a second."""
    global _cached, _checked_at
    index = _cached
    if index is not None and not _must_check():
        return index
    checked, moves = time.monotonic(), _moves
    stamp = current_stamp()
    if index is not None and index.stamp == stamp:
        if moves == _moves:
            _checked_at = checked
        return index
    with _cache_lock:
        if _cached is None or _cached.stamp != stamp:
            _cached = load_index(stamp)
        if moves == _moves:
            _checked_at = checked
        return _cached


def clear_cache() -> None:
    global _cached
    with _cache_lock:
        _cached = None
    stamp_moved()


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
