from django.urls import path

from . import views

app_name = "outreach"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path("<int:pk>/timeline/", views.timeline, name="timeline"),
    path("<int:pk>/staff/", views.staff_assign, name="staff_assign"),
    path("<int:pk>/staff/<int:assignment_pk>/remove/", views.staff_remove, name="staff_remove"),
    path("<int:pk>/checklist/add/", views.checklist_add, name="checklist_add"),
    path("<int:pk>/checklist/<int:item_pk>/", views.checklist_tick, name="checklist_tick"),
    path("<int:pk>/day/", views.day, name="day"),
    path("<int:pk>/day/count/", views.count, name="count"),
    path("<int:pk>/day/inquiry/", views.inquiry, name="inquiry"),
    path("<int:pk>/summary/", views.summary, name="summary"),
    path("<int:pk>/inquiries/", views.inquiries, name="inquiries"),
]
