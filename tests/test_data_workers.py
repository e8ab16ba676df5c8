"""Jobs in worker processes: results in job order, the same as in one process, bad settings named."""
import os

import pytest

from ddtw_edu.data.workers import WORKERS_ENV, default_workers, map_jobs


def test_results_come_back_in_job_order_from_every_number_of_workers():
    jobs = [(n, 3) for n in range(7)]
    expected = [pow(*job) for job in jobs]
    for workers in (1, 2, 4):
        assert map_jobs(pow, jobs, workers=workers, progress=False) == expected
    assert map_jobs(pow, [], workers=2, progress=False) == []


def test_a_failing_job_raises_its_own_error():
    with pytest.raises(ZeroDivisionError):
        map_jobs(divmod, [(1, 1), (1, 0)], workers=2, progress=False)


def test_worker_settings_are_checked(monkeypatch):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert default_workers() == (os.cpu_count() or 1)
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert default_workers() == 1
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(ValueError, match=WORKERS_ENV):
        default_workers()
    with pytest.raises(ValueError, match="workers"):
        map_jobs(pow, [(1, 1)], workers=0)
