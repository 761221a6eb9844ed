"""Writes and checks of the staffing app: staff members, training records, forecasts, plans, schedules.

Other apps (outreach, floor) call `member_is_trained` / `untrained_reason` before assigning a person.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record

from .models import Skill, StaffMember, TrainingCompletion, TrainingCourse

# --- training -----------------------------------------------------------------------------------


def missing_courses(*, member: StaffMember, skill: str) -> list[TrainingCourse]:
    """The active courses `skill` requires that `member` has not completed, in display order."""
    required = [c for c in TrainingCourse.objects.filter(active=True) if c.is_required_for(skill)]
    done = set(member.completions.values_list("course_id", flat=True))
    return [c for c in required if c.pk not in done]


def untrained_reason(*, member: StaffMember, skill: str) -> str | None:
    """None when `member` may do `skill`; otherwise a Japanese sentence saying why not."""
    if skill not in Skill.values:
        return f"業務「{skill}」は登録されていません。"
    label = Skill(skill).label
    if not member.active:
        return f"{member.name}さんは在籍していないため、{label}に配置できません。"
    if not member.has_skill(skill):
        return f"{member.name}さんは{label}の担当業務として登録されていません。"
    missing = missing_courses(member=member, skill=skill)
    if missing:
        names = "、".join(f"「{c.name}」" for c in missing)
        return f"{member.name}さんは{label}に必要な研修{names}を修了していません。"
    return None


def member_is_trained(*, member: StaffMember, skill: str) -> bool:
    """True when `member` is active, has `skill`, and completed every course `skill` requires."""
    return untrained_reason(member=member, skill=skill) is None


def trained_members(*, skill: str, members: list[StaffMember] | None = None) -> list[StaffMember]:
    """The active members fit for `skill` (one query for completions, not one per member)."""
    if members is None:
        members = list(StaffMember.objects.active().prefetch_related("completions"))
    required = {c.pk for c in TrainingCourse.objects.filter(active=True) if c.is_required_for(skill)}
    result = []
    for m in members:
        if not m.active or not m.has_skill(skill):
            continue
        done = {c.course_id for c in m.completions.all()}
        if required <= done:
            result.append(m)
    return result


def training_completion_record(
    *,
    member: StaffMember,
    course: TrainingCourse,
    completed_on: datetime.date,
    trainer: str,
    note: str = "",
    by: User | None = None,
) -> TrainingCompletion:
    """Record that `member` completed `course` (validated; one row per member, course and day)."""
    with transaction.atomic():
        completion = TrainingCompletion(
            member=member,
            course=course,
            completed_on=completed_on,
            trainer=trainer,
            note=note,
            recorded_by=by,
        )
        completion.full_clean()
        completion.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=completion,
            detail={"member_id": member.pk, "course": course.code},
        )
    return completion


def training_completion_delete(*, completion: TrainingCompletion, by: User | None = None) -> None:
    with transaction.atomic():
        pk = completion.pk
        detail = {"member_id": completion.member_id, "course": completion.course.code}
        completion.delete()
        audit_record(
            actor=by,
            action=AuditEvent.Action.DELETE,
            object_type="staffing.trainingcompletion",
            object_id=pk,
            detail=detail,
        )


# --- staff members ------------------------------------------------------------------------------


def staff_member_create(
    *,
    name: str,
    skills: list[str],
    contract_hours_per_week: Decimal | float = Decimal("38.75"),
    part_time: bool = False,
    user: User | None = None,
    home_office_id: int | None = None,
    note: str = "",
    by: User | None = None,
) -> StaffMember:
    with transaction.atomic():
        member = StaffMember(
            name=name,
            skills=[s for s in Skill.values if s in skills],
            contract_hours_per_week=Decimal(str(contract_hours_per_week)),
            part_time=part_time,
            user=user,
            home_office_id=home_office_id,
            note=note,
        )
        member.full_clean()
        member.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=member, detail={"skills": member.skills})
    return member


def staff_member_update(
    *,
    member: StaffMember,
    by: User | None = None,
    **changes: object,
) -> StaffMember:
    """Change the listed fields (name, skills, contract_hours_per_week, part_time, active, note, home_office_id)."""
    allowed = {"name", "skills", "contract_hours_per_week", "part_time", "active", "note", "home_office_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        for field, value in changes.items():
            if field == "skills":
                value = [s for s in Skill.values if s in value]  # type: ignore[operator]
            if field == "contract_hours_per_week":
                value = Decimal(str(value))
            setattr(member, field, value)
        member.full_clean()
        member.save(update_fields=list(changes))
        audit_record(
            actor=by, action=AuditEvent.Action.UPDATE, obj=member, detail={"fields": sorted(changes)}
        )
    return member
