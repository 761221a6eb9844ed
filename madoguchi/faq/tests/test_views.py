from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq import search, services
from madoguchi.faq.models import FaqEntry, Synonym
from madoguchi.jobs.testing import run_queued_jobs
from madoguchi.lib.exports import csv_bytes

from .helpers import approved

EVERYONE = {"operator", "back_office", "floor", "site_manager", "director", "city_staff", "admin"}
WRITERS = {"site_manager", "director"}
SEE_ALL = {"site_manager", "director", "city_staff", "admin"}
# City staff read and approve only (issue 12): no bulk import (it could load entries as approved).
IMPORTERS = {"site_manager", "director", "admin"}
EXPORTERS = IMPORTERS | {"city_staff"}
SYNONYM_EDITORS = {"site_manager", "director", "admin"}


class RoleMatrixTests(BaseTestCase):
    def setUp(self):
        search.clear_cache()
        self.entry = approved(self.site_manager, "暗証番号", "暗証番号を忘れた", "窓口で再設定します。")
        self.draft = services.entry_create(
            by=self.site_manager, category="カード", question="下書きの質問", answer="回答"
        )

    def test_every_view_answers_only_the_roles_it_should(self):
        pk = self.entry.pk
        cases = [
            ("/faq/", EVERYONE),
            ("/faq/search/?q=暗証", EVERYONE),
            (f"/faq/{pk}/", EVERYONE),
            (f"/faq/{pk}/history/1/", EVERYONE),
            (f"/faq/{self.draft.pk}/", SEE_ALL),  # others get 404, not 403 — see below
            ("/faq/new/", WRITERS),
            (f"/faq/{self.draft.pk}/edit/", WRITERS),
            ("/faq/import/", IMPORTERS),
            ("/faq/export/?format=xlsx", EXPORTERS),
            ("/faq/manual/", EXPORTERS),
            ("/faq/synonyms/", SYNONYM_EDITORS),
        ]
        for url, allowed in cases:
            with self.subTest(url=url):
                if url == f"/faq/{self.draft.pk}/":
                    for persona in ("operator", "back_office", "floor"):
                        self.login(getattr(self, persona))
                        self.assertEqual(self.client.get(url).status_code, 404)
                    continue
                self.assert_role_matrix(url, allowed)

    def test_workflow_posts_follow_the_role_matrix(self):
        self.assert_role_matrix(
            f"/faq/{self.draft.pk}/transition/",
            WRITERS,
            method="post",
            data={"action": "submit"},
            ok_status=302,
        )
        self.assert_role_matrix(
            f"/faq/{self.entry.pk}/transition/",
            {"city_staff"},
            method="post",
            data={"action": "retire"},
            ok_status=302,
        )
        self.assert_role_matrix(
            "/faq/synonyms/",
            SYNONYM_EDITORS,
            method="post",
            data={"term": "", "expansions": ""},
            ok_status=200,
        )
        self.assert_role_matrix("/faq/import/", IMPORTERS, method="post", data={}, ok_status=200)

    def test_synonym_deletion_follows_the_role_matrix(self):
        from madoguchi.accounts.testing import PERSONAS

        for attr, role in PERSONAS.items():
            synonym = Synonym.objects.create(term=f"語{attr}", expansions="紛失")
            self.login(getattr(self, attr))
            status = self.client.post(f"/faq/synonyms/{synonym.pk}/delete/").status_code
            self.assertEqual(status, 302 if role.value in SYNONYM_EDITORS else 403, attr)

    def test_posts_are_refused_to_roles_without_the_permission(self):
        self.assert_role_matrix(f"/faq/{self.entry.pk}/revise/", WRITERS, method="post", ok_status=302)
        synonym = Synonym.objects.create(term="なくした", expansions="紛失")
        for persona in ("operator", "city_staff", "floor"):
            self.login(getattr(self, persona))
            self.assertEqual(self.client.post(f"/faq/synonyms/{synonym.pk}/delete/").status_code, 403)
            self.assertEqual(
                self.client.post(f"/faq/{self.draft.pk}/transition/", {"action": "submit"}).status_code, 403
            )


