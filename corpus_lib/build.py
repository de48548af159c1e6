"""The build: the stages in order, from SRC to a Hub-ready dataset folder.

discover -> pass 1: learn template lines (templates) -> pass 2: read, decode, parse, validate,
sketch, on workers, through the page cache (extract) -> global: duplicate clusters, splits,
leakage check (plan_release) -> Parquet shards streamed through id buckets (write) -> ledger,
Croissant, plots, card. The output is written to a temporary folder beside OUT and renamed into
place at the end, so OUT is always either the previous release or the new one; the page cache
beside it keeps finished work, so a killed build resumes and a grown corpus re-parses only new
pages.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus_lib import __version__
from corpus_lib.cache import PageCache
from corpus_lib.card import dataset_description, render_card
from corpus_lib.config import BuildConfig, find_config, load_config
from corpus_lib.croissant import CROISSANT_FILE, croissant_metadata, write_croissant
from corpus_lib.dedup import digest_prefixes
from corpus_lib.engine import EngineSpec, engine_session, in_side_process, run_batches, start_fork_server
from corpus_lib.extract import ExtractContext, Reject, extract_batch, init_worker, process_page, settings_digest
from corpus_lib.inputs import discover
from corpus_lib.lights import LightTable, digest_rows, id_keys
from corpus_lib.neardup import NEARDUP_RULE, SketchFile
from corpus_lib.parse import PARSER
from corpus_lib.plots import render_plots
from corpus_lib.records import ID_RULE
from corpus_lib.memory import release_arrow_memory, release_memory
from corpus_lib.release import ReleasePlan, plan_release
from corpus_lib.schema import arrow_schema, schema_id
from corpus_lib.splits import LEDGER_FILE, SPLIT_RULE, SPLITS, LedgerColumns, read_ledger, write_ledger_table
from corpus_lib.templates import learn_templates, scan_batch
from corpus_lib.write import ShardInfo, write_split_stream

BUILD_INFO_FILE = "corpus_build.json"
REJECTS_FILE = "rejects.jsonl"
DUPLICATES_FILE = "duplicates.jsonl"

PLOT_COLUMNS = ("published_local", "char_count", "language", "source")

__all__ = ["build", "plan_release", "process_page", "BuildError", "BuildReport", "Reject", "ReleasePlan"]


class BuildError(RuntimeError):
    """The build cannot run (bad SRC, OUT or config); the message says why."""


@dataclasses.dataclass
class BuildReport:
    out: Path
    inputs: int
    records: int
    duplicates: int
    rejects: int
    split_sizes: dict[str, int]
    rejects_by_reason: dict[str, int]
    # Ids whose split differs from the previous ledger (never, with --previous) or, without one,
    # from the release OUT held before: reported here and by the CLI, not written into OUT.
    moves: list[dict[str, str]] = dataclasses.field(default_factory=list)
    leakage_pairs: int = 0
    parsed: int = 0  # pages parsed in this run (the rest came from the page cache)
    cached: int = 0

    @property
    def moved(self) -> int:
        return len(self.moves)

    def summary_line(self) -> str:
        sizes = ", ".join(f"{name} {count}" for name, count in self.split_sizes.items())
        return (
            f"{self.inputs} inputs -> {self.records} records ({sizes}), "
            f"{self.duplicates} duplicates, {self.rejects} rejects -> {self.out}"
        )


def default_cache_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.cache"


def build(
    src: str | os.PathLike,
    out: str | os.PathLike,
    *,
    config: BuildConfig | str | os.PathLike | None = None,
    workers: int = 1,
    previous: str | os.PathLike | None = None,
    cache: str | os.PathLike | bool = True,
    progress: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
) -> BuildReport:
    """Build the dataset folder OUT from the page files under SRC.

    `previous`: the previous release's dataset folder; its split ledger (splits.parquet) keeps
    every known id in its split. `cache`: True for the default page cache beside OUT
    (.OUT.cache), a folder, or False to parse everything in a throwaway cache. `engine`: 'local'
    (a process pool of `workers`) or 'dask' (the cluster at `scheduler`, else a local cluster of
    `workers` processes); the output is the same bytes either way.
    """
    src_path, out_path = Path(src), Path(out)
    if not src_path.is_dir():
        raise BuildError(f"{src_path}: not a folder")
    if isinstance(config, BuildConfig):
        cfg = config
    else:
        cfg = load_config(find_config(src_path, Path(config) if config is not None else None))
    _check_out(src_path, out_path)
    if not isinstance(cache, bool):
        _check_cache(src_path, out_path, Path(cache))
    if engine not in ("local", "dask"):
        raise BuildError(f"unknown engine {engine!r} (local or dask)")
    with _only_build_of(out_path):
        _recover_interrupted_swap(out_path)
        previous_ledger = _read_previous(Path(previous)) if previous is not None else None
        scratch = out_path.parent / f".{out_path.name}.dask"
        spec = EngineSpec(engine, scheduler, str(scratch))
        try:
            return _build(src_path, out_path, cfg, workers, previous, previous_ledger, cache, progress, spec)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


_LOCK_ATTEMPTS = 100  # a build that loses the race to a removed lock file tries the new one, this many times


@contextlib.contextmanager
def _only_build_of(out: Path) -> Iterator[None]:
    """Hold OUT's build lock (the file .OUT.lock beside it) for the whole build. A second build of the same OUT fails
    at once with a BuildError, instead of removing the first one's scratch files and swapping a folder under it.
    The lock is the operating system's (flock; on Windows, a locked byte), held by an open file, so a killed build
    holds none. The file is removed at the end while still locked; a build that locked the file just before it was
    removed sees that the path no longer names its file and locks the new one."""
    lock_path = out.parent / f".{out.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(_LOCK_ATTEMPTS):
        handle = open(lock_path, "a+b")
        try:
            _lock_file(handle)
        except OSError:
            handle.close()
            raise BuildError(f"{out}: another build is writing this folder now (it holds {lock_path})") from None
        if _names_file(lock_path, handle):
            break
        handle.close()
    else:
        raise BuildError(f"{out}: could not lock {lock_path} (other builds kept replacing it)")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # Windows refuses to remove an open file: it stays, unlocked
            lock_path.unlink()
        handle.close()


def _names_file(path: Path, handle) -> bool:
    """Whether `path` still names the open file `handle` (another build may have removed it and made a new one)."""
    try:
        named, opened = path.stat(), os.fstat(handle.fileno())
    except FileNotFoundError:
        return False
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _lock_file(handle) -> None:
    """Lock an open file for this process without waiting (OSError when another process holds it)."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _build(src_path, out_path, cfg, workers, previous, previous_ledger, cache, progress, spec) -> BuildReport:
    start_fork_server(workers, spec)
    items, input_rejects = discover(src_path)
    release_memory()
    with _page_cache(out_path, cache) as page_cache, _scratch(out_path) as scratch, contextlib.ExitStack() as passes:
        # One connection to the engine for both passes (a Dask cluster starts and imports the parser once).
        live = passes.enter_context(engine_session(spec, workers))
        label = "pass 1: templates" if progress else None
        templates = learn_templates(run_batches(scan_batch_for, items, workers, init_scan, (cfg,), label, live), scratch / "templates")
        index = page_cache.load_index()
        context = ExtractContext(cfg, templates, settings_digest(cfg), page_cache, index.known)
        label = "pass 2: extract" if progress else None
        # What the global steps need of each record goes to disk as it streams in (lights.py):
        # held as dicts and bytes, it was ~1.5 KB a record.
        lights = LightTable(scratch / "lights")
        sketch_file = SketchFile(cfg.near_num_perm, scratch / "sketches.u32") if cfg.near_dedup != "off" else None
        rejects = [Reject(name, r.reason, r.message) for name, r in input_rejects]
        segments_used: set[str] = set()
        parsed = cached = 0
        for light in run_batches(extract_batch, items, workers, init_worker, (context,), label, live):
            if light.get("_cached"):
                light = index.light(light["_key"])
                cached += 1
            elif "_key" in light:
                parsed += 1
            if light.get("_segment"):
                segments_used.add(light["_segment"])
            if light.get("_reject_reason"):
                rejects.append(Reject(light["source_file"], light["_reject_reason"], light["_reject_message"]))
                continue
            sketch = light.get("_sketch")
            if sketch is not None and sketch_file is not None:
                sketch_file.append(sketch)
            lights.append([light])
        lights.close()
        passes.close()  # the global steps run here: the engine's workers are let go
        inputs = len(items) + len(input_rejects)
        # The file list (~50 bytes a file) is done with after pass 2: not held through the global steps.
        del index, context, items
        release_memory()
        sketches = _sketches(sketch_file, len(lights), cfg)
        # Without --previous, moves are reported (not prevented) against the release OUT holds.
        reference = previous_ledger if previous_ledger is not None else _ledger_in(out_path)
        release = plan_release(lights, sketches, cfg, previous_ledger, reference)
        release_memory()

        tmp = out_path.parent / f".{out_path.name}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        try:
            # The small files and the summary come first, so what only they need (the duplicates'
            # rows, the clusters, the ledger's columns) is not held through the shard write.
            rejects.sort(key=lambda r: r.source_file)
            _write_jsonl(tmp / REJECTS_FILE, [dataclasses.asdict(r) for r in rejects])
            _write_jsonl(tmp / DUPLICATES_FILE, release.duplicate_rows)
            write_ledger_table(tmp / LEDGER_FILE, release.ledger_table())
            summary = _summary(cfg, inputs, release, rejects, templates, previous is not None)
            release.drop_details()
            release_memory()
            # The plots (~3 s at 100k pages, all of it holding the GIL) are drawn in a process of their own while
            # the shards are written, when the build may use more than one core; the bytes are the same. Nothing
            # here imports matplotlib (~25 MB more held through the shard write, the main process's peak).
            # The side process is handed a file, not the table: a table argument is held, pickled, by the
            # pool until the call returns, so through the whole shard write (+193 MB at 1M pages).
            side = in_side_process(draw_from_file, render_plots, tmp, _plot_columns_file(release, scratch)) if workers > 1 else contextlib.nullcontext()
            with side as drawn:
                shards = _write_data(tmp, cfg, release, page_cache)
                release_memory()
                plots = drawn() if drawn is not None else render_plots(tmp, release.kept_columns(*PLOT_COLUMNS))
            summary.update(_shard_summary(cfg, shards))
            extra = [CROISSANT_FILE] if shards else []
            if shards:
                write_croissant(
                    tmp,
                    croissant_metadata(
                        tmp, name=cfg.name, pretty_name=cfg.pretty_name, description=dataset_description(cfg),
                        license=cfg.license, shards=shards,
                    ),
                )
            summary["plots"] = plots
            summary["files_sha256"] = {
                name: fingerprint_file(tmp / name)
                for name in [s.path for s in shards] + [REJECTS_FILE, DUPLICATES_FILE, LEDGER_FILE] + extra + plots
            }
            (tmp / BUILD_INFO_FILE).write_text(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
            download_size = sum((tmp / s.path).stat().st_size for s in shards)
            languages = sorted(pc.unique(release.kept_columns("language").column(0)).to_pylist())
            (tmp / "README.md").write_text(render_card(cfg, shards, languages, download_size, summary), encoding="utf-8")
            _swap_into_place(tmp, out_path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if sketch_file is not None:
            sketch_file.close()
        page_cache.collect_garbage(segments_used)
    return BuildReport(
        out=out_path,
        inputs=summary["inputs"],
        records=release.kept_count,
        duplicates=summary["duplicates"],
        rejects=len(rejects),
        split_sizes=summary["split_sizes"],
        rejects_by_reason=summary["rejects_by_reason"],
        moves=release.moves,
        leakage_pairs=release.leakage_pairs,
        parsed=parsed,
        cached=cached,
    )


@contextlib.contextmanager
def _scratch(out: Path) -> Iterator[Path]:
    """A private folder beside OUT for the build's spill files (one a killed build left is
    removed first), removed at the end."""
    folder = out.parent / f".{out.name}.work"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _page_cache:
    """The page cache for a build: the default or given folder, or a throwaway one."""

    def __init__(self, out: Path, cache: str | os.PathLike | bool):
        self._tmp = None
        if cache is False:
            self._tmp = tempfile.TemporaryDirectory(prefix=f".{out.name}.cache-", dir=out.parent if out.parent.exists() else None)
            root = Path(self._tmp.name)
        else:
            root = default_cache_dir(out) if cache is True else Path(cache)
        self.cache = PageCache(root)

    def __enter__(self) -> PageCache:
        self.cache.prepare()
        return self.cache

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


_SCAN_CFG: BuildConfig | None = None


def init_scan(cfg: BuildConfig) -> None:
    global _SCAN_CFG
    _SCAN_CFG = cfg


def scan_batch_for(batch):
    return scan_batch(batch, _SCAN_CFG)


def _plot_columns_file(release: ReleasePlan, scratch: Path) -> Path:
    """Write the kept records' plot columns to an Arrow file in the build's scratch folder; return its path."""
    path = scratch / "plot_columns.arrow"
    table = release.kept_columns(*PLOT_COLUMNS)
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table)
    return path


def draw_from_file(draw: Callable[[Path, pa.Table], list[str]], out: Path, columns: Path) -> list[str]:
    """draw(out, the table written at `columns`): what the plots' side process runs."""
    with pa.memory_map(str(columns)) as source:
        return draw(out, pa.ipc.open_file(source).read_all())


def _sketches(sketches: SketchFile | None, records: int, cfg: BuildConfig) -> SketchFile | None:
    """The records' MinHash rows (None without near-duplicate detection), checked for one a record."""
    if sketches is None:
        return None
    sketches.flush()
    if cfg.near_dedup == "off" or not records:
        return None
    if len(sketches) != records:
        raise RuntimeError(f"{len(sketches)} MinHash rows for {records} records")
    return sketches


def _read_previous(previous: Path) -> LedgerColumns:
    path = previous / LEDGER_FILE if previous.is_dir() else previous
    if not path.is_file():
        raise BuildError(f"{previous}: no split ledger ({LEDGER_FILE}) found")
    try:
        return read_ledger(path)
    except ValueError as exc:
        raise BuildError(str(exc)) from exc


def _ledger_in(out: Path) -> LedgerColumns | None:
    """The split ledger of the corpus_lib release in OUT, if there is one to compare with."""
    if not (out / BUILD_INFO_FILE).is_file() or not (out / LEDGER_FILE).is_file():
        return None
    try:
        return read_ledger(out / LEDGER_FILE)
    except ValueError:
        return None  # report only: an unreadable old ledger just leaves nothing to compare with


def _check_out(src: Path, out: Path) -> None:
    src_resolved, out_resolved = src.resolve(), out.resolve()
    if out_resolved == src_resolved or out_resolved.is_relative_to(src_resolved):
        raise BuildError(f"{out}: the output folder must not be inside the corpus folder {src}")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / BUILD_INFO_FILE).is_file():
        raise BuildError(f"{out}: exists, is not empty and is not a corpus_lib dataset; refusing to replace it")


