from django.urls import path

from . import views

app_name = "staffing"
urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("erlang/", views.erlang_calculator, name="erlang"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/forecast/", views.plan_forecast, name="plan_forecast"),
    path("plans/<int:pk>/solve/", views.plan_solve, name="plan_solve"),
    path("plans/<int:pk>/simulate/", views.plan_simulate, name="plan_simulate"),
    path("plans/<int:pk>/heatmap/", views.plan_heatmap, name="plan_heatmap"),
    path("plans/<int:pk>/days/<str:date>/", views.plan_day, name="plan_day"),
    path("plans/<int:pk>/people/", views.plan_people, name="plan_people"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("rosters/<int:year>/<int:month>/", views.roster_detail, name="roster"),
    path("rosters/<int:year>/<int:month>/solve/", views.roster_solve, name="roster_solve"),
    path("rosters/<int:year>/<int:month>/export.xlsx", views.roster_export, name="roster_export"),
    path("today/", views.intraday, name="intraday"),
    path("today/<str:date>/", views.intraday, name="intraday_day"),
    path("rosters/<int:year>/<int:month>/publish/", views.roster_publish, name="roster_publish"),
    path("rosters/<int:year>/<int:month>/shift/", views.roster_shift_edit, name="roster_shift_edit"),
    path("time-off/<int:pk>/decide/", views.time_off_decide, name="time_off_decide"),
    path("me/", views.my_shifts, name="my_shifts"),
    path("me/calendar/reset/", views.my_calendar_reset, name="my_calendar_reset"),
    path("me/calendar/<str:token>.ics", views.my_calendar, name="my_calendar"),
    path("templates/", views.shift_templates, name="templates"),
    path("templates/<int:pk>/", views.shift_template_edit, name="template_edit"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:pk>/", views.member_detail, name="member"),
    path("staff/<int:pk>/active/", views.member_active, name="member_active"),
    path("training/", views.training, name="training"),
]
