from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/2fa/", views.two_factor, name="two_factor"),
    path("accounts/audit/", views.audit_list, name="audit"),
    path("accounts/audit/export.csv", views.audit_export, name="audit_export"),
    path("accounts/staff/", views.staff_list, name="staff_list"),
    path("accounts/staff/<int:user_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
]
