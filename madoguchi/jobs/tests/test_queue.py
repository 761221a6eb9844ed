"""The real queue: django-tasks' database backend and its worker, and two app servers starting one job."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from madoguchi.accounts.roles import Role, sync_roles
from madoguchi.accounts.testing import make_user, run_together
from madoguchi.jobs.models import Job
from madoguchi.jobs.services import JobAlreadyRunning, job_start

from . import kinds  # noqa: F401 - registers the test kinds

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@override_settings(TASKS=DATABASE_QUEUE)
class DatabaseQueueTests(TransactionTestCase):
    def test_a_started_job_is_run_by_the_database_worker(self) -> None:
        sync_roles()
        user = make_user("worker-test", Role.OPERATOR)
        job = job_start(kind="test.build", params={"rows": 4}, user=user, lock_key="test:queue")

        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

        job.refresh_from_db()
        self.assertEqual(job.state, Job.State.DONE)
        self.assertEqual(job.result_summary, {"行数": 4})


@pytest.mark.postgres
class ConcurrentStartTests(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only: two app servers insert at once (SQLite has one writer)")

    def test_two_app_servers_starting_the_same_plan_get_one_job_and_one_already_running(self) -> None:
        sync_roles()
        users = [make_user(f"manager{i}", Role.SITE_MANAGER) for i in range(2)]
        results = run_together(
            [
                lambda u=user: job_start(kind="test.slow", params={"plan_id": 1}, user=u, lock_key="plan:1")
                for user in users
            ]
        )
        started = [r for r in results if isinstance(r, Job)]
        refused = [r for r in results if isinstance(r, JobAlreadyRunning)]
        self.assertEqual((len(started), len(refused)), (1, 1), results)
        self.assertEqual(refused[0].job.pk, started[0].pk)
        self.assertEqual(Job.objects.filter(lock_key="plan:1").count(), 1)
