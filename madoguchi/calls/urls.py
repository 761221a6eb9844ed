from django.urls import path

from . import booking, views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("take/", views.take, name="take"),
    path("take/faq/", views.faq_pane, name="faq_pane"),
    path("take/active/", views.active_calls, name="active_calls"),
    path("take/seat/", views.seat, name="seat"),
    path("take/booking/", booking.booking, name="booking"),
    path("monthly/", views.monthly, name="monthly"),
    path("dashboard/", views.dashboard_fragment, name="dashboard"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/new/", views.callback_new, name="callback_new"),
    path("callbacks/<int:pk>/", views.callback_detail, name="callback_detail"),
    path("callbacks/<int:pk>/attempt/", views.callback_attempt, name="callback_attempt"),
    path("callbacks/<int:pk>/close/", views.callback_close, name="callback_close"),
    path("callbacks/<int:pk>/assign/", views.callback_assign, name="callback_assign"),
    path("memos/", views.memos, name="memos"),
    path("memos/<int:pk>/hand-over/", views.memo_hand_over, name="memo_hand_over"),
    path("memos/<int:pk>/done/", views.memo_done, name="memo_done"),
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
]