def _check_cache(src: Path, out: Path, cache: Path) -> None:
    resolved = cache.resolve()
    if resolved.is_relative_to(src.resolve()):
        raise BuildError(f"{cache}: the page cache must not be inside the corpus folder {src} (it would become input)")
    if resolved.is_relative_to(out.resolve()) or out.resolve().is_relative_to(resolved):
        raise BuildError(f"{cache}: the page cache and the output folder {out} must not contain each other")


def _recover_interrupted_swap(out: Path) -> None:
    """A build killed between the two renames of the swap left the previous release beside OUT: put it back."""
    old = out.parent / f".{out.name}.previous"
    if not out.exists() and (old / BUILD_INFO_FILE).is_file():
        old.rename(out)


def _swap_into_place(tmp: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.previous"
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        shutil.rmtree(old)


# --- writing ----------------------------------------------------------------------------------


def declared_splits(cfg: BuildConfig) -> list[str]:
    names = ["train", "test"]
    if cfg.splits.validation > 0:
        names.insert(1, "validation")
    return names


# Shards are ordered by publication (undated last), then id: a news corpus grows at the end, so a
# new release leaves the earlier pages of its shards byte-identical and re-uploads little
# (scripts/bench_cdc.py measures it). Rows go to buckets that are ranges of that order, so sorting
# holds one bucket.
_BUCKET_FLUSH_BYTES = 32 * 1024 * 1024
_READ_AHEAD = 2  # cache segments read ahead of the one whose rows are being bucketed
# A bucket holds a range of a split's final row order of about this many bytes (estimated from the
# light columns; the estimate runs about 1.5x over the Arrow size), so that sorting one in memory
# costs the same at any corpus size; with at most _MAX_BUCKETS of them open at once, a bigger
# corpus gets bigger buckets rather than more files.
_BUCKET_BYTES = 16 * 1024 * 1024
_MAX_BUCKETS = 512


_ROW_ORDER = [("undated", "ascending"), ("published", "ascending"), ("id", "ascending")]


def _order_columns(published: pa.Array, ids: pa.Array) -> dict[str, pa.Array]:
    """The columns _ROW_ORDER sorts on: dated rows by date, then undated ones, then by id."""
    return {"undated": pc.is_null(published), "published": pc.fill_null(published, ""), "id": ids}


# Every published_local the schema allows (and so every one a record can carry); ids are record_id's 16
# lowercase hex digits (lights.id_keys). Kept rows whose values all have these forms are ordered on integer keys.
_PUBLISHED_FORM = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2})?$"


