"""`python -m agentloop.offline`: the one CLI of the offline server."""

import subprocess
import sys
from pathlib import Path

import openai

from agentloop.offline import bundled_scripts, free_port

ROOT = Path(__file__).resolve().parents[3]


def test_it_serves_the_bundled_scripts():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "agentloop.offline", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert (
            server.stdout.readline()
            == f"Offline OpenAI-compatible server on http://127.0.0.1:{port}/v1 (3 scripts).\n"
        )
        client = openai.OpenAI(api_key="offline", base_url=f"http://127.0.0.1:{port}/v1")
        script = bundled_scripts()[1]
        response = client.chat.completions.create(
            model="gpt-4.1",
            messages=[
                {"role": "system", "content": script.system},
                {"role": "user", "content": script.turns[0].user},
            ],
            tools=script.tool_definitions(),
        )
        assert response.choices[0].message.tool_calls[0].function.name == "search_docs"
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agentloop.offline", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_a_bad_port_or_script_is_a_clear_error(tmp_path):
    result = run("--port", "70000")
    assert result.returncode == 2
    assert result.stderr.endswith("error: --port: must be between 1 and 65535\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = run("--script", str(bad))
    assert result.returncode == 2
    assert (
        result.stderr.endswith("error: turns: is required\n") or "script.turns: is required" in result.stderr
    )
