"""The admin is staff-only; stored text is escaped wherever it is shown; every page works under the CSP
(scripts carry the response's nonce, no inline handlers or style attributes, which the policy blocks)."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from estimator import ratelimit
from pricing.models import TokenPrice
from runs.models import Call, Run
from tests.security.fuzzing import assert_nothing_stored, row_counts

XSS = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    return urls


@pytest.fixture
def users(db):
    # No passwords (force_login needs none): hashing three would cost seconds per test.
    User = get_user_model()
    return {
        "plain": User.objects.create(username="plain"),
        "staff": User.objects.create(username="staff", is_staff=True),
        "super": User.objects.create(username="root", is_staff=True, is_superuser=True),
    }


@pytest.mark.django_db
class TestAdmin:
    def test_anonymous_is_sent_to_login_everywhere(self, client, price_table):
        for url in admin_urls():
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url

    def test_a_logged_in_user_who_is_not_staff_gets_nothing(self, client, price_table, users):
        client.force_login(users["plain"])
        for url in admin_urls():
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url

    def test_staff_without_permissions_sees_no_price_table(self, client, price_table, users):
        client.force_login(users["staff"])
        assert client.get(reverse("admin:index")).status_code == 200
        assert client.get(reverse("admin:pricing_tokenprice_changelist")).status_code == 403

    def test_superuser_gets_in(self, client, price_table, users):
        client.force_login(users["super"])
        assert client.get(reverse("admin:pricing_tokenprice_changelist")).status_code == 200

    def test_anonymous_posts_change_nothing(self, client, price_table):
        before = row_counts()
        price = TokenPrice.objects.first()
        assert price is not None
        for url in (
            reverse("admin:pricing_tokenprice_add"),
            reverse("admin:pricing_tokenprice_change", args=[price.pk]),
            reverse("admin:pricing_tokenprice_delete", args=[price.pk]),
        ):
            response = client.post(url, {"input_per_mtok": "0", "post": "yes"})
            assert response.status_code in {302, 403}, url
        assert_nothing_stored(before)

    def test_login_form_escapes_what_was_typed(self, client, price_table):
        response = client.post(reverse("admin:login"), {"username": XSS, "password": "x"})
        assert response.status_code == 200
        assert XSS not in response.content.decode()


def stored_run() -> Run:
    run = Run.objects.create(
        script_name=XSS,
        script_file=XSS,
        model=XSS[:100],
        endpoint="javascript:alert(1)",
        status="failed",
        error=XSS,
        price_as_of=date(2026, 1, 1),
        tool_definitions=[{"type": "function", "function": {"name": XSS, "description": XSS}}],
        messages=[{"role": "system", "content": XSS}, {"role": "user", "content": XSS}],
    )
    Call.objects.create(
        run=run,
        index=0,
        turn=1,
        round=0,
        model=XSS[:100],
        reply=XSS,
        error=XSS,
        finish_reason=XSS[:40],
        request_id=XSS,
        tool_calls=[{"id": XSS, "name": XSS, "arguments": XSS, "result": XSS, "error": XSS}],
    )
    return run


@pytest.mark.django_db
def test_stored_run_text_is_escaped_on_every_page(client, price_table, users):
    run = stored_run()
    pages = [
        reverse("run-list"),
        reverse("run-detail", args=[run.pk]),
        reverse("run-calibration", args=[run.pk]),
    ]
    client.force_login(users["super"])
    pages += [
        reverse("admin:runs_run_changelist"),
        reverse("admin:runs_run_change", args=[run.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in {200, 404, 422}, (url, response.status_code)  # 422: no calibration
        html = response.content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert 'href="javascript:' not in html, url


NONCE_HEADER = re.compile(r"script-src [^;]*'nonce-([A-Za-z0-9_-]+)'")


@pytest.mark.django_db
def test_pages_work_under_the_content_security_policy(client, price_table, users, settings):
    settings.RATELIMIT_ENABLED = False
    share = client.post("/share", {"turns_per_session": "3"})
    client.force_login(users["super"])
    pages = [
        "/",
        "/?turns_per_session=oops",
        "/how-we-calculate",
        share["Location"],
        reverse("run-list"),
        reverse("admin:index"),
        reverse("admin:pricing_tokenprice_changelist"),
        reverse("admin:pricing_tokenprice_add"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code in {200, 400}, url
        csp = response["Content-Security-Policy"]
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        match = NONCE_HEADER.search(csp)
        for tag in scripts:
            # An inline script needs the nonce; an external one from this site passes 'self' anyway,
            # but if it carries a nonce attribute it must be this response's.
            nonce = re.search(r'\bnonce="([^"]*)"', tag)
            if "src=" not in tag:
                assert nonce and match and nonce.group(1) == match.group(1), (url, tag)
            elif nonce:
                assert match and nonce.group(1) == match.group(1), (url, tag)
            else:
                assert re.search(r'src="/', tag), (url, tag)  # same origin only
        for tag in re.findall(r"<style\b[^>]*>", html):
            assert match and f'nonce="{match.group(1)}"' in tag, (url, tag)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), (url, "inline event handler")
        assert not re.search(r"<[^>]+\sstyle\s*=", html), (url, "style attribute (blocked by style-src)")
        assert "javascript:" not in html, url


@pytest.mark.django_db
def test_admin_login_attempts_are_rate_limited(client, users, monkeypatch):
    # Windows are fixed: hold the clock inside one, or a run across a 5-minute boundary starts afresh.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_000_000_000.0))
    users["super"].set_password("the-right-password-123")
    users["super"].save()
    for _ in range(10):
        response = client.post(reverse("admin:login"), {"username": "root", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post(reverse("admin:login"), {"username": "root", "password": "the-right-password-123"})
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert client.get(reverse("admin:login")).status_code == 200  # the form still shows
    assert (
        client.post(
            reverse("admin:login"),
            {"username": "root", "password": "the-right-password-123"},
            REMOTE_ADDR="192.0.2.8",
        ).status_code
        == 302
    )
