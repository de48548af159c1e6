"""The local engine: batches of input files on a process pool, results in input order."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator, Sequence

from corpus_lib.inputs import InputFile

BATCH = 64


def batches(items: Sequence[InputFile], size: int = BATCH) -> list[Sequence[InputFile]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_batches(
    fn: Callable[[Sequence[InputFile]], list[Any]],
    items: Sequence[InputFile],
    workers: int,
    init: Callable[..., None] | None = None,
    init_args: tuple = (),
    label: str | None = None,
) -> Iterator[Any]:
    """fn(batch) for every batch, flattened, in input order whatever the worker count.

    `init(*init_args)` runs once in each worker (and here when running inline) to hand it the
    context, so large read-only state is sent once per worker, not once per batch.
    """
    chunks = batches(items)
    progress = _progress(label, len(items))
    if workers <= 1 or len(chunks) <= 1:
        if init is not None:
            init(*init_args)
        for chunk in chunks:
            results = fn(chunk)
            progress(len(chunk))
            yield from results
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=init, initargs=init_args) as pool:
        for chunk, results in zip(chunks, pool.map(fn, chunks)):
            progress(len(chunk))
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
