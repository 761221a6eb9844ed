from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/2fa/", views.two_factor, name="two_factor"),
    path("accounts/password/", views.password_change_view, name="password_change"),
    path(
        "accounts/staff/<int:user_id>/password/", views.staff_password_reset_view, name="staff_password_reset"
    ),
    path(
        "accounts/staff/2fa/<int:approval_id>/approve/",
        views.staff_two_factor_approve,
        name="staff_two_factor_approve",
    ),
    path("accounts/reveal/<str:key>/<int:pk>/<str:field>/", views.reveal, name="reveal"),
    path("accounts/audit/", views.audit_list, name="audit"),
    path("accounts/audit/export.csv", views.audit_export, name="audit_export"),
    path("accounts/staff/", views.staff_list, name="staff_list"),
    path("accounts/staff/<int:user_id>/deactivate/", views.staff_deactivate_view, name="staff_deactivate"),
]
