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
    path("templates/", views.shift_templates, name="templates"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:pk>/", views.member_detail, name="member"),
    path("training/", views.training, name="training"),
]
