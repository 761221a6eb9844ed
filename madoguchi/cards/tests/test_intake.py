"""Any file ends in a complete import or a Japanese refusal naming row and column — never a traceback."""

from __future__ import annotations

import datetime
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import BaseTestCase, make_offices, make_user
from madoguchi.lib.exports import csv_bytes, xlsx_bytes

from ..intake import FileRefused, cell_text, open_source
from ..models import Card, CardCorrection, ImportBatch
from ..services import (
    card_correction_decide,
    card_import,
    import_batch_abandon,
    import_batch_create,
    import_batches_expire,
)
from .test_card_import import HEADER, row

PERSONAL = ("久留米", "花子", "ハナコ", "1985", "0942", "城南町")


def _assert_refusal_is_clean(test, batch: ImportBatch) -> None:  # type: ignore[no-untyped-def]
    test.assertEqual(batch.status, ImportBatch.Status.FAILED, batch.errors)
    test.assertEqual(batch.payload, "")
    test.assertTrue(batch.errors)
    for error in batch.errors:
        test.assertIsInstance(error["row"], int)
        test.assertRegex(error["message"], r"[ぁ-んァ-ヶ一-龠]")  # Japanese
        for value in PERSONAL:
            test.assertNotIn(value, error["message"])


_MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace", "truncate", "newlines", "quote"]),
        st.integers(min_value=0, max_value=10_000),
        st.binary(min_size=1, max_size=4)
        | st.sampled_from(
            [
                b"\x00",
                b'"',
                b"\r",
                b"\n",
                b",",
                b"\t",
                b"\xff",
                b"\x82",
                b"\xe3\x81",
                b"\x1b",
                b"\xef\xbb\xbf",
            ]
        ),
    ),
    min_size=1,
    max_size=6,
)


