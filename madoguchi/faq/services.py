"""FAQ writes: create/edit drafts, the approval workflow, revisions, import, synonyms.

Every write is one transaction with its history row and audit row, and bumps the search stamp when
what operators can find may have changed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.lib.exports import RowError, Table, read_table
from madoguchi.lib.privacy import find_individual_numbers, refuse_individual_number

from . import search
from .models import FaqEntry, FaqRevision, SearchIndexState, SearchLog, Synonym
from .privacy import check_query

COLUMNS = ["分類", "質問", "回答", "キーワード"]
REQUIRED_COLUMNS = ["分類", "質問", "回答"]
OPTIONAL_COLUMNS = ["キーワード", "識別キー"]  # a city's own collection may have no keyword column
LIMITS = {"分類": 60, "質問": 2000, "回答": 8000, "キーワード": 400}


def bump_search_stamp() -> None:
    """Tell every process that the approved set or the synonyms changed (same transaction as the change).
    This process reads the new stamp on its next search (and again after the commit); others within
    `search.STAMP_CHECK_SECONDS`."""
    search.stamp_moved()
    transaction.on_commit(search.stamp_moved)
    if SearchIndexState.objects.filter(pk=1).update(stamp=F("stamp") + 1):
        return
    # The migration creates the row; only a flushed database lacks it. Two writers may race to create it.
    try:
        with transaction.atomic():
            SearchIndexState.objects.create(pk=1, stamp=1)
    except IntegrityError:
        SearchIndexState.objects.filter(pk=1).update(stamp=F("stamp") + 1)


def _clean_text(*, category: str, question: str, answer: str, keywords: str) -> dict[str, str]:
    values = {
        "category": (category or "").strip(),
        "question": (question or "").strip(),
        "answer": (answer or "").strip(),
        "keywords": re.sub(r"\s+", " ", (keywords or "").strip()),
    }
    errors: dict[str, list[str]] = {}
    labels = {"category": "分類", "question": "質問", "answer": "回答", "keywords": "キーワード"}
    for key, value in values.items():
        if key != "keywords" and not value:
            errors.setdefault(key, []).append(f"{labels[key]}を入力してください。")
        if len(value) > LIMITS[labels[key]]:
            errors.setdefault(key, []).append(f"{labels[key]}は{LIMITS[labels[key]]}文字以内にしてください。")
        try:
            refuse_individual_number(value)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return values


def _record(entry: FaqEntry, *, action: str, by: User | None, comment: str = "") -> FaqRevision:
    last = entry.history.order_by("-number").values_list("number", flat=True).first() or 0
    return FaqRevision.objects.create(
        entry=entry,
        number=last + 1,
        action=action,
        state=entry.state,
        category=entry.category,
        question=entry.question,
        answer=entry.answer,
        keywords=entry.keywords,
        comment=comment[:400],
        by=by,
        by_name=str(by) if by else "システム",
    )


def _index(entry: FaqEntry) -> None:
    entry.search_terms = search.entry_terms(
        question=entry.question, answer=entry.answer, keywords=entry.keywords, category=entry.category
    )


def entry_create(
    *,
    by: User | None,
    category: str,
    question: str,
    answer: str,
    keywords: str = "",
    slug: str | None = None,
    is_sample: bool = False,
    replaces: FaqEntry | None = None,
) -> FaqEntry:
    """A new draft."""
    values = _clean_text(category=category, question=question, answer=answer, keywords=keywords)
    with transaction.atomic():
        entry = FaqEntry(
            **values,
            slug=slug or None,
            is_sample=is_sample,
            replaces=replaces,
            version=(replaces.version + 1) if replaces else 1,
            created_by=by,
            state=FaqEntry.State.DRAFT,
        )
        _index(entry)
        entry.save()
        if not entry.slug and replaces is None:
            # Every entry has a key (exports carry it, so an edited export imports as an update). A revision
            # takes over its original's key when it is approved.
            entry.slug = f"faq-{entry.pk}"
            entry.save(update_fields=["slug"])
        _record(entry, action=FaqRevision.Action.CREATE, by=by)
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=entry)
    return entry


def entry_update(
    *, entry: FaqEntry, by: User | None, category: str, question: str, answer: str, keywords: str = ""
) -> FaqEntry:
    """Edit a draft (approved entries are changed through a revision draft, so operators never lose them)."""
    values = _clean_text(category=category, question=question, answer=answer, keywords=keywords)
    with transaction.atomic():
        entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != FaqEntry.State.DRAFT:
            raise ValidationError(
                "下書きの状態の項目だけを編集できます。承認済みの項目は「改訂する」から直してください。"
            )
        changed = [k for k, v in values.items() if getattr(entry, k) != v]
        if not changed:
            return entry
        for key, value in values.items():
            setattr(entry, key, value)
        entry.updated_at = timezone.now()
        _index(entry)
        entry.save(update_fields=[*changed, "updated_at", "search_terms"])
        _record(entry, action=FaqRevision.Action.EDIT, by=by)
        audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=entry, detail={"fields": changed})
    return entry


# (action, from states, to state, permission)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "submit": ((FaqEntry.State.DRAFT,), FaqEntry.State.REVIEW, "faq.write_faq"),
    # An approved sample (demo content, or an import not yet confirmed) is still waiting for the city: it can be
    # approved as it is, which clears the sample mark.
    "approve": ((FaqEntry.State.REVIEW, FaqEntry.State.APPROVED), FaqEntry.State.APPROVED, "faq.approve_faq"),
    "return": ((FaqEntry.State.REVIEW,), FaqEntry.State.DRAFT, "faq.approve_faq"),
    "retire": ((FaqEntry.State.APPROVED,), FaqEntry.State.RETIRED, "faq.approve_faq"),
}
ACTION_LABELS = {"submit": "審査に提出", "approve": "承認", "return": "差し戻し", "retire": "廃止"}


def allowed_actions(entry: FaqEntry, user: User) -> list[str]:
    return [
        a
        for a, (sources, _target, perm) in TRANSITIONS.items()
        if entry.state in sources and user.has_perm(perm) and not _already_approved(entry, a)
    ]


def _already_approved(entry: FaqEntry, action: str) -> bool:
    return action == "approve" and entry.state == FaqEntry.State.APPROVED and not entry.is_sample


def entry_transition(*, entry: FaqEntry, by: User, action: str, comment: str = "") -> FaqEntry:
    """Move an entry through draft → review → approved → retired (or back to draft on return).

    Approving a revision draft retires the entry it replaces in the same transaction."""
    if action not in TRANSITIONS:
        raise ValidationError(f"不明な操作です: {action}")
    sources, target, perm = TRANSITIONS[action]
    if not by.has_perm(perm):
        raise PermissionDenied("この操作を行う権限がありません。")
    refuse_individual_number(comment, field="comment")
    if action == "return" and not comment.strip():
        raise ValidationError({"comment": ["差し戻すときは理由を書いてください。"]})
    with transaction.atomic():
        entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state not in sources or _already_approved(entry, action):
            raise ValidationError(
                f"「{entry.get_state_display()}」の項目は「{ACTION_LABELS[action]}」できません（画面を更新してください）。"
            )
        before = entry.state
        entry.state = target
        entry.updated_at = timezone.now()
        fields = ["state", "updated_at"]
        if action == "approve":
            entry.approved_by = by
            entry.approved_at = entry.updated_at
            # The city's approval is exactly what a sample was waiting for.
            entry.is_sample = False
            fields += ["approved_by", "approved_at", "is_sample"]
        entry.save(update_fields=fields)
        revision_action = {
            "submit": FaqRevision.Action.SUBMIT,
            "approve": FaqRevision.Action.APPROVE,
            "return": FaqRevision.Action.RETURN,
            "retire": FaqRevision.Action.RETIRE,
        }[action]
        _record(entry, action=revision_action, by=by, comment=comment)
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=entry,
            detail={"from": before, "to": target, "action": action},
        )
        if action == "approve" and entry.replaces_id:
            old = FaqEntry.objects.select_for_update().get(pk=entry.replaces_id)
            if old.slug and not entry.slug:
                # The approved revision carries the collection key from now on (imports update it by key).
                entry.slug, old.slug = old.slug, None
                old.save(update_fields=["slug"])
                entry.save(update_fields=["slug"])
            if old.state == FaqEntry.State.APPROVED:
                old.state = FaqEntry.State.RETIRED
                old.updated_at = entry.updated_at
                old.save(update_fields=["state", "updated_at"])
                _record(
                    old,
                    action=FaqRevision.Action.RETIRE,
                    by=by,
                    comment=f"改訂版（No.{entry.pk}）の承認により廃止",
                )
                audit_record(
                    actor=by,
                    action=AuditEvent.Action.TRANSITION,
                    obj=old,
                    detail={"from": "approved", "to": "retired", "replaced_by": entry.pk},
                )
        if before == FaqEntry.State.APPROVED or target == FaqEntry.State.APPROVED:
            bump_search_stamp()
    return entry


def entry_revise(*, entry: FaqEntry, by: User) -> FaqEntry:
    """Start a revision of an approved (or retired) entry: a new draft; the original stays searchable."""
    if entry.state not in (FaqEntry.State.APPROVED, FaqEntry.State.RETIRED):
        raise ValidationError("承認済みまたは廃止の項目だけを改訂できます。")
    existing = FaqEntry.objects.filter(
        replaces=entry, state__in=[FaqEntry.State.DRAFT, FaqEntry.State.REVIEW]
    ).first()
    if existing:
        return existing
    return entry_create(
        by=by,
        category=entry.category,
        question=entry.question,
        answer=entry.answer,
        keywords=entry.keywords,
        is_sample=entry.is_sample,
        replaces=entry,
    )


# ---------------------------------------------------------------- import

# A city's own collection rarely uses our column names: these headers (NFKC, lower case) mean the same column.
COLUMN_ALIASES = {
    "識別キー": ("識別キー", "キー", "key", "slug", "id", "no", "no.", "番号", "管理番号", "整理番号"),
    "分類": ("分類", "category", "カテゴリ", "カテゴリー", "区分", "大分類"),
    "質問": ("質問", "question", "q", "問", "問い", "質問内容"),
    "回答": ("回答", "answer", "a", "答", "答え", "回答内容"),
    "キーワード": ("キーワード", "keywords", "keyword", "検索語", "タグ", "tags"),
}
KEY_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,80}")


@dataclass
class ImportChange:
    action: str  # "created" / "changed" / "review" (revision waiting for approval) / "unchanged" / "retired"
    key: str
    question: str
    line: int = 0

    @property
    def label(self) -> str:
        return {
            "created": "新規",
            "changed": "更新",
            "review": "改訂（承認待ち）",
            "unchanged": "変更なし",
            "retired": "廃止",
        }[self.action]


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[ImportChange] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def changed(self) -> int:
        return self.count("changed") + self.count("review")

    @property
    def retired(self) -> int:
        return self.count("retired")

    def summary(self) -> str:
        return (
            f"新規 {self.created}件・更新 {self.count('changed')}件・改訂（承認待ち） {self.count('review')}件・"
            f"変更なし {self.count('unchanged')}件・廃止 {self.retired}件"
        )


def map_columns(
    header: list[str], column_map: dict[str, str] | None = None
) -> tuple[dict[str, int], list[RowError], list[str]]:
    """Our column name -> index in the file. Known aliases are recognised, `column_map` (file header -> our
    column, or "" to ignore) overrides, other columns are ignored with a warning."""
    import unicodedata

    column_map = {unicodedata.normalize("NFKC", k).strip().lower(): v for k, v in (column_map or {}).items()}
    alias = {
        unicodedata.normalize("NFKC", a).lower(): col for col, names in COLUMN_ALIASES.items() for a in names
    }
    found: dict[str, int] = {}
    errors: list[RowError] = []
    warnings: list[str] = []
    for j, raw in enumerate(header):
        name = unicodedata.normalize("NFKC", raw).strip().lower()
        if not name:
            continue
        if name in column_map:
            target = column_map[name]
            if not target:
                warnings.append(f"「{raw}」列は指定どおり読み飛ばします。")
                continue
            if target not in COLUMN_ALIASES:
                errors.append(RowError(1, raw, f"対応づけ先「{target}」は取込の列ではありません。"))
                continue
        elif name in alias:
            target = alias[name]
        else:
            warnings.append(f"「{raw}」列は取込の列ではないため読み飛ばします（{j + 1}列目）。")
            continue
        if target in found:
            if target == "識別キー" and raw.strip() != "識別キー":
                warnings.append(f"「{raw}」列は識別キーがほかにあるため読み飛ばします。")
                continue
            errors.append(
                RowError(1, raw, f"「{target}」にあたる列が2つあります。どちらか一方にしてください。")
            )
            continue
        if raw.strip() != target:
            warnings.append(f"「{raw}」列を「{target}」として読みます。")
        found[target] = j
    for col in REQUIRED_COLUMNS:
        if col not in found:
            errors.append(RowError(1, col, "必須の列がありません（見出しの行を確認してください）。"))
    return found, errors, warnings


def parse_rows(
    table: Table, column_map: dict[str, str] | None = None
) -> tuple[list[dict[str, str]], list[RowError], list[str]]:
    """Validate every row first (all-or-nothing): clean rows (with their line) or every error with row and column."""
    col, errors, warnings = map_columns(table.header, column_map)
    if errors:
        return [], errors, warnings
    rows: list[dict[str, str]] = []
    seen_questions: dict[str, int] = {}
    seen_slugs: dict[str, int] = {}
    for i, raw in enumerate(table.rows):
        line = i + 2
        if not any(v.strip() for v in raw):
            continue  # blank line inside the sheet

        def cell(name: str, raw: list[str] = raw) -> str:
            j = col.get(name)
            return raw[j].strip() if j is not None and j < len(raw) else ""

        values = {name: cell(name) for name in COLUMNS + OPTIONAL_COLUMNS}
        values["行"] = str(line)
        for name in COLUMNS:
            value = values[name]
            if name != "キーワード" and not value:
                errors.append(RowError(line, name, "空欄です。入力してください。"))
            if len(value) > LIMITS[name]:
                errors.append(
                    RowError(line, name, f"{LIMITS[name]}文字以内にしてください（{len(value)}文字）。")
                )
            if find_individual_numbers(value):
                errors.append(
                    RowError(
                        line,
                        name,
                        "個人番号（マイナンバー）と思われる12桁の数字があります。削除してください。",
                    )
                )
        slug = values["識別キー"]
        if slug:
            if not KEY_PATTERN.fullmatch(slug):
                errors.append(
                    RowError(line, "識別キー", "半角英数字・ハイフン・下線で80文字以内にしてください。")
                )
            elif slug in seen_slugs:
                errors.append(
                    RowError(
                        line, "識別キー", f"{seen_slugs[slug]}行目と同じ識別キーです。キーは1行に1つです。"
                    )
                )
            seen_slugs[slug] = line
        q = search.fold(values["質問"])
        if q and q in seen_questions:
            errors.append(RowError(line, "質問", f"{seen_questions[q]}行目と同じ質問です。"))
        seen_questions.setdefault(q, line)
        rows.append(values)
    if not rows and not errors:
        errors.append(RowError(2, "", "取り込む行がありません。"))
    return rows, errors, warnings


class _DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back after computing exactly what it would do."""


