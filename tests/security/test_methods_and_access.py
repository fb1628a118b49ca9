"""Every view answers only its methods (pages: GET and HEAD; OPTIONS and TRACE refused everywhere), the
run inspector is staff-only like the admin, a login never lands on a missing page, and a missing page
or a server error is a page of the site with a way back."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.defaults import server_error

from estimator.charts import CHART_KEYS
from pricing.catalog import default_model_id
from runs.models import Run
from runs.services import run_measure
from tests.runs.conftest import AS_OF
from tests.runs.traces.builders import support_conversation
from tests.runs.traces.helpers import import_file

# Every route of the project outside the admin, and how it is reached. A new route without a line here
# fails test_every_route_is_listed, so none is left out of the method checks below.
GET_VIEWS = {
    "healthz": lambda ids: "/healthz",
    "": lambda ids: "/",
    "how-we-calculate": lambda ids: "/how-we-calculate",
    "prices": lambda ids: "/prices",
    "compare": lambda ids: "/compare?model=gpt-4.1",
    "api/estimate": lambda ids: "/api/estimate",
    "api/prices": lambda ids: "/api/prices",
    "api/prices/<model>": lambda ids: f"/api/prices/{ids['model']}",
    "api/openapi.json": lambda ids: "/api/openapi.json",
    "api/docs": lambda ids: "/api/docs",
    "s/<slug:slug>": lambda ids: f"/s/{ids['slug']}",
    "s/<slug:slug>.<slug:fmt>": lambda ids: f"/s/{ids['slug']}.csv",
    "s/<slug:slug>/chart/<slug:key>.svg": lambda ids: f"/s/{ids['slug']}/chart/{CHART_KEYS[0]}.svg",
    "export.<slug:fmt>": lambda ids: "/export.csv",
    "chart/<slug:key>.svg": lambda ids: f"/chart/{CHART_KEYS[0]}.svg",
    "runs/": lambda ids: "/runs/",
    "runs/<int:run_id>/": lambda ids: f"/runs/{ids['run']}/",
    "runs/<int:run_id>/calibration": lambda ids: f"/runs/{ids['run']}/calibration",
    "runs/imports/": lambda ids: "/runs/imports/",
    "runs/imports/<int:import_id>/": lambda ids: f"/runs/imports/{ids['import']}/",
    "runs/imports/<int:import_id>.json": lambda ids: f"/runs/imports/{ids['import']}.json",
    "runs/imports/<int:import_id>/calls": lambda ids: f"/runs/imports/{ids['import']}/calls",
    # A confirmation page (GET), then the form's POST deletes.
    "runs/imports/<int:import_id>/delete": lambda ids: f"/runs/imports/{ids['import']}/delete",
}
POST_ONLY_VIEWS = {
    "share": "/share",
    "tokens/count": "/tokens/count",
    "runs/imports/upload": "/runs/imports/upload",
    "runs/imports/runs": "/runs/imports/runs",
}
ADMIN_PAGES = ["/admin/pricing/tokenprice/export.json", "/admin/pricing/tokenprice/export.csv"]
ADMIN_FORMS = ["/admin/pricing/tokenprice/import/", "/admin/pricing/syncrun/sync/"]


def project_routes(patterns=None, prefix: str = "") -> set[str]:
    routes = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name != "admin":
                routes |= project_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            routes.add(prefix + str(entry.pattern))
    # The API's root answers nothing (404): ninja routes it to its own not-found view. The price table's
    # own admin pages are checked through ADMIN_PAGES and ADMIN_FORMS.
    return {route for route in routes - {"api/"} if not route.startswith("admin/")}


def test_every_route_is_listed():
    assert project_routes() == set(GET_VIEWS) | set(POST_ONLY_VIEWS)


@pytest.fixture
def ids(client, price_table, settings, tmp_path):
    settings.RATELIMIT_ENABLED = False
    share = client.post("/share", {"turns_per_session": "3"})
    run = run_measure("support_agent", offline=True, as_of=AS_OF)
    traffic = tmp_path / "traffic.jsonl"
    traffic.write_text("".join(json.dumps(line) + "\n" for line in support_conversation("c1", 2)))
    return {
        "slug": share["Location"].rstrip("/").rsplit("/", 1)[-1],
        "run": run.pk,
        "model": default_model_id(),
        "import": import_file(traffic).pk,
    }


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create(username="root", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_head_answers_wherever_get_does_with_the_same_headers_and_no_body(client, ids, superuser):
    client.force_login(superuser)
    for name, url_for in GET_VIEWS.items():
        url = url_for(ids)
        got = client.get(url)
        head = client.head(url)
        assert got.status_code == 200, (name, got.status_code)
        assert head.status_code == 200, (name, head.status_code)
        assert head.content == b"", name
        assert head["Content-Type"] == got["Content-Type"], name
    for url in ADMIN_PAGES + ADMIN_FORMS:
        assert client.head(url).status_code == 200, url


@pytest.mark.django_db
def test_options_trace_and_other_methods_are_refused_everywhere(client, ids, superuser):
    client.force_login(superuser)
    urls = [url_for(ids) for url_for in GET_VIEWS.values()] + list(POST_ONLY_VIEWS.values())
    for url in urls + ADMIN_PAGES + ADMIN_FORMS:
        for method in ("options", "trace", "put", "patch", "delete"):
            response = getattr(client, method)(url)
            assert response.status_code == 405, (method, url, response.status_code)
            assert response.content == b"" or b"<html" not in response.content[:200], (method, url)
    for url in list(POST_ONLY_VIEWS.values()):
        assert client.get(url).status_code == 405, url
        assert client.head(url).status_code == 405, url
    for url in ADMIN_PAGES:
        assert client.post(url).status_code == 405, url


@pytest.mark.django_db
class TestRunsAreStaffOnly:
    def urls(self, ids) -> list[str]:
        return [
            GET_VIEWS[route](ids)
            for route in ("runs/", "runs/<int:run_id>/", "runs/<int:run_id>/calibration")
        ]

    def test_anonymous_visitors_are_sent_to_the_admin_login(self, client, ids):
        for url in self.urls(ids):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"] == f"{reverse('admin:login')}?next={url}"
            assert b"support_agent" not in response.content

    def test_a_logged_in_user_who_is_not_staff_is_sent_to_the_login_too(self, client, ids):
        client.force_login(get_user_model().objects.create(username="plain"))
        for url in self.urls(ids):
            assert client.get(url).status_code == 302, url

    def test_staff_without_the_runs_permissions_get_403(self, client, ids):
        client.force_login(get_user_model().objects.create(username="staff", is_staff=True))
        for url in self.urls(ids):
            assert client.get(url).status_code == 403, url

    def test_staff_with_view_run_see_runs_and_calibration_and_need_view_call_for_the_calls(self, client, ids):
        staff = get_user_model().objects.create(username="analyst", is_staff=True)
        staff.user_permissions.add(
            Permission.objects.get(codename="view_run", content_type__app_label="runs")
        )
        client.force_login(staff)
        run_list, run_detail, calibration = self.urls(ids)
        assert client.get(run_list).status_code == 200
        assert client.get(calibration).status_code == 200
        assert client.get(run_detail).status_code == 403
        staff.user_permissions.add(
            Permission.objects.get(codename="view_call", content_type__app_label="runs")
        )
        client.force_login(get_user_model().objects.get(pk=staff.pk))  # permissions are cached per user
        assert client.get(run_detail).status_code == 200
        assert Run.objects.count() == 1

    def test_the_nav_shows_measured_runs_only_to_those_who_may_see_them(self, client, ids, superuser):
        assert "Measured runs" not in client.get("/").content.decode()
        client.force_login(superuser)
        assert "Measured runs" in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_login_with_an_off_site_next_lands_on_the_admin_index(client):
    get_user_model().objects.create_user("editor", password="a-long-password-for-this-test", is_staff=True)
    for next_url in ("https://evil.example/steal", "//evil.example/", ""):
        response = client.post(
            f"{reverse('admin:login')}?next={next_url}",
            {"username": "editor", "password": "a-long-password-for-this-test", "next": next_url},
        )
        assert response.status_code == 302, next_url
        assert response["Location"] == reverse("admin:index"), next_url
        assert client.get(response["Location"]).status_code == 200
        client.logout()


@pytest.mark.django_db
def test_a_missing_page_has_the_site_header_and_a_way_back(client, price_table):
    response = client.get("/no-such-page?x=<b>")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<header class="site-header">' in html
    assert '<a href="/">Back to the estimator</a>' in html
    assert "<code>/no-such-page</code>" in html
    assert client.head("/no-such-page").status_code == 404


@pytest.mark.django_db
def test_a_server_error_page_has_the_site_header_and_a_way_back_without_touching_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<header class="site-header">' in html
    assert '<a href="/">Back to the estimator</a>' in html
    assert "Something went wrong on our side" in html


@pytest.mark.django_db
def test_a_missing_page_costs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/no-such-page").status_code == 404