class SearchViewTests(BaseTestCase):
    def setUp(self):
        search.clear_cache()

    def test_htmx_gets_the_results_fragment_with_ranked_hits(self):
        entry = approved(
            self.site_manager, "暗証番号", "暗証番号を忘れた", "窓口で再設定します。", is_sample=True
        )
        self.login(self.operator)
        response = self.client.get(
            "/faq/search/", {"q": "あんしょうばんごう"}, headers={"HX-Request": "true"}
        )
        self.assertNotContains(response, "<html")
        self.assertContains(response, f'href="/faq/{entry.pk}/"')
        self.assertContains(response, "サンプル（市の承認待ち）")
        self.assertTemplateUsed(response, "faq/_results.html")
        self.assertContains(response, "<p>窓口で再設定します。</p>")  # the whole answer, for the call screen

    def test_the_dashboard_widget_counts_entries_by_state(self):
        from django.template.loader import render_to_string

        approved(self.site_manager, "受取予約", "受取の予約", "電話で予約します。")
        services.entry_create(by=self.site_manager, category="a", question="b", answer="c")
        html = render_to_string("faq/_dashboard.html")
        self.assertIn("承認済み: 1件", html)
        self.assertIn("下書き: 1件", html)

    def test_a_query_with_an_individual_number_is_refused(self):
        approved(self.site_manager, "受取予約", "受取の予約", "電話で予約します。")
        self.login(self.operator)
        response = self.client.get(
            "/faq/search/", {"q": "予約 1234-5678-9018"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "検索も記録もしていません")
        self.assertNotContains(response, "受取の予約")
        self.assertNotContains(response, "1234-5678-9018")
        self.assertEqual(self.client.get("/api/faq/search", {"q": "123456789018"}).status_code, 400)

    def test_the_full_page_works_without_javascript(self):
        approved(self.site_manager, "受取予約", "受取の予約", "電話で予約します。")
        self.login(self.operator)
        response = self.client.get("/faq/search/", {"q": "予約"})
        self.assertContains(response, "<html")
        self.assertContains(response, "受取の予約")

    def test_operators_list_only_approved_entries(self):
        approved(self.site_manager, "受取予約", "承認済みの質問", "回答")
        services.entry_create(
            by=self.site_manager, category="受取予約", question="下書きの質問", answer="回答"
        )
        self.login(self.operator)
        response = self.client.get("/faq/")
        self.assertContains(response, "承認済みの質問")
        self.assertNotContains(response, "下書きの質問")
        self.login(self.city_staff)
        self.assertContains(self.client.get("/faq/", {"state": "draft"}), "下書きの質問")


class WorkflowViewTests(BaseTestCase):
    def test_a_manager_writes_a_draft_and_city_staff_approve_it_through_the_screens(self):
        self.login(self.site_manager)
        response = self.client.post(
            "/faq/new/",
            {
                "category": "受取予約",
                "question": "予約の変更",
                "answer": "電話で変更できます。",
                "keywords": "変更",
            },
        )
        entry = FaqEntry.objects.get()
        self.assertRedirects(response, f"/faq/{entry.pk}/")
        self.client.post(f"/faq/{entry.pk}/transition/", {"action": "submit"})
        self.login(self.city_staff)
        page = self.client.get(f"/faq/{entry.pk}/")
        self.assertContains(page, 'value="approve"')
        self.client.post(f"/faq/{entry.pk}/transition/", {"action": "approve"})
        entry.refresh_from_db()
        self.assertEqual(entry.state, "approved")

    def test_a_manager_cannot_approve_by_posting_the_action(self):
        entry = services.entry_create(by=self.site_manager, category="a", question="b", answer="c")
        services.entry_transition(entry=entry, by=self.site_manager, action="submit")
        self.login(self.site_manager)
        self.assertEqual(
            self.client.post(f"/faq/{entry.pk}/transition/", {"action": "approve"}).status_code, 403
        )
        entry.refresh_from_db()
        self.assertEqual(entry.state, "review")

    def test_the_form_refuses_an_individual_number_with_a_japanese_message(self):
        self.login(self.site_manager)
        response = self.client.post(
            "/faq/new/", {"category": "a", "question": "b", "answer": "番号 1234 5678 9018", "keywords": ""}
        )
        self.assertContains(response, "個人番号（マイナンバー）と思われる12桁の数字")
        self.assertFalse(FaqEntry.objects.exists())

    def test_the_diff_view_marks_what_changed(self):
        entry = services.entry_create(
            by=self.site_manager,
            category="暗証番号",
            question="暗証番号を忘れた",
            answer="窓口で再設定します。",
        )
        services.entry_update(
            entry=entry,
            by=self.director,
            category="暗証番号",
            question="暗証番号を忘れた",
            answer="市民課の窓口で再設定します。",
        )
        self.login(self.site_manager)
        response = self.client.get(f"/faq/{entry.pk}/history/2/")
        self.assertContains(response, '<ins class="faq-ins">市民課の</ins>')
        self.assertContains(response, "Emi")


class ImportExportViewTests(BaseTestCase):
    def test_an_upload_with_errors_fails_its_job_with_every_row_named_and_saves_nothing(self):
        data = csv_bytes(["分類", "質問", "回答", "キーワード"], [["a", "", "c", ""]])
        self.login(self.site_manager)
        response = self.client.post("/faq/import/", {"file": SimpleUploadedFile("faq.csv", data)})
        (job,) = run_queued_jobs()
        self.assertRedirects(response, f"/jobs/{job.pk}/", fetch_redirect_response=False)
        self.assertEqual(job.state, "failed")
        self.assertIn("2行目「質問」列: 空欄です。", job.error_message)
        self.assertIn("何も保存していません", job.error_message)
        self.assertFalse(FaqEntry.objects.exists())

    def test_an_unreadable_file_is_named_as_a_whole_not_as_row_zero(self):
        self.login(self.site_manager)
        self.client.post("/faq/import/", {"file": SimpleUploadedFile("faq.xlsx", b"not a zip")})
        (job,) = run_queued_jobs()
        self.assertIn("XLSX ファイルとして読めません", job.error_message)
        self.assertNotIn("0行目", job.error_message)
        self.assertFalse(FaqEntry.objects.exists())

    def test_an_upload_is_tried_first_and_imported_only_after_confirmation(self):
        data = csv_bytes(
            ["分類", "質問", "回答", "キーワード"], [["受取", "受取の予約", "電話で予約します。", ""]]
        )
        self.login(self.site_manager)
        self.client.post("/faq/import/", {"file": SimpleUploadedFile("faq.csv", data)})
        (trial,) = run_queued_jobs()
        self.assertEqual((trial.state, trial.result_summary["新規"]), ("done", 1))
        self.assertFalse(FaqEntry.objects.exists())
        page = self.client.get(f"/faq/import/?preview={trial.pk}")
        self.assertContains(page, "この内容で取り込む")
        self.client.post("/faq/import/", {"apply": str(trial.pk)})
        (real,) = run_queued_jobs()
        self.assertEqual(real.state, "done")
        self.assertEqual(FaqEntry.objects.get().state, "draft")
        # Someone else cannot apply another person's trial.
        self.login(self.director)
        response = self.client.post("/faq/import/", {"apply": str(trial.pk)})
        self.assertRedirects(response, "/faq/import/", fetch_redirect_response=False)

    def test_export_round_trips_through_import(self):
        entry = approved(self.site_manager, "受取予約", "受取の予約", "電話で予約します。", keywords="予約")
        self.login(self.city_staff)
        response = self.client.get("/faq/export/", {"format": "xlsx"})
        ws = load_workbook(io.BytesIO(response.content)).active
        self.assertEqual(
            [list(r) for r in ws.iter_rows(values_only=True)],
            [
                ["識別キー", "分類", "質問", "回答", "キーワード"],
                [entry.slug, "受取予約", "受取の予約", "電話で予約します。", "予約"],
            ],
        )
        response = self.client.get("/faq/export/", {"format": "csv", "encoding": "cp932"})
        self.assertIn("受取の予約", response.content.decode("cp932"))
        self.assertTrue(AuditEvent.objects.filter(action="export", object_type="faq.faqentry").exists())

    def test_the_manual_is_built_as_a_job_and_its_printing_is_audited(self):
        approved(self.site_manager, "受取予約", "受取の予約", "電話で予約します。", is_sample=True)
        self.login(self.city_staff)
        self.assertContains(self.client.get("/faq/manual/"), "いまの内容で作成する")
        self.client.post("/faq/manual/")
        (job,) = run_queued_jobs()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.result_content_type, "application/pdf")
        self.assertTrue(AuditEvent.objects.filter(action="print", object_type="faq.faqentry").exists())