def _content(values: dict[str, str]) -> dict[str, str]:
    return {
        "category": values["分類"],
        "question": values["質問"],
        "answer": values["回答"],
        "keywords": re.sub(r"\s+", " ", values["キーワード"]),
    }


def _same(entry: FaqEntry, content: dict[str, str]) -> bool:
    return all(getattr(entry, k) == v for k, v in content.items())


def faq_import(
    *,
    data: bytes,
    filename: str,
    by: User | None,
    approve: bool = False,
    encoding: str | None = None,
    is_sample: bool = False,
    dry_run: bool = False,
    retire_missing: bool = False,
    column_map: dict[str, str] | None = None,
) -> ImportResult:
    """Import or update a collection (分類・質問・回答・キーワード, optional 識別キー). All-or-nothing.

    - A row whose 識別キー exists updates that entry: drafts in place; an approved entry gets a revision that
      waits for approval, or (approve=True, approvers only) is updated directly with a history row.
    - A row without a key whose question is already registered is an error (no silent duplicates).
    - retire_missing (with approve): approved keyed entries absent from the file are retired.
    - dry_run: computes exactly what would change (same code path, rolled back) and writes nothing.
    """
    if approve and by is not None and not by.has_perm("faq.approve_faq"):
        raise PermissionDenied("承認済みとして取り込む権限がありません。")
    if retire_missing and not approve:
        return ImportResult(
            errors=[
                RowError(
                    0,
                    "",
                    "ファイルにない項目の廃止は、承認済みとしての取込（承認の権限）と一緒に指定してください。",
                )
            ]
        )
    try:
        table = read_table(data, filename, encoding=encoding)
    except ValueError as exc:
        return ImportResult(errors=[RowError(0, "", str(exc))])
    rows, errors, warnings = parse_rows(table, column_map)
    result = ImportResult(warnings=warnings, dry_run=dry_run)
    if errors:
        result.errors = errors
        return result
    try:
        with transaction.atomic():
            _apply_import(rows, result, by=by, approve=approve, is_sample=is_sample, filename=filename)
            if retire_missing:
                _retire_missing(rows, result, by=by)
            if result.errors:
                raise _DryRun
            audit_record(
                actor=by,
                action=AuditEvent.Action.IMPORT,
                object_type="faq.faqentry",
                detail={
                    "rows": len(rows),
                    "approved": approve,
                    "created": result.created,
                    "changed": result.changed,
                    "retired": result.retired,
                    "format": filename.rsplit(".", 1)[-1].lower(),
                },
            )
            if any(c.action != "unchanged" for c in result.changes):
                bump_search_stamp()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if result.errors:
        result.changes = []
    return result


