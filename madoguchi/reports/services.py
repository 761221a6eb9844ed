"""Reports: the monthly report built from section providers, its submission and change flags,
the operations plan and the handover package. Renderers (render/) only consume this plain data."""

from __future__ import annotations

import calendar
import datetime
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.lib.jdates import fiscal_year as fiscal_year_of
from madoguchi.lib.jdates import wareki_year
from madoguchi.lib.privacy import refuse_individual_number

from .models import (
    ContactEntry,
    ContractSettings,
    ManualRevision,
    ManualScreenshot,
    MonthClose,
    MonthlyReport,
    MonthlyReportVersion,
    OperationsPlan,
)
from .sections import Period, Section, Table, appendices, calls, cards, faq, others
from .sections import handover as handover_sections
from .sections import plan as plan_sections

APPENDIX_HEADER = ["種類", "番号", "対応日時", "内容", "状態", "備考"]


class ReportError(ValueError):
    """A report that cannot be made for the asked period; the message is for the user (Japanese)."""


def era_month(year: int, month: int) -> str:
    """令和8年4月."""
    era, era_year = wareki_year(datetime.date(year, month, 1))
    return f"{era}{'元' if era_year == 1 else era_year}年{month}月"


def era_fiscal_year(fiscal_year: int) -> str:
    return calls._fy_label(fiscal_year)


@dataclass
class Change:
    key: str
    label: str
    submitted: int | None
    now: int | None


@dataclass
class Cover:
    """What the 鑑 says: from the contract settings, the month's commentary and the version being handed over."""

    city_name: str
    addressee: str
    section: str
    contractor: str
    contractor_address: str
    representative: str
    contract_name: str
    period_start: datetime.date
    period_end: datetime.date
    submitted_on: datetime.date
    version_number: int
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    special_notes: str = ""
    problems: str = ""
    improvements: str = ""

    @property
    def version_label(self) -> str:
        return "" if self.version_number == 0 else f"訂正版（第{self.version_number}版）"