def _mutate(content: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    data = bytearray(content)
    for kind, at, piece in mutations:
        at = at % (len(data) + 1)
        if kind == "insert":
            data[at:at] = piece
        elif kind == "delete":
            del data[at : at + len(piece)]
        elif kind == "replace":
            data[at : at + len(piece)] = piece
        elif kind == "truncate":
            del data[at:]
        elif kind == "newlines":
            data = bytearray(bytes(data).replace(b"\r\n", b"\r" if at % 2 else b"\n"))
        elif kind == "quote":
            data[at:at] = b'"'
    return bytes(data)


class MalformedFilesTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        sync_roles()
        make_offices()
        cls.user = make_user("intake", Role.BACK_OFFICE)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        mutations=_MUTATIONS,
        encoding=st.sampled_from(["utf-8", "cp932"]),
        chosen=st.sampled_from([None, "utf-8", "cp932"]),
    )
    def test_a_malformed_csv_imports_completely_or_is_refused_in_japanese_with_nothing_written(
        self, mutations: list[tuple[str, int, bytes]], encoding: str, chosen: str | None
    ) -> None:
        content = _mutate(csv_bytes(HEADER, [row(n) for n in range(1, 6)], encoding=encoding), mutations)
        batch = card_import(file_name="到着.csv", content=content, by=self.user, encoding=chosen)
        if batch.status == ImportBatch.Status.DONE:
            self.assertEqual(Card.objects.count(), batch.created_count)
            for card in Card.objects.all():
                self.assertNotIn("\x00", card.applicant_name + card.address)
        else:
            _assert_refusal_is_clean(self, batch)
            self.assertEqual(Card.objects.count(), 0)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(content=st.binary(max_size=3000), name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.txt", "a"]))
    def test_arbitrary_bytes_under_any_name_are_refused_cleanly(self, content: bytes, name: str) -> None:
        try:
            batch = card_import(file_name=name, content=content, by=self.user)
        except Exception as exc:  # noqa: BLE001 (the property: nothing else may escape)
            self.fail(f"{type(exc).__name__}: {exc}")
        _assert_refusal_is_clean(self, batch)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(name=st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
    def test_names_are_stored_exactly_as_given_and_found_by_their_kana(self, name: str) -> None:
        name = name.strip()
        content = csv_bytes(HEADER, [row(1, 氏名=name)])
        batch = card_import(file_name="a.csv", content=content, by=self.user)
        if batch.status == ImportBatch.Status.DONE:
            self.assertEqual(Card.objects.get().applicant_name, name)
        else:
            _assert_refusal_is_clean(self, batch)


class FileShapesTests(BaseTestCase):
    def imported(self, content: bytes, name: str = "a.csv", **kwargs: str) -> ImportBatch:
        return card_import(file_name=name, content=content, by=self.back_office, **kwargs)  # type: ignore[arg-type]

    def test_a_nul_byte_in_a_name_is_refused_naming_row_and_column_without_the_value(self) -> None:
        batch = self.imported(csv_bytes(HEADER, [row(1), row(2, 氏名="久留米\x00花子")]))
        _assert_refusal_is_clean(self, batch)
        self.assertEqual((batch.errors[0]["row"], batch.errors[0]["column"]), (3, "氏名"))
        self.assertIn("U+0000", batch.errors[0]["message"])

    def test_an_invisible_character_in_a_notice_number_is_refused(self) -> None:
        batch = self.imported(csv_bytes(HEADER, [row(1, 交付通知書番号="KRM\u200b000001")]))
        _assert_refusal_is_clean(self, batch)
        self.assertIn("ゼロ幅スペース", batch.errors[0]["message"])

    def test_an_unclosed_quote_is_refused_in_japanese(self) -> None:
        content = csv_bytes(HEADER, [row(1), row(2)]).replace(b"KRM000002", b'"KRM000002', 1)
        batch = self.imported(content)
        _assert_refusal_is_clean(self, batch)

    def test_tab_separated_utf16_as_excel_saves_unicode_text_is_read_and_named(self) -> None:
        text = "\r\n".join("\t".join(r) for r in [HEADER, row(1), row(2)]) + "\r\n"
        batch = self.imported(text.encode("utf-16"), name="arrivals.txt")
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertIn("UTF-16", " ".join(batch.notes))
        self.assertIn("タブ", " ".join(batch.notes))

    def test_semicolons_and_bare_cr_line_endings_are_recognised(self) -> None:
        text = "\r".join(";".join(r) for r in [HEADER, row(1), row(2)])
        batch = self.imported(text.encode("cp932"))
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertIn("セミコロン", " ".join(batch.notes))

    def test_title_rows_above_the_header_and_a_totals_row_are_skipped_and_said(self) -> None:
        body = csv_bytes(["交付カード到着一覧 令和8年4月分"], [[], HEADER, row(1), row(2), ["合計", "2件"]])
        batch = self.imported(body)
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(batch.created_count, 2)
        notes = " ".join(batch.notes)
        self.assertIn("表題として読み飛ばしました", notes)
        self.assertIn("合計行として読み飛ばしました", notes)

    def test_a_utf8_file_read_as_shift_jis_names_the_real_encoding(self) -> None:
        batch = self.imported(csv_bytes(HEADER, [row(1)]), encoding="cp932")
        _assert_refusal_is_clean(self, batch)
        self.assertIn("UTF-8 で保存されている", batch.errors[0]["message"])

    def test_undecodable_bytes_name_the_line_for_both_encodings(self) -> None:
        content = csv_bytes(HEADER, [row(1)]) + b"\x82\xff\xfe\x80\n"
        batch = self.imported(content)
        _assert_refusal_is_clean(self, batch)
        self.assertIn("UTF-8 としては3行目", batch.errors[0]["message"])

    def test_an_old_xls_and_a_password_protected_workbook_say_so(self) -> None:
        ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
        self.assertIn("古い Excel 形式", self.imported(ole, name="a.xls").errors[0]["message"])
        locked = ole + "EncryptionInfo".encode("utf-16-le")
        self.assertIn("パスワード", self.imported(locked, name="a.xlsx").errors[0]["message"])

    def test_a_csv_renamed_to_xlsx_is_read_as_csv_and_said(self) -> None:
        batch = self.imported(csv_bytes(HEADER, [row(1)]), name="arrivals.xlsx")
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertIn("中身は CSV", batch.notes[0])

    def test_a_file_over_the_size_limit_is_refused_with_the_limit(self) -> None:
        with self.settings(MADOGUCHI_CARD_IMPORT_MAX_BYTES=1000):
            batch = self.imported(csv_bytes(HEADER, [row(n) for n in range(1, 30)]))
        _assert_refusal_is_clean(self, batch)
        self.assertIn("上限", batch.errors[0]["message"])

    def test_impossible_era_dates_and_implausible_ages_are_refused_with_the_reason(self) -> None:
        batch = self.imported(
            csv_bytes(HEADER, [row(1, 生年月日="平成32年1月1日"), row(2, 生年月日="1890/1/1")])
        )
        _assert_refusal_is_clean(self, batch)
        messages = [e["message"] for e in batch.errors]
        self.assertIn("平成32年は存在しません", messages[0])
        self.assertIn("歳になります", messages[1])

    def test_gaiji_pua_and_geta_are_flagged_for_the_clerk_and_names_kept_exactly(self) -> None:
        # 𠀀 (U+20000, CJK Ext. B) is outside the print font (𠮷 and 髙 print since lib/pdf merges Noto Sans JP).
        names = ["𠀀田 太郎", "髙橋 \ue001子", "渡〓 一郎", "久留米 花子"]
        batch = self.imported(csv_bytes(HEADER, [row(i + 1, 氏名=n) for i, n in enumerate(names)]))
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        cards = list(Card.objects.order_by("notice_number"))
        self.assertEqual([c.applicant_name for c in cards], names)
        self.assertIn("U+20000", cards[0].gaiji_note)
        self.assertIn("私用領域", cards[1].gaiji_note)
        self.assertIn("〓", cards[2].gaiji_note)
        self.assertEqual(cards[3].gaiji_note, "")

    def test_half_width_kana_in_the_name_is_not_folded(self) -> None:
        batch = self.imported(csv_bytes(HEADER, [row(1, 氏名="ｸﾙﾒ 花子", 氏名カナ="ｸﾙﾒ ﾊﾅｺ")]))
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        card = Card.objects.get()
        self.assertEqual((card.applicant_name, card.applicant_kana), ("ｸﾙﾒ 花子", "ｸﾙﾒ ﾊﾅｺ"))
        from ..services import card_find_by_kana

        self.assertEqual(
            card_find_by_kana(kana="くるめ はなこ", birth_date=datetime.date(1985, 4, 1)), [card]
        )


class XlsxTests(BaseTestCase):
    def workbook(
        self, *, hidden_first: bool = False, active: int = 0, wrong_dimension: bool = False
    ) -> bytes:
        from openpyxl import Workbook

        wb = Workbook()
        notes = wb.active
        notes.title = "説明"
        notes.append(["この一覧の説明"])
        data = wb.create_sheet("到着一覧")
        data.append(HEADER)
        for n in (1, 2, 3):
            values = row(n)
            values[0] = f"KRM{n:06d}"
            data.append(values)
        # Identifiers typed as numbers with a zero-padding format keep their zeros, as Excel shows them.
        data["B2"].value = 1
        data["B2"].number_format = "0" * 23
        if hidden_first:
            notes.sheet_state = "hidden"
        wb.active = active
        out = io.BytesIO()
        wb.save(out)
        content = out.getvalue()
        if wrong_dimension:
            import zipfile

            src = zipfile.ZipFile(io.BytesIO(content))
            target = io.BytesIO()
            with zipfile.ZipFile(target, "w") as dst:
                for item in src.infolist():
                    data_bytes = src.read(item.filename)
                    if item.filename == "xl/worksheets/sheet2.xml":
                        data_bytes = data_bytes.replace(
                            b'<dimension ref="A1:L4"/>', b'<dimension ref="A1:A1"/>'
                        )
                    dst.writestr(item, data_bytes)
            content = target.getvalue()
        return content

    def test_the_active_sheet_is_read_and_named_never_silently_the_first(self) -> None:
        batch = card_import(file_name="a.xlsx", content=self.workbook(active=1), by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(batch.sheet, "到着一覧")
        self.assertIn("ほかのシート: 説明", batch.notes[0])
        self.assertEqual(Card.objects.get(notice_number="KRM000001").application_id, f"{1:023d}")

    def test_a_sheet_without_the_list_says_which_other_sheets_exist(self) -> None:
        batch = card_import(file_name="a.xlsx", content=self.workbook(active=0), by=self.back_office)
        _assert_refusal_is_clean(self, batch)
        self.assertIn("到着一覧", batch.errors[0]["message"])
        picked = card_import(
            file_name="b.xlsx", content=self.workbook(active=0), by=self.back_office, sheet="到着一覧"
        )
        self.assertEqual(picked.status, ImportBatch.Status.DONE, picked.errors)

    def test_every_row_is_read_whatever_the_files_dimension_record_claims(self) -> None:
        batch = card_import(
            file_name="a.xlsx", content=self.workbook(active=1, wrong_dimension=True), by=self.back_office
        )
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual(batch.created_count, 3)

    def test_cell_text_follows_the_number_format(self) -> None:
        self.assertEqual(cell_text(42, "000000"), "000042")
        self.assertEqual(cell_text(42.0, "General"), "42")
        self.assertEqual(cell_text(12345678901234567890123.0, "General"), "1.234568E+22")
        self.assertEqual(cell_text(datetime.datetime(2026, 4, 1)), "2026-04-01")

    def test_an_xlsx_with_the_documented_layout_still_imports(self) -> None:
        batch = card_import(
            file_name="a.xlsx", content=xlsx_bytes("到着", HEADER, [row(1), row(2)]), by=self.back_office
        )
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)

    def test_open_source_refuses_an_empty_file(self) -> None:
        with self.assertRaisesMessage(FileRefused, "空"):
            open_source(b"  \n", "a.csv", known_columns=HEADER)


class StuckBatchTests(BaseTestCase):
    def test_an_abandoned_import_is_ended_and_its_stored_file_deleted(self) -> None:
        batch = import_batch_create(
            file_name="a.csv", content=csv_bytes(HEADER, [row(1)]), by=self.back_office
        )
        self.assertNotEqual(batch.payload, "")
        self.assertTrue(import_batch_abandon(batch_id=batch.pk))
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.payload), (ImportBatch.Status.EXPIRED, ""))
        self.assertIn("削除しました", batch.errors[0]["message"])
        # The same file may be imported again afterwards.
        again = card_import(file_name="a.csv", content=csv_bytes(HEADER, [row(1)]), by=self.back_office)
        self.assertEqual(again.status, ImportBatch.Status.DONE)

    def test_a_cancelled_import_job_deletes_the_file(self) -> None:
        from madoguchi.jobs.models import Job
        from madoguchi.jobs.services import job_start
        from madoguchi.jobs.testing import run_queued_jobs

        batch = import_batch_create(
            file_name="a.csv", content=csv_bytes(HEADER, [row(1)]), by=self.back_office
        )
        job = job_start(kind="cards.import", params={"batch_id": batch.pk}, user=self.back_office)
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        [finished] = run_queued_jobs()
        self.assertEqual(finished.state, Job.State.CANCELLED)
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.payload), (ImportBatch.Status.EXPIRED, ""))
        self.assertEqual(Card.objects.count(), 0)

    def test_the_periodic_job_expires_batches_left_running(self) -> None:
        batch = import_batch_create(
            file_name="a.csv", content=csv_bytes(HEADER, [row(1)]), by=self.back_office
        )
        later = batch.created_at + datetime.timedelta(hours=3)
        self.assertEqual(import_batches_expire(now=later), 1)
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.payload), (ImportBatch.Status.EXPIRED, ""))
        self.assertEqual(import_batches_expire(now=later), 0)


