from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.accounts.access import require_perm
from madoguchi.accounts.http import AuthedHttpRequest
from madoguchi.lib.htmx import render_page_or_fragment

from . import services
from .forms import BusySeasonForm, SpecialDayForm
from .models import BusySeason, Office, SpecialDay


def _month_param(value: str | None) -> tuple[int, int]:
    today = timezone.localdate()
    if value:
        try:
            year, month = (int(p) for p in value.split("-", 1))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return year, month
        except ValueError:
            pass
    return today.year, today.month


@require_perm("calendar.view_office")
def month(request: AuthedHttpRequest) -> HttpResponse:
    year, mon = _month_param(request.GET.get("month"))
    offices = list(Office.objects.active())
    code = request.GET.get("office") or ""
    shown = [o for o in offices if o.code == code] or offices
    first = datetime.date(year, mon, 1)
    prev_month = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    next_month = (first + datetime.timedelta(days=32)).strftime("%Y-%m")
    context = {
        "year": year,
        "month": mon,
        "weeks": services.month_grid(year, mon, shown),
        "offices": offices,
        "office_code": code,
        "prev_month": prev_month,
        "next_month": next_month,
        "weekdays": "月火水木金土日",
    }
    return render_page_or_fragment(request, "calendar/month.html", "calendar/_month_grid.html", context)


@require_perm("calendar.add_specialday")
def special_days(request: AuthedHttpRequest) -> HttpResponse:
    form = SpecialDayForm(request.POST or None, prefix="day")
    season_form = BusySeasonForm(None, prefix="season")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.special_day_create(
                by=request.user,
                date=data["date"],
                kind=data["kind"],
                reason=data["reason"],
                office=data["office"],
                opens=data["opens"],
                closes=data["closes"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{data['date']:%Y-%m-%d} を登録しました。")
            return redirect("calendar:special_days")
    today = timezone.localdate()
    days = SpecialDay.objects.select_related("office").filter(date__gte=today - datetime.timedelta(days=31))
    return render(
        request,
        "calendar/special_days.html",
        {
            "form": form,
            "season_form": season_form,
            "days": days,
            "seasons": BusySeason.objects.all(),
        },
    )


@require_perm("calendar.delete_specialday")
@require_POST
def special_day_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    day = get_object_or_404(SpecialDay, pk=pk)
    services.special_day_delete(by=request.user, day=day)
    messages.success(request, f"{day.date:%Y-%m-%d} の登録を削除しました。")
    return redirect("calendar:special_days")


@require_perm("calendar.add_busyseason")
@require_POST
def busy_season_add(request: AuthedHttpRequest) -> HttpResponse:
    form = BusySeasonForm(request.POST, prefix="season")
    if form.is_valid():
        data = form.cleaned_data
        services.busy_season_create(
            by=request.user,
            name=data["name"],
            start=data["start"],
            end=data["end"],
            closes=data["closes"],
        )
        messages.success(request, f"繁忙期「{data['name']}」を登録しました。")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"繁忙期の{label}: {' '.join(str(e) for e in errors)}")
    return redirect("calendar:special_days")