def _published_keys(published: pa.Array) -> np.ndarray | None:
    """published_local values as int64 keys in the strings' order (a date alone sorts before the same
    date with any time), 0 for null; None if any value has another form."""
    valid = pc.drop_null(published)
    if len(valid) and not pc.all(pc.match_substring_regex(valid, _PUBLISHED_FORM)).as_py():
        return None
    digits = pc.utf8_rpad(pc.replace_substring_regex(published, "[-T:]", ""), 14, "0")
    with_time = np.asarray(pc.fill_null(pc.equal(pc.binary_length(published), 19), False), dtype=np.int64)
    values = np.asarray(pc.fill_null(pc.cast(digits, pa.int64()), 0))
    return values * 2 + with_time


@dataclasses.dataclass
class _KeptRows:
    """What the write needs of the kept rows, by position in kept_rows: a few bytes each."""

    segment: np.ndarray  # int32 cache segment, -1 for none
    key_prefixes: np.ndarray  # uint64: the first 8 bytes of each cache key (the whole keys stay in the light table)
    size: np.ndarray  # int32 estimated bytes in a shard
    split: np.ndarray  # int8 split code
    order: np.ndarray  # positions in the final row order


# The order's leading key on integers: the split code and the undated flag above a published_local key.
_UNDATED_BIT = 48  # _published_keys are below 2**48 (99991231235959 * 2 + 1 < 2**48)


