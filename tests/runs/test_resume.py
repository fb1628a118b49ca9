"""`measure --resume`: a run whose process died shows as interrupted, and continues where it was saved."""

import json
import socket
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agentloop.offline import Script, bundled_script_path, bundled_scripts
from runs.liveness import STALE_AFTER, current_process, process_alive
from runs.measuring import MeasureError, run_measure, run_resume
from runs.models import Run, RunStatus
from tests.agentloop.test_resume import Crash, counting_registry
from tests.runs.conftest import AS_OF

SUPPORT = bundled_scripts()[0]


def dead_process() -> str:
    """The token of a process that has exited, on this host."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:0"


def test_liveness_of_the_measuring_process():
    now = timezone.now()
    assert process_alive(current_process(), None, now)
    assert not process_alive(dead_process(), now, now)
    pid, start = current_process().rsplit(":", 2)[1:]
    assert not process_alive(f"{socket.gethostname()}:{pid}:{int(start) + 1}", now, now)  # a reused pid
    # Another host's process cannot be probed: its heartbeat decides.
    assert process_alive("elsewhere:1:1", now - STALE_AFTER, now)
    assert not process_alive("elsewhere:1:1", now - STALE_AFTER - timedelta(seconds=1), now)
    assert not process_alive("", None, now)


def crashing_registry(ran: list[str], crash_on: str | None):
    """`Script.registry` for the support script whose tools note every run and die inside `crash_on`."""
    return lambda script: counting_registry(ran, crash_on)


def test_a_run_whose_process_died_is_interrupted_and_resumes_without_repeating_a_tool(
    price_table, monkeypatch, admin_client
):
    ran: list[str] = []
    monkeypatch.setattr(Script, "registry", crashing_registry(ran, crash_on="create_return"))
    with pytest.raises(Crash):
        run_measure("support_agent", offline=True, as_of=AS_OF)
    run = Run.objects.get()
    assert (run.status, run.effective_status, run.turns_completed) == ("running", "running", 2)  # still us
    Run.objects.filter(pk=run.pk).update(measured_by=dead_process())  # the process dies
    run.refresh_from_db()
    assert run.effective_status == RunStatus.INTERRUPTED
    assert run.get_status_display() == "Interrupted"
    assert '<td data-label="Status">Interrupted</td>' in admin_client.get("/runs/").content.decode()

    monkeypatch.setattr(Script, "registry", crashing_registry(ran, crash_on=None))
    resumed = run_resume(run.pk)
    assert (resumed.pk, resumed.status, resumed.turns_completed, resumed.calls_count) == (
        run.pk,
        "completed",
        4,
        8,
    )
    # create_return ran once, before the crash; the model was told instead of running it again.
    assert ran == ["lookup_order", "get_return_policy", "create_return", "get_return_policy"]
    interrupted = resumed.calls.get(index=5).tool_calls[0]
    assert (interrupted["name"], interrupted["error"]) == ("create_return", "interrupted; not run again")
    assert list(resumed.calls.values_list("index", flat=True)) == list(range(1, 9))
    assert resumed.measured_by == current_process()
    assert resumed.heartbeat_at is not None


def test_only_an_interrupted_or_failed_run_resumes(price_table):
    run = run_measure("support_agent", offline=True, as_of=AS_OF)
    with pytest.raises(MeasureError, match=f"^resume: run {run.pk} is completed: nothing to resume$"):
        run_resume(run.pk)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    with pytest.raises(MeasureError, match=f"^resume: run {run.pk} is still being measured \\(by "):
        run_resume(run.pk)
    with pytest.raises(MeasureError, match="^resume: no run 999$"):
        run_resume(999)


def test_the_command_resumes_by_id(price_table, monkeypatch):
    monkeypatch.setattr(Script, "registry", crashing_registry([], crash_on="get_return_policy"))
    with pytest.raises(Crash):
        run_measure("support_agent", offline=True, as_of=AS_OF)
    run = Run.objects.get()
    Run.objects.filter(pk=run.pk).update(measured_by=dead_process())
    monkeypatch.undo()
    out = StringIO()
    call_command("measure", "--resume", str(run.pk), "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["id"], body["status"], body["turns"], body["totals"]["calls"]) == (run.pk, "completed", 4, 8)
    with pytest.raises(CommandError, match="^give a script to measure, or --resume RUN_ID, not both$"):
        call_command("measure", "support_agent", "--resume", str(run.pk))
    with pytest.raises(CommandError, match="^--resume: the run's own model, endpoint and history budget"):
        call_command("measure", "--resume", str(run.pk), "--offline")


def write_script(tmp_path, change) -> str:
    data = json.loads(bundled_script_path("support_agent").read_text())
    change(data)
    path = tmp_path / "script.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["tools"][0]["function"]["parameters"]["properties"]["order_id"].update(type="strin"),
            r"^script: tools\[0\]\.function\.parameters: not a valid JSON Schema \(",
        ),
        (
            lambda d: d["tools"][1]["function"].update(name="lookup_order"),
            r"^script: tools\[1\]\.function\.name: 'lookup_order' is already the name of an earlier tool$",
        ),
        (
            lambda d: d["turns"][1].update(user="I want to return \ud800 the stove"),
            r"^script: turns\[1\]\.user: is not valid Unicode \(a lone surrogate '\\ud800' at 17\)$",
        ),
    ],
)
def test_a_bad_script_is_a_clear_error_before_any_run_exists(price_table, tmp_path, change, message):
    path = write_script(tmp_path, change)
    with pytest.raises(CommandError, match=message):
        call_command("measure", path, "--offline")
    assert not Run.objects.exists()
