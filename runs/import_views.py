"""Trace imports in the browser: upload or pick runs, watch the import, read its three answers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from estimator.htmx import HtmxRequest
from runs.access import signed_in_user, staff_permission
from runs.import_forms import RunsImportForm, TraceUploadForm
from runs.import_results import fitted_query, query_value, trace_import_estimate, trace_import_summary
from runs.imports import (
    trace_import_create_from_runs,
    trace_import_create_upload,
    trace_import_delete,
    trace_import_queue,
)
from runs.models import ImportStatus, TraceImport

CALLS_PER_PAGE = 100
CONVERSATIONS_SHOWN = 50


def _size_text(size: int) -> str:
    return f"{size // (1024 * 1024):,} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _list_page(
    request: HttpRequest, upload: TraceUploadForm, runs: RunsImportForm, status: int = 200, refused: str = ""
) -> HttpResponse:
    context = {
        "imports": TraceImport.objects.all()[:200],
        "upload_form": upload,
        "upload_refused": refused,
        "runs_form": runs,
        "max_upload": _size_text(settings.TRACE_UPLOAD_MAX_BYTES),
    }
    return render(request, "runs/import_list.html", context, status=status)


@require_safe
@staff_permission("runs.view_traceimport")
def import_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, TraceUploadForm(), RunsImportForm())


@csrf_exempt  # checked below, after the size: the body of an oversized upload is never read
@require_POST
@staff_permission("runs.add_traceimport")
def import_upload(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.TRACE_UPLOAD_MAX_BYTES:
        limit = _size_text(settings.TRACE_UPLOAD_MAX_BYTES)
        refused = f"The file is over {limit}: import it with manage.py import_traces FILE."
        return _list_page(request, TraceUploadForm(), RunsImportForm(), status=413, refused=refused)
    return _upload_checked(request)


@csrf_protect
def _upload_checked(request: HttpRequest) -> HttpResponse:
    form = TraceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form, RunsImportForm(), status=400)
    trace_import = trace_import_create_upload(
        form.cleaned_data["file"],
        fmt=form.cleaned_data["format"],
        keep_text=form.cleaned_data["keep_text"],
        user=signed_in_user(request),
    )
    trace_import_queue(trace_import)
    return redirect(trace_import)


@require_POST
@staff_permission("runs.add_traceimport")
def import_runs(request: HttpRequest) -> HttpResponse:
    form = RunsImportForm(request.POST)
    if not form.is_valid():
        return _list_page(request, TraceUploadForm(), form, status=400)
    runs = [run.pk for run in form.cleaned_data["runs"]]
    trace_import = trace_import_create_from_runs(
        runs, keep_text=form.cleaned_data["keep_text"], user=signed_in_user(request)
    )
    trace_import_queue(trace_import)
    return redirect(trace_import)


@require_safe
@staff_permission("runs.view_traceimport")
def import_detail(request: HtmxRequest, import_id: int) -> HttpResponse:
    trace_import = get_object_or_404(TraceImport, pk=import_id)
    context: dict[str, Any] = {"trace_import": trace_import}
    if request.htmx and not trace_import.finished:
        return render(request, "runs/import_detail.html#progress", context)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # done: load the whole page with its results
        return response
    if trace_import.status == ImportStatus.COMPLETED:
        priced = trace_import_estimate(trace_import)
        actual, recorded = trace_import.actual_cost_usd, trace_import.recorded_cost_usd
        context.update(
            priced=priced,
            query=fitted_query(trace_import.fitted_inputs),
            share_fields=[(name, query_value(value)) for name, value in trace_import.fitted_inputs.items()],
            recorded_difference=None if actual is None or recorded is None else actual - recorded,
            fitted=trace_import.fitted_inputs.items(),
            conversations=trace_import.conversations.all()[:CONVERSATIONS_SHOWN],
        )
    return render(request, "runs/import_detail.html", context)


@require_safe
@staff_permission("runs.view_traceimport")
def import_summary_json(request: HttpRequest, import_id: int) -> JsonResponse:
    trace_import = get_object_or_404(TraceImport, pk=import_id)
    return JsonResponse(trace_import_summary(trace_import))


@require_safe
@staff_permission("runs.view_traceimport")
def import_calls(request: HttpRequest, import_id: int) -> HttpResponse:
    trace_import = get_object_or_404(TraceImport, pk=import_id)
    calls = trace_import.calls.order_by("conversation", "index")
    conversation = request.GET.get("conversation", "")
    if conversation.isdigit():
        calls = calls.filter(conversation=int(conversation))
    page = Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"trace_import": trace_import, "page": page, "conversation": conversation}
    return render(request, "runs/import_calls.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_permission("runs.delete_traceimport")
def import_delete(request: HttpRequest, import_id: int) -> HttpResponse:
    trace_import = get_object_or_404(TraceImport, pk=import_id)
    running = trace_import.status == ImportStatus.RUNNING and not trace_import.stalled
    if request.method == "POST" and not running:
        trace_import_delete(trace_import)
        return redirect("trace-import-list")
    context = {"trace_import": trace_import, "running": running}
    return render(
        request,
        "runs/import_delete.html",
        context,
        status=409 if running and request.method == "POST" else 200,
    )