def _positions(count: int, values: np.ndarray) -> np.ndarray:
    """Row positions as int32 where they fit (half the bytes of numpy's int64 indices)."""
    return values.astype(np.int32) if count < 2**31 else values


def _kept_row_columns(release: ReleasePlan, kept_rows: np.ndarray) -> _KeptRows:
    """The kept rows' cache segments, key prefixes, size estimates and final order, read a light batch
    at a time and ordered on integer keys. Taking whole columns and sorting the id and date strings
    raised the high-water mark by 235 MB for a million light rows; whole cache keys and one array per
    sort key, 92 MB; 8-byte key prefixes and one integer key for split, undated and date, less than half."""
    count = len(kept_rows)
    segment = np.empty(count, dtype=np.int32)
    prefixes = np.empty(count, dtype=np.uint64)
    size = np.empty(count, dtype=np.int32)
    id_key = np.empty(count, dtype=np.uint64)
    leading = np.empty(count, dtype=np.int64)  # (split * 2 + undated) << _UNDATED_BIT | published key
    integer_keys = True
    for start, batch in release.lights.batches("_segment", "_key", "char_count", "id", "published_local"):
        lo, hi = np.searchsorted(kept_rows, [start, start + batch.num_rows])
        if hi == lo:
            continue
        batch = batch.take(pa.array(kept_rows[lo:hi] - start)).combine_chunks()
        segment[lo:hi] = np.asarray(pc.fill_null(batch.column("_segment"), -1))
        prefixes[lo:hi] = digest_prefixes(digest_rows(batch.column("_key").chunk(0)))
        # Body bytes (UTF-8, up to two bytes a character in the languages seen) plus the other columns;
        # an estimate for cutting buckets, capped to int32 (the buckets do not change the output).
        chars = np.asarray(pc.fill_null(batch.column("char_count"), 0), dtype=np.int64)
        size[lo:hi] = np.minimum(chars * 2 + 1024, 2**31 - 1)
        if integer_keys:
            published = batch.column("published_local").chunk(0)
            ids, dates = id_keys(batch.column("id").chunk(0)), _published_keys(published)
            if ids is None or dates is None:
                integer_keys = False
                continue
            id_key[lo:hi] = ids
            leading[lo:hi] = dates | (np.asarray(pc.is_null(published), dtype=np.int64) << _UNDATED_BIT)
    splits = release.split[kept_rows]
    if integer_keys:
        leading |= splits.astype(np.int64) << (_UNDATED_BIT + 1)
        order = np.lexsort((id_key, leading))
    else:
        order = _row_order(release, kept_rows)
    del id_key, leading
    return _KeptRows(segment, prefixes, size, splits, _positions(count, order))


