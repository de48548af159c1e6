"""Engines: batches of input files on a local process pool or a Dask cluster, results in input order.

Both run the same batch functions and hand the results back in input order, so the output
folder is byte-identical whichever engine and however many workers ran them. Only the per-page
work (read, decode, parse, validate, sketch) is distributed; the global steps (template counts,
duplicate clusters, splits, writing) run in the driver on what the batches return, which the
build spills to disk as it arrives (lights.py). Batches are submitted a few per worker ahead of
the results being taken, so neither the batches nor their results pile up.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import logging
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator, Sequence

from corpus_lib.inputs import InputFile

BATCH = 64
# A Dask task costs more than a pool's: scheduling, and the result kept by the worker until the driver
# fetches it, serialised in the worker's event-loop thread while the parser waits for the GIL. Batches of
# 256 pages, not 64, made a 2-worker local-cluster build of 20k pages 11% faster (25.0-25.7 s -> 22.1-22.4 s);
# on the local pool the same change is within noise (18.2-19.3 s -> 17.9 s), so it keeps the smaller batch.
DASK_BATCH = 256


def batches(items: Sequence[InputFile], size: int = BATCH) -> Iterator[Sequence[InputFile]]:
    """The items a batch at a time, made as they are needed."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


# Worker processes start from a fork server, not a fork of the driver: a forked worker would keep a
# copy-on-write view of everything the driver holds (the page list, the plan of a million-page
# build), and touching it (reference counts, the garbage collector) copies it page by page, so
# workers grew with the corpus (404 MB at 100k pages, 500 MB at 1M, stop 19). The fork server is
# started once per process with these modules imported, so each worker forks from a small, clean
# process that has already paid for the imports. The context is pickled to each worker once.
_PRELOAD = ["corpus_lib.extract"]  # imports the parser, templates, cache and schema code with it


def _pool_context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")  # Windows: no fork server


def start_fork_server(workers: int, engine: EngineSpec | None = None) -> None:
    """Start the local pool's fork server now, when a pool will be wanted: its imports (~0.4 s) then run
    while the driver lists the files, instead of before the first batch."""
    if workers <= 1 or (engine is not None and engine.name != "local"):
        return
    if _pool_context().get_start_method() == "forkserver":  # which also sets the preload before the server starts
        from multiprocessing import forkserver

        forkserver.ensure_running()


