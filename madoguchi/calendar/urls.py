from django.urls import path

from . import views

app_name = "calendar"
urlpatterns = [
    path("", views.month, name="month"),
    path("special-days/", views.special_days, name="special_days"),
    path("special-days/<int:pk>/delete/", views.special_day_delete, name="special_day_delete"),
    path("busy-seasons/add/", views.busy_season_add, name="busy_season_add"),
]
