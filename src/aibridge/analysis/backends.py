"""Where replications run: in-process numpy (default) or a ``dask.distributed`` cluster.

A backend maps a pure, picklable function over row-chunks of a design matrix (one row per
replication) and stitches the results back in row order into one preallocated array. All the
randomness of an analysis lives in the design matrix, which is drawn from the seed before any
evaluation (see :func:`aibridge.analysis.uncertainty.sample`), and the evaluation of a row never
depends on the other rows of its chunk; hence the same seed gives bit-identical results whatever
the backend, the number of workers or the chunk size (tests check all three).

Memory: only ``chunk_size`` replications are expanded at a time (per worker); the caller chooses
it from :func:`chunk_size_for`, which bounds the working set of one chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol

import numpy as np

from aibridge.errors import SpecError

__all__ = [
    "BACKENDS",
    "Backend",
    "ChunkFunction",
    "chunk_size_for",
    "local_cluster",
    "map_chunks",
]

Backend = Literal["numpy", "dask"]
BACKENDS: tuple[str, ...] = ("numpy", "dask")
Progress = Callable[[int, int], None]
#: How long to wait for a dask scheduler given by address before giving up.
CONNECT_TIMEOUT = "10s"
#: glibc's trim threshold for worker processes. dask's nanny sets ``MALLOC_TRIM_THRESHOLD_`` to
#: 64 KiB so that workers hand memory back to the OS quickly; a replication batch allocates and
#: frees many medium-sized numpy temporaries, which that turns into fresh pages each time.
#: Workers we start use this larger threshold (a small gain in our measurements, within noise
#: on the shared 2-core machine); the same variable can be set on a remote cluster's workers.
WORKER_MALLOC_TRIM_THRESHOLD = 256 * 2**20


class ChunkFunction(Protocol):
    """A pure function of a block of design rows; returns an array with one leading row each."""

    def __call__(self, rows: np.ndarray, /) -> np.ndarray: ...


def chunk_size_for(bytes_per_replication: int, *, budget_bytes: int = 64 * 2**20) -> int:
    """Largest chunk whose working set stays within ``budget_bytes`` (at least 1, at most 4096).

    The default budget is deliberately small: chunks of a few hundred replications keep the
    aggregators' temporaries in the CPU caches and were the fastest in the benchmarks.
    """
    return int(max(1, min(4096, budget_bytes // max(1, bytes_per_replication))))


def _apply(fn: ChunkFunction, rows: np.ndarray, start: int) -> tuple[int, np.ndarray]:
    return start, np.asarray(fn(rows))


def _spans(n: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(lo, min(n, lo + chunk_size)) for lo in range(0, n, chunk_size)]


def map_chunks(
    fn: ChunkFunction,
    design: np.ndarray,
    *,
    backend: str = "numpy",
    chunk_size: int = 1024,
    scheduler: str | Any | None = None,
    n_workers: int = 2,
    progress: Progress | None = None,
) -> np.ndarray:
    """Evaluate ``fn`` over ``design`` in row chunks; returns the row-wise concatenation.

    ``backend="dask"`` sends chunks to a ``dask.distributed`` cluster: ``scheduler`` is a scheduler
    address (``"tcp://host:8786"``), an existing ``distributed.Client``, or ``None`` for a local
    cluster of ``n_workers`` single-threaded worker processes started (and stopped) here.
    ``progress(done, total)`` is called after every chunk.
    """
    if backend not in BACKENDS:
        raise SpecError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if chunk_size < 1:
        raise SpecError(f"chunk_size must be a positive integer; got {chunk_size}")
    n = design.shape[0]
    spans = _spans(n, chunk_size)
    out: np.ndarray | None = None

    def place(lo: int, res: np.ndarray) -> None:
        nonlocal out
        if out is None:
            out = np.empty((n, *res.shape[1:]), dtype=res.dtype)
        out[lo : lo + res.shape[0]] = res

    done = 0
    if backend == "numpy":
        for lo, hi in spans:
            place(lo, np.asarray(fn(design[lo:hi])))
            done += hi - lo
            if progress is not None:
                progress(done, n)
    else:
        from distributed import as_completed

        with _client(scheduler, n_workers) as client:
            fn_remote = client.scatter(fn, broadcast=True, hash=False)
            futures = [
                client.submit(_apply, fn_remote, design[lo:hi], lo, pure=False) for lo, hi in spans
            ]
            for future in as_completed(futures, loop=client.loop):
                lo, res = future.result()
                place(lo, res)
                done += res.shape[0]
                future.release()
                if progress is not None:
                    progress(done, n)
    assert out is not None
    return out


@contextmanager
def _client(scheduler: str | Any | None, n_workers: int) -> Iterator[Any]:
    """A distributed client: the one given, one connected to an address, or a local cluster."""
    from distributed import Client

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # an existing Client: the caller owns it
        return
    if isinstance(scheduler, str):
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise SpecError(
                f"cannot reach the dask scheduler at {scheduler!r} ({exc}); give a running "
                "scheduler's address (tcp://host:8786) or leave --scheduler out for a local cluster"
            ) from exc
        try:
            yield client
        finally:
            client.close()
        return
    cluster = local_cluster(n_workers)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def local_cluster(n_workers: int = 2, **kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` of single-threaded worker processes tuned for
    replication batches (see :data:`WORKER_MALLOC_TRIM_THRESHOLD`)."""
    import dask
    from distributed import LocalCluster

    options: dict[str, Any] = {
        "n_workers": n_workers,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,
        "silence_logs": 40,
    }
    options.update(kwargs)
    key = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
    with dask.config.set({key: str(WORKER_MALLOC_TRIM_THRESHOLD)}):
        return LocalCluster(**options)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds)`` — a tiny helper for benchmarks and the CLI summary."""
    t0 = time.perf_counter()
    res = fn()
    return res, time.perf_counter() - t0
