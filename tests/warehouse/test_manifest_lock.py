"""Every process on a machine shares the dbt project's manifest: `prepare_manifest` parses it under
a lock, and a process that reads or checks it while another parses waits, so none reads a
half-written manifest (two test workers that found it stale did: JSONDecodeError)."""

import threading

import pytest

from pipelines.core.storage import exclusive_lock
from pipelines.warehouse import project


@pytest.mark.parametrize("call", [project.prepare_manifest, project._manifest.__wrapped__],
                         ids=["prepare", "read"])
def test_the_manifest_waits_for_a_parse_in_progress(call):
    project.prepare_manifest()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (call(), done.set()))
    with exclusive_lock(project.PARSE_LOCK):  # another process parsing
        worker.start()
        assert not done.wait(1.0)
    assert done.wait(60)
    worker.join()
