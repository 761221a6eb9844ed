"""業務手順書: the site manager revises a section, city staff approve or return it (versioned, audited); the
printed manual uses the approved text, embeds the newest screenshot of each screen and lists the 改訂履歴."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.exceptions import ValidationError
from pypdf import PdfReader

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports import services
from madoguchi.reports.manual import MANUAL, SCREENS, manual_pdf, printed_manual
from madoguchi.reports.models import ManualRevision, ManualScreenshot

from .factories import at

KEY = "operator.callback"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def png(width: int = 64, height: int = 40) -> bytes:
    """A plain grey PNG of the given size (what a screenshot is, as far as the manual is concerned)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xcc" * (width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def section(key: str):  # type: ignore[no-untyped-def]
    return next(s for _, sections in printed_manual() for s in sections if s.task.key == key)


class ManualRevisionTest(BaseTestCase):
    def test_every_section_has_a_unique_key_and_known_screens(self) -> None:
        keys = [t.key for c in MANUAL for t in c.tasks]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertTrue(all(t.screen is None or t.screen.key in SCREENS for c in MANUAL for t in c.tasks))

    def test_a_revision_is_printed_only_after_the_city_approves_it(self) -> None:
        shipped = section(KEY)
        self.assertEqual(shipped.version, "初版（同梱）")
        draft = services.manual_draft_save(
            by=self.site_manager,
            key=KEY,
            title="折り返し（あふれ呼を含む）",
            steps="メニュー「折り返し」を開く。\n\n期限の近い順に架電する。\n結果を毎回記録する。",
            note="",
        )
        self.assertEqual(
            (draft.number, draft.state, draft.step_list[1]), (1, "draft", "期限の近い順に架電する。")
        )
        self.assertEqual(section(KEY).title, shipped.title)  # a draft is not printed
        services.manual_submit(by=self.site_manager, revision=draft)
        self.assertEqual(section(KEY).title, shipped.title)  # nor is a revision waiting for the city
        services.manual_decide(by=self.city_staff, revision=draft, approve=True)
        printed = section(KEY)
        self.assertEqual((printed.title, printed.version), ("折り返し（あふれ呼を含む）", "第1版"))
        self.assertEqual(
            printed.steps,
            ["メニュー「折り返し」を開く。", "期限の近い順に架電する。", "結果を毎回記録する。"],
        )
        self.assertEqual(printed.approved_by, str(self.city_staff))

    def test_a_returned_revision_is_corrected_and_the_old_approved_one_becomes_history(self) -> None:
        first = services.manual_draft_save(by=self.site_manager, key=KEY, title="第1版", steps="手順A")
        services.manual_submit(by=self.site_manager, revision=first)
        services.manual_decide(by=self.city_staff, revision=first, approve=True)
        second = services.manual_draft_save(by=self.director, key=KEY, title="第2版", steps="手順B")
        services.manual_submit(by=self.director, revision=second)
        with self.assertRaisesMessage(services.ReportError, "市の確認待ち"):
            services.manual_draft_save(by=self.director, key=KEY, title="途中で直す", steps="手順C")
        with self.assertRaisesMessage(services.ReportError, "差戻しの理由"):
            services.manual_decide(by=self.city_staff, revision=second, approve=False, comment=" ")
        services.manual_decide(
            by=self.city_staff, revision=second, approve=False, comment="手順Bの画面名が違います"
        )
        self.assertEqual(section(KEY).title, "第1版")  # the approved text stays printed meanwhile
        again = services.manual_draft_save(
            by=self.director, key=KEY, title="第2版", steps="手順B（画面名を修正）"
        )
        self.assertEqual(
            (again.pk, again.number, again.state), (second.pk, 2, "draft")
        )  # the same 版, reworked
        services.manual_submit(by=self.director, revision=again)
        services.manual_decide(by=self.city_staff, revision=again, approve=True)
        states = dict(ManualRevision.objects.filter(key=KEY).values_list("number", "state"))
        self.assertEqual(states, {1: "superseded", 2: "approved"})
        actions = list(
            AuditEvent.objects.filter(object_type="reports.manualrevision").values_list("action", flat=True)
        )
        self.assertEqual(actions.count("transition"), 6)  # 3 submissions, 1 return, 2 approvals
        self.assertEqual(actions.count("create"), 2)
        self.assertEqual(actions.count("update"), 1)

    def test_bad_input_is_refused_with_the_field_named(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            services.manual_draft_save(by=self.site_manager, key=KEY, title=" ", steps="\n \n")
        self.assertEqual(
            caught.exception.message_dict,
            {
                "title": ["見出しを入力してください。"],
                "steps": ["手順を1行以上入力してください（1行に1手順）。"],
            },
        )
        with self.assertRaises(ValidationError) as caught:
            services.manual_draft_save(
                by=self.site_manager, key=KEY, title="折り返し", steps="番号 123456789018 を確認"
            )
        self.assertIn("steps", caught.exception.message_dict)
        with self.assertRaisesMessage(services.ReportError, "その項目はありません"):
            services.manual_draft_save(by=self.site_manager, key="nope", title="x", steps="y")
        self.assertFalse(ManualRevision.objects.exists())


class ManualScreensTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.revision = services.manual_draft_save(
            by=self.site_manager, key=KEY, title="折り返しの架電", steps="一覧を開く。\n架電する。"
        )

    def test_the_city_reviews_the_change_and_approves_it_on_the_screen(self) -> None:
        url = f"/reports/manual/{KEY}/"
        self.login(self.site_manager)
        self.assertContains(self.client.get(url), "＋ 追加")
        self.client.post(url, {"action": "submit"})
        self.login(self.city_staff)
        page = self.client.get(url)
        self.assertContains(page, "市の確認待ち")
        self.assertContains(page, "架電する。")
        self.assertContains(page, "− 削除")
        self.assertNotContains(page, 'value="save"')  # city staff review, they do not edit
        response = self.client.post(url, {"action": "decide", "decision": "approve", "comment": ""})
        self.assertRedirects(response, url)
        self.revision.refresh_from_db()
        self.assertEqual((self.revision.state, self.revision.decided_by), ("approved", self.city_staff))

    def test_the_editor_saves_from_the_form_and_errors_name_the_field(self) -> None:
        url = f"/reports/manual/{KEY}/"
        self.login(self.site_manager)
        response = self.client.post(url, {"action": "save", "title": "折り返し", "steps": " ", "note": ""})
        self.assertContains(response, "手順（1行に1手順）を入力してください。", status_code=200)
        self.client.post(
            url, {"action": "save", "title": "折り返し（改）", "steps": "一覧を開く。", "note": "夜間は翌朝"}
        )
        self.revision.refresh_from_db()
        self.assertEqual((self.revision.title, self.revision.note), ("折り返し（改）", "夜間は翌朝"))
        # City staff may not save, and the site manager may not approve.
        self.login(self.city_staff)
        self.assertEqual(
            self.client.post(url, {"action": "save", "title": "x", "steps": "y"}).status_code, 403
        )
        self.login(self.site_manager)
        self.client.post(url, {"action": "submit"})
        response = self.client.post(url, {"action": "decide", "decision": "approve"})
        self.assertEqual(response.status_code, 403)

    def test_who_may_open_the_manual_screens(self) -> None:
        readers = {Role.SITE_MANAGER, Role.DIRECTOR, Role.CITY_STAFF}
        self.assert_role_matrix("/reports/manual/", readers)
        self.assert_role_matrix(f"/reports/manual/{KEY}/", readers)
        self.assert_role_matrix("/reports/manual/manual.pdf", readers, ok_status=302)

    def test_the_printed_manual_embeds_the_newest_screenshot_and_the_revision_history(self) -> None:
        services.manual_screenshot_store(key="calls.callbacks", png=png(40, 30), path="/calls/callbacks/")
        newest = services.manual_screenshot_store(
            key="calls.callbacks", png=png(128, 80), path="/calls/callbacks/"
        )
        services.manual_submit(by=self.site_manager, revision=self.revision)
        services.manual_decide(by=self.city_staff, revision=self.revision, approve=True)
        content = manual_pdf(printed_at=at("2026-11-29", 10), contract_line="試験市 窓口業務委託")
        text = pdf_text(content)
        self.assertIn("折り返しの架電", text)
        self.assertIn("図1 折り返し一覧の画面", text.replace("\u3000", " "))
        self.assertIn("改訂履歴", text)
        self.assertIn("第1版", text)
        images = [
            (img.image.width, img.image.height)
            for page in PdfReader(io.BytesIO(content)).pages
            for img in page.images
        ]
        self.assertEqual(images, [(newest.width, newest.height)])  # the newest photograph only, once
        self.login(self.city_staff)
        response = self.client.get("/reports/manual/screens/calls.callbacks.png")
        self.assertEqual(response.content, bytes(newest.png))

    def test_a_screenshot_must_be_a_png_of_a_known_screen(self) -> None:
        with self.assertRaisesMessage(services.ReportError, "PNG ではありません"):
            services.manual_screenshot_store(key="calls.take", png=b"GIF89a...", path="/calls/take/")
        with self.assertRaisesMessage(services.ReportError, "画面「calls.nope」はありません"):
            services.manual_screenshot_store(key="calls.nope", png=png(), path="/calls/nope/")
        self.assertFalse(ManualScreenshot.objects.exists())

    def test_the_job_builds_the_pdf_and_records_the_export(self) -> None:
        from .factories import job_result

        self.login(self.city_staff)
        job, content = job_result(self.client.get("/reports/manual/manual.pdf"))
        self.assertEqual(job.state, "done")
        self.assertIn("業務手順書", pdf_text(content))
        self.assertTrue(
            AuditEvent.objects.filter(
                actor=self.city_staff, object_type="reports.manual", action="export"
            ).exists()
        )


class ManualRevisionInputTest(BaseTestCase):
    """Whatever is typed, a revision is either saved as the non-blank lines, trimmed, or refused with the field
    named — never a crash and never a revision with an empty step."""

    def test_any_text_is_saved_as_its_lines_or_refused_with_a_field(self) -> None:
        from hypothesis import HealthCheck, example, given, settings
        from hypothesis import strategies as st

        text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(title=text, steps=text, note=text)
        @example(title="案内\x00", steps="記録する", note="")  # PostgreSQL cannot store NUL: refused first
        @example(title="案内", steps="一\u2028二\x1c三\r\n", note="")  # every kind of line break
        def check(title: str, steps: str, note: str) -> None:
            try:
                revision = services.manual_draft_save(
                    by=self.site_manager, key="floor.mynaportal", title=title, steps=steps, note=note
                )
            except ValidationError as exc:
                self.assertTrue(set(exc.message_dict) <= {"title", "steps", "note"}, exc.message_dict)
                return
            expected = [line.strip() for line in steps.splitlines() if line.strip()]
            self.assertEqual(revision.step_list, expected)
            self.assertTrue(revision.title and revision.title == title.strip())
            self.assertEqual(ManualRevision.objects.filter(key="floor.mynaportal").count(), 1)

        check()


class ManualInTheHandoverTest(BaseTestCase):
    def test_the_handover_zip_prints_the_approved_manual_not_the_draft(self) -> None:
        import zipfile

        approved = services.manual_draft_save(
            by=self.site_manager,
            key="floor.guide",
            title="来庁者の案内（承認済）",
            steps="用件のボタンを押す。",
        )
        services.manual_submit(by=self.site_manager, revision=approved)
        services.manual_decide(by=self.city_staff, revision=approved, approve=True)
        services.manual_draft_save(
            by=self.site_manager, key="floor.mynaportal", title="下書きの見出し", steps="x"
        )
        package = services.handover_generate(by=self.director)
        with zipfile.ZipFile(io.BytesIO(package.content)) as zf:
            text = pdf_text(zf.read("02_業務手順書/業務手順書.pdf"))
        self.assertIn("来庁者の案内（承認済）", text)
        self.assertNotIn("下書きの見出し", text)
        self.assertIn("改訂履歴", text)
