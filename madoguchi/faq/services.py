"""FAQ writes: create/edit drafts, the approval workflow, revisions, import, synonyms.

Every write is one transaction with its history row and audit row, and bumps the search stamp when
what operators can find may have changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.lib.exports import RowError, Table, check_header, read_table
from madoguchi.lib.privacy import find_individual_numbers, refuse_individual_number

from . import search
from .models import FaqEntry, FaqRevision, SearchIndexState, Synonym

COLUMNS = ["分類", "質問", "回答", "キーワード"]
REQUIRED_COLUMNS = ["分類", "質問", "回答"]
OPTIONAL_COLUMNS = ["キーワード", "識別キー"]  # a city's own collection may have no keyword column
LIMITS = {"分類": 60, "質問": 2000, "回答": 8000, "キーワード": 400}


def bump_search_stamp() -> None:
    """Tell every process that the approved set or the synonyms changed (same transaction as the change)."""
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


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_rows(table: Table) -> tuple[list[dict[str, str]], list[RowError]]:
    """Validate every row first (all-or-nothing): returns clean rows or every error with row and column."""
    errors = check_header(table, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    if errors:
        return [], errors
    col = {name: table.header.index(name) for name in table.header if name}
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
            if not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", slug):
                errors.append(
                    RowError(line, "識別キー", "半角英数字・ハイフン・下線で80文字以内にしてください。")
                )
            elif slug in seen_slugs:
                errors.append(RowError(line, "識別キー", f"{seen_slugs[slug]}行目と同じ識別キーです。"))
            elif FaqEntry.objects.filter(slug=slug).exists():
                errors.append(RowError(line, "識別キー", "この識別キーはすでに登録されています。"))
            seen_slugs[slug] = line
        q = search.fold(values["質問"])
        if q and q in seen_questions:
            errors.append(RowError(line, "質問", f"{seen_questions[q]}行目と同じ質問です。"))
        seen_questions.setdefault(q, line)
        rows.append(values)
    if not rows and not errors:
        errors.append(RowError(2, "", "取り込む行がありません。"))
    return rows, errors


def faq_import(
    *,
    data: bytes,
    filename: str,
    by: User | None,
    approve: bool = False,
    encoding: str | None = None,
    is_sample: bool = False,
) -> ImportResult:
    """Import 分類・質問・回答・キーワード rows as drafts (or approved, for a city loading its own approved
    collection). Nothing is saved unless every row is valid."""
    if approve and by is not None and not by.has_perm("faq.approve_faq"):
        raise PermissionDenied("承認済みとして取り込む権限がありません。")
    try:
        table = read_table(data, filename, encoding=encoding)
    except ValueError as exc:
        return ImportResult(errors=[RowError(0, "", str(exc))])
    rows, errors = parse_rows(table)
    if errors:
        return ImportResult(errors=errors)
    now = timezone.now()
    state = FaqEntry.State.APPROVED if approve else FaqEntry.State.DRAFT
    with transaction.atomic():
        for values in rows:
            entry = FaqEntry(
                slug=values["識別キー"] or None,
                category=values["分類"],
                question=values["質問"],
                answer=values["回答"],
                keywords=re.sub(r"\s+", " ", values["キーワード"]),
                state=state,
                is_sample=is_sample,
                created_by=by,
                created_at=now,
                updated_at=now,
                approved_by=by if approve else None,
                approved_at=now if approve else None,
            )
            _index(entry)
            entry.save()
            _record(entry, action=FaqRevision.Action.IMPORT, by=by, comment=filename[:200])
        audit_record(
            actor=by,
            action=AuditEvent.Action.IMPORT,
            object_type="faq.faqentry",
            detail={"rows": len(rows), "approved": approve, "format": filename.rsplit(".", 1)[-1].lower()},
        )
        if approve:
            bump_search_stamp()
    return ImportResult(created=len(rows))


def export_rows(queryset: object) -> list[list[str]]:
    return [[e.category, e.question, e.answer, e.keywords] for e in queryset]  # type: ignore[attr-defined]


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
