from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [
    path("", views.index, name="index"),
    path("dry-run/", views.dry_run, name="dry_run"),
    path("approve/", views.approve, name="approve"),
    path("holds/", views.hold_add, name="hold_add"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
]
