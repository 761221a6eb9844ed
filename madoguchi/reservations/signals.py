"""The calendar changed: queue the slot sync (a job), never sync inside the request that changed it.

Connected in ReservationsConfig.ready(). calendar does not know reservations; reservations listens.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _queue_sync(sender: type, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    from madoguchi.calendar.models import Office, SpecialDay

    office = None
    if sender is Office:
        office = instance if kwargs.get("signal") is not post_delete else None
    elif sender is SpecialDay:
        office = instance.office if instance.office_id else None
    office_id = office.pk if office is not None else None

    def start() -> None:
        from madoguchi.calendar.models import Office as OfficeModel

        from .services import slots_sync_start

        target = OfficeModel.objects.filter(pk=office_id).first() if office_id else None
        slots_sync_start(office=target, by=None)

    transaction.on_commit(start)


def connect() -> None:
    from madoguchi.calendar.models import BusySeason, Office, SpecialDay

    for model in (Office, SpecialDay, BusySeason):
        post_save.connect(_queue_sync, sender=model, dispatch_uid=f"reservations.sync.{model.__name__}.save")
        post_delete.connect(
            _queue_sync, sender=model, dispatch_uid=f"reservations.sync.{model.__name__}.delete"
        )