def _apply_import(
    rows: list[dict[str, str]],
    result: ImportResult,
    *,
    by: User | None,
    approve: bool,
    is_sample: bool,
    filename: str,
) -> None:
    now = timezone.now()
    keys = [r["識別キー"] for r in rows if r["識別キー"]]
    existing = {e.slug: e for e in FaqEntry.objects.select_for_update().filter(slug__in=keys)}
    live_questions: dict[str, FaqEntry] = {}
    for e in FaqEntry.objects.exclude(state=FaqEntry.State.RETIRED).only("id", "slug", "question"):
        live_questions.setdefault(search.fold(e.question), e)
    comment = f"取込: {filename}"[:200]
    for values in rows:
        line = int(values["行"])
        key = values["識別キー"]
        content = _content(values)
        entry = existing.get(key) if key else None
        if entry is None:
            clash = live_questions.get(search.fold(content["question"]))
            if clash is not None and (not key or clash.slug != key):
                where = f"識別キー「{clash.slug}」" if clash.slug else f"No.{clash.pk}"
                result.errors.append(
                    RowError(
                        line,
                        "質問",
                        f"同じ質問の項目がすでにあります（{where}）。更新するには識別キー列にそのキーを書いてください。",
                    )
                )
                continue
            entry = FaqEntry(
                slug=key or None,
                **content,
                state=FaqEntry.State.APPROVED if approve else FaqEntry.State.DRAFT,
                is_sample=is_sample,
                created_by=by,
                created_at=now,
                updated_at=now,
                approved_by=by if approve else None,
                approved_at=now if approve else None,
            )
            _index(entry)
            entry.save()
            if not entry.slug:
                entry.slug = f"faq-{entry.pk}"
                entry.save(update_fields=["slug"])
            _record(entry, action=FaqRevision.Action.IMPORT, by=by, comment=comment)
            result.changes.append(ImportChange("created", entry.slug, entry.question, line))
            continue
        if entry.state in (FaqEntry.State.APPROVED, FaqEntry.State.RETIRED) and not approve:
            # Approved content changes only through a revision that city staff approve.
            target = FaqEntry.objects.filter(
                replaces=entry, state__in=[FaqEntry.State.DRAFT, FaqEntry.State.REVIEW]
            ).first()
            if _same(entry, content) and target is None:
                result.changes.append(ImportChange("unchanged", key, entry.question, line))
                continue
            if target is None:
                target = FaqEntry(
                    **content,
                    replaces=entry,
                    version=entry.version + 1,
                    state=FaqEntry.State.REVIEW,
                    is_sample=entry.is_sample,
                    created_by=by,
                    created_at=now,
                    updated_at=now,
                )
                _index(target)
                target.save()
                _record(target, action=FaqRevision.Action.IMPORT, by=by, comment=f"{comment}（{key} の改訂）")
                result.changes.append(ImportChange("review", key, target.question, line))
                continue
            entry = target
            if _same(entry, content):
                result.changes.append(ImportChange("unchanged", key, entry.question, line))
                continue
        elif _same(entry, content) and (not approve or entry.state == FaqEntry.State.APPROVED):
            result.changes.append(ImportChange("unchanged", key, entry.question, line))
            continue
        for k, v in content.items():
            setattr(entry, k, v)
        entry.updated_at = now
        if approve:
            entry.state = FaqEntry.State.APPROVED
            entry.approved_by, entry.approved_at = by, now
            entry.is_sample = is_sample
        _index(entry)
        entry.save()
        _record(entry, action=FaqRevision.Action.IMPORT, by=by, comment=comment)
        result.changes.append(ImportChange("changed", key, entry.question, line))


