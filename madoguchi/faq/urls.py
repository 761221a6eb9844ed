from django.urls import path

from . import views

app_name = "faq"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_view, name="search"),
    path("answered/", views.answered, name="answered"),
    path("misses/", views.misses, name="misses"),
    path("new/", views.create, name="create"),
    path("import/", views.import_view, name="import"),
    path("export/", views.export, name="export"),
    path("manual/", views.manual, name="manual"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/delete/", views.synonym_delete, name="synonym_delete"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/revise/", views.revise, name="revise"),
    path("<int:pk>/history/<int:number>/", views.history_diff, name="diff"),
]
