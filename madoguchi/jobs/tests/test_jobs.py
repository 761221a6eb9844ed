from __future__ import annotations

import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.jobs.models import Job, ScheduledRun
from madoguchi.jobs.registry import JobError
from madoguchi.jobs.selectors import job_latest
from madoguchi.jobs.services import (
    JobAlreadyRunning,
    job_cancel,
    job_execute,
    job_reap_stale,
    job_start,
    schedule_tick,
)
from madoguchi.jobs.testing import run_queued_jobs

from . import kinds

TOKYO = ZoneInfo("Asia/Tokyo")


class JobLifecycleTests(BaseTestCase):
    def setUp(self) -> None:
        kinds.ABANDONED.clear()

    def test_a_started_job_waits_in_the_queue_then_runs_with_progress_and_a_result_file(self) -> None:
        job = job_start(kind="test.build", params={"rows": 3}, user=self.operator, lock_key="test:doc")
        self.assertEqual(job.state, Job.State.QUEUED)
        self.assertEqual(job.title, "テスト文書の作成")

        [done] = run_queued_jobs()

        self.assertEqual(done.state, Job.State.DONE)
        self.assertEqual((done.progress_done, done.progress_total), (3, 3))
        self.assertEqual(done.result_name, "テスト文書.csv")
        self.assertEqual(done.result_summary, {"行数": 3})
        with default_storage.open(done.result_file) as fh:
            self.assertEqual(fh.read(), b"a,b\n" * 3)
        self.assertEqual(len(done.result_sha256), 64)
        self.assertEqual(job_latest(lock_key="test:doc"), done)

    def test_the_same_lock_key_is_refused_while_a_job_is_active_and_free_again_after_it_ends(self) -> None:
        first = job_start(kind="test.build", params={"rows": 1}, user=self.operator, lock_key="test:plan:1")
        with self.assertRaises(JobAlreadyRunning) as caught:
            job_start(kind="test.build", params={"rows": 1}, user=self.director, lock_key="test:plan:1")
        self.assertEqual(caught.exception.job, first)
        self.assertIn("実行中", str(caught.exception))
        # another plan is not blocked
        job_start(kind="test.build", params={"rows": 1}, user=self.operator, lock_key="test:plan:2")
        run_queued_jobs()
        again = job_start(kind="test.build", params={"rows": 1}, user=self.operator, lock_key="test:plan:1")
        self.assertEqual(again.state, Job.State.QUEUED)

    def test_a_job_error_ends_the_job_failed_with_its_japanese_message_and_runs_the_clean_up(self) -> None:
        job_start(kind="test.refuse", params={"reason": "対象の月にデータがありません。"}, user=self.operator)
        [job] = run_queued_jobs()
        self.assertEqual(job.state, Job.State.FAILED)
        self.assertEqual(job.error_message, "対象の月にデータがありません。")
        self.assertEqual(kinds.ABANDONED, [{"reason": "対象の月にデータがありません。"}])

    def test_an_unexpected_exception_is_reported_in_japanese_without_its_details(self) -> None:
        job_start(kind="test.crash", params={}, user=self.operator)
        with self.assertLogs("madoguchi.jobs.services", level="ERROR"):
            [job] = run_queued_jobs()
        self.assertEqual(job.state, Job.State.FAILED)
        self.assertIn("内部エラー", job.error_message)
        self.assertIn(str(job.pk)[:8], job.error_message)
        self.assertNotIn("bug with a detail", job.error_message)
        self.assertEqual(len(kinds.ABANDONED), 1)

    def test_a_queued_job_cancelled_never_runs(self) -> None:
        job = job_start(kind="test.build", params={"rows": 2}, user=self.operator)
        job = job_cancel(job=job, user=self.operator)
        self.assertEqual(job.state, Job.State.CANCELLED)
        self.assertEqual(run_queued_jobs(), [])

    def test_a_running_job_stops_at_its_next_progress_report_when_cancelled(self) -> None:
        job_start(kind="test.cancel_self", params={}, user=self.operator)
        [job] = run_queued_jobs()
        self.assertEqual(job.state, Job.State.CANCELLED)
        self.assertEqual(len(kinds.ABANDONED), 1)

    def test_a_kind_that_cannot_be_cancelled_says_so(self) -> None:
        job = job_start(kind="test.refuse", params={"reason": "x"}, user=self.operator)
        with self.assertRaisesMessage(JobError, "取り消せません"):
            job_cancel(job=job, user=self.operator)

    def test_a_job_whose_worker_died_is_marked_failed_after_its_timeout_and_the_lock_is_free(self) -> None:
        job = job_start(kind="test.slow", params={"plan_id": 7}, user=self.operator, lock_key="test:plan:7")
        long_ago = timezone.now() - timedelta(minutes=5)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, started_at=long_ago, heartbeat_at=long_ago
        )

        with self.assertLogs("madoguchi.jobs.services", level="WARNING"):
            self.assertEqual(job_reap_stale(), 1)

        job.refresh_from_db()
        self.assertEqual(job.state, Job.State.FAILED)
        self.assertIn("もう一度実行してください", job.error_message)
        self.assertEqual(kinds.ABANDONED, [{"plan_id": 7}])
        job_start(kind="test.slow", params={"plan_id": 7}, user=self.operator, lock_key="test:plan:7")

    def test_a_job_with_a_recent_heartbeat_is_not_reaped(self) -> None:
        job = job_start(kind="test.slow", params={"plan_id": 8}, user=self.operator)
        Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, heartbeat_at=timezone.now())
        self.assertEqual(job_reap_stale(), 0)

    def test_a_job_already_taken_by_another_worker_is_not_run_twice(self) -> None:
        job = job_start(kind="test.build", params={"rows": 1}, user=self.operator)
        Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
        self.assertEqual(job_execute(job_id=job.pk).progress_total, 0)

    def test_parameters_never_carry_an_individual_number(self) -> None:
        with self.assertRaises(ValueError):
            job_start(kind="test.refuse", params={"reason": "123456789018"}, user=self.operator)
        self.assertFalse(Job.objects.exists())

    def test_an_unknown_kind_is_an_error_not_a_silent_no_op(self) -> None:
        with self.assertRaises(LookupError):
            job_start(kind="test.nothing", params={}, user=self.operator)