def _retire_missing(rows: list[dict[str, str]], result: ImportResult, *, by: User | None) -> None:
    keys = {r["識別キー"] for r in rows if r["識別キー"]}
    now = timezone.now()
    for entry in (
        FaqEntry.objects.select_for_update()
        .filter(state=FaqEntry.State.APPROVED, slug__isnull=False)
        .exclude(slug__in=keys)
        .order_by("id")
    ):
        entry.state = FaqEntry.State.RETIRED
        entry.updated_at = now
        entry.save(update_fields=["state", "updated_at"])
        _record(entry, action=FaqRevision.Action.RETIRE, by=by, comment="取込ファイルにないため廃止")
        result.changes.append(ImportChange("retired", entry.slug or "", entry.question))


EXPORT_COLUMNS = ["識別キー", *COLUMNS]


def export_rows(queryset: Iterable[FaqEntry]) -> list[list[str]]:
    """Rows for EXPORT_COLUMNS: the key first, so an exported file edited in Excel imports as an update."""
    return [[e.slug or "", e.category, e.question, e.answer, e.keywords] for e in queryset]


# ---------------------------------------------------------------- synonyms


def synonym_save(
    *, by: User | None, term: str, expansions: str, note: str = "", synonym: Synonym | None = None
) -> Synonym:
    term = (term or "").strip()
    expansions = re.sub(r"\s+", " ", (expansions or "").strip())
    errors: dict[str, list[str]] = {}
    if not term:
        errors["term"] = ["言い方を入力してください。"]
    if not expansions:
        errors["expansions"] = ["探す語を入力してください。"]
    for key, value in (("term", term), ("expansions", expansions), ("note", note)):
        try:
            refuse_individual_number(value)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.messages)
    clash = Synonym.objects.filter(term=term)
    if synonym is not None:
        clash = clash.exclude(pk=synonym.pk)
    if term and clash.exists():
        errors.setdefault("term", []).append(f"「{term}」はすでに登録されています。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = synonym is None
        synonym = synonym or Synonym()
        synonym.term, synonym.expansions, synonym.note = term, expansions, note.strip()
        synonym.updated_at = timezone.now()
        synonym.save()
        audit_record(
            actor=by, action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE, obj=synonym
        )
        bump_search_stamp()
    return synonym


def synonym_delete(*, by: User | None, synonym: Synonym) -> None:
    with transaction.atomic():
        audit_record(actor=by, action=AuditEvent.Action.DELETE, obj=synonym)
        synonym.delete()
        bump_search_stamp()


# ---------------------------------------------------------------- search log and the improvement loop

# Search-as-you-type: a search by the same person within this many seconds that extends or shortens the
# previous one is the same search, so the log keeps one row per question, not one per keystroke.
TYPING_SECONDS = 60


@dataclass
class SearchOutcome:
    hits: list[search.Hit]
    message: str = ""  # Japanese note (refused, shortened, personal data left out)
    log_id: int | None = None


def search_logged(
    *, query: str, user: User | None, source: str = SearchLog.Source.SCREEN, limit: int = 10
) -> SearchOutcome:
    """Search as an operator does: the privacy check first, then the search, then one log row (or the update
    of the row for the same search still being typed). A refused query is neither searched nor logged."""
    checked = check_query(query)
    if not checked.query:
        return SearchOutcome(hits=[], message=checked.message)
    hits = search.search(checked.query, limit)
    now = timezone.now()
    with transaction.atomic():
        previous = (
            SearchLog.objects.select_for_update()
            .filter(
                user=user,
                source=source,
                answered_entry__isnull=True,
                at__gte=now - timedelta(seconds=TYPING_SECONDS),
            )
            .order_by("-at", "-id")
            .first()
            if user is not None
            else None
        )
        top = hits[0].entry_id if hits else None
        if previous is not None and (
            checked.logged.startswith(previous.query) or previous.query.startswith(checked.logged)
        ):
            previous.query, previous.hits, previous.top_entry_id, previous.at = (
                checked.logged,
                len(hits),
                top,
                now,
            )
            previous.save(update_fields=["query", "hits", "top_entry", "at"])
            log = previous
        else:
            log = SearchLog.objects.create(
                user=user, source=source, query=checked.logged, hits=len(hits), top_entry_id=top, at=now
            )
    return SearchOutcome(hits=hits, message=checked.message, log_id=log.pk)


def search_answered(
    *, log_id: int | None, entry: FaqEntry, user: User, call_ref: int | None = None
) -> SearchLog:
    """「この回答で解決」: the entry answered the call (from the call screen). Without a search row (the
    operator opened the entry directly) a row is written with the entry's question as the query."""
    with transaction.atomic():
        log = (
            SearchLog.objects.select_for_update().filter(pk=log_id, user=user).first()
            if log_id is not None
            else None
        )
        if log is None:
            log = SearchLog(
                user=user, source=SearchLog.Source.CALL, query=entry.question[:200], hits=1, top_entry=entry
            )
        log.answered_entry = entry
        log.answered_at = timezone.now()
        log.call_ref = call_ref
        log.save()
        audit_record(
            actor=user, action=AuditEvent.Action.UPDATE, obj=log, detail={"answered_entry": entry.pk}
        )
    return log


def _followup(log: SearchLog, value: str) -> None:
    """Mark every open log row with the same query as dealt with (the editor's list shows each query once)."""
    SearchLog.objects.filter(query=log.query, followup="").update(followup=value)


def miss_add_synonym(*, log: SearchLog, by: User, expansions: str) -> Synonym:
    """One click on the editor's list: the missed query becomes a synonym rule (effective at once)."""
    term = log.query.strip()[:60]
    existing = Synonym.objects.filter(term=term).first()
    if existing is not None:
        merged = " ".join(dict.fromkeys(existing.expansion_list() + expansions.split()))
        synonym = synonym_save(by=by, term=term, expansions=merged, note=existing.note, synonym=existing)
    else:
        synonym = synonym_save(by=by, term=term, expansions=expansions, note="検索の記録から追加")
    _followup(log, SearchLog.Followup.SYNONYM)
    return synonym


def miss_add_keyword(*, log: SearchLog, by: User, entry: FaqEntry) -> FaqEntry:
    """The missed query becomes a keyword of an entry: a draft edit, or for an approved entry a revision
    that goes through approval like any other change."""
    target = entry if entry.state == FaqEntry.State.DRAFT else entry_revise(entry=entry, by=by)
    if target.state != FaqEntry.State.DRAFT:
        raise ValidationError("この項目の改訂版は審査中です。審査が終わってから追加してください。")
    keywords = " ".join(dict.fromkeys([*target.keyword_list(), log.query.replace(" ", "")]))
    target = entry_update(
        entry=target,
        by=by,
        category=target.category,
        question=target.question,
        answer=target.answer,
        keywords=keywords,
    )
    _followup(log, SearchLog.Followup.KEYWORD)
    return target


def miss_new_draft(*, log: SearchLog, by: User) -> FaqEntry:
    """The missed query becomes a new draft entry whose answer the writer fills in."""
    draft = entry_create(
        by=by, category="その他", question=log.query, answer="（回答を記入してください）", keywords=log.query
    )
    _followup(log, SearchLog.Followup.DRAFT)
    return draft


def miss_dismiss(*, log: SearchLog, by: User) -> None:
    _followup(log, SearchLog.Followup.DISMISSED)
    audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=log, detail={"followup": "dismissed"})


def faq_import_upload_purge(*, before: datetime.datetime, dry_run: bool, holds: Any = ()) -> int:
    """Retention (madoguchi/retention, kind `faq.import_file`): uploaded FAQ collections still stored from before
    `before` are deleted — a dry run's upload waits for 「この内容で取り込む」 and is otherwise kept forever; the real
    import and a failed one delete theirs at once. A file whose time falls in a legal-hold window is kept."""
    from django.core.files.storage import default_storage

    from .jobs import UPLOAD_DIR

    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    old = []
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        at = default_storage.get_modified_time(path)
        if at < before and not any(start <= at <= end for start, end in holds or ()):
            old.append(path)
    if dry_run or not old:
        return len(old)
    for path in old:
        default_storage.delete(path)
    audit_record(
        actor=None,
        action=AuditEvent.Action.DELETE,
        object_type="faq.import_file",
        detail={"purged": len(old), "what": "faq_import_upload"},
    )
    return len(old)
