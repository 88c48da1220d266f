"""Whether the process that wrote something is still running: what a killed run left behind
(temporary files, staging folders, Dagster runs) carries its writer's pid, and is removed or
failed only once that process is gone."""

from __future__ import annotations

import os
from pathlib import Path


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux /proc), or '' where unknown; with
    the pid it names one process, not whichever later reuses the number."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22 of stat, counted after the command name


def process_alive(pid: int, started: str = "") -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    return not started or process_start(pid) in ("", started)
