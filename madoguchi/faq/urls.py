from django.urls import URLPattern

app_name = "faq"
urlpatterns: list[URLPattern] = []
