from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.faq import services
from madoguchi.faq.models import FaqEntry, FaqRevision, SearchIndexState

# A 12-digit number with a valid check digit (weights 6,5,4,3,2,7,6,5,4,3,2).
NUMBER = "123456789018"


def stamp() -> int:
    return SearchIndexState.objects.get(pk=1).stamp


class WorkflowTests(BaseTestCase):
    def _draft(self, **kw):
        values = {
            "category": "暗証番号",
            "question": "暗証番号を忘れた",
            "answer": "窓口で再設定します。",
        } | kw
        return services.entry_create(by=self.site_manager, **values)

    def test_an_entry_goes_from_draft_through_review_to_approved_and_retired(self):
        entry = self._draft()
        self.assertEqual(entry.state, "draft")
        entry = services.entry_transition(entry=entry, by=self.site_manager, action="submit")
        self.assertEqual(entry.state, "review")
        entry = services.entry_transition(entry=entry, by=self.city_staff, action="approve")
        self.assertEqual((entry.state, entry.approved_by), ("approved", self.city_staff))
        entry = services.entry_transition(entry=entry, by=self.city_staff, action="retire")
        self.assertEqual(entry.state, "retired")
        actions = list(entry.history.order_by("number").values_list("action", "by_name"))
        self.assertEqual(
            actions, [("create", "Daichi"), ("submit", "Daichi"), ("approve", "Fumio"), ("retire", "Fumio")]
        )
        self.assertEqual(AuditEvent.objects.filter(action="transition", object_id=str(entry.pk)).count(), 3)

    def test_city_approval_clears_the_sample_mark(self):
        entry = self._draft(is_sample=True)
        services.entry_transition(entry=entry, by=self.site_manager, action="submit")
        entry = services.entry_transition(entry=entry, by=self.city_staff, action="approve")
        entry.refresh_from_db()
        self.assertFalse(entry.is_sample)

    def test_the_city_approves_an_approved_sample_as_it_is(self):
        entry = services.entry_transition(entry=self._draft(), by=self.site_manager, action="submit")
        entry = services.entry_transition(entry=entry, by=self.city_staff, action="approve")
        FaqEntry.objects.filter(pk=entry.pk).update(
            is_sample=True
        )  # as the demo and sample imports load them
        entry.refresh_from_db()
        self.assertEqual(services.allowed_actions(entry, self.city_staff), ["approve", "retire"])
        self.assertEqual(services.allowed_actions(entry, self.site_manager), [])
        entry = services.entry_transition(entry=entry, by=self.city_staff, action="approve")
        entry.refresh_from_db()
        self.assertEqual(
            (entry.state, entry.is_sample, entry.approved_by), ("approved", False, self.city_staff)
        )
        self.assertEqual(entry.history.last().action, FaqRevision.Action.APPROVE)
        # Once confirmed, there is nothing left to approve.
        self.assertEqual(services.allowed_actions(entry, self.city_staff), ["retire"])
        with self.assertRaises(ValidationError):
            services.entry_transition(entry=entry, by=self.city_staff, action="approve")

    def test_only_city_staff_approve(self):
        entry = services.entry_transition(entry=self._draft(), by=self.site_manager, action="submit")
        for persona in (self.site_manager, self.director, self.operator, self.admin):
            with self.subTest(persona=persona.username), self.assertRaises(PermissionDenied):
                services.entry_transition(entry=entry, by=persona, action="approve")
        entry.refresh_from_db()
        self.assertEqual(entry.state, "review")

    def test_operators_cannot_write_or_submit(self):
        entry = self._draft()
        with self.assertRaises(PermissionDenied):
            services.entry_transition(entry=entry, by=self.operator, action="submit")

    def test_a_transition_from_the_wrong_state_is_refused_and_nothing_changes(self):
        entry = self._draft()
        with self.assertRaises(ValidationError) as ctx:
            services.entry_transition(entry=entry, by=self.city_staff, action="approve")
        self.assertIn("下書き", str(ctx.exception))
        self.assertEqual(entry.history.count(), 1)

    def test_returning_needs_a_reason_and_goes_back_to_draft(self):
        entry = services.entry_transition(entry=self._draft(), by=self.site_manager, action="submit")
        with self.assertRaises(ValidationError):
            services.entry_transition(entry=entry, by=self.city_staff, action="return", comment="")
        entry = services.entry_transition(
            entry=entry, by=self.city_staff, action="return", comment="表現を確認"
        )
        self.assertEqual(entry.state, "draft")
        self.assertEqual(entry.history.order_by("-number").first().comment, "表現を確認")

    def test_an_individual_number_is_refused_in_every_field(self):
        for field in ("category", "question", "answer", "keywords"):
            values = {"category": "分類", "question": "質問", "answer": "回答", "keywords": ""}
            values[field] = f"番号 {NUMBER} です"
            with self.subTest(field=field), self.assertRaises(ValidationError) as ctx:
                services.entry_create(by=self.site_manager, **values)
            self.assertIn(field, ctx.exception.message_dict)
        self.assertFalse(FaqEntry.objects.exists())

    def test_only_drafts_are_edited_and_each_edit_is_a_history_row(self):
        entry = self._draft()
        services.entry_update(
            entry=entry,
            by=self.director,
            category="暗証番号",
            question="暗証番号を忘れたとき",
            answer="窓口で再設定します。",
        )
        last = entry.history.order_by("-number").first()
        self.assertEqual((last.action, last.question, last.by_name), ("edit", "暗証番号を忘れたとき", "Emi"))
        services.entry_transition(entry=entry, by=self.site_manager, action="submit")
        with self.assertRaises(ValidationError):
            services.entry_update(entry=entry, by=self.director, category="x", question="y", answer="z")

    def test_a_revision_keeps_the_original_searchable_until_it_is_approved(self):
        entry = services.entry_transition(entry=self._draft(), by=self.site_manager, action="submit")
        entry = services.entry_transition(entry=entry, by=self.city_staff, action="approve")
        draft = services.entry_revise(entry=entry, by=self.site_manager)
        self.assertEqual((draft.state, draft.replaces, draft.version), ("draft", entry, 2))
        self.assertEqual(
            services.entry_revise(entry=entry, by=self.site_manager), draft
        )  # one revision at a time
        entry.refresh_from_db()
        self.assertEqual(entry.state, "approved")
        services.entry_update(
            entry=draft,
            by=self.site_manager,
            category="暗証番号",
            question="暗証番号を忘れた",
            answer="市民課で再設定します。",
        )
        services.entry_transition(entry=draft, by=self.site_manager, action="submit")
        services.entry_transition(entry=draft, by=self.city_staff, action="approve")
        entry.refresh_from_db()
        self.assertEqual(entry.state, "retired")
        self.assertIn(f"No.{draft.pk}", entry.history.order_by("-number").first().comment)

    def test_the_search_stamp_moves_only_when_the_approved_set_changes(self):
        before = stamp()
        entry = self._draft()
        entry = services.entry_transition(entry=entry, by=self.site_manager, action="submit")
        self.assertEqual(stamp(), before)
        services.entry_transition(entry=entry, by=self.city_staff, action="approve")
        self.assertEqual(stamp(), before + 1)

    def test_revision_numbers_are_consecutive(self):
        entry = self._draft()
        services.entry_transition(entry=entry, by=self.site_manager, action="submit")
        services.entry_transition(entry=entry, by=self.city_staff, action="return", comment="再確認")
        self.assertEqual(
            list(FaqRevision.objects.filter(entry=entry).values_list("number", flat=True)), [1, 2, 3]
        )


class SynonymServiceTests(BaseTestCase):
    def test_a_synonym_is_saved_audited_and_bumps_the_stamp(self):
        before = stamp()
        synonym = services.synonym_save(by=self.site_manager, term="なくした", expansions="紛失、遺失")
        self.assertEqual(synonym.expansion_list(), ["紛失", "遺失"])
        self.assertEqual(stamp(), before + 1)
        self.assertTrue(AuditEvent.objects.filter(object_type="faq.synonym", action="create").exists())

    def test_a_duplicate_or_empty_synonym_is_refused_with_the_field_named(self):
        services.synonym_save(by=self.site_manager, term="なくした", expansions="紛失")
        with self.assertRaises(ValidationError) as ctx:
            services.synonym_save(by=self.site_manager, term="なくした", expansions="遺失")
        self.assertIn("term", ctx.exception.message_dict)
        with self.assertRaises(ValidationError) as ctx:
            services.synonym_save(by=self.site_manager, term="x", expansions="")
        self.assertIn("expansions", ctx.exception.message_dict)
