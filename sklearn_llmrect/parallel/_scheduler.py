"""scheduler_context: a Dask client (a cluster's or a local one) as the active joblib backend."""

from __future__ import annotations

import contextlib
import numbers
import os
from collections.abc import Iterator

__all__ = ["scheduler_context"]

INSTALL_HINT = "pip install 'sklearn-llmrect[dask]'"


def _import_distributed():
    try:
        import distributed
    except ImportError as error:
        raise ImportError(
            f"scaling out needs Dask's distributed scheduler, which is not installed ({error}); "
            f"install it with: {INSTALL_HINT}"
        ) from None
    return distributed


def _check_workers(workers) -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}.")
    return int(workers)


def _is_address(scheduler: str) -> bool:
    return "://" in scheduler


@contextlib.contextmanager
def scheduler_context(
    scheduler: str | None = None,
    workers: int | None = None,
    *,
    threads_per_worker: int | None = 1,
    **cluster_kwargs,
) -> Iterator[object]:
    """Run everything joblib dispatches inside the block on a Dask cluster.

    Opens a :class:`distributed.Client` and makes Dask the active joblib backend
    (``joblib.parallel_config(backend="dask")``, the same as ``joblib.parallel_backend("dask")``),
    so that what this package and scikit-learn run through joblib goes to the cluster:
    :class:`~sklearn.model_selection.GridSearchCV` over the rectified estimators, the folds of
    :func:`~sklearn_llmrect.inference.crossfit_predict` (and so of ``method="cross"``), and the
    chunks of :func:`chunked_predict`. On leaving the block the client is closed, and a local
    cluster it started is shut down. Seeded work gives the same numbers as without the block.

    Parameters
    ----------
    scheduler : str or None, default=None
        Where the scheduler is: an address such as ``"tcp://10.0.0.5:8786"`` (any
        ``protocol://``), the path of a scheduler file written by ``dask scheduler
        --scheduler-file`` (a name ending in ``.json``), or ``"local"`` for a
        :class:`distributed.LocalCluster` on this machine. ``None`` with ``workers`` is
        ``"local"``; ``None`` without ``workers`` changes nothing (the block runs as it would
        without this context: serially unless joblib is told otherwise).
    workers : int or None, default=None
        Worker processes of the local cluster (``processes=True``); ``None``: Dask's default
        (about one per core). Refused with a scheduler address or file: a running cluster has
        its own workers.
    threads_per_worker : int or None, default=1
        Threads of each local worker. One thread per process is what models that hold the
        interpreter lock need, and Dask's workers set ``OMP_NUM_THREADS=1`` by default anyway.
    **cluster_kwargs
        Further arguments of :class:`distributed.LocalCluster` (``memory_limit``,
        ``dashboard_address``: by default a free port, ``":0"``, so that a second cluster on
        the machine does not collide on Dask's 8787).

    Yields
    ------
    distributed.Client or None
        The client (its ``dashboard_link``, ``scheduler_info()``...), or None when the block
        runs without a cluster.

    Raises
    ------
    ImportError
        Dask's ``distributed`` is not installed (``pip install 'sklearn-llmrect[dask]'``).
    ValueError
        A bad ``workers``, or ``workers`` given with a scheduler address or file.
    OSError
        The local cluster did not start, the scheduler file does not exist, or the scheduler
        could not be reached (after Dask's connection timeout,
        ``distributed.comm.timeouts.connect``).

    See Also
    --------
    chunked_predict : predicts a large pool chunk by chunk on the active backend.

    Notes
    -----
    With ``processes=True`` a local cluster starts its workers with the ``spawn`` method, which
    imports the main module again: in a script, open the context under
    ``if __name__ == "__main__":``. The cache folder (``memory=``) must be one that every
    worker sees when they write to it (on one machine, any folder).

    Examples
    --------
    >>> from sklearn_llmrect.parallel import scheduler_context
    >>> with scheduler_context() as client:  # neither a scheduler nor workers: no cluster
    ...     print(client)
    None
    >>> with scheduler_context(workers=1) as client:
    ...     import joblib
    ...     print(joblib.Parallel()(joblib.delayed(abs)(i) for i in (-1, -2)))
    [1, 2]
    """
    workers = _check_workers(workers)
    if scheduler is None and workers is None:
        yield None
        return
    if scheduler is not None and not isinstance(scheduler, (str, os.PathLike)):
        raise TypeError(
            f"scheduler must be an address, a scheduler file or 'local'; got {scheduler!r}."
        )
    scheduler = None if scheduler is None else os.fspath(scheduler)
    distributed = _import_distributed()
    import joblib

    with contextlib.ExitStack() as stack:
        if scheduler is None or scheduler == "local":
            # a free port for the HTTP endpoints: 8787 may be taken by another cluster
            options = {"dashboard_address": ":0", **cluster_kwargs}
            try:
                cluster = stack.enter_context(
                    distributed.LocalCluster(
                        n_workers=workers,
                        processes=True,
                        threads_per_worker=threads_per_worker,
                        **options,
                    )
                )
                client = stack.enter_context(distributed.Client(cluster))
            except (RuntimeError, TimeoutError) as error:
                raise OSError(
                    f"could not start a local Dask cluster of {workers or 'default'} worker "
                    f"processes ({error})"
                ) from error
        else:
            if workers is not None:
                raise ValueError(
                    f"workers={workers} starts a local cluster, but scheduler={scheduler!r} "
                    "names a running one, whose own workers run the tasks; give one of the two."
                )
            if cluster_kwargs:
                raise TypeError(
                    f"{sorted(cluster_kwargs)} configure a local cluster; scheduler="
                    f"{scheduler!r} names a running one."
                )
            if _is_address(scheduler):
                where = {"address": scheduler}
            elif scheduler.endswith(".json"):
                if not os.path.isfile(scheduler):  # Dask would wait for it to appear
                    raise FileNotFoundError(
                        f"no scheduler file {scheduler!r} (dask scheduler --scheduler-file "
                        "writes one)"
                    )
                where = {"scheduler_file": scheduler}
            else:
                raise ValueError(
                    f"scheduler must be an address such as 'tcp://host:8786', a scheduler file "
                    f"(.json) or 'local'; got {scheduler!r}."
                )
            try:
                client = stack.enter_context(distributed.Client(**where))
            except (RuntimeError, TimeoutError, OSError) as error:
                raise OSError(
                    f"could not connect to the Dask scheduler {scheduler!r} ({error})"
                ) from error
        stack.enter_context(joblib.parallel_backend("dask", client=client))
        yield client
