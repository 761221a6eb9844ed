from django.urls import path, register_converter

from . import views


class MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "ym")

app_name = "reports"
urlpatterns = [
    path("monthly/", views.monthly, name="monthly"),
    path("monthly/<ym:ym>.<str:fmt>", views.monthly_download, name="monthly_download"),
    path("monthly/<ym:ym>/chart/<str:name>.png", views.monthly_chart, name="monthly_chart"),
    path("monthly/<ym:ym>/submit/", views.monthly_submit, name="monthly_submit"),
    path("monthly/<ym:ym>/receive/", views.monthly_receive, name="monthly_receive"),
    path("monthly/<ym:ym>/close/", views.month_close, name="month_close"),
    path("monthly/<ym:ym>/v<int:number>.<str:fmt>", views.monthly_version_download, name="monthly_version"),
    path("contract/", views.contract, name="contract"),
    path("manual/", views.manual, name="manual"),
    path("manual/manual.pdf", views.manual_download, name="manual_download"),
    path("manual/screens/<str:key>.png", views.manual_screen, name="manual_screen"),
    path("manual/<str:key>/", views.manual_section, name="manual_section"),
]

urlpatterns += [
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/decide/", views.plan_decide, name="plan_decide"),
    path("plans/<int:pk>.<str:fmt>", views.plan_download, name="plan_download"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
]

urlpatterns += [path("handover/", views.handover, name="handover")]
