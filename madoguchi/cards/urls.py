from django.urls import path

from . import views

app_name = "cards"
urlpatterns = [
    path("", views.queue_overview, name="queues"),
    path("queue/<slug:key>/", views.queue_detail, name="queue"),
    path("queue/<slug:key>/pull-list.pdf", views.queue_pdf, name="queue_pdf"),
    path("day/", views.day_preparation, name="day"),
    path("day/print.pdf", views.day_pdf, name="day_pdf"),
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sheets.pdf", views.card_pdf, name="card_pdf"),
    path("<int:pk>/correct/", views.card_correct, name="card_correct"),
    path("<int:pk>/post/", views.post_issuance_card, name="post_card"),
    path("scan/", views.scan, name="scan"),
    path("scan/apply/", views.scan_apply, name="scan_apply"),
    path("scan/undo/", views.scan_undo, name="scan_undo"),
    path("stocktake/", views.stocktake, name="stocktake"),
    path("stocktake/<int:pk>/", views.stocktake_result, name="stocktake_result"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_batch, name="import_batch"),
    path("import/profiles/<int:pk>/delete/", views.import_profile_delete, name="import_profile_delete"),
    path("register-changes/", views.register_changes, name="register_changes"),
    path("locations/", views.locations, name="locations"),
    path("shipments/", views.shipments, name="shipments"),
    path("shipments/<int:pk>/", views.shipment, name="shipment"),
    path("shipments/<int:pk>/manifest.pdf", views.shipment_pdf, name="shipment_pdf"),
    path("post/", views.post_issuance, name="post_issuance"),
    path("post/export/", views.post_issuance_export, name="post_export"),
    path("holding/", views.holding, name="holding"),
    path("ledgers/", views.ledgers, name="ledgers"),
    path("assist/", views.assist_list, name="assist_list"),
    path("assist/export.csv", views.assist_export, name="assist_export"),
]