@dataclass
class ReportData:
    scope: str  # "month" or "fiscal_year"
    year: int
    month: int
    fiscal_year: int
    period: Period
    title: str
    sections: list[Section]
    appendix: Table
    generated_at: datetime.datetime
    in_progress: bool
    submission: MonthlyReport | None = None
    changes: list[Change] = field(default_factory=list)
    contract_name: str = ""
    # The 鑑 (cover letter) of a submitted version; None for a draft printed from the screen.
    cover: Cover | None = None
    # Whole documents printed after 別紙2, each its own 別紙 (sections/appendices.py: e.g. card ledgers).
    further: list[Table] = field(default_factory=list)

    @property
    def attachments(self) -> list[tuple[str, str]]:
        """(別紙N, what it is) in print order, for the 鑑's 添付資料 and the headings."""
        out = [("別紙1", "業務実施状況（件数表・グラフ）"), ("別紙2", "対応状況全件")]
        out += [(f"別紙{n}", table.caption) for n, table in enumerate(self.further, start=3)]
        return out

    @property
    def ym(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def figures(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for section in self.sections:
            merged.update(section.figures)
        return merged

    @property
    def stable_figures(self) -> dict[str, int]:
        """The figures of what happened in the period: these must not change once the month is submitted."""
        volatile = {key for section in self.sections for key in section.volatile}
        return {k: v for k, v in self.figures.items() if k not in volatile}

    @property
    def labels(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for section in self.sections:
            merged.update(section.labels)
        return merged

    @property
    def problems(self) -> list[str]:
        return [f"{s.title}: {p}" for s in self.sections for p in s.problems]

    @property
    def call_section(self) -> Section:
        return next(s for s in self.sections if s.key == "call_table")

    @property
    def call_rows(self) -> list[list[Any]]:
        section = self.call_section
        return section.tables[0].rows

    @property
    def is_empty(self) -> bool:
        return not any(self.figures.values()) and not self.appendix.rows

    @property
    def has_activity(self) -> bool:
        """Anything happened in the period itself (not earlier months of the call table, not stock carried in)."""
        carried = (
            "cards.stock.",
            "cards.past_holding",
            "callbacks.open",
            "callbacks.overdue",
            "phone_memos.pending",
        )
        months = {f"{y}-{m:02d}" for y, m in calls._months(self.period)}
        for key, value in self.figures.items():
            if not value or key.startswith(carried):
                continue
            parts = key.split(".")
            if parts[0] in ("call_table", "answering") and parts[1] not in months:
                continue
            return True
        return any(row[0] != "カード" or row[2] for row in self.appendix.rows)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def report_period(
    *, year: int, month: int, scope: str = "month", today: datetime.date | None = None
) -> Period:
    """The period of a month's report (or of the fiscal year up to that month). A future month is refused."""
    today = today or timezone.localdate()
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ReportError("年月の指定が正しくありません（例: 2026-04）。")
    first = datetime.date(year, month, 1)
    if first > today:
        raise ReportError(
            f"{era_month(year, month)}はまだ始まっていないため、月報を作成できません。"
            f"{era_month(today.year, today.month)}までの月を指定してください。"
        )
    end = first + datetime.timedelta(days=calendar.monthrange(year, month)[1])
    as_of = min(end - datetime.timedelta(days=1), today)
    if scope == "fiscal_year":
        fy = fiscal_year_of(first)
        start = datetime.date(fy, 4, 1)
        label = f"{era_fiscal_year(fy)}（4月〜{month}月）"
        return Period(start=start, end=end, label=label, as_of=as_of)
    return Period(start=first, end=end, label=era_month(year, month), as_of=as_of)


def monthly_report_build(
    *, year: int, month: int, scope: str = "month", today: datetime.date | None = None, appendix: bool = True
) -> ReportData:
    """Every section of the month's report (or fiscal year to date), computed now from what was logged."""
    today = today or timezone.localdate()
    period = report_period(year=year, month=month, scope=scope, today=today)
    fy = fiscal_year_of(period.start)
    sections = [
        calls.call_table(fy, datetime.date(year, month, 1)),
        calls.answer_figures(period),
        others.reservations(period),
        calls.callbacks(period),
        cards.card_steps(period),
        others.outreach(period),
        others.floor(period),
        calls.phone_memos(period),
        faq.faq_usage(period),
        others.incidents(period),
    ]
    rows: list[list[Any]] = []
    further: list[Table] = []
    if appendix:
        further = appendices.further_appendices(period)
        rows = (
            others.reservation_appendix_rows(period)
            + cards.appendix_rows(period)
            + calls.appendix_rows(period)
            + others.outreach_appendix_rows(period)
            + others.incident_appendix_rows(period)
        )
    title = (
        f"業務完了報告書（月報） {period.label}"
        if scope == "month"
        else f"業務完了報告書（年度累計） {period.label}"
    )
    data = ReportData(
        scope=scope,
        year=year,
        month=month,
        fiscal_year=fy,
        period=period,
        title=title,
        sections=sections,
        appendix=Table(
            "対応状況全件", APPENDIX_HEADER, rows, empty_text="この期間に対応した案件はありません。"
        ),
        generated_at=timezone.now(),
        in_progress=period.end > today,
        contract_name=ContractSettings.objects.order_by("pk").values_list("contract_name", flat=True).first()
        or "",
        further=further,
    )
    if scope == "month":
        data.submission = (
            MonthlyReport.objects.filter(year=year, month=month).select_related("submitted_by").first()
        )
        if data.submission is not None:
            data.changes = snapshot_changes(data.submission.snapshot, data)
    return data


# --- snapshot and change flags -----------------------------------------------------------------


def snapshot_of(data: ReportData) -> dict[str, Any]:
    """The figures as submitted, with their labels, so later changes can be named."""
    figures = data.stable_figures
    return {
        "figures": figures,
        "state_figures": {k: v for k, v in data.figures.items() if k not in figures},
        "labels": data.labels,
        "appendix_rows": len(data.appendix.rows),
    }


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    canonical = json.dumps(snapshot.get("figures", {}), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def snapshot_changes(snapshot: dict[str, Any], data: ReportData) -> list[Change]:
    """Every figure whose fresh value differs from the submitted one (added and removed keys too)."""
    old: dict[str, int] = snapshot.get("figures", {})
    new = data.stable_figures
    labels = {**snapshot.get("labels", {}), **data.labels}
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before != after and not (before in (None, 0) and after in (None, 0)):
            changes.append(Change(key, labels.get(key, key), before, after))
    return changes


def contract_settings() -> ContractSettings:
    """The contract the documents are written for; refused (in Japanese, naming the fields) while incomplete."""
    contract = ContractSettings.objects.order_by("pk").first()
    if contract is None:
        raise ReportError(
            "契約情報が未設定です。「契約情報」の画面で宛名・受託者・契約名などを入力してください。"
        )
    if contract.missing:
        raise ReportError(
            f"契約情報に未入力の項目があります（{'、'.join(contract.missing)}）。「契約情報」の画面で入力してください。"
        )
    return contract


@transaction.atomic
def contract_save(*, by: User, **fields: Any) -> ContractSettings:
    """Create or change the one row of contract settings (validated like a form)."""
    contract = ContractSettings.objects.select_for_update().order_by("pk").first() or ContractSettings()
    created = contract.pk is None
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean()
    if contract.period_end < contract.period_start:
        raise ReportError("契約期間の終了日が開始日より前になっています。")
    contract.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=contract,
        detail={"fields": sorted(fields)},
    )
    return contract


def _cover(
    *,
    contract: ContractSettings,
    close: MonthClose,
    number: int,
    reason: str,
    changes: list[Change],
    today: datetime.date,
) -> Cover:
    return Cover(
        city_name=contract.city_name,
        addressee=contract.addressee,
        section=contract.section,
        contractor=contract.contractor,
        contractor_address=contract.contractor_address,
        representative=contract.representative,
        contract_name=contract.contract_name,
        period_start=contract.period_start,
        period_end=contract.period_end,
        submitted_on=today,
        version_number=number,
        reason=reason,
        changes=changes,
        special_notes=close.special_notes,
        problems=close.problems,
        improvements=close.improvements,
    )


@dataclass
class MonthlyDocuments:
    data: ReportData
    pdf: bytes
    xlsx: bytes
    number: int
    reason: str


def monthly_documents_build(
    *, year: int, month: int, reason: str = "", today: datetime.date | None = None
) -> MonthlyDocuments:
    """Check that the month may be handed over and render its 鑑 + 別紙 as PDF and XLSX (the slow part, done
    outside any transaction). The first submission is 初版; a month already submitted gets the next 訂正版,
    which needs changed figures and a reason."""
    from .render.pdf import report_pdf
    from .render.xlsx import report_xlsx

    today = today or timezone.localdate()
    label = era_month(year, month)
    contract = contract_settings()
    close = MonthClose.objects.filter(year=year, month=month).first()
    if close is None or not close.is_closed:
        raise ReportError(
            f"{label}はまだ締められていません。月次締めの画面で確認項目を処理し、締めてから提出してください。"
        )
    data = monthly_report_build(year=year, month=month, appendix=True, today=today)
    if data.in_progress:
        raise ReportError(f"{label}はまだ終わっていないため、提出できません。")
    if not data.has_activity:
        raise ReportError(f"{label}は記録が1件もないため提出できません（対象月を確認してください）。")
    report = data.submission
    if report is None:
        number, changes = 0, []
        if reason.strip():
            raise ReportError("初めての提出に訂正の理由は入力できません。")
    else:
        last = report.versions.order_by("-number").first()
        snapshot = last.snapshot if last is not None else report.snapshot
        changes = snapshot_changes(snapshot, data)
        if not changes:
            raise ReportError(
                f"{label}の月報はすでに提出済で、その後の変更もありません（訂正版は作れません）。"
            )
        if not reason.strip():
            raise ReportError("訂正版には訂正の理由を入力してください。")
        number = (last.number + 1) if last is not None else 1
    data.cover = _cover(
        contract=contract, close=close, number=number, reason=reason.strip(), changes=changes, today=today
    )
    return MonthlyDocuments(
        data=data, pdf=report_pdf(data), xlsx=report_xlsx(data), number=number, reason=reason.strip()
    )


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def monthly_report_submit(
    *, by: User, year: int, month: int, reason: str = "", today: datetime.date | None = None
) -> MonthlyReportVersion:
    """Hand the month's report to the city: 初版, or the next 訂正版 when figures changed after a submission.
    The exact PDF and XLSX are stored with their SHA-256 in one short transaction (nothing half-submitted)."""
    docs = monthly_documents_build(year=year, month=month, reason=reason, today=today)
    snapshot = snapshot_of(docs.data)
    cover = docs.data.cover
    assert cover is not None  # set by monthly_documents_build
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().filter(year=year, month=month).first()
        expected = 0 if report is None else report.versions.count()
        if (report is None) != (docs.number == 0) or (report is not None and expected != docs.number):
            raise ReportError(
                f"{era_month(year, month)}の月報は同時に提出されました。画面を開き直してください。"
            )
        now = timezone.now()
        if report is None:
            report = MonthlyReport.objects.create(
                year=year,
                month=month,
                snapshot=snapshot,
                snapshot_hash=snapshot_hash(snapshot),
                submitted_at=now,
                submitted_by=by,
            )
        else:
            report.snapshot, report.snapshot_hash = snapshot, snapshot_hash(snapshot)
            report.status = MonthlyReport.Status.SUBMITTED
            report.received_at, report.received_by = None, None
            report.save(update_fields=["snapshot", "snapshot_hash", "status", "received_at", "received_by"])
        version = MonthlyReportVersion.objects.create(
            report=report,
            number=docs.number,
            pdf=docs.pdf,
            pdf_sha256=_sha256(docs.pdf),
            xlsx=docs.xlsx,
            xlsx_sha256=_sha256(docs.xlsx),
            snapshot=snapshot,
            changes=[
                {"key": c.key, "label": c.label, "submitted": c.submitted, "now": c.now}
                for c in cover.changes
            ],
            reason=docs.reason,
            submitted_at=now,
            submitted_by=by,
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=report,
            detail={
                "status": "submitted",
                "month": report.ym,
                "version": version.number,
                "pdf_sha256": version.pdf_sha256,
                "xlsx_sha256": version.xlsx_sha256,
            },
        )
    return version


def monthly_report_receive(*, by: User, version: MonthlyReportVersion) -> MonthlyReportVersion:
    """City staff confirm they received this version's files (the hashes they can check are on screen)."""
    with transaction.atomic():
        version = MonthlyReportVersion.objects.select_for_update().select_related("report").get(pk=version.pk)
        if version.received_at is not None:
            raise ReportError(f"この月報（{version.label}）は受領確認済です。")
        latest = version.report.versions.order_by("-number").first()
        if latest is not None and latest.pk != version.pk:
            raise ReportError(
                f"この版より新しい{latest.label}が提出されています。最新の版の受領を確認してください。"
            )
        now = timezone.now()
        version.received_at, version.received_by = now, by
        version.save(update_fields=["received_at", "received_by"])
        report = version.report
        report.status, report.received_at, report.received_by = MonthlyReport.Status.RECEIVED, now, by
        report.save(update_fields=["status", "received_at", "received_by"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.TRANSITION,
            obj=report,
            detail={"status": report.status, "version": version.number, "pdf_sha256": version.pdf_sha256},
        )
    return version


def report_export_record(*, by: User | None, data: ReportData, fmt: str, request: Any = None) -> None:
    """Every download or scheduled generation of a report is audit-logged (it lists notice numbers)."""
    audit_record(
        actor=by,
        action=AuditEvent.Action.EXPORT,
        object_type="reports.monthlyreport",
        object_id=data.ym,
        request=request,
        detail={"scope": data.scope, "format": fmt, "rows": len(data.appendix.rows)},
    )


def report_view_record(*, by: User, data: ReportData, request: Any = None) -> None:
    audit_record(
        actor=by,
        action=AuditEvent.Action.VIEW,
        object_type="reports.monthlyreport",
        object_id=data.ym,
        request=request,
        detail={"scope": data.scope, "rows": len(data.appendix.rows)},
    )


# --- operations plan ----------------------------------------------------------------------------


def plan_content_now(plan: OperationsPlan) -> dict[str, Any]:
    """What the plan says: frozen once submitted, else generated now from staffing, contacts and training."""
    if plan.content and plan.status in (OperationsPlan.Status.SUBMITTED, OperationsPlan.Status.APPROVED):
        return plan.content
    return plan_sections.plan_content(
        fiscal_year=plan.fiscal_year, policy=plan.policy, title=plan.title, sections=plan.sections
    )


plan_missing = plan_sections.plan_missing


def _content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def plan_create(*, by: User, fiscal_year: int, policy: str = "", title: str = "業務計画書") -> OperationsPlan:
    """A new draft; a fiscal year has at most one plan being written or awaiting approval at a time."""
    if OperationsPlan.objects.filter(
        fiscal_year=fiscal_year, status__in=[OperationsPlan.Status.DRAFT, OperationsPlan.Status.SUBMITTED]
    ).exists():
        raise ReportError(
            f"{era_fiscal_year(fiscal_year)}の業務計画書は作成中または承諾待ちのものがあります。"
        )
    last = OperationsPlan.objects.filter(fiscal_year=fiscal_year).order_by("-version").first()
    plan = OperationsPlan.objects.create(
        fiscal_year=fiscal_year,
        version=(last.version + 1) if last else 1,
        title=title,
        policy=policy or (last.policy if last else plan_sections.DEFAULT_POLICY),
    )
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE,
        obj=plan,
        detail={"fiscal_year": fiscal_year, "version": plan.version},
    )
    return plan


@transaction.atomic
def plan_update(
    *, by: User, plan: OperationsPlan, title: str, policy: str, sections: dict[str, str] | None = None
) -> OperationsPlan:
    plan = OperationsPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_editable:
        raise ReportError("提出済・承諾済の業務計画書は変更できません。新しい版を作成してください。")
    plan.title, plan.policy = title, policy
    if sections is not None:
        plan.sections = sections
    if plan.status == OperationsPlan.Status.RETURNED:
        plan.status = OperationsPlan.Status.DRAFT
    plan.save(update_fields=["title", "policy", "sections", "status", "updated_at"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.UPDATE,
        obj=plan,
        detail={"fields": ["title", "policy", "sections"]},
    )
    return plan


@transaction.atomic
def plan_submit(*, by: User, plan: OperationsPlan) -> OperationsPlan:
    """Freeze the generated content and hand it to the city for approval."""
    plan = OperationsPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_editable:
        raise ReportError("この業務計画書はすでに提出されています。")
    content = plan_sections.plan_content(
        fiscal_year=plan.fiscal_year, policy=plan.policy, title=plan.title, sections=plan.sections
    )
    missing = plan_sections.plan_missing(content)
    if missing:
        shown = "、".join(missing[:5]) + (f" ほか {len(missing) - 5} 件" if len(missing) > 5 else "")
        raise ReportError(f"業務計画書に空欄・未整備の項目があるため提出できません（{shown}）。")
    plan.content = content
    plan.content_hash = _content_hash(plan.content)
    plan.status = OperationsPlan.Status.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.submitted_by = by
    plan.decided_at, plan.decided_by, plan.decision_comment = None, None, ""
    plan.save(
        update_fields=[
            "content",
            "content_hash",
            "status",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "decision_comment",
            "updated_at",
        ]
    )
    audit_record(
        actor=by,
        action=AuditEvent.Action.TRANSITION,
        obj=plan,
        detail={"status": plan.status, "hash": plan.content_hash[:16]},
    )
    return plan


@transaction.atomic
def plan_decide(*, by: User, plan: OperationsPlan, approve: bool, comment: str = "") -> OperationsPlan:
    """City staff approve (承諾) or return (差戻し) a submitted plan; the decision is recorded."""
    plan = OperationsPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != OperationsPlan.Status.SUBMITTED:
        raise ReportError("承諾・差戻しできるのは提出済（承諾待ち）の業務計画書だけです。")
    if not approve and not comment.strip():
        raise ReportError("差戻しの理由をコメントに入力してください。")
    if _content_hash(plan.content) != plan.content_hash:
        raise ReportError("提出後に計画書の内容が変わっています。提出し直してもらってください。")
    if approve and plan_sections.plan_missing(plan.content):
        raise ReportError("この業務計画書には空欄の項目があるため承諾できません。差戻してください。")
    plan.status = OperationsPlan.Status.APPROVED if approve else OperationsPlan.Status.RETURNED
    plan.decided_at = timezone.now()
    plan.decided_by = by
    plan.decision_comment = comment.strip()
    plan.save(update_fields=["status", "decided_at", "decided_by", "decision_comment", "updated_at"])
    audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=plan, detail={"status": plan.status})
    return plan


@transaction.atomic
def contact_save(*, by: User, entry: ContactEntry | None = None, **fields: Any) -> ContactEntry:
    """Create or change one line of the contact structure (validated like a form)."""
    entry = entry or ContactEntry()
    created = entry.pk is None
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.full_clean()
    entry.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=entry,
        detail={"fields": sorted(fields)},
    )
    return entry


@transaction.atomic
def contact_delete(*, by: User, entry: ContactEntry) -> None:
    audit_record(actor=by, action=AuditEvent.Action.DELETE, obj=entry, detail={"path": entry.path})
    entry.delete()


def plan_export_record(*, by: User, plan: OperationsPlan, fmt: str, request: Any = None) -> None:
    audit_record(actor=by, action=AuditEvent.Action.EXPORT, obj=plan, request=request, detail={"format": fmt})


# --- handover package ---------------------------------------------------------------------------


@dataclass
class HandoverPackage:
    content: bytes
    filename: str
    files: list[str]
    counts: dict[str, int]


def handover_tables(*, personal: bool, today: datetime.date | None = None) -> list[Table]:
    today = today or timezone.localdate()
    return [
        handover_sections.open_callbacks(personal=personal),
        handover_sections.pending_memos(),
        handover_sections.cards_by_state(),
        handover_sections.open_cards(personal=personal),
        handover_sections.upcoming_reservations(today=today),
        handover_sections.open_incidents(),
        handover_sections.pending_faq(),
    ]


def handover_generate(
    *, by: User, include_personal: bool = False, reason: str = "", request: Any = None
) -> HandoverPackage:
    """Build the handover ZIP. Personal data only by explicit choice of a role allowed to make it, with a
    reason; every generation is audit-logged (with the choice and the counts, never the data)."""

    from .manual import manual_pdf
    from .render.handover import handover_zip
    from .render.plan import plan_pdf

    if include_personal and not by.has_perm("reports.handover_personal_data"):
        raise ReportError("個人情報を含む引継ぎ資料を作成する権限がありません。")
    if include_personal and not reason.strip():
        raise ReportError("個人情報を含める理由を入力してください。")
    now = timezone.now()
    tables = handover_tables(personal=include_personal)
    approved = (
        OperationsPlan.objects.filter(status=OperationsPlan.Status.APPROVED)
        .order_by("-fiscal_year", "-version")
        .first()
    )
    content, files = handover_zip(
        title="業務引継書",
        generated_at=now,
        by=str(by),
        personal=include_personal,
        tables=tables,
        faq=handover_sections.approved_faq(),
        manual_pdf=manual_pdf(
            printed_at=now,
            contract_line=" ".join(
                ContractSettings.objects.order_by("pk").values_list("city_name", "contract_name").first()
                or ()
            ),
        ),
        plan_pdf=plan_pdf(approved, approved.content) if approved and approved.content else None,
    )
    counts = {t.caption: t.items for t in tables}
    audit_record(
        actor=by,
        action=AuditEvent.Action.EXPORT,
        object_type="reports.handover",
        object_id=timezone.localtime(now).strftime("%Y%m%d%H%M%S"),
        request=request,
        detail={
            "include_personal": include_personal,
            "reason": reason.strip()[:200],
            "files": len(files),
            "open_items": sum(counts.values()),
        },
    )
    # Date and time in words: twelve digits in a row (202611291652) look like an individual number to the guard.
    local = timezone.localtime(now)
    stamp = f"{local.year}年{local.month}月{local.day}日{local:%H時%M分}"
    return HandoverPackage(content=content, filename=f"引継ぎ資料_{stamp}.zip", files=files, counts=counts)


# --- 業務手順書 (procedure manual): revisions reviewed by the city, screenshots from the running app ---------


def manual_task(key: str) -> Any:
    """The section of the manual with this key (reports/manual.py), or ReportError."""
    from .manual import task_by_key

    task = task_by_key(key)
    if task is None:
        raise ReportError("業務手順書にその項目はありません。")
    return task


_LABELS = {"title": "見出し", "steps": "手順", "note": "注意"}


def _manual_clean(title: str, steps: str, note: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    for field_name, value in (("title", title), ("steps", steps), ("note", note)):
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
            errors[field_name] = [f"{_LABELS[field_name]}に使えない制御文字が含まれています。"]
    if errors:
        raise ValidationError(errors)
    title, note = title.strip(), note.strip()
    lines = [line.strip() for line in steps.splitlines() if line.strip()]
    if not title:
        errors["title"] = ["見出しを入力してください。"]
    elif len(title) > 100:
        errors["title"] = ["見出しは100文字以内で入力してください。"]
    if not lines:
        errors["steps"] = ["手順を1行以上入力してください（1行に1手順）。"]
    for number, line in enumerate(lines, start=1):
        if len(line) > 300:
            errors.setdefault("steps", []).append(
                f"手順{number}が長すぎます（300文字以内。分けて書いてください）。"
            )
    if errors:
        raise ValidationError(errors)
    for field_name, value in (("title", title), ("steps", steps), ("note", note)):
        refuse_individual_number(value, field=field_name)
    return title, "\n".join(lines), note


@transaction.atomic
def manual_draft_save(*, by: User, key: str, title: str, steps: str, note: str = "") -> ManualRevision:
    """Write (or rewrite) the open revision of a section: a new 版 if none is open, else the draft or the
    returned revision in place (back to 作成中). A revision waiting for the city cannot be changed."""
    manual_task(key)
    title, steps, note = _manual_clean(title, steps, note)
    revisions = ManualRevision.objects.select_for_update().filter(key=key)
    open_ = revisions.filter(state__in=ManualRevision.OPEN_STATES).first()
    now = timezone.now()
    if open_ is not None:
        if open_.state == ManualRevision.State.SUBMITTED:
            raise ReportError("この項目の改訂は市の確認待ちです。承認または差戻しの後に編集できます。")
        open_.title, open_.steps, open_.note = title, steps, note
        open_.state, open_.updated_at = ManualRevision.State.DRAFT, now
        open_.save(update_fields=["title", "steps", "note", "state", "updated_at"])
        audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=open_, detail={"key": key})
        return open_
    last = revisions.order_by("-number").values_list("number", flat=True).first() or 0
    try:
        with transaction.atomic():  # a savepoint: two first revisions of a section saved at once collide here
            revision = _manual_revision_create(
                key=key, number=last + 1, title=title, steps=steps, note=note, by=by, now=now
            )
    except IntegrityError:
        raise ReportError(
            "同じ項目をほかの人が同時に改訂しました。画面を開き直して、その改訂を編集してください。"
        ) from None
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE,
        obj=revision,
        detail={"key": key, "number": revision.number},
    )
    return revision


def _manual_revision_create(
    *, key: str, number: int, title: str, steps: str, note: str, by: User, now: datetime.datetime
) -> ManualRevision:
    return ManualRevision.objects.create(
        key=key,
        number=number,
        title=title,
        steps=steps,
        note=note,
        created_by=by,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def manual_submit(*, by: User, revision: ManualRevision) -> ManualRevision:
    """Hand a draft revision to the city for approval."""
    revision = ManualRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != ManualRevision.State.DRAFT:
        raise ReportError(
            f"提出できるのは作成中の改訂だけです（この改訂は「{revision.get_state_display()}」）。"
        )
    revision.state, revision.submitted_by, revision.submitted_at = (
        ManualRevision.State.SUBMITTED,
        by,
        timezone.now(),
    )
    revision.save(update_fields=["state", "submitted_by", "submitted_at"])
    audit_record(
        actor=by, action=AuditEvent.Action.TRANSITION, obj=revision, detail={"state": revision.state}
    )
    return revision


@transaction.atomic
def manual_decide(*, by: User, revision: ManualRevision, approve: bool, comment: str = "") -> ManualRevision:
    """City staff approve a submitted revision (it is printed from then on; the previous approved revision
    becomes 旧版) or return it with a comment."""
    revision = ManualRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != ManualRevision.State.SUBMITTED:
        raise ReportError("承認・差戻しできるのは市の確認待ちの改訂だけです。")
    comment = comment.strip()
    if not approve and not comment:
        raise ReportError("差戻しの理由をコメントに入力してください。")
    refuse_individual_number(comment, field="comment")
    if approve:
        ManualRevision.objects.filter(key=revision.key, state=ManualRevision.State.APPROVED).update(
            state=ManualRevision.State.SUPERSEDED
        )
    revision.state = ManualRevision.State.APPROVED if approve else ManualRevision.State.RETURNED
    revision.decided_by, revision.decided_at, revision.decision_comment = by, timezone.now(), comment
    revision.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    audit_record(
        actor=by, action=AuditEvent.Action.TRANSITION, obj=revision, detail={"state": revision.state}
    )
    return revision


@transaction.atomic
def manual_screenshot_store(*, key: str, png: bytes, path: str, by: User | None = None) -> ManualScreenshot:
    """Keep a screen as photographed for the manual (its size read from the PNG header)."""
    from .manual import SCREENS

    if key not in SCREENS:
        raise ReportError(f"業務手順書の画面「{key}」はありません。")
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        raise ReportError("画面の画像が PNG ではありません。")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    shot = ManualScreenshot.objects.create(
        key=key, png=png, sha256=_sha256(png), width=width, height=height, path=path
    )
    audit_record(
        actor=by, action=AuditEvent.Action.CREATE, obj=shot, detail={"key": key, "sha256": shot.sha256}
    )
    return shot
