"""The import pages: staff only, upload to result with the immediate task backend, delete everything."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from runs.models import ImportedCall, ImportedConversation, ImportStatus, TraceImport
from runs.services import run_measure
from tests.runs.conftest import AS_OF
from tests.runs.traces.builders import support_conversation
from tests.runs.traces.helpers import import_file

PERMISSIONS = ("view_traceimport", "add_traceimport", "delete_traceimport")


def figures(html: str, name: str) -> list[str]:
    return re.findall(rf'data-figure="{name}"[^>]*>([^<]*)<', html)


def assert_csp_ready(html: str):
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html
    assert re.findall(r"\son[a-z]+=", html) == []


def log_bytes(*conversations) -> bytes:
    import json

    return "".join(json.dumps(line) + "\n" for lines in conversations for line in lines).encode()


@pytest.fixture
def staff(db, client):
    user = User.objects.create_user("importer", password="pw-imports-2026", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=PERMISSIONS))
    client.force_login(user)
    return user


def upload(client, content: bytes, **fields):
    file = SimpleUploadedFile("traffic.jsonl", content, content_type="application/jsonl")
    return client.post("/runs/imports/upload", {"file": file, **fields})


def test_anonymous_visitors_go_to_the_admin_login(client, db):
    for url in ("/runs/imports/", "/runs/imports/1/", "/runs/imports/1/calls", "/runs/imports/1.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")


def test_staff_without_the_permission_are_refused(client, db):
    client.force_login(User.objects.create_user("clerk", password="pw-imports-2026", is_staff=True))
    assert client.get("/runs/imports/").status_code == 403


def test_an_upload_is_imported_and_answers_three_questions(client, staff, table):
    response = upload(
        client, log_bytes(support_conversation("a", 3), support_conversation("b", 1, start_minute=10))
    )
    trace_import = TraceImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runs/imports/{trace_import.pk}/"
    assert trace_import.status == ImportStatus.COMPLETED  # the immediate backend ran the task
    assert trace_import.created_by == staff
    assert trace_import.file_path == ""  # the uploaded file is removed once read
    html = client.get(response["Location"]).content.decode()
    assert figures(html, "status") == ["Completed"]
    assert figures(html, "calls") == ["8"] and figures(html, "conversations") == ["2"]
    assert figures(html, "actual_cost_usd") == ["0.028960"]
    assert figures(html, "conversation_turns") == ["3", "1"]
    assert figures(html, "fitted_turns_histogram") == ["1:1, 3:1"]
    assert figures(html, "fitted_user_message_tokens") == ["644"]
    assert "What it would cost three ways" in html
    assert_csp_ready(html)


def test_the_upload_form_keeps_the_uploaders_choices(client, staff, table):
    upload(client, log_bytes(support_conversation("a", 1)), keep_text="on", format="openai")
    trace_import = TraceImport.objects.get()
    assert (trace_import.keep_text, trace_import.format) == (True, "openai")
    assert ImportedCall.objects.filter(trace_import=trace_import, text__isnull=False).count() == 2


def test_a_broken_upload_says_why_and_keeps_nothing(client, staff, table):
    response = upload(client, b'{"request": {}, "response": {"usage": {"prompt_tokens": "x"}}}\n')
    html = client.get(response["Location"]).content.decode()
    assert figures(html, "error") == [
        "The import failed: line 1, response.usage.prompt_tokens: must be a whole number of tokens, "
        "not &#x27;x&#x27;. Nothing from it was kept."
    ]
    assert not ImportedCall.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read(client, staff, settings):
    settings.TRACE_UPLOAD_MAX_BYTES = 1024
    response = upload(client, b"x" * 4096)
    assert response.status_code == 413
    assert "import it with manage.py import_traces FILE" in response.content.decode()
    assert not TraceImport.objects.exists()


def test_an_upload_without_a_file_names_the_field(client, staff):
    response = client.post("/runs/imports/upload", {})
    assert response.status_code == 400
    assert "Trace file: This field is required." in response.content.decode()


def test_progress_is_an_htmx_fragment_until_the_import_is_done(client, staff, table):
    queued = TraceImport.objects.create(name="waiting", size_bytes=1000, bytes_read=250)
    html = client.get(f"/runs/imports/{queued.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="import-progress"')
    assert 'hx-trigger="every 1s"' in html and 'value="25"' in html
    page = client.get(f"/runs/imports/{queued.pk}/").content.decode()
    assert f'href="/runs/imports/{queued.pk}/">Refresh</a>' in page  # without JavaScript
    queued.status = ImportStatus.FAILED
    queued.save()
    done = client.get(f"/runs/imports/{queued.pk}/", headers={"HX-Request": "true"})
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")


def test_delete_removes_everything_derived_from_an_import(client, staff, table, tmp_path):
    from tests.runs.traces.builders import write_jsonl

    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 2)))
    other = import_file(write_jsonl(tmp_path / "other.jsonl", support_conversation("b", 1)))
    assert client.get(f"/runs/imports/{trace_import.pk}/delete").status_code == 200
    response = client.post(f"/runs/imports/{trace_import.pk}/delete")
    assert response.status_code == 302
    assert not TraceImport.objects.filter(pk=trace_import.pk).exists()
    assert not ImportedCall.objects.filter(trace_import_id=trace_import.pk).exists()
    assert not ImportedConversation.objects.filter(trace_import_id=trace_import.pk).exists()
    assert ImportedCall.objects.filter(trace_import=other).count() == 2


def test_a_running_import_cannot_be_deleted(client, staff):
    from django.utils import timezone

    running = TraceImport.objects.create(
        name="busy", status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    assert client.post(f"/runs/imports/{running.pk}/delete").status_code == 409
    assert TraceImport.objects.filter(pk=running.pk).exists()


def test_a_running_import_whose_worker_went_silent_can_be_deleted(client, staff):
    from datetime import timedelta

    from django.utils import timezone

    silent = timezone.now() - timedelta(minutes=11)
    stalled = TraceImport.objects.create(name="lost", status=ImportStatus.RUNNING, heartbeat_at=silent)
    html = client.get(f"/runs/imports/{stalled.pk}/").content.decode()
    assert "the worker running this import has stopped" in html
    assert client.post(f"/runs/imports/{stalled.pk}/delete").status_code == 302
    assert not TraceImport.objects.filter(pk=stalled.pk).exists()


def test_measured_runs_import_as_conversations(client, staff, price_table):
    runs = [run_measure(name, offline=True, as_of=AS_OF) for name in ("support_agent", "document_qa")]
    response = client.post("/runs/imports/runs", {"runs": [run.pk for run in runs]})
    trace_import = TraceImport.objects.get()
    assert response["Location"] == f"/runs/imports/{trace_import.pk}/"
    assert trace_import.status == ImportStatus.COMPLETED, trace_import.error
    assert trace_import.conversations_count == 2
    assert trace_import.calls_count == sum(run.calls_count for run in runs)
    assert trace_import.actual_cost_usd == sum(run.cost_usd for run in runs)  # the same prices, the same cost
    assert [run.turns_completed for run in runs] == [4, 4]
    assert trace_import.fitted_inputs["turns_histogram"] == [[4, 2]]


def test_the_calls_page_and_the_json(client, staff, table, tmp_path):
    from tests.runs.traces.builders import write_jsonl

    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 2)))
    html = client.get(f"/runs/imports/{trace_import.pk}/calls?conversation=1").content.decode()
    assert figures(html, "prompt_tokens") == ["1300", "1520", "1620", "1840"]
    assert figures(html, "cost_usd") == ["0.00276000", "0.00352000", "0.00340000", "0.00416000"]
    assert_csp_ready(html)
    body = client.get(f"/runs/imports/{trace_import.pk}.json").json()
    assert (body["calls"], body["conversations"], body["actual_cost_usd"]) == (4, 1, "0.01384")
    assert body["recorded_cost_usd"] is None
    assert body["fitted_inputs"]["turns_per_session"] == 2


def test_an_atif_import_shows_the_recorded_cost_beside_its_own(client, staff, table, tmp_path):
    import json

    from tests.runs.traces.test_atif import trajectory

    path = tmp_path / "trajectory.json"
    path.write_text(json.dumps(trajectory(), indent=2))
    trace_import = import_file(path)
    html = client.get(f"/runs/imports/{trace_import.pk}/").content.decode()
    assert figures(html, "actual_cost_usd") == ["0.006320"]
    assert figures(html, "recorded_cost_usd") == ["0.006332"]
    assert figures(html, "recorded_difference_usd") == ["-0.000012"]
    calls = client.get(f"/runs/imports/{trace_import.pk}/calls").content.decode()
    assert figures(calls, "recorded_cost_usd") == ["0.00324000", "0.00190000", "0.00119200"]
    assert figures(calls, "cost_usd") == ["0.00324000", "0.00188800", "0.00119200"]


def test_an_otel_import_answers_the_same_three_questions(client, staff, table, tmp_path):
    import json

    from tests.runs.traces.test_otel import export, spans

    path = tmp_path / "spans.json"
    path.write_text(json.dumps(export(spans())))
    trace_import = import_file(path)
    html = client.get(f"/runs/imports/{trace_import.pk}/").content.decode()
    assert figures(html, "actual_cost_usd") == ["0.006232"]
    assert figures(html, "fitted_turns_histogram") == ["1:2"]
    assert len(re.findall(r'data-figure="estimate_(assistants|responses|chat_completions)"', html)) == 3
    assert_csp_ready(html)


def test_an_upload_still_needs_its_csrf_token(staff, table):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(staff)
    file = SimpleUploadedFile("traffic.jsonl", log_bytes(support_conversation("a", 1)))
    assert guarded.post("/runs/imports/upload", {"file": file}).status_code == 403
    assert not TraceImport.objects.exists()
    page = guarded.get("/runs/imports/")
    token = page.cookies["csrftoken"].value
    file = SimpleUploadedFile("traffic.jsonl", log_bytes(support_conversation("a", 1)))
    response = guarded.post("/runs/imports/upload", {"file": file, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert TraceImport.objects.get().status == ImportStatus.COMPLETED
