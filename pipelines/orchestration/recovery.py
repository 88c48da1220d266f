"""Runs left behind by a killed process: found, marked failed, their pool slots freed.

`slm run` and `slm snapshot create` execute Dagster jobs in their own process. A process killed
mid-run (SIGKILL, OOM, a closed laptop) never records the run's end: the run stays STARTED and
keeps the `warehouse` pool slot it held, and every later run on the home waits for that slot
forever. Each run the command line starts is therefore tagged with its process (host, pid and
the process's start time, so a reused pid is not taken for the same process); before the next
run starts, runs whose process is gone are failed and their slots freed.
"""

from __future__ import annotations

import os
import socket
from typing import Callable

import dagster as dg

from ..core.processes import process_alive, process_start

HOST_TAG, PID_TAG, PROCESS_START_TAG = "slm/host", "slm/pid", "slm/process-start"
_IN_PROGRESS = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def process_tags() -> dict[str, str]:
    """The tags that tie a run to this process."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()), PROCESS_START_TAG: process_start(os.getpid())}


def reap_dead_runs(instance: dg.DagsterInstance, out: Callable[[str], None]) -> list[str]:
    """Fail the runs of this host whose process is gone and free every slot held by a run that
    is no longer in progress; returns the ids of the runs failed."""
    reaped = []
    host = socket.gethostname()
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_IN_PROGRESS)):
        tags = run.tags
        if tags.get(HOST_TAG) != host or not tags.get(PID_TAG, "").isdigit():
            continue  # not ours (dagster dev's daemon watches its own) or from another machine
        pid = int(tags[PID_TAG])
        if process_alive(pid, tags.get(PROCESS_START_TAG, "")):
            continue
        instance.report_run_failed(run, f"the process that ran it (pid {pid}) is gone")
        reaped.append(run.run_id)
        out(f"Run {run.run_id[:8]} ({run.job_name}) was left unfinished by process {pid}, which is gone: "
            f"marked failed, its warehouse slot freed")
    storage = instance.event_log_storage
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)
    return reaped