class ResentListTests(BaseTestCase):
    def test_a_changed_name_or_address_becomes_a_correction_applied_only_when_confirmed(self) -> None:
        from madoguchi.accounts.models import AuditEvent

        card_import(file_name="a.csv", content=csv_bytes(HEADER, [row(1), row(2)]), by=self.back_office)
        resent = csv_bytes(HEADER, [row(1, 氏名="久留米 華子", 住所="久留米市東町1-1"), row(2)])
        batch = card_import(file_name="b.csv", content=resent, by=self.back_office)
        self.assertEqual(batch.status, ImportBatch.Status.DONE, batch.errors)
        self.assertEqual((batch.existing_count, batch.correction_count), (2, 1))
        card = Card.objects.get(notice_number="KRM000001")
        self.assertEqual(card.applicant_name, "久留米 花子")  # nothing silently changed
        correction = CardCorrection.objects.get()
        self.assertEqual(correction.changed, ["applicant_name", "address"])
        self.login(self.back_office)
        page = self.client.get(f"/cards/import/{batch.pk}/").content.decode()
        self.assertIn("久留米 華子", page)
        self.assertIn("久留米 花子", page)
        card_correction_decide(correction=correction, apply=True, by=self.back_office)
        card.refresh_from_db()
        self.assertEqual((card.applicant_name, card.address), ("久留米 華子", "久留米市東町1-1"))
        audit = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(card.pk)).get()
        self.assertEqual(audit.detail["fields"], ["applicant_name", "address"])

    def test_a_changed_birth_date_is_a_correction_and_the_lookup_hash_follows(self) -> None:
        from ..services import card_find

        card_import(file_name="a.csv", content=csv_bytes(HEADER, [row(1)]), by=self.back_office)
        card_import(
            file_name="b.csv", content=csv_bytes(HEADER, [row(1, 生年月日="1985/4/2")]), by=self.back_office
        )
        correction = CardCorrection.objects.get()
        card_correction_decide(correction=correction, apply=True, by=self.back_office)
        self.assertIsNotNone(card_find(notice_number="KRM000001", birth_date=datetime.date(1985, 4, 2)))
        self.assertIsNone(card_find(notice_number="KRM000001", birth_date=datetime.date(1985, 4, 1)))
