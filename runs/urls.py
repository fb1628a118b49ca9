from django.urls import path

from runs import views

urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("<int:run_id>/", views.run_detail, name="run-detail"),
    path("<int:run_id>/calibration", views.run_calibration, name="run-calibration"),
]
