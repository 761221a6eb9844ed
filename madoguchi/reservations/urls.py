from django.urls import path

from . import exchange_views, public, public_apply, views

app_name = "reservations"
urlpatterns = [
    # Staff
    path("", views.operator, name="operator"),
    path("code/", views.find_code, name="find_code"),
    path("day/", views.day_list, name="day_list"),
    path("walk-in/", views.walk_in, name="walk_in"),
    path("slots/", views.slots, name="slots"),
    path("types/", views.types, name="types"),
    path("types/new/", views.type_edit, name="type_new"),
    path("types/<int:pk>/", views.type_edit, name="type_edit"),
    path("appointments/", views.appointment_desk, name="appointment_desk"),
    path("exchange/", exchange_views.exchange, name="exchange"),
    path("r/<str:code>/", views.detail, name="detail"),
    path("r/<str:code>/change/", views.change, name="change"),
    path("r/<str:code>/cancel/", views.cancel, name="cancel"),
    path("r/<str:code>/reminder/", views.reminder, name="reminder"),
    path("r/<str:code>/contact/", views.contact, name="contact"),
    path("r/<str:code>/<str:action>/", views.counter, name="counter"),
    # Residents (public, no login): listed in accounts/tests/test_url_access.py
    path("web/", public.public_start, name="public_start"),
    path("web/manage/", public.public_manage, name="public_manage"),
    path("web/book/", public.public_book, name="public_book"),
    path("web/change/", public.public_change, name="public_change"),
    path("web/cancel/", public.public_cancel, name="public_cancel"),
    path("web/done/", public.public_done, name="public_done"),
    path("web/logout/", public.public_logout, name="public_logout"),
    path("web/link/<str:token>/", public.public_confirm, name="public_confirm"),
    path("web/lang/", public.public_lang, name="public_lang"),
    path("web/waitlist/", public.public_waitlist, name="public_waitlist"),
    path("web/apply/", public_apply.public_apply, name="public_apply"),
    path("web/verify/<str:token>/", public_apply.public_verify, name="public_verify"),
]
