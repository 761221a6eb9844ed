"""`{{ job|file_visible_to:request.user }}`: show a job's download link only to who may download it."""

from __future__ import annotations

from django import template

from madoguchi.accounts.models import User
from madoguchi.jobs.models import Job
from madoguchi.jobs.selectors import job_file_visible_to

register = template.Library()


@register.filter
def file_visible_to(job: Job, user: User) -> bool:
    return job_file_visible_to(job=job, user=user)