def _row_order(release: ReleasePlan, kept_rows: np.ndarray) -> np.ndarray:
    """The final order of the kept rows on the id and date strings: by split code, then _ROW_ORDER
    (_kept_row_columns orders on integer keys instead, where every value has the schema's form)."""
    lights = release.lights.columns("id", "published_local")
    take = pa.array(kept_rows)
    keys = pa.table({
        "split": pa.array(release.split[kept_rows]),
        **_order_columns(lights.column("published_local").take(take), lights.column("id").take(take)),
    })
    del lights
    return np.asarray(pc.sort_indices(keys, sort_keys=[("split", "ascending"), *_ROW_ORDER]))


def _bucket_plan(kept: _KeptRows) -> tuple[np.ndarray, list[str]]:
    """Each kept row's bucket, by position in kept_rows, and each bucket's split.

    Buckets are consecutive ranges of the final order (split, then dated rows by date, then undated,
    then id), cut where the split changes or the estimated size passes the bucket budget; reading
    the buckets in order and sorting each gives that order.
    """
    order = kept.order
    splits = kept.split[order]
    size = kept.size[order]
    budget = max(_BUCKET_BYTES, int(size.sum()) // _MAX_BUCKETS + 1)
    bucket_in_order = np.zeros(len(order), dtype=np.int32)
    split_of: list[str] = []
    if len(order):
        starts = np.flatnonzero(np.r_[True, splits[1:] != splits[:-1]])
        bucket = 0
        for start, end in zip(starts, np.r_[starts[1:], len(order)]):
            cut = np.cumsum(size[start:end]) // budget
            bucket_in_order[start:end] = bucket + cut
            bucket += int(cut[-1]) + 1
        # Renumber so that only buckets with rows count (the numbers never fall along the order).
        first = np.r_[True, bucket_in_order[1:] != bucket_in_order[:-1]]
        bucket_in_order = (np.cumsum(first) - 1).astype(np.int32)
        split_of = [SPLITS[code] for code in splits[first].tolist()]
    bucket_of = np.empty(len(order), dtype=np.int32)
    bucket_of[order] = bucket_in_order
    return bucket_of, split_of


def _write_data(out: Path, cfg: BuildConfig, release: ReleasePlan, page_cache: PageCache) -> list[ShardInfo]:
    """Stream the kept records from the page cache into shards, one split at a time, in row order."""
    kept_rows = np.flatnonzero(release.kept_mask)
    kept = _kept_row_columns(release, kept_rows)
    segment_of, key_prefixes = kept.segment, kept.key_prefixes
    if (segment_of < 0).any():
        raise RuntimeError(f"{int((segment_of < 0).sum())} kept records are not in the page cache")
    bucket_of, bucket_split = _bucket_plan(kept)
    del kept
    kept_rows = _positions(len(release.kept_mask), kept_rows)
    release_memory()  # before the buckets fill: the plan's sort arrays are gone
    # Positions in kept_rows grouped by segment, as arrays (a list of ints per segment was ~36 bytes a record).
    by_position = _positions(len(segment_of), np.argsort(segment_of, kind="stable"))
    grouped = segment_of[by_position]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else np.zeros(0, dtype=np.int64)
    by_segment = {int(grouped[s]): by_position[s:e] for s, e in zip(starts, np.r_[starts[1:], len(grouped)])}
    del by_position, grouped
    buckets = out / ".buckets"
    buckets.mkdir()
    schema = arrow_schema()
    plain = schema.remove_metadata()
    files: dict[int, Path] = {}
    # Buckets are Arrow IPC files, not Parquet: a Parquet writer keeps every row group's metadata
    # (with min/max statistics of the text columns) until it closes, which grew by ~13 KB a page
    # (440 MB at 30k pages); an IPC file's footer holds 24 bytes a batch.
    writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    # A segment's rows spread over many buckets, a row or two each: segments are gathered until they
    # hold _BUCKET_FLUSH_BYTES, then their rows go to the buckets with one take per bucket (a take per
    # segment and bucket made thousands of one-row tables, each with its own buffers).
    pending: list[pa.Table] = []
    pending_buckets: list[np.ndarray] = []
    pending_bytes = 0

    def flush() -> None:
        nonlocal pending_bytes
        if not pending:
            return
        gathered = pa.concat_tables(pending).combine_chunks()
        targets = np.concatenate(pending_buckets)
        by_bucket = np.argsort(targets, kind="stable")
        bounds = np.flatnonzero(np.r_[True, targets[by_bucket][1:] != targets[by_bucket][:-1], True])
        for start, end in zip(bounds[:-1], bounds[1:]):
            key = int(targets[by_bucket[start]])
            if key not in writers:
                files[key] = buckets / f"{key:05d}.arrow"
                writers[key] = pa.ipc.new_file(files[key], plain, options=options)
            writers[key].write_table(gathered.take(pa.array(by_bucket[start:end].astype(np.int32))))
        pending.clear()
        pending_buckets.clear()
        pending_bytes = 0
        del gathered
        release_arrow_memory()  # the gathered segments and their takes, before the next ones come

    names = release.lights.segments
    order = sorted(by_segment, key=names.__getitem__)
    # Segments are read a few ahead on a thread (Parquet decoding lets go of the GIL) while the rows of the one
    # before go to their buckets.
    reader = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    reads: collections.deque = collections.deque()
    try:
        for index, segment in enumerate(order):
            for ahead in order[index + len(reads) : index + 1 + _READ_AHEAD]:
                reads.append(reader.submit(page_cache.read_segment, names[ahead]))
            segment_table = reads.popleft().result()
            positions = by_segment.pop(segment)
            table, found = _segment_rows(segment_table, positions, key_prefixes[positions], release.lights, kept_rows)
            del segment_table
            rows = kept_rows[found]
            duplicate_of = pa.array([release.duplicate_of.get(int(row)) for row in rows], pa.string())
            table = table.select(schema.names).set_column(schema.get_field_index("duplicate_of"), "duplicate_of", duplicate_of).cast(plain)
            pending.append(table)
            pending_buckets.append(bucket_of[found])
            pending_bytes += table.nbytes
            if pending_bytes >= _BUCKET_FLUSH_BYTES:
                flush()
        flush()
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
        for writer in writers.values():
            writer.close()
    del writers, pending, pending_buckets, reads
    release_memory()  # the gathered batches and their takes (RSS entering the write 329 -> 221 MB at 100k pages)

    shards: list[ShardInfo] = []
    counts = collections.Counter(SPLITS[code] for code in release.split[kept_rows].tolist())
    for split in declared_splits(cfg):

        def ordered_parts(split=split):
            for key in sorted(k for k in files if bucket_split[k] == split):
                with pa.OSFile(str(files[key])) as source:  # read into memory (not mapped): the file goes soon
                    table = pa.ipc.open_file(source).read_all()
                files[key].unlink()
                order = pc.sort_indices(pa.table(_order_columns(table.column("published_local"), table.column("id"))), sort_keys=_ROW_ORDER)
                ordered = table.take(order).cast(schema)
                del table, order  # not held while the writer takes the ordered copy
                release_arrow_memory()
                yield ordered

        # Shards are cut by the rows' measured size as they stream in (write.py), not by an estimate.
        shards.extend(write_split_stream(
            out, split, ordered_parts(), total_rows=counts[split],
            max_rows=cfg.max_rows_per_shard, max_bytes=cfg.max_bytes_per_shard,
        ))
    shutil.rmtree(buckets)
    return shards


def _hex_prefixes(keys: pa.Array) -> np.ndarray | None:
    """The first 16 hex digits of cache keys (hex strings) as uint64, or None if one is not hex."""
    return id_keys(pc.utf8_slice_codeunits(keys, 0, 16).combine_chunks()) if len(keys) else np.empty(0, dtype=np.uint64)


def _segment_rows(table: pa.Table, positions: np.ndarray, prefixes: np.ndarray, lights: LightTable, kept_rows: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """The rows of a cache segment (`table`, as read_segment gives it) that the kept rows at `positions` (in
    kept_rows) come from, in the segment's order, and each one's position.

    The rows are found on the first 8 bytes of their cache keys, which is exact when no two rows
    of the segment, and no two wanted ones, share a prefix (the keys are sha256 digests, so nearly
    always); otherwise on the whole keys, read from the light table for these rows alone."""
    have = _hex_prefixes(table.column("_key"))
    if have is not None and len(np.unique(have)) == len(have) and len(np.unique(prefixes)) == len(prefixes):
        order = np.argsort(prefixes)
        at = np.minimum(np.searchsorted(prefixes[order], have), len(order) - 1) if len(order) else np.zeros(len(have), dtype=np.int64)
        hit = prefixes[order][at] == have if len(order) else np.zeros(len(have), dtype=bool)
        return table.filter(pa.array(hit)), positions[order[at[hit]]]
    hexes = digest_rows(lights.take(kept_rows[positions], ["_key"]).column(0).combine_chunks()).tobytes().hex()
    wanted = pa.array([hexes[i : i + 64] for i in range(0, len(hexes), 64)], pa.string())
    table = table.filter(pc.is_in(table.column("_key"), value_set=wanted))
    return table, positions[np.asarray(pc.index_in(table.column("_key"), value_set=wanted))]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def _shard_summary(cfg: BuildConfig, shards: list[ShardInfo]) -> dict[str, Any]:
    """The summary's entries about the shards: rows per split and each shard."""
    split_sizes = {name: 0 for name in declared_splits(cfg)}
    for shard in shards:
        split_sizes[shard.split] += shard.num_rows
    return {"split_sizes": split_sizes, "shards": [dataclasses.asdict(s) for s in shards]}


def _summary(cfg, inputs: int, release: ReleasePlan, rejects, templates, has_previous: bool) -> dict[str, Any]:
    """corpus_build.json's entries but the shards' (_shard_summary): made before the shard write."""
    duplicates = release.duplicate_rows
    clusters = release.clusters
    if clusters is None:
        raise RuntimeError("the build summary needs the release's clusters: make it before drop_details()")
    kept = release.kept_columns("source", "published_local")
    days = pc.utf8_slice_codeunits(kept.column("published_local"), 0, 10)
    days = pc.if_else(pc.equal(days, ""), pa.scalar(None, pa.string()), days)
    per_source = pa.table({"source": kept.column("source"), "day": days}).group_by("source").aggregate(
        [("day", "min"), ("day", "max"), ("source", "count")]
    )
    sources = {
        row["source"]: {"records": row["source_count"], "first": row["day_min"], "last": row["day_max"]}
        for row in sorted(per_source.to_pylist(), key=lambda row: row["source"])
    }
    reasons = collections.Counter(r.reason for r in rejects)
    return {
        "corpus_lib_version": __version__,
        "schema": schema_id(),
        "parser": PARSER,
        "id_rule": ID_RULE,
        "split_rule": SPLIT_RULE,
        "config": cfg.to_dict(),
        "inputs": inputs,
        "records": release.kept_count,
        "duplicates": len(duplicates),
        "rejects": len(rejects),
        "rejects_by_reason": dict(sorted(reasons.items())),
        "dedup": {
            "exact": cfg.exact_dedup,
            "near": cfg.near_dedup,
            "rule": NEARDUP_RULE,
            "threshold": cfg.near_threshold,
            "num_perm": cfg.near_num_perm,
            "shingle": cfg.near_shingle,
            "dropped_by_kind": dict(sorted(collections.Counter(d["kind"] for d in duplicates).items())),
            "marked": release.marked,
            "near_pairs": clusters.near_pairs,
            "clusters_with_duplicates": sum(1 for ids in clusters.cluster_ids().values() if len(ids) > 1),
        },
        "splits": {
            "rule": SPLIT_RULE,
            "salt": cfg.splits.salt,
            "test": cfg.splits.test,
            "validation": cfg.splits.validation,
            "cutoff": cfg.splits.cutoff,
            "previous_ledger": has_previous,
            "by_reason": dict(sorted(release.reason_counts().items())),
            # Ids whose split differs from the --previous ledger (none: known ids keep their split).
            # Moves against the release OUT held without --previous are only reported (BuildReport,
            # CLI): OUT's bytes depend on the inputs and --previous alone, not on what OUT held.
            "moved": release.moves if has_previous else [],
            "leakage_pairs": release.leakage_pairs,
        },
        "sources": sources,
        "template_lines": {key: len(keys) for key, keys in sorted(templates.items())},
    }


def fingerprint_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
