"""Import profiles and the preview: another source's layout read through its saved column mapping, checked on
the first rows before anything is imported; unknown columns shown and left out; the sheet chosen from a list."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import BaseTestCase, make_offices, make_user
from madoguchi.lib.exports import csv_bytes

from ..models import Card, ImportBatch, ImportProfile
from ..profiles import BUILTIN_PROFILES, plan_for, profile_detect
from ..services import card_import, import_batch_confirm, import_batch_create
from .test_card_import import HEADER, row

# The J-LIS 交付予定者一覧 as it arrives: its own headings (full-width brackets), extra columns we leave out.
JLIS_HEADER = [
    "通知書番号",
    "申請書ＩＤ",
    "氏名（漢字）",
    "氏名（カナ）",
    "性別",
    "生年月日",
    "交付場所",
    "到着年月日",
    "世帯番号",
    "備考",
]


def jlis_row(n: int, **over: str) -> list[str]:
    values = dict(zip(HEADER, row(n), strict=True))
    values.update(over)
    return [
        values["交付通知書番号"],
        values["申請書ID"],
        values["氏名"],
        values["氏名カナ"],
        "女",
        values["生年月日"],
        values["受取庁舎"],
        values["到着日"],
        "0001234",
        "",
    ]


class ProfileDetectionTests(BaseTestCase):
    def test_the_shipped_profiles_are_those_the_migration_created(self) -> None:
        from ..profiles import normalise_mapping

        for name, (_description, mapping) in BUILTIN_PROFILES.items():
            self.assertEqual(ImportProfile.objects.get(name=name).mapping, normalise_mapping(mapping))

    def test_a_jlis_list_is_recognised_by_its_headings_and_imported_without_its_extra_columns(self) -> None:
        content = csv_bytes(JLIS_HEADER, [jlis_row(1), jlis_row(2)], encoding="cp932")
        batch = card_import(file_name="交付予定者一覧.csv", content=content, by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(batch.profile.name, "J-LIS 交付予定者一覧")
        self.assertIn("取込設定「J-LIS 交付予定者一覧」で列を読みました。", batch.notes)
        card = Card.objects.get(notice_number="KRM000002")
        self.assertEqual(card.applicant_name, "久留米 花子")
        self.assertEqual(card.applicant_kana, "クルメ ハナコ")

    def test_a_file_in_our_own_layout_needs_no_profile(self) -> None:
        self.assertIsNone(profile_detect(HEADER))

    def test_without_a_preview_a_heading_no_profile_knows_is_refused_naming_it(self) -> None:
        header = [*JLIS_HEADER, "担当者メモ"]
        content = csv_bytes(header, [[*jlis_row(1), "x"]])
        batch = card_import(file_name="a.csv", content=content, by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.FAILED)
        self.assertEqual([(e["row"], e["column"]) for e in batch.errors], [(1, "担当者メモ")])
        self.assertIn("取込設定", batch.errors[0]["message"])

    def test_a_missing_required_column_is_named_as_ours(self) -> None:
        plan = plan_for(
            ["通知書番号", "氏名(漢字)"], ImportProfile.objects.get(name="J-LIS 交付予定者一覧").mapping
        )
        self.assertIn("申請書ID", plan.missing_required())
        self.assertIn(
            "「申請書ID」に当たる列がありません（必須）。列の対応で選んでください。", plan.problems()
        )

    def test_two_columns_mapped_to_one_of_ours_is_a_problem_until_one_is_left_out(self) -> None:
        plan = plan_for(HEADER + ["漢字氏名"], {"漢字氏名": "氏名"})
        self.assertEqual(plan.doubled(), ["氏名"])
        batch = import_batch_create(
            file_name="a.csv",
            content=csv_bytes(HEADER + ["漢字氏名"], [row(1) + ["別の名前"]]),
            by=self.back_office,
            mapping={"漢字氏名": "氏名"},
            preview=True,
        )
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            import_batch_confirm(batch=batch, by=self.back_office)
        done = import_batch_confirm(batch=batch, by=self.back_office, mapping={"漢字氏名": ""})
        self.assertEqual(done.status, ImportBatch.Status.VALIDATING)


class PreviewViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.back_office)

    def upload(self, content: bytes, name: str = "a.csv", **data: object) -> ImportBatch:
        response = self.client.post(
            reverse("cards:import"), {"file": SimpleUploadedFile(name, content), **data}
        )
        self.assertEqual(response.status_code, 302)
        return ImportBatch.objects.latest("pk")

    def page(self, batch: ImportBatch) -> str:
        return self.client.get(reverse("cards:import_batch", args=[batch.pk])).content.decode()

    def post(self, batch: ImportBatch, **data: object) -> None:
        self.client.post(reverse("cards:import_batch", args=[batch.pk]), data)
        batch.refresh_from_db()

    def test_the_preview_shows_the_detected_profile_the_first_rows_and_unknown_columns_with_a_warning(
        self,
    ) -> None:
        header = [*JLIS_HEADER, "担当者メモ"]
        content = csv_bytes(header, [[*jlis_row(n), "メモ"] for n in range(1, 9)], encoding="cp932")
        batch = self.upload(content)
        self.assertEqual(batch.status, ImportBatch.Status.PREVIEW)
        self.assertEqual(Card.objects.count(), 0)
        page = self.page(batch)
        self.assertIn("J-LIS 交付予定者一覧", page)
        self.assertIn("列「担当者メモ」は取込設定にない列のため取り込みません", page)
        self.assertIn("6行目", page)  # the first five data rows (rows 2-6), not the seventh
        self.assertNotIn("7行目", page)
        self.assertTrue(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.VIEW, object_id=str(batch.pk), detail__preview_rows=5
            ).exists()
        )
        self.post(batch, action="confirm")
        self.assertEqual(batch.status, ImportBatch.Status.VALIDATING)
        from madoguchi.jobs.testing import run_queued_jobs

        run_queued_jobs()
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(batch.created_count, 8)
        self.assertIn(
            "列「担当者メモ」は取込設定にない列のため取り込みません（取り込む場合は列の対応で選んでください）。",
            batch.notes,
        )

    def test_a_column_mapped_on_the_preview_is_saved_as_a_profile_and_detected_next_time(self) -> None:
        header = ["お知らせ番号", "申請番号", "お名前", "フリガナ", "誕生日", "窓口", "届いた日"]
        rows = [[r[0], r[1], r[2], r[3], r[4], r[5], r[6]] for r in (row(1), row(2))]
        batch = self.upload(csv_bytes(header, rows))
        self.assertEqual(batch.status, ImportBatch.Status.PREVIEW)
        self.assertIn("必須", self.page(batch))
        ours = ["交付通知書番号", "申請書ID", "氏名", "氏名カナ", "生年月日", "受取庁舎", "到着日"]
        choices = {f"col-{i}": target for i, target in enumerate(ours)}
        self.post(batch, action="save_profile", profile_name="A社様式", **choices)
        profile = ImportProfile.objects.get(name="A社様式")
        self.assertEqual(profile.mapping["お名前"], "氏名")
        self.assertEqual(batch.profile, profile)
        self.assertTrue(AuditEvent.objects.filter(object_type="cards.importprofile").exists())
        self.post(batch, action="confirm", **choices)
        self.assertEqual(batch.status, ImportBatch.Status.VALIDATING)

        again = self.upload(csv_bytes(header, [row(3)[:7]]), name="next.csv")
        self.assertEqual(again.profile, profile)
        self.assertIn("A社様式", self.page(again))

    def test_a_saved_profile_is_listed_with_its_mapping_and_deleting_it_keeps_past_imports_mapping(
        self,
    ) -> None:
        header = ["お知らせ番号", "申請番号", "お名前", "フリガナ", "誕生日", "窓口", "届いた日"]
        batch = self.upload(csv_bytes(header, [row(1)[:7]]))
        ours = ["交付通知書番号", "申請書ID", "氏名", "氏名カナ", "生年月日", "受取庁舎", "到着日"]
        self.post(
            batch,
            action="save_profile",
            profile_name="B社様式",
            **{f"col-{i}": t for i, t in enumerate(ours)},
        )
        profile = ImportProfile.objects.get(name="B社様式")
        page = self.client.get(reverse("cards:import")).content.decode()
        self.assertIn("「B社様式」の列の対応", page)
        self.assertIn("<td>お名前</td><td>氏名</td>", page)

        delete = reverse("cards:import_profile_delete", args=[profile.pk])
        self.assertEqual(self.client.get(delete).status_code, 405)  # a link cannot delete it
        response = self.client.post(delete, follow=True)
        self.assertContains(response, "取込設定「B社様式」を削除しました。")
        self.assertFalse(ImportProfile.objects.filter(pk=profile.pk).exists())
        batch.refresh_from_db()
        self.assertIsNone(batch.profile)
        self.assertEqual(batch.mapping["お名前"], "氏名")
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="cards.importprofile", object_id=str(profile.pk), action=AuditEvent.Action.DELETE
            ).exists()
        )

    def test_floor_staff_cannot_delete_a_profile(self) -> None:
        profile = ImportProfile.objects.first()
        assert profile is not None
        self.login(self.floor)
        self.assertEqual(
            self.client.post(reverse("cards:import_profile_delete", args=[profile.pk])).status_code, 403
        )
        self.assertTrue(ImportProfile.objects.filter(pk=profile.pk).exists())

    def test_confirming_without_a_required_column_says_which_and_starts_nothing(self) -> None:
        header = [c for c in HEADER if c != "到着日"]
        batch = self.upload(
            csv_bytes(header, [[v for c, v in zip(HEADER, row(1), strict=True) if c != "到着日"]])
        )
        response = self.client.post(
            reverse("cards:import_batch", args=[batch.pk]), {"action": "confirm"}, follow=True
        )
        self.assertContains(response, "「到着日」に当たる列がありません（必須）")
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportBatch.Status.PREVIEW)
        from madoguchi.jobs.models import Job

        self.assertFalse(Job.objects.filter(kind="cards.import").exists())

    def test_a_workbook_opened_on_another_sheet_offers_the_sheets_to_choose_from(self) -> None:
        from openpyxl import Workbook

        wb = Workbook()
        notes = wb.active
        notes.title = "説明"
        notes.append(["この一覧は到着分です"])
        data = wb.create_sheet("到着一覧")
        data.append(HEADER)
        data.append(row(1))
        out = io.BytesIO()
        wb.save(out)
        batch = self.upload(out.getvalue(), name="a.xlsx")
        self.assertEqual(batch.status, ImportBatch.Status.PREVIEW)
        page = self.page(batch)
        self.assertIn('id="pv-sheet"', page)
        self.assertIn('<option value="到着一覧">', page)
        self.assertIn("見出し行を判別できなかった", page)
        self.assertIn("「交付通知書番号」に当たる列がありません", page)
        self.post(batch, action="reread", sheet="到着一覧")
        self.assertEqual(batch.sheet, "到着一覧")
        self.assertIn("KRM000001", self.page(batch))
        self.post(batch, action="confirm")
        self.assertEqual(batch.status, ImportBatch.Status.VALIDATING)

    def test_cancelling_the_preview_deletes_the_stored_file(self) -> None:
        batch = self.upload(csv_bytes(HEADER, [row(1)]))
        self.post(batch, action="cancel")
        self.assertEqual(batch.status, ImportBatch.Status.EXPIRED)
        self.assertEqual(batch.payload, "")
        self.assertEqual(Card.objects.count(), 0)

    def test_a_file_already_imported_is_refused_at_upload_pointing_to_that_import(self) -> None:
        content = csv_bytes(HEADER, [row(1)])
        first = card_import(file_name="a.csv", content=content, by=self.back_office)
        response = self.client.post(
            reverse("cards:import"), {"file": SimpleUploadedFile("again.csv", content)}, follow=True
        )
        self.assertContains(response, f"同じファイルは取込No.{first.pk}")


# Headings as other systems write them: full-width letters and brackets, spaces, a BOM on the first.
_WIDTH = st.sampled_from(["", "\u3000", " "])


class HeadingAndNameFidelityTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        sync_roles()
        make_offices()
        cls.user = make_user("profiles", Role.BACK_OFFICE)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        pad=_WIDTH,
        full_width=st.booleans(),
        bom=st.booleans(),
        encoding=st.sampled_from(["utf-8", "cp932"]),
        blank_rows=st.integers(min_value=0, max_value=3),
        name=st.sampled_from(
            ["髙橋 﨑子", "渡邉 花子", "ｸﾙﾒ 花子", "久留米　太郎", "齋藤 𠮷子", "剝離 蟬丸", "𩸽野 はなこ"]
        ),
    )
    def test_a_jlis_list_is_read_however_its_headings_are_written_and_names_are_kept_exactly(
        self, pad: str, full_width: bool, bom: bool, encoding: str, blank_rows: int, name: str
    ) -> None:
        header = [pad + h.replace("(", "（").replace(")", "）") + pad for h in JLIS_HEADER]
        if full_width:
            header = [h.replace("ID", "ＩＤ") for h in header]
        rows = [jlis_row(1, 氏名=name)] + [[""] * len(header)] * blank_rows + [jlis_row(2)]
        try:
            content = csv_bytes(header, rows, encoding=encoding)
        except UnicodeEncodeError:
            return  # a name Shift_JIS cannot hold is not a Shift_JIS file
        if not bom and content.startswith(b"\xef\xbb\xbf"):
            content = content[3:]  # csv_bytes writes UTF-8 with a BOM; some exporters do not
        batch = card_import(file_name="交付予定者一覧.csv", content=content, by=self.user)
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(batch.profile.name, "J-LIS 交付予定者一覧")
        self.assertEqual(Card.objects.get(notice_number="KRM000001").applicant_name, name)
        self.assertEqual(batch.created_count, 2)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        headings=st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=8),
        cells=st.lists(st.text(max_size=8), max_size=8),
        encoding=st.sampled_from(["utf-8", "cp932"]),
    )
    def test_any_headings_give_a_preview_or_a_japanese_refusal_and_never_import_unconfirmed(
        self, headings: list[str], cells: list[str], encoding: str
    ) -> None:
        try:
            content = csv_bytes(headings, [cells, cells], encoding=encoding)
        except UnicodeEncodeError:
            return
        batch = import_batch_create(file_name="other.csv", content=content, by=self.user, preview=True)
        self.assertIn(batch.status, (ImportBatch.Status.PREVIEW, ImportBatch.Status.FAILED))
        if batch.status == ImportBatch.Status.FAILED:
            self.assertRegex(batch.errors[0]["message"], r"[ぁ-んァ-ヶ一-龠]")
            return
        from ..services import import_preview

        preview = import_preview(batch=batch)
        for problem in preview.problems:
            self.assertIn("列", problem)
        self.assertEqual(Card.objects.count(), 0)  # nothing is imported before someone confirms