class SynonymViewTests(BaseTestCase):
    def test_a_site_manager_adds_and_edits_a_synonym(self):
        self.login(self.site_manager)
        response = self.client.post("/faq/synonyms/", {"term": "なくした", "expansions": "紛失", "note": ""})
        self.assertRedirects(response, "/faq/synonyms/")
        synonym = Synonym.objects.get()
        self.client.post(
            "/faq/synonyms/",
            {"pk": synonym.pk, "term": "なくした", "expansions": "紛失 遺失", "note": "話し言葉"},
        )
        synonym.refresh_from_db()
        self.assertEqual(synonym.expansions, "紛失 遺失")
        search.clear_cache()
        response = self.client.get("/faq/synonyms/", {"try": "カードをなくした"})
        self.assertContains(response, "使われた言い換え: なくした → 紛失 遺失")
        self.client.post(f"/faq/synonyms/{synonym.pk}/delete/")
        self.assertFalse(Synonym.objects.exists())


class EntryListTests(BaseTestCase):
    def test_the_list_counts_paginates_and_exports_the_whole_filtered_set(self):
        for i in range(55):
            services.entry_create(by=self.site_manager, category="カード", question=f"質問{i}", answer="回答")
        services.entry_create(by=self.site_manager, category="予約", question="予約の質問", answer="回答")
        self.login(self.site_manager)
        page = self.client.get("/faq/", {"category": "カード"})
        self.assertContains(page, "55件")
        self.assertNotContains(page, "予約の質問")
        export = self.client.get("/faq/", {"category": "カード", "export": "csv"})
        self.assertEqual(export.content.decode("utf-8-sig").count("質問"), 56)  # header + 55 rows


class ImportJobTests(BaseTestCase):
    def test_the_stored_upload_is_removed_after_the_import_and_when_a_job_is_abandoned(self):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from madoguchi.faq.jobs import _drop_upload

        data = csv_bytes(["分類", "質問", "回答"], [["受取", "受取の予約", "電話で予約します。"]])
        self.login(self.site_manager)
        self.client.post("/faq/import/", {"file": SimpleUploadedFile("faq.csv", data)})
        (trial,) = run_queued_jobs()
        upload = trial.params["upload"]
        self.assertTrue(default_storage.exists(upload))  # kept for 「この内容で取り込む」
        self.client.post("/faq/import/", {"apply": str(trial.pk)})
        run_queued_jobs()
        self.assertFalse(default_storage.exists(upload))
        stuck = default_storage.save("faq-imports/stuck.csv", ContentFile(data))
        _drop_upload({"upload": stuck})
        self.assertFalse(default_storage.exists(stuck))
        _drop_upload({"upload": "elsewhere/secret.csv"})  # never outside the import folder
