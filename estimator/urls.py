from django.contrib import admin
from django.urls import path

from estimator.views import api, health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("api/estimate", api.estimate_api, name="api-estimate"),
    path("api/prices", api.prices_api, name="api-prices"),
    path("api/prices/<str:model>", api.model_prices_api, name="api-model-prices"),
    path("admin/", admin.site.urls),
]