class ScheduleTests(BaseTestCase):
    def _at(self, text: str) -> datetime.datetime:
        return datetime.datetime.fromisoformat(text).replace(tzinfo=TOKYO)

    def test_a_daily_job_starts_once_per_day_after_its_time_however_many_schedulers_tick(self) -> None:
        self.assertEqual(
            [j.kind for j in schedule_tick(now=self._at("2026-11-29T01:59"))].count("test.nightly"), 0
        )
        started = schedule_tick(now=self._at("2026-11-29T02:00"))
        self.assertEqual([j.kind for j in started].count("test.nightly"), 1)
        again = schedule_tick(now=self._at("2026-11-29T02:00:30"))
        self.assertNotIn("test.nightly", [j.kind for j in again])
        self.assertEqual(ScheduledRun.objects.filter(kind="test.nightly").count(), 1)
        run_queued_jobs()
        next_day = schedule_tick(now=self._at("2026-11-30T09:00"))  # a scheduler that was down catches up
        self.assertEqual([j.kind for j in next_day].count("test.nightly"), 1)


class JobPageTests(BaseTestCase):
    def test_the_starter_sees_progress_then_downloads_the_file(self) -> None:
        job = job_start(kind="test.build", params={"rows": 2}, user=self.operator)
        self.login(self.operator)
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "テスト文書の作成")
        self.assertContains(page, "待機中")
        self.assertContains(page, 'hx-trigger="every 1s"')
        self.assertContains(page, "X-Madoguchi-Poll")

        run_queued_jobs()
        fragment = self.client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
        self.assertContains(fragment, "完了")
        self.assertNotContains(fragment, "hx-trigger")
        self.assertNotContains(fragment, "<html")
        download = self.client.get(reverse("jobs:download", args=[job.pk]))
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content), b"a,b\n" * 2)  # type: ignore[attr-defined]
        self.assertEqual(download["Cache-Control"], "no-store")
        self.assertIn("filename*=utf-8''", download["Content-Disposition"])

    def test_another_person_without_the_kinds_permission_cannot_see_the_job(self) -> None:
        job = job_start(kind="test.refuse", params={"reason": "x"}, user=self.operator)
        self.login(self.back_office)
        self.assertEqual(self.client.get(job.get_absolute_url()).status_code, 403)
        self.assertEqual(self.client.get(reverse("jobs:download", args=[job.pk])).status_code, 403)
        self.login(self.director)  # managers see every job
        self.assertEqual(self.client.get(job.get_absolute_url()).status_code, 200)

    def test_an_administrator_follows_a_print_job_but_cannot_download_its_personal_data(self) -> None:
        job = job_start(kind="test.print", params={}, user=self.back_office)
        run_queued_jobs()
        url = reverse("jobs:download", args=[job.pk])
        self.login(self.admin)  # view_all_jobs: progress and state, not the file
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "完了")
        self.assertNotContains(page, url)
        self.assertContains(page, "処理を始めた人と処理の権限を持つ人だけがダウンロードできます")
        self.assertNotContains(self.client.get(reverse("jobs:list")), url)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.site_manager)  # holds the kind's permission (cards.print_cards)
        self.assertContains(self.client.get(job.get_absolute_url()), url)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.login(self.back_office)  # the starter
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_failed_job_shows_its_message(self) -> None:
        job = job_start(
            kind="test.refuse", params={"reason": "対象の月にデータがありません。"}, user=self.operator
        )
        run_queued_jobs()
        self.login(self.operator)
        self.assertContains(self.client.get(job.get_absolute_url()), "対象の月にデータがありません。")

    def test_cancel_from_the_page(self) -> None:
        job = job_start(kind="test.build", params={"rows": 2}, user=self.operator)
        self.login(self.operator)
        response = self.client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)
        self.assertContains(response, "取消")
        job.refresh_from_db()
        self.assertEqual(job.state, Job.State.CANCELLED)

    def test_the_list_counts_and_shows_only_ones_own_jobs_to_staff(self) -> None:
        for _ in range(3):
            job_start(kind="test.build", params={"rows": 1}, user=self.operator)
        job_start(kind="test.build", params={"rows": 1}, user=self.back_office)
        self.login(self.operator)
        self.assertContains(self.client.get(reverse("jobs:list")), "3件中 1–3件")
        self.login(self.director)
        self.assertContains(self.client.get(reverse("jobs:list")), "4件中 1–4件")


class MachineTokenTests(BaseTestCase):
    def test_a_job_whose_uuid_holds_twelve_digits_still_stores_its_file_and_link(self) -> None:
        import uuid

        from madoguchi.lib.privacy import find_individual_numbers

        # 12 digits with a valid check digit, as a UUID's last group can be by chance (about 1 in 3,000 jobs)
        digits = next(
            f"{n:011d}{c}"
            for n in range(10**10, 10**10 + 1000)
            for c in range(10)
            if find_individual_numbers(f"{n:011d}{c}")
        )
        job_id = uuid.UUID(f"00000000-0000-4000-800a-{digits}")
        job = Job.objects.create(pk=job_id, kind="test.build", title="テスト文書の作成", params={"rows": 1})
        [done] = run_queued_jobs()
        self.assertEqual(done.pk, job.pk)
        self.assertEqual(done.state, Job.State.DONE)
        self.assertIn(digits, done.result_file)
