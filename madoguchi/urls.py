"""Root URLs: each domain app under its own prefix, the JSON API under /api/."""

from django.urls import include, path

from .api import api
from .views import healthz

urlpatterns = [
    path("", include("madoguchi.accounts.urls")),
    path("calendar/", include("madoguchi.calendar.urls")),
    path("cards/", include("madoguchi.cards.urls")),
    path("reservations/", include("madoguchi.reservations.urls")),
    path("calls/", include("madoguchi.calls.urls")),
    path("faq/", include("madoguchi.faq.urls")),
    path("staffing/", include("madoguchi.staffing.urls")),
    path("outreach/", include("madoguchi.outreach.urls")),
    path("floor/", include("madoguchi.floor.urls")),
    path("incidents/", include("madoguchi.incidents.urls")),
    path("reports/", include("madoguchi.reports.urls")),
    path("jobs/", include("madoguchi.jobs.urls")),
    path("retention/", include("madoguchi.retention.urls")),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
]
