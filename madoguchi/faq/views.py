from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.lib.exports import csv_bytes, download, xlsx_bytes
from madoguchi.lib.htmx import render_page_or_fragment
from madoguchi.lib.listing import Column, Listing

from . import search, services
from .diff import diff_revisions
from .forms import EntryForm, ImportForm, SynonymForm, TransitionForm
from .models import STANDARD_CATEGORIES, FaqEntry, FaqRevision, SearchLog, Synonym
from .privacy import check_query


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind require_perm, so never anonymous)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("ログインしてください。")
    return user


def _visible_entry(request: HttpRequest, pk: int) -> FaqEntry:
    entry = FaqEntry.objects.visible_to(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404("この質疑応答は見つからないか、閲覧できません。")
    return entry


def _category_choices() -> list[tuple[str, str]]:
    names = FaqEntry.objects.order_by("category").values_list("category", flat=True).distinct()
    return [("", "すべて"), *((c, c) for c in names)]


class EntryFilterForm(forms.Form):
    state = forms.ChoiceField(label="状態", choices=[("", "すべて"), *FaqEntry.State.choices], required=False)
    category = forms.ChoiceField(label="分類", choices=_category_choices, required=False)


def _filter_entries(queryset: QuerySet[FaqEntry], data: Mapping[str, object]) -> QuerySet[FaqEntry]:
    if data.get("state"):
        queryset = queryset.filter(state=data["state"])
    if data.get("category"):
        queryset = queryset.filter(category=data["category"])
    return queryset


ENTRIES = Listing(
    name="faq.entries",
    title="質疑応答集",
    columns=[
        Column("pk", "No.", order_by="id", css="num"),
        Column("slug", "識別キー", order_by="slug"),
        Column("category", "分類", order_by="category"),
        Column("question", "質問", link=lambda e: reverse("faq:detail", args=[e.pk])),
        Column("state", "状態", value=lambda e: e.get_state_display(), order_by="state"),
        Column("sample", "サンプル", value=lambda e: "サンプル（市の承認待ち）" if e.is_sample else ""),
        Column(
            "updated_at",
            "更新",
            value=lambda e: timezone.localtime(e.updated_at).strftime("%Y/%m/%d %H:%M"),
            order_by="updated_at",
        ),
    ],
    filter_form=EntryFilterForm,
    filter=_filter_entries,
    ordering=("category", "id"),
    empty_text="該当する質疑応答はありません。",
)


@require_perm("faq.view_faqentry")
def index(request: HttpRequest) -> HttpResponse:
    """The FAQ list (count, pagination, filters by state and category, export of the whole filtered set) with
    the search box on top."""
    user = _user(request)
    entries = FaqEntry.objects.visible_to(user)
    on_export = None
    if user.has_perm("faq.export_faq"):

        def on_export(fmt: str, n: int) -> None:
            audit_record(
                actor=user,
                action=AuditEvent.Action.EXPORT,
                object_type="faq.faqentry",
                request=request,
                detail={"rows": n, "format": fmt, "scope": "list"},
            )

    return ENTRIES.response(
        request, entries, template="faq/index.html", context={"q": ""}, on_export=on_export
    )


@require_perm("faq.view_faqentry")
def search_view(request: HttpRequest) -> HttpResponse:
    """Search approved entries; the screen POSTs (a query may hold a caller's details, never put in a URL) and
    htmx asks for the `_results.html` fragment as the user types. Every search is logged without personal data."""
    data = request.POST if request.method == "POST" else request.GET
    raw = data.get("q", "")
    try:
        limit = min(max(int(data.get("limit", 10)), 1), 50)
    except ValueError:
        limit = 10
    outcome = services.search_logged(
        query=raw, user=_user(request), source=SearchLog.Source.SCREEN, limit=limit
    )
    checked = check_query(raw)
    context = {
        "q": checked.logged,
        "hits": outcome.hits,
        "limit": limit,
        "message": outcome.message if raw.strip() else "",
        "log_id": outcome.log_id,
    }
    return render_page_or_fragment(request, "faq/search.html", "faq/_results.html", context)


@require_POST
@require_perm("faq.view_faqentry")
def answered(request: HttpRequest) -> HttpResponse:
    """「この回答で解決」 from the call screen (or the FAQ screen): the entry answered the caller's question."""
    entry = get_object_or_404(FaqEntry.objects.approved(), pk=request.POST.get("entry") or 0)
    log_id = request.POST.get("log") or ""
    call = request.POST.get("call") or ""
    log = services.search_answered(
        log_id=int(log_id) if log_id.isdigit() else None,
        entry=entry,
        user=_user(request),
        call_ref=int(call) if call.isdigit() else None,
    )
    return render(request, "faq/_answered.html", {"entry": entry, "log": log})


MISSES = Listing(
    name="faq.misses",
    title="見つからなかった検索",
    columns=[
        Column(
            "at", "日時", value=lambda r: timezone.localtime(r.at).strftime("%Y/%m/%d %H:%M"), order_by="at"
        ),
        Column("query", "検索語", order_by="query"),
        Column("hits", "件数", order_by="hits"),
        Column("source", "画面", value=lambda r: r.get_source_display()),
        Column("top", "1位の項目", value=lambda r: r.top_entry.question if r.top_entry else "―"),
    ],
    ordering=("-at", "-id"),
    empty_text="未対応の「見つからなかった検索」はありません。",
)


@require_perm("faq.write_faq")
def misses(request: HttpRequest) -> HttpResponse:
    """The editor's list: searches that found nothing, and call-screen searches no entry answered."""
    logs = (
        SearchLog.objects.filter(followup="")
        .filter(Q(hits=0) | Q(source=SearchLog.Source.CALL, answered_entry__isnull=True))
        .exclude(query="")
        .select_related("top_entry")
    )
    if request.method == "POST" and request.POST.get("action"):
        return _miss_action(request)
    return MISSES.response(
        request,
        logs,
        template="faq/misses.html",
        fragment="faq/_misses_table.html",
        on_export=lambda fmt, n: audit_record(
            actor=_user(request),
            action=AuditEvent.Action.EXPORT,
            object_type="faq.searchlog",
            request=request,
            detail={"rows": n, "format": fmt},
        ),
    )


def _miss_action(request: HttpRequest) -> HttpResponse:
    log = get_object_or_404(SearchLog, pk=request.POST.get("log") or 0)
    action = request.POST["action"]
    user = _user(request)
    try:
        if action == "synonym":
            if not user.has_perm("faq.add_synonym"):
                raise PermissionDenied("言い換えを追加する権限がありません。")
            expansions = (request.POST.get("expansions") or "").strip()
            if not expansions:
                raise ValidationError("「探す語」を入力してください（例: 紛失）。")
            synonym = services.miss_add_synonym(log=log, by=user, expansions=expansions)
            messages.success(
                request,
                f"言い換え「{synonym.term} → {synonym.expansions}」を追加しました。すぐ検索に効きます。",
            )
        elif action == "keyword":
            entry = FaqEntry.objects.filter(pk=request.POST.get("entry") or 0).first()
            if entry is None:
                raise ValidationError("キーワードを足す項目の No. を入力してください。")
            target = services.miss_add_keyword(log=log, by=user, entry=entry)
            messages.success(
                request,
                f"No.{target.pk}（下書き）のキーワードに「{log.query}」を足しました。審査に出してください。",
            )
        elif action == "draft":
            draft = services.miss_new_draft(log=log, by=user)
            messages.success(request, f"下書き No.{draft.pk} を作りました。回答を書いてください。")
            return redirect("faq:edit", pk=draft.pk)
        elif action == "dismiss":
            services.miss_dismiss(log=log, by=user)
            messages.success(request, f"「{log.query}」を対応不要にしました。")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("faq:misses")


@require_perm("faq.view_faqentry")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _visible_entry(request, pk)
    history = list(entry.history.select_related("by").order_by("-number"))
    context = {
        "entry": entry,
        "history": history,
        "actions": [(a, services.ACTION_LABELS[a]) for a in services.allowed_actions(entry, _user(request))],
        "can_write": request.user.has_perm("faq.write_faq"),
        "revision_draft": FaqEntry.objects.filter(
            replaces=entry, state__in=[FaqEntry.State.DRAFT, FaqEntry.State.REVIEW]
        ).first()
        if request.user.has_perm("faq.view_all_states")
        else None,
        "transition_form": TransitionForm(),
    }
    return render(request, "faq/detail.html", context)


@require_perm("faq.view_faqentry")
def history_diff(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One history row compared with the row before it (or with ?against=N)."""
    entry = _visible_entry(request, pk)
    revision = get_object_or_404(FaqRevision.objects.select_related("by"), entry=entry, number=number)
    against = request.GET.get("against")
    if against and against.isdigit():
        previous = FaqRevision.objects.filter(entry=entry, number=int(against)).first()
    else:
        previous = FaqRevision.objects.filter(entry=entry, number__lt=number).order_by("-number").first()
    context = {
        "entry": entry,
        "revision": revision,
        "previous": previous,
        "diffs": diff_revisions(previous, revision),
        "numbers": entry.history.order_by("number").values_list("number", flat=True),
    }
    return render(request, "faq/diff.html", context)


@require_perm("faq.write_faq")
def create(request: HttpRequest) -> HttpResponse:
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(by=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"下書き No.{entry.pk} を作成しました。内容を確認して審査に出してください。"
            )
            return redirect("faq:detail", pk=entry.pk)
    return render(request, "faq/form.html", {"form": form, "entry": None, "categories": STANDARD_CATEGORIES})


@require_perm("faq.write_faq")
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(FaqEntry, pk=pk)
    if not entry.is_editable:
        messages.error(
            request, "下書きの状態の項目だけを編集できます。承認済みの項目は「改訂する」から直してください。"
        )
        return redirect("faq:detail", pk=entry.pk)
    form = EntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_update(entry=entry, by=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "下書きを保存しました。")
            return redirect("faq:detail", pk=entry.pk)
    return render(request, "faq/form.html", {"form": form, "entry": entry, "categories": STANDARD_CATEGORIES})


@require_POST
@require_perm("faq.view_all_states")
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(FaqEntry, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("faq:detail", pk=entry.pk)
    action = form.cleaned_data["action"]
    perm = services.TRANSITIONS[action][2]
    if not request.user.has_perm(perm):
        raise PermissionDenied("この操作を行う権限がありません。")
    try:
        services.entry_transition(
            entry=entry, by=_user(request), action=action, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, f"No.{entry.pk} を「{services.ACTION_LABELS[action]}」しました。")
    return redirect("faq:detail", pk=entry.pk)


@require_POST
@require_perm("faq.write_faq")
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(FaqEntry, pk=pk)
    try:
        draft = services.entry_revise(entry=entry, by=_user(request))
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect("faq:detail", pk=entry.pk)
    messages.success(
        request, f"改訂版の下書き No.{draft.pk} を作りました。承認されるまで元の項目が検索に出ます。"
    )
    return redirect("faq:edit", pk=draft.pk)


def _start_import(request: HttpRequest, params: dict[str, object]) -> HttpResponse:
    from madoguchi.jobs.services import JobAlreadyRunning, job_start

    try:
        job = job_start(kind="faq.import", params=params, user=_user(request), lock_key="faq.import")
    except JobAlreadyRunning as exc:
        messages.error(
            request, "質疑応答集の取込はほかの方が実行中です。終わってからもう一度お試しください。"
        )
        return redirect(exc.job)
    return redirect(job)


@require_perm("faq.import_faq")
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload → a dry run as a job (what would be created, changed, retired) → 「この内容で取り込む」 → the import."""
    import uuid

    from django.core.files.storage import default_storage

    from madoguchi.jobs.models import Job

    from .jobs import UPLOAD_DIR

    can_approve = request.user.has_perm("faq.approve_faq")
    preview = None
    preview_id = request.GET.get("preview") or request.POST.get("apply") or ""
    if preview_id:
        try:
            preview = Job.objects.filter(
                pk=uuid.UUID(preview_id), kind="faq.import", started_by=_user(request)
            ).first()
        except ValueError:
            preview = None
    if request.method == "POST" and request.POST.get("apply"):
        if preview is None or preview.state != Job.State.DONE or not preview.params.get("dry_run"):
            messages.error(request, "試行の結果が見つかりません。ファイルを選び直してください。")
            return redirect("faq:import")
        if preview.params.get("approve") and not can_approve:
            raise PermissionDenied("承認済みとして取り込む権限がありません。")
        return _start_import(request, {**preview.params, "dry_run": False})
    form = ImportForm(request.POST or None, request.FILES or None, can_approve=can_approve)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        ext = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else "bin"
        stored = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.{ext}", upload)
        approve = bool(form.cleaned_data.get("approve"))
        return _start_import(
            request,
            {
                "upload": stored,
                "filename": upload.name[:200],
                "user_id": request.user.pk,
                "approve": approve,
                "encoding": form.cleaned_data.get("encoding") or "",
                "dry_run": True,
                "retire_missing": approve and bool(form.cleaned_data.get("retire_missing")),
            },
        )
    return render(
        request,
        "faq/import.html",
        {
            "form": form,
            "preview": preview,
            "columns": services.EXPORT_COLUMNS,
            "aliases": services.COLUMN_ALIASES,
        },
    )


@require_perm("faq.export_faq")
def export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "xlsx")
    encoding = request.GET.get("encoding", "utf-8")
    scope = request.GET.get("scope", "approved")
    entries = FaqEntry.objects.all() if scope == "all" else FaqEntry.objects.approved()
    entries = entries.order_by("category", "id")
    rows = services.export_rows(entries)
    stamp = timezone.localtime().strftime("%Y%m%d")
    audit_record(
        actor=_user(request),
        action=AuditEvent.Action.EXPORT,
        object_type="faq.faqentry",
        request=request,
        detail={"rows": len(rows), "format": fmt, "encoding": encoding, "scope": scope},
    )
    if fmt == "csv":
        if encoding not in ("utf-8", "cp932"):
            encoding = "utf-8"
        try:
            content = csv_bytes(services.EXPORT_COLUMNS, rows, encoding=encoding)
        except UnicodeEncodeError:
            messages.error(
                request,
                "Shift_JIS (CP932) で表せない文字が含まれています。UTF-8 の CSV か XLSX で出力してください。",
            )
            return redirect("faq:index")
        return download(content, f"質疑応答集_{stamp}.csv", "text/csv")
    content = xlsx_bytes("質疑応答集", services.EXPORT_COLUMNS, rows)
    return download(
        content,
        f"質疑応答集_{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_perm("faq.export_faq")
def manual(request: HttpRequest) -> HttpResponse:
    """The approved set as a printable manual, built as a job (GET shows the latest; POST starts one)."""
    from madoguchi.jobs.selectors import job_latest
    from madoguchi.jobs.services import JobAlreadyRunning, job_start

    if request.method == "POST":
        try:
            job = job_start(
                kind="faq.manual",
                params={"user_id": request.user.pk},
                user=_user(request),
                lock_key="faq.manual",
            )
        except JobAlreadyRunning as exc:
            messages.info(request, "マニュアルは作成中です。")
            return redirect(exc.job)
        audit_record(
            actor=_user(request),
            action=AuditEvent.Action.PRINT,
            object_type="faq.faqentry",
            request=request,
            detail={"entries": FaqEntry.objects.approved().count(), "background": True},
        )
        return redirect(job)
    return render(request, "faq/manual.html", {"job": job_latest(lock_key="faq.manual")})


@require_perm("faq.change_synonym")
def synonyms(request: HttpRequest) -> HttpResponse:
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = Synonym.objects.filter(pk=int(request.GET["edit"])).first()
    if request.method == "POST":
        editing = Synonym.objects.filter(pk=request.POST.get("pk") or 0).first()
    form = SynonymForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        try:
            services.synonym_save(by=_user(request), synonym=editing, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"「{form.cleaned_data['term']}」を保存しました。検索にすぐ反映されます。"
            )
            return redirect("faq:synonyms")
    trial = request.GET.get("try", "").strip()[:100]
    context = {
        "form": form,
        "editing": editing,
        "synonyms": Synonym.objects.order_by("term"),
        "trial": trial,
        "trial_hits": search.search(trial, 5) if trial else [],
        "trial_rules": search.matching_rules(search.get_index(), trial) if trial else [],
    }
    return render(request, "faq/synonyms.html", context)


@require_POST
@require_perm("faq.delete_synonym")
def synonym_delete(request: HttpRequest, pk: int) -> HttpResponse:
    synonym = get_object_or_404(Synonym, pk=pk)
    services.synonym_delete(by=_user(request), synonym=synonym)
    messages.success(request, f"「{synonym.term}」を削除しました。")
    return redirect("faq:synonyms")
