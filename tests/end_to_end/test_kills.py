"""Killed runs (issue 16): a real `slm run` SIGKILLed during its dbt build and during the BI
publish, and a real `slm snapshot create` SIGKILLed while freezing, leave Dagster runs STARTED
that hold the `warehouse` pool slot, and staging folders behind. The next command must find them,
fail the runs, free the slot, remove the leftovers, say so, and go on (without the fix it waits
for the slot forever: the timeouts below turn that into a failure)."""

import os
import signal
import subprocess
import sys
import threading
import time

import dagster as dg
import pytest

from pipelines.core.storage import temporary_owner

DAY = "2026-10-29"
TIMEOUT = 420


class Command:
    """A real `slm` process in its own session (so its dbt child dies with it), output collected."""

    def __init__(self, settings, *args):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "SLM_HOME": str(settings.home),
               "SLM_LANDING": settings.landing, "SLM_CATALOG": str(settings.catalog), "SLM_RETRIES": "0"}
        self.proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", *args], env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(self.proc.stdout.readline, "")), daemon=True).start()

    def kill_when(self, ready) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not ready(self):
            assert self.proc.poll() is None, f"finished before the kill point: {self.lines}"
            assert time.monotonic() < deadline, f"never reached the kill point: {self.lines}"
            time.sleep(0.005)
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def finish(self) -> str:
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            pytest.fail(f"still running after {TIMEOUT} s (waiting for a dead run's slot?): {self.lines[-5:]}")
        time.sleep(0.2)  # the reader thread drains the pipe
        output = "".join(self.lines)
        assert self.proc.returncode == 0, output
        return output


def run_day(settings) -> list[str]:
    return ["run", "--landing", settings.landing, "--catalog", str(settings.catalog), "--start", DAY, "--end", DAY]


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def statuses(settings) -> dict[str, str]:
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    return {r.run_id: r.status.value for r in instance.get_runs()}


def test_runs_killed_during_dbt_publish_and_snapshot_are_reaped_and_their_leftovers_removed(scenario_copy):
    settings = scenario_copy
    releases = settings.exports / "releases"

    during_dbt = Command(settings, *run_day(settings))
    during_dbt.kill_when(lambda c: any("warehouse_models: dbt build" in line for line in c.lines))
    # what the kill leaves: a run that never ends, holding the warehouse slot
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    assert list(statuses(settings).values()) == ["STARTED"]
    assert instance.event_log_storage.get_concurrency_run_ids() == set(statuses(settings))

    during_publish = Command(settings, *run_day(settings))
    during_publish.kill_when(lambda c: any(releases.glob(f".*.{c.proc.pid}")))
    assert any(f"left unfinished by process {during_dbt.proc.pid}, which is gone" in line
               for line in during_publish.lines), during_publish.lines
    assert list(releases.glob(f".*.{during_publish.proc.pid}"))  # its staging folder stayed behind

    # a killed writer's temporary file in the lake goes; a live writer's stays
    abandoned = settings.lake / "files" / f".x.parquet.{dead_pid()}.abcd1234.tmp"
    alive = settings.lake / "files" / f".y.parquet.{os.getpid()}.abcd1234.tmp"
    abandoned.write_bytes(b"half a file")
    alive.write_bytes(b"being written")
    assert temporary_owner(abandoned) and temporary_owner(alive) == os.getpid()
    output = Command(settings, *run_day(settings)).finish()
    assert alive.exists()
    alive.unlink()
    assert f"left unfinished by process {during_publish.proc.pid}, which is gone" in output
    assert "removed 1 temporary file(s) left in the lake by a killed run" in output
    assert not abandoned.exists()
    assert not [p for p in releases.iterdir() if p.name.startswith(".")]
    assert set(statuses(settings).values()) == {"SUCCESS", "FAILURE"}

    staging = settings.snapshots / ".staging"
    snapshot = Command(settings, "snapshot", "create", "--period", "2026-10")
    snapshot.kill_when(lambda c: staging.exists() and any(staging.iterdir()))
    output = Command(settings, "snapshot", "create", "--period", "2026-10").finish()
    assert "snapshot 000001-2026-10 (period 2026-10)" in output
    assert f"left unfinished by process {snapshot.proc.pid}, which is gone" in output
    assert not any(staging.iterdir())
    assert "FAILURE" in statuses(settings).values() and "STARTED" not in statuses(settings).values()
    verified = Command(settings, "snapshot", "verify", "--all").finish()
    assert "1 snapshot(s) verified" in verified
