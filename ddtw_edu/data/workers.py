"""Independent jobs of the data pipeline (themes, recordings, feature files) in worker processes.

Generating a data set and computing its features are loops over items that share
nothing, so they run on every core. Each job's result comes back in the order of
the jobs, and each job seeds its own random generator, so the output does not
depend on the number of workers. Workers start the platform's default way (as
torch's DataLoader workers do); where that is ``spawn`` (macOS, Windows), a
script that generates data must guard its top level with
``if __name__ == "__main__":``, as with any multiprocessing code.
"""
import os
from concurrent.futures import ProcessPoolExecutor

from tqdm.auto import tqdm

WORKERS_ENV = "DDTW_EDU_WORKERS"


def default_workers():
    """``$DDTW_EDU_WORKERS`` if set, else the number of cores."""
    value = os.environ.get(WORKERS_ENV)
    if value is None:
        return os.cpu_count() or 1
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{WORKERS_ENV} must be a whole number >= 1, got {value!r}")
    return int(value)


def map_jobs(fn, jobs, workers=None, desc=None, progress=True):
    """``[fn(*job) for job in jobs]``, run in up to ``workers`` processes.

    Parameters
    ----------
    fn : callable
        A module-level function (it is pickled by name for the workers).
    jobs : iterable of tuple
        The arguments of each call.
    workers : int, optional
        Default :func:`default_workers`; 1 runs everything in this process.
    desc : str, optional
        Label of the progress bar.
    progress : bool

    Returns
    -------
    list
        The results, in the order of ``jobs``.
    """
    jobs = [tuple(job) for job in jobs]
    workers = default_workers() if workers is None else workers
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    bar = tqdm(total=len(jobs), desc=desc, disable=not progress)
    if workers == 1 or len(jobs) < 2:
        results = []
        for job in jobs:
            results.append(fn(*job))
            bar.update()
    else:
        with ProcessPoolExecutor(min(workers, len(jobs))) as pool:
            futures = [pool.submit(fn, *job) for job in jobs]
            for future in futures:
                future.add_done_callback(lambda _: bar.update())
            results = [future.result() for future in futures]
    bar.close()
    return results
