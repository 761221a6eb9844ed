"""What an operator types into the FAQ search may hold a caller's personal data. Before a query is searched
or logged: an individual number refuses the whole query; phone numbers, e-mail addresses and personal names
(Sudachi's 固有名詞・人名) are replaced by placeholders; empty, symbol-only and over-long queries get a message."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from madoguchi.lib.privacy import contains_individual_number

MAX_QUERY = 200
PHONE = re.compile(r"(?<![0-9])(?:\+81[-\s]?|0)[0-9]{1,4}[-\s(（]?[0-9]{1,4}[-\s)）]?[0-9]{3,4}(?![0-9])")
LONG_DIGITS = re.compile(r"[0-9][0-9\-\s]{8,}[0-9]")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
NAME_MARK = "〔氏名〕"
PHONE_MARK = "〔電話番号〕"
EMAIL_MARK = "〔メール〕"


@dataclass(frozen=True)
class CheckedQuery:
    query: str  # what is searched: personal parts removed ("" when nothing may be searched)
    logged: str = ""  # what may be logged: personal parts replaced by placeholders such as 〔電話番号〕
    message: str = ""  # Japanese, shown beside the results when the query was refused or changed


def _scrub_names(text: str) -> str:
    from .search import _tokenizer

    out: list[str] = []
    for m in _tokenizer().tokenize(text):
        pos = m.part_of_speech()
        if pos[1] == "固有名詞" and pos[2] == "人名":
            if not out or out[-1] != NAME_MARK:
                out.append(NAME_MARK)
        else:
            out.append(m.surface())
    return "".join(out)


def check_query(raw: str | None) -> CheckedQuery:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return CheckedQuery("", "", "検索する言葉を入力してください。")
    if contains_individual_number(text):
        return CheckedQuery(
            "",
            "",
            "個人番号（マイナンバー）と思われる12桁の数字が含まれているため、検索も記録もしていません。"
            "番号は入力せず、用件の言葉で検索してください。",
        )
    notes = []
    if len(text) > MAX_QUERY:
        text = text[:MAX_QUERY]
        notes.append(f"検索語が長すぎるため、先頭の{MAX_QUERY}文字で検索しました。")
    scrubbed = EMAIL.sub(EMAIL_MARK, text)
    scrubbed = PHONE.sub(PHONE_MARK, scrubbed)
    scrubbed = LONG_DIGITS.sub(PHONE_MARK, scrubbed)
    scrubbed = _scrub_names(scrubbed)
    if scrubbed != text:
        notes.append("電話番号・メールアドレス・氏名と思われる部分は検索にも記録にも使っていません。")
    core = re.sub(r"〔[^〕]*〕", " ", scrubbed).strip()
    if not any(unicodedata.category(c)[0] in "LN" for c in core):
        if scrubbed != text:
            return CheckedQuery(
                "",
                "",
                "電話番号・メールアドレス・氏名だけでは検索できません（記録もしていません）。用件の言葉を入力してください。",
            )
        return CheckedQuery("", "", "記号だけでは検索できません。用件の言葉を入力してください。")
    return CheckedQuery(core, scrubbed, " ".join(notes))