@contextlib.contextmanager
def in_side_process(fn: Callable[..., Any], *args: Any) -> Iterator[Callable[[], Any]]:
    """Start fn(*args) in a process of its own (from the fork server) and yield a function that waits for its
    result, so the caller's work and this call run on two cores. On leaving the block the process is waited
    for, so nothing it writes outlives the block, also when the block raises."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=_pool_context())
    try:
        yield pool.submit(fn, *args).result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# Batches handed to the pool ahead of the one whose results are awaited, per worker: enough to keep
# every worker busy, few enough that neither the batches nor their results pile up in memory.
_AHEAD_PER_WORKER = 4


@dataclasses.dataclass(frozen=True)
class EngineSpec:
    """Where batches run: 'local' (process pool) or 'dask' (a cluster at `address`, or a local one)."""

    name: str = "local"
    address: str | None = None
    scratch: str | None = None  # folder for a local Dask cluster's spill files
    client: Any = dataclasses.field(default=None, compare=False)  # a connected Dask client (engine_session)


@contextlib.contextmanager
def engine_session(engine: EngineSpec | None, workers: int) -> Iterator[EngineSpec | None]:
    """The engine, connected once for all the passes run within the block.

    For Dask: one client, and one local cluster when no address is given, serves every run_batches call
    of a build, so the workers start and import the parser once, not once a pass. Other engines are
    returned as they are.
    """
    if engine is None or engine.name != "dask" or engine.client is not None:
        yield engine
        return
    client, cluster = _dask_client(engine, workers)
    try:
        yield dataclasses.replace(engine, client=client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_batches(
    fn: Callable[[Sequence[InputFile]], list[Any]],
    items: Sequence[InputFile],
    workers: int,
    init: Callable[..., None] | None = None,
    init_args: tuple = (),
    label: str | None = None,
    engine: EngineSpec | None = None,
) -> Iterator[Any]:
    """fn(batch) for every batch, flattened, in input order whatever the worker count.

    `init(*init_args)` runs once in each worker (and here when running inline) to hand it the
    context, so large read-only state is sent once per worker, not once per batch.
    """
    progress = _progress(label, len(items))
    if engine is not None and engine.name == "dask":
        yield from _run_dask(fn, batches(items, DASK_BATCH), workers, init, init_args, engine, progress)
        return
    if workers <= 1 or len(items) <= BATCH:
        if init is not None:
            init(*init_args)
        for chunk in batches(items):
            results = fn(chunk)
            progress(len(chunk))
            yield from results
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=init, initargs=init_args) as pool:
        yield from _in_order(lambda chunk: pool.submit(fn, chunk), batches(items), _AHEAD_PER_WORKER * workers, progress)


def _in_order(submit, chunks, ahead: int, progress, release=None) -> Iterator[Any]:
    """Submit each chunk, keeping at most `ahead` submitted beyond the one whose results are awaited
    (submitting all at once would hold every batch and every result not yet taken), and yield the
    results in input order."""
    waiting: collections.deque = collections.deque()
    for chunk in itertools.chain(chunks, [None]):
        if chunk is not None:
            waiting.append((len(chunk), submit(chunk)))
        while waiting and (chunk is None or len(waiting) > ahead):
            size, future = waiting.popleft()
            results = future.result()
            if release is not None:
                release(future)
            progress(size)
            yield from results


def _progress(label: str | None, total: int) -> Callable[[int], None]:
    """A pages/s and ETA bar on an interactive terminal; silent in CI, in tests and when piped."""
    if label is None or not sys.stderr.isatty() or total == 0:
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="page", leave=False, dynamic_ncols=True)

    def advance(n: int) -> None:
        bar.update(n)
        if bar.n >= total:
            bar.close()

    return advance


def _with_context(fn, init, init_args, batch):
    """Run on a Dask worker: install the context once per worker process and pass, then run the batch.

    Each task gets a new tuple around the same scattered objects, so the objects are compared, not the tuple.
    """
    global _INSTALLED
    if init is not None and not _installed(init, init_args):
        init(*init_args)
        _INSTALLED = (init, init_args)
    return fn(batch)


def _installed(init, init_args: tuple) -> bool:
    if _INSTALLED is None:
        return False
    done, done_args = _INSTALLED
    return done is init and len(done_args) == len(init_args) and all(a is b for a, b in zip(done_args, init_args))


_INSTALLED: tuple | None = None

# Settings of the local cluster's workers: no sampling profiler, a thread that takes the GIL every 10 ms
# from the one running the parser (0.6-0.9 s less CPU outside the parser's thread in a 20k-page build).
_LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False}


def _dask_client(engine: EngineSpec, workers: int):
    """(client, local cluster or None): connected to engine.address, or to a new quiet local cluster."""
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise RuntimeError("the dask engine needs the extra: pip install 'corpus_lib[dask]'") from exc
    if engine.address:
        return Client(engine.address), None
    # Quiet and contained: no dashboard, processes not threads (the parser holds the GIL),
    # spill files inside the build's own scratch folder.
    if engine.scratch:
        os.makedirs(engine.scratch, mode=0o700, exist_ok=True)  # Dask may spill pickles there: owner only
    with dask.config.set({"temporary-directory": engine.scratch, **_LOCAL_CLUSTER_CONFIG}):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            local_directory=engine.scratch, silence_logs=logging.ERROR,
        )
    return Client(cluster), cluster


def _run_dask(fn, chunks, workers, init, init_args, engine: EngineSpec, progress) -> Iterator[Any]:
    with engine_session(engine, workers) as live:
        assert live is not None
        client = live.client
        context = client.scatter(init_args, broadcast=True) if init is not None else None
        ahead = _AHEAD_PER_WORKER * max(workers, len(client.scheduler_info().get("workers", {})))
        yield from _in_order(
            lambda chunk: client.submit(_with_context, fn, init, context, chunk, pure=False), chunks, ahead, progress,
            release=lambda future: future.release(),
        )
