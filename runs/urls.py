from django.urls import path

from runs import import_views, views

urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("<int:run_id>/", views.run_detail, name="run-detail"),
    path("<int:run_id>/calibration", views.run_calibration, name="run-calibration"),
    # Imported traffic (issue 14): upload, measured runs, progress, the three answers, calls, delete.
    path("imports/", import_views.import_list, name="trace-import-list"),
    path("imports/upload", import_views.import_upload, name="trace-import-upload"),
    path("imports/runs", import_views.import_runs, name="trace-import-runs"),
    path("imports/<int:import_id>/", import_views.import_detail, name="trace-import-detail"),
    path("imports/<int:import_id>.json", import_views.import_summary_json, name="trace-import-json"),
    path("imports/<int:import_id>/calls", import_views.import_calls, name="trace-import-calls"),
    path("imports/<int:import_id>/delete", import_views.import_delete, name="trace-import-delete"),
]
