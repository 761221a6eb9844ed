"""Long work as jobs: how long the request that starts it takes, beside the work itself (what the request
used to take when the work ran inside it), on the FY2026 demo data; and command start-up CPU beside Django's own.

    uv run python bench/jobs_requests.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1/madoguchi_bench uv run python bench/jobs_requests.py

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import ROOT, setup


def child_cpu_seconds(code: list[str]) -> float:
    """CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(code, check=True, capture_output=True, cwd=ROOT, env={**os.environ})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup() -> None:
    django_only = [sys.executable, "-c", "import django; django.setup()"]
    command = [sys.executable, "-m", "madoguchi", "check"]
    runs = 3
    base = min(child_cpu_seconds(django_only) for _ in range(runs))
    ours = min(child_cpu_seconds(command) for _ in range(runs))
    print(f"command start-up (`madoguchi check`), CPU, best of {runs}: {ours:.2f} s")
    print(f"  baseline `django.setup()` with our settings:            {base:.2f} s")
    print(f"  madoguchi's own share:                                   {ours - base:.2f} s")


def main() -> None:
    setup()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.dev")
    startup()

    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    logging.disable(logging.INFO)  # the demo's and the jobs' own log lines
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.urls import reverse

    from madoguchi.accounts.models import User
    from madoguchi.jobs.testing import run_queued_jobs

    t0 = time.perf_counter()
    call_command("demo", "--no-serve", stdout=open(os.devnull, "w"))
    print(f"\ndemo data loaded in {time.perf_counter() - t0:.1f} s")

    run_queued_jobs()  # what loading the demo queued (slot sync after calendar changes)
    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username="ito"))  # the director
    manager = Client(SERVER_NAME="localhost")
    manager.force_login(User.objects.get(username="tanaka"))  # the site manager

    cases = [
        (
            "monthly report PDF, 2026-10 (whole appendix)",
            client,
            "post",
            reverse("reports:monthly_download", args=["2026-10", "pdf"]),
            {},
        ),
        (
            "monthly report XLSX, 2026-10",
            client,
            "post",
            reverse("reports:monthly_download", args=["2026-10", "xlsx"]),
            {},
        ),
        ("handover ZIP", client, "post", reverse("reports:handover"), {"reason": ""}),
        (
            "shift roster, all offices, 2026-04",
            manager,
            "post",
            reverse("staffing:roster_solve", args=[2026, 4]),
            {},
        ),
    ]
    print(f"\n{'work':<48} {'request (now)':>14} {'the work (was in the request)':>30}")
    for label, who, method, url, data in cases:
        t0 = time.perf_counter()
        response = getattr(who, method)(url, data)
        request_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        jobs = run_queued_jobs()
        work_s = time.perf_counter() - t0
        states = ",".join(job.state for job in jobs) or f"no job (HTTP {response.status_code})"
        print(f"{label:<48} {request_s * 1000:>11.0f} ms {work_s:>27.1f} s   [{states}]")
        for job in jobs:
            if job.error_message:
                print(f"    {job.title}: {job.error_message}")


if __name__ == "__main__":
    main()
