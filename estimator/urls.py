from django.contrib import admin
from django.urls import include, path

from estimator.api import api
from estimator.ratelimit import ratelimit
from estimator.views import health, pages, share, tables, tokens

# Password guessing: at most 10 admin login attempts per client per 5 minutes (POSTs only). This route
# comes before the admin's own, so its login page (every link to it included) is the limited one.
admin_login = ratelimit("admin-login", limit=10, period=300, what="login attempts")(admin.site.login)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("api/", api.urls),
    path("admin/pricing/", include("pricing.urls")),  # the price table's export, import and sync pages
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    # Measured runs of the reference loop, the run inspector and calibration (issue 5).
    path("runs/", include("runs.urls")),
    # The estimator in the browser (issue 4).
    path("", pages.estimator, name="estimator"),
    path("how-we-calculate", pages.how_we_calculate, name="how-we-calculate"),
    path("prices", tables.prices, name="prices"),
    path("compare", tables.compare, name="compare"),
    path("tokens/count", tokens.count, name="token-count"),
    path("share", share.share, name="share"),
    path("s/<slug:slug>", share.scenario, name="scenario"),
    path("s/<slug:slug>.<slug:fmt>", share.export_scenario, name="scenario-export"),
    path("export.<slug:fmt>", share.export_live, name="export"),
    path("chart/<slug:key>.svg", share.chart_live, name="chart"),
    path("s/<slug:slug>/chart/<slug:key>.svg", share.chart_scenario, name="scenario-chart"),
]
