"""Staff pages of the price table outside the model admins: export, import and "Sync now".

Plain views behind the admin's login (`staff_member_required`), each checking the permissions its action
needs, rendered in the admin's look (`admin.site.each_context`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from pricing.models import PriceImport, SyncRun, TokenPrice, today
from pricing.sync import sync_prices
from pricing.transfer import MAX_IMPORT_BYTES, export_csv, export_json
from pricing.transfer.queued import price_import_create, price_import_queue

View = Callable[..., HttpResponse]
# Adding rows of every kind: what an import or a sync may write.
ADD_ALL = ("pricing.add_languagemodel", "pricing.add_tokenprice", "pricing.add_toolfee")
RECENT_IMPORTS = 10


def staff_view(*permissions: str) -> Callable[[View], View]:
    """Staff only (others go to the admin's login), and 403 without `permissions`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return staff_member_required(never_cache(checked))

    return decorate


def _page(request: HttpRequest, template: str, title: str, opts: Any, **context: Any) -> TemplateResponse:
    return TemplateResponse(
        request, template, {**admin.site.each_context(request), "opts": opts, "title": title, **context}
    )


def _download(body: str, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="price-table-{today()}.{extension}"'
    return response


@require_safe
@staff_view("pricing.view_tokenprice")
def export_json_view(request: HttpRequest) -> HttpResponse:
    return _download(export_json(), "application/json", "json")


@require_safe
@staff_view("pricing.view_tokenprice")
def export_csv_view(request: HttpRequest) -> HttpResponse:
    return _download(export_csv(), "text/csv; charset=utf-8", "csv")


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A .json or .csv file written by “Export”: the whole table with its history."
    )
    dry_run = forms.BooleanField(required=False, label="Only check the file (import nothing)")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(*ADD_ALL)
def import_view(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: keep the file and queue its import (or its check) for the background worker,
    then show its page; a file over the limit is refused unread."""
    errors: list[str] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:  # refused before it is read into memory
            errors = [f"the file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB"]
        else:
            user = request.user if request.user.is_authenticated else None
            price_import = price_import_create(upload, dry_run=form.cleaned_data["dry_run"], user=user)
            price_import_queue(price_import)
            return HttpResponseRedirect(price_import.get_absolute_url())
    return _page(
        request,
        "admin/pricing/import.html",
        "Import the price table",
        TokenPrice._meta,
        form=form,
        errors=errors,
        recent=PriceImport.objects.defer("content")[:RECENT_IMPORTS],
    )


@require_safe
@staff_view(*ADD_ALL)
def import_status_view(request: HttpRequest, import_id: int) -> HttpResponse:
    """One queued import: where it is (the page reloads itself until it ends), then what came of it."""
    price_import = get_object_or_404(PriceImport.objects.defer("content"), pk=import_id)
    return _page(
        request,
        "admin/pricing/import_status.html",
        f"Import of {price_import.name}",
        TokenPrice._meta,
        price_import=price_import,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(*ADD_ALL)
def sync_view(request: HttpRequest) -> HttpResponse:
    """GET: what `sync_prices` would do (a dry run). POST: do it, same rules as the command."""
    if request.method == "POST":
        report = sync_prices()
        messages.success(request, report.summary())
        for line in report.skipped:
            messages.warning(request, f"skipped: {line}")
        return HttpResponseRedirect(reverse("admin:pricing_syncrun_changelist"))
    report = sync_prices(dry_run=True)
    return _page(
        request,
        "admin/pricing/sync.html",
        f"Sync with genai-prices {report.version}",
        SyncRun._meta,
        report=report,
    )
