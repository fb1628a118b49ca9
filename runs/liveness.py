"""Whether the process measuring a run is still alive.

A run records who measures it as `host:pid:start`, where `start` is the process's start time in clock
ticks since boot (`/proc/<pid>/stat`, field 22), so a pid the system reused for another process does not
count as the measuring one. On the same host that answers exactly, at any time. A run measured on another
host cannot be probed: its heartbeat (the time of its last save) tells instead, and one silent for longer
than `STALE_AFTER` is taken as dead (longer than any model call the loop waits for: the timeout times the
attempts).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path

STALE_AFTER = timedelta(minutes=30)


def _start_ticks(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed.
    return stat.rsplit(")", 1)[1].split()[19]


def current_process() -> str:
    """`host:pid:start` of this process."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def process_alive(token: str, heartbeat: datetime | None, now: datetime) -> bool:
    """Whether the process `token` names is alive (on this host), or has saved recently (elsewhere)."""
    parts = token.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid_text, start = parts
    if host != socket.gethostname():
        return heartbeat is not None and now - heartbeat <= STALE_AFTER
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user
    return _start_ticks(pid) == start
