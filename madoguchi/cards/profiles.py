"""Import profiles (取込設定): which heading of another source's arrival list is which of our columns.

A mapping is {heading as in their file (compared NFKC, without spaces): our column, or "" = not imported}.
Our own column names always map to themselves, so the standard layout needs no profile. No writes here;
saving a profile is `services.import_profile_save`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .importing import ALL_COLUMNS, REQUIRED
from .intake import header_key, safe_label
from .models import ImportProfile

STANDARD = "標準（本システムの様式）"

# Shipped with the app (migration 0005) and editable like any other: the layouts the city receives.
BUILTIN_PROFILES: dict[str, tuple[str, dict[str, str]]] = {
    "J-LIS 交付予定者一覧": (
        "カード管理システムから出力する交付予定者一覧（到着分）。性別・世帯番号・宛名番号・備考は取り込みません。",
        {
            "通知書番号": "交付通知書番号",
            "申請書ID": "申請書ID",
            "氏名(漢字)": "氏名",
            "氏名(カナ)": "氏名カナ",
            "生年月日": "生年月日",
            "交付場所": "受取庁舎",
            "到着年月日": "到着日",
            "交付種別": "種別",
            "申請方式": "申請方式",
            "住所": "住所",
            "電話番号": "電話番号",
            "性別": "",
            "世帯番号": "",
            "宛名番号": "",
            "備考": "",
        },
    ),
    "市の住民記録システム出力": (
        "市の住民記録システムから出力した到着一覧。行政区・宛名番号は取り込みません。",
        {
            "交付通知書番号": "交付通知書番号",
            "申請ID": "申請書ID",
            "漢字氏名": "氏名",
            "カナ氏名": "氏名カナ",
            "生年月日": "生年月日",
            "受取場所": "受取庁舎",
            "カード到着日": "到着日",
            "申請区分": "種別",
            "現住所": "住所",
            "連絡先": "電話番号",
            "行政区": "",
            "宛名番号": "",
        },
    ),
}


@dataclass
class ColumnPlan:
    """How the headings of one file are read: one entry per heading, in file order."""

    headings: list[str]  # as in the file (header_key form)
    targets: list[str]  # our column per heading, "" = not imported
    unknown: list[str] = field(
        default_factory=list
    )  # headings neither ours nor in the profile (not imported)

    @property
    def mapping(self) -> dict[str, str]:
        """The decided headings (unknown ones left out, so they stay flagged until someone chooses)."""
        return {h: t for h, t in zip(self.headings, self.targets, strict=True) if h and h not in self.unknown}

    def left_out_unknown(self, profile_mapping: dict[str, str] | None) -> list[str]:
        """Headings neither ours nor the profile's that are not imported (for the batch's notes)."""
        known = normalise_mapping(profile_mapping or {})
        return [
            h
            for h, t in zip(self.headings, self.targets, strict=True)
            if h and not t and h not in known and h not in ALL_COLUMNS
        ]

    def missing_required(self) -> list[str]:
        return [c for c in REQUIRED if c not in self.targets]

    def doubled(self) -> list[str]:
        seen: set[str] = set()
        twice = []
        for target in self.targets:
            if target and target in seen and target not in twice:
                twice.append(target)
            seen.add(target)
        return twice

    def problems(self) -> list[str]:
        """Japanese reasons why the file cannot be imported with this plan (empty = it can)."""
        out = [
            f"「{c}」に当たる列がありません（必須）。列の対応で選んでください。"
            for c in self.missing_required()
        ]
        out += [
            f"「{c}」に二つの列が対応しています。どちらか一方を「取り込まない」にしてください。"
            for c in self.doubled()
        ]
        return out

    def warnings(self, headings: list[str] | None = None) -> list[str]:
        return [
            f"列「{safe_label(h)}」は取込設定にない列のため取り込みません（取り込む場合は列の対応で選んでください）。"
            for h in (self.unknown if headings is None else headings)
        ]


def normalise_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """Headings in compare form; targets checked against our columns (an unknown target is not imported)."""
    return {header_key(k): (v if v in ALL_COLUMNS else "") for k, v in mapping.items() if header_key(k)}


def plan_for(headings: Sequence[str], mapping: dict[str, str] | None) -> ColumnPlan:
    """Read a file's headings with a mapping (None or {} = our own column names only)."""
    known = normalise_mapping(mapping or {})
    targets: list[str] = []
    unknown: list[str] = []
    for heading in headings:
        key = header_key(heading)
        if key in known:
            targets.append(known[key])
        elif key in ALL_COLUMNS:
            targets.append(key)
        else:
            targets.append("")
            if key:
                unknown.append(key)
    return ColumnPlan(headings=[header_key(h) for h in headings], targets=targets, unknown=unknown)


def score(headings: Iterable[str], mapping: dict[str, str]) -> int:
    """How many of the file's headings the profile knows (with a target or as a column it leaves out)."""
    known = set(normalise_mapping(mapping))
    return sum(1 for h in headings if header_key(h) in known)


def profile_detect(headings: Sequence[str]) -> ImportProfile | None:
    """The saved profile that knows most of the file's headings, if it knows more of them than our own
    column names do (a file in our layout gets None = standard)."""
    ours = sum(1 for h in headings if header_key(h) in ALL_COLUMNS)
    best: tuple[int, ImportProfile] | None = None
    for profile in ImportProfile.objects.order_by("name"):
        points = score(headings, profile.mapping)
        if points > ours and (best is None or points > best[0]):
            best = (points, profile)
    return best[1] if best else None


def known_headings() -> list[str]:
    """Every heading any profile knows (to find the heading row of a file in another layout)."""
    headings = list(ALL_COLUMNS)
    for mapping in ImportProfile.objects.values_list("mapping", flat=True):
        headings += [k for k, v in normalise_mapping(mapping).items() if v]
    return list(dict.fromkeys(headings))
