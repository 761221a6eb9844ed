from django.urls import URLPattern

app_name = "reservations"
urlpatterns: list[URLPattern] = []
