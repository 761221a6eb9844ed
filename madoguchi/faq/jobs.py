"""FAQ work that takes more than a moment: importing a collection (Sudachi analyses every row) and the manual PDF."""

from __future__ import annotations

from typing import Any

from madoguchi.jobs.registry import JobContext, JobError, job_kind

UPLOAD_DIR = "faq-imports"


def _drop_upload(params: dict[str, Any]) -> None:
    from django.core.files.storage import default_storage

    upload = params.get("upload") or ""
    if upload.startswith(f"{UPLOAD_DIR}/") and default_storage.exists(upload):
        default_storage.delete(upload)


@job_kind(
    "faq.import",
    title="質疑応答集の取込",
    permission="faq.import_faq",
    timeout_seconds=900,
    on_abandon=_drop_upload,
)
def import_collection(
    ctx: JobContext,
    *,
    upload: str,
    filename: str,
    user_id: int | None,
    approve: bool = False,
    encoding: str = "",
    dry_run: bool = True,
    retire_missing: bool = False,
) -> None:
    from django.core.files.storage import default_storage

    from madoguchi.accounts.models import User
    from madoguchi.lib.exports import csv_bytes

    from .services import faq_import

    if not default_storage.exists(upload):
        raise JobError(
            "取り込むファイルが見つかりません（保存期間が過ぎたか、すでに取り込み済みです）。もう一度選んでください。"
        )
    ctx.progress(done=0, total=1, message="ファイルを読み、各行を検索用に解析しています")
    by = User.objects.filter(pk=user_id).first() if user_id else None
    with default_storage.open(upload) as f:
        data = f.read()
    result = faq_import(
        data=data,
        filename=filename,
        by=by,
        approve=approve,
        encoding=encoding or None,
        dry_run=dry_run,
        retire_missing=retire_missing,
    )
    if not dry_run or not result.ok:
        default_storage.delete(upload)
    if not result.ok:
        shown = [str(e) if e.row else e.message for e in result.errors[:30]]
        more = f"（ほか {len(result.errors) - 30} 件）" if len(result.errors) > 30 else ""
        raise JobError(
            f"取り込みませんでした（誤り {len(result.errors)} 件。何も保存していません）: "
            + " / ".join(shown)
            + more
        )
    report = [[c.label, c.line or "", c.key, c.question] for c in result.changes if c.action != "unchanged"]
    report += [["注意", "", "", w] for w in result.warnings]
    ctx.attach_file(
        name="取込の試行結果.csv" if dry_run else "取込結果.csv",
        content=csv_bytes(["内容", "行", "識別キー", "質問"], report),
        content_type="text/csv",
    )
    summary: dict[str, int | str] = {
        "新規": result.created,
        "更新": result.count("changed"),
        "改訂（承認待ち）": result.count("review"),
        "変更なし": result.count("unchanged"),
        "廃止": result.retired,
        "注意": len(result.warnings),
    }
    if dry_run:
        summary["試行"] = "何も書き込んでいません。内容を確かめて「この内容で取り込む」を押してください。"
    ctx.set_result(summary=summary, url=f"/faq/import/?preview={ctx.job_id}" if dry_run else "/faq/")


@job_kind(
    "faq.manual", title="質疑応答集マニュアル（PDF）の作成", permission="faq.export_faq", timeout_seconds=600
)
def build_manual(ctx: JobContext, *, user_id: int | None = None) -> None:
    from django.utils import timezone

    from .manual import manual_pdf
    from .models import FaqEntry

    entries = list(FaqEntry.objects.approved().order_by("category", "id"))
    ctx.progress(done=0, total=len(entries), message=f"{len(entries)}件を組版しています")
    now = timezone.now()
    content = manual_pdf(entries, title="マイナンバーカード 質疑応答集", printed_at=now)
    stamp = timezone.localtime(now).strftime("%Y%m%d")
    ctx.attach_file(name=f"質疑応答集_{stamp}.pdf", content=content, content_type="application/pdf")
    ctx.set_result(summary={"掲載件数": len(entries)})
