"""The warehouse asset gives dbt a pipe that holds a whole build's events, so dbt never waits for
Dagster to record the ones before (pipelines/warehouse/assets.py, `_unthrottled`)."""

import fcntl
import subprocess
import sys
from types import SimpleNamespace

from pipelines.warehouse.assets import DBT_PIPE_BYTES, _unthrottled


def test_the_pipe_holds_a_whole_builds_events_and_the_writer_never_waits():
    # a writer of 0.5 MiB (more than a dbt build of the benchmark's 10 M events writes) that
    # nobody reads until it has exited: with a 64 KiB pipe it would wait forever
    payload = 2**19
    proc = subprocess.Popen([sys.executable, "-c", f"import sys; sys.stdout.write('x' * {payload})"],
                            stdout=subprocess.PIPE)
    try:
        assert fcntl.fcntl(proc.stdout.fileno(), fcntl.F_GETPIPE_SZ) < payload
        _unthrottled(SimpleNamespace(process=proc))
        assert fcntl.fcntl(proc.stdout.fileno(), fcntl.F_GETPIPE_SZ) == DBT_PIPE_BYTES
        assert proc.wait(timeout=60) == 0  # exited with nothing read
        assert len(proc.stdout.read()) == payload
    finally:
        proc.kill()
        proc.stdout.close()


def test_without_a_pipe_the_invocation_is_left_as_it_was():
    invocation = SimpleNamespace(process=SimpleNamespace(stdout=None))
    assert _unthrottled(invocation) is invocation
