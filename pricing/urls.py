"""The price table's staff pages beside its model admins (under /admin/pricing/)."""

from django.urls import path

from pricing.admin import views

app_name = "pricing"
urlpatterns = [
    path("tokenprice/export.json", views.export_json_view, name="export_json"),
    path("tokenprice/export.csv", views.export_csv_view, name="export_csv"),
    path("tokenprice/import/", views.import_view, name="import"),
    path("tokenprice/import/<int:import_id>/", views.import_status_view, name="import_status"),
    path("syncrun/sync/", views.sync_view, name="sync"),
]
