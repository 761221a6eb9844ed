from django.urls import path

from . import views

app_name = "floor"
urlpatterns = [
    path("", views.board, name="board"),
    path("tap/", views.tap, name="tap"),
    path("undo/", views.undo, name="undo"),
    path("mynaportal/", views.mynaportal, name="mynaportal"),
]
