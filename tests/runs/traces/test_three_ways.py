"""What imported traffic would cost three ways: the fitted inputs priced by the estimator, the way the
traffic ran marked, its estimate against the actual cost; `measure --offline` traffic within 2 %."""

import json
import re
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from django.contrib.auth.models import Permission, User

from estimator.services import estimate_compute
from runs.import_results import query_value, trace_import_estimate, trace_import_summary
from runs.imports import trace_import_create_from_runs, trace_import_process
from runs.models import ImportStatus
from runs.services import run_measure
from tests.matching import first_group
from tests.runs.conftest import AS_OF
from tests.runs.traces.builders import support_conversation, write_jsonl
from tests.runs.traces.helpers import import_file

# Per bundled script measured offline (gpt-4.1): the estimate for chat_completions against the actual
# cost per conversation, the same figures as the run's calibration page.
WITHIN_TWO_PERCENT = {"support_agent": "0.001978", "document_qa": "0.009880", "coding_agent": "-0.010460"}


def runs_import(run_ids):
    trace_import = trace_import_create_from_runs(run_ids, keep_text=False)
    trace_import_process(trace_import.pk)
    trace_import.refresh_from_db()
    assert trace_import.status == ImportStatus.COMPLETED, trace_import.error
    return trace_import


@pytest.mark.parametrize("name", list(WITHIN_TWO_PERCENT))
def test_measured_offline_traffic_reestimates_within_two_percent(price_table, name):
    run = run_measure(name, offline=True, as_of=AS_OF)
    priced = trace_import_estimate(runs_import([run.pk]))
    ran = [approach for approach in priced.approaches if approach.is_traffic_approach]
    assert [approach.key for approach in ran] == ["chat_completions"]
    assert priced.actual_per_session_usd == run.cost_usd
    assert ran[0].relative_error is not None
    assert format(ran[0].relative_error, ".6f") == WITHIN_TWO_PERCENT[name]
    assert abs(ran[0].relative_error) <= Decimal("0.02")
    assert [
        approach.relative_error for approach in priced.approaches if not approach.is_traffic_approach
    ] == [None, None]


def test_the_estimate_is_what_the_api_returns_for_the_fitted_inputs(client, table, tmp_path):
    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 3)))
    summary = trace_import_summary(trace_import)
    query = {**trace_import.fitted_inputs, "as_of": "2026-11-02"}
    assert summary["estimate"] == json.loads(json.dumps(estimate_compute(query).to_dict()))
    api = client.post("/api/estimate", query, content_type="application/json")
    assert api.status_code == 200
    assert summary["estimate"] == api.json()
    chat = Decimal(summary["estimate"]["approaches"]["chat_completions"]["per_session_usd"])
    actual = Decimal(summary["actual_cost_usd"])  # one conversation
    assert summary["relative_error"] == format((chat - actual) / actual, ".6f")


@pytest.fixture
def staff(db, client):
    user = User.objects.create_user("importer", password="pw-imports-2026", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=("view_traceimport", "add_traceimport")))
    client.force_login(user)
    return user


def test_the_page_marks_how_the_traffic_ran_and_opens_the_estimator(client, staff, table, tmp_path):
    lines = support_conversation("a", 3) + support_conversation("b", 1, start_minute=10)
    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", lines))
    html = client.get(f"/runs/imports/{trace_import.pk}/").content.decode()
    ran = re.findall(
        r'<tr class="imports-ran">\s*<th scope="row" data-label="Way"><span>([^<]*)<strong>', html
    )
    assert ran == ["Your own loop (Chat Completions) "]
    priced = trace_import_estimate(trace_import)
    for approach in priced.approaches:
        assert re.findall(rf'data-figure="estimate_{approach.key}">([^<]*)<', html) == [
            f"{approach.per_session_usd:.6f}"
        ]
    link = first_group(r'href="/\?([^"]+)">Open in the estimator', html).replace("&amp;", "&")
    assert dict(parse_qsl(link)) == {
        key: query_value(value) for key, value in trace_import.fitted_inputs.items()
    }
    assert dict(parse_qsl(link))["turns_histogram"] == "1:1,3:1"
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html))
    hidden.pop("csrfmiddlewaretoken")
    assert hidden == dict(parse_qsl(link))


def test_the_estimator_opens_and_shares_the_fitted_workload(client, staff, table, tmp_path):
    lines = support_conversation("a", 3) + support_conversation("b", 1, start_minute=10)
    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", lines))
    query = {key: query_value(value) for key, value in trace_import.fitted_inputs.items()}
    assert client.get("/", query).status_code == 200
    shared = client.post("/share", query)
    assert shared.status_code == 302 and shared["Location"].startswith("/s/")
