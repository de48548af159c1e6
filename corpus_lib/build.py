"""The build: the stages in order, from SRC to a Hub-ready dataset folder.

discover -> learn templates (pass 1) -> read, decode, parse, validate (pass 2) -> exact dedup
-> split -> Parquet shards -> card. The output is written to a temporary folder beside OUT and
renamed into place at the end, so OUT is always either the previous release or the new one.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pyarrow as pa

from corpus_lib import __version__
from corpus_lib.card import dataset_description, render_card
from corpus_lib.croissant import CROISSANT_FILE, croissant_metadata, write_croissant
from corpus_lib.plots import render_plots
from corpus_lib.config import BuildConfig, find_config, load_config
from corpus_lib.dedup import Clusters, body_fingerprint, cluster_records
from corpus_lib.inputs import DecodedPage, InputFile, InputReject, discover, read_page
from corpus_lib.parse import PARSER, PageHints, ParseFailure, parse_page
from corpus_lib.parse.html import html_to_page
from corpus_lib.parse.lines import split_lines
from corpus_lib.records import ID_RULE, make_record
from corpus_lib.schema import record_errors, schema_id
from corpus_lib.neardup import NEARDUP_RULE, MinHashParams, signatures, similar_pairs
from corpus_lib.splits import LEDGER_FILE, SPLIT_RULE, LedgerEntry, SplitPlan, assign_cluster_splits, read_ledger, write_ledger
from corpus_lib.write import ShardInfo, write_split

BUILD_INFO_FILE = "corpus_build.json"
REJECTS_FILE = "rejects.jsonl"
DUPLICATES_FILE = "duplicates.jsonl"
# A line counts as site template when it recurs on this many pages of one source (and this share).
TEMPLATE_MIN_PAGES = 4
TEMPLATE_MIN_SHARE = 0.02
TEMPLATE_MAX_WORDS = 15
_BATCH = 64


class BuildError(RuntimeError):
    """The build cannot run (bad SRC, OUT or config); the message says why."""


@dataclasses.dataclass(frozen=True)
class Reject:
    source_file: str
    reason: str
    message: str


@dataclasses.dataclass
class BuildReport:
    out: Path
    inputs: int
    records: int
    duplicates: int
    rejects: int
    split_sizes: dict[str, int]
    rejects_by_reason: dict[str, int]
    moved: int = 0
    leakage_pairs: int = 0

    def summary_line(self) -> str:
        sizes = ", ".join(f"{name} {count}" for name, count in self.split_sizes.items())
        return (
            f"{self.inputs} inputs -> {self.records} records ({sizes}), "
            f"{self.duplicates} duplicates, {self.rejects} rejects -> {self.out}"
        )


def build(
    src: str | os.PathLike,
    out: str | os.PathLike,
    *,
    config: BuildConfig | str | os.PathLike | None = None,
    workers: int = 1,
    previous: str | os.PathLike | None = None,
) -> BuildReport:
    """Build the dataset folder OUT from the page files under SRC.

    `previous`: the dataset folder of the previous release; its split ledger (splits.parquet)
    keeps every known id in its split, and new near-duplicates of known records inherit theirs.
    """
    src_path, out_path = Path(src), Path(out)
    if not src_path.is_dir():
        raise BuildError(f"{src_path}: not a folder")
    if isinstance(config, BuildConfig):
        cfg = config
    else:
        cfg = load_config(find_config(src_path, Path(config) if config is not None else None))
    _check_out(src_path, out_path)
    previous_ledger = _read_previous(Path(previous)) if previous is not None else None

    items, input_rejects = discover(src_path)
    rejects = [Reject(name, r.reason, r.message) for name, r in input_rejects]
    templates = learn_templates(items, cfg, workers)
    records: list[dict[str, Any]] = []
    sketches: list[np.ndarray] = []
    for outcome in _run(_process_batch, items, workers, (cfg, templates)):
        if isinstance(outcome, Reject):
            rejects.append(outcome)
        else:
            record, sketch = outcome
            records.append(record)
            sketches.append(sketch)
    release = plan_release(records, np.stack(sketches) if sketches else None, cfg, previous_ledger)

    tmp = out_path.parent / f".{out_path.name}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        shards = _write_data(tmp, cfg, release)
        rejects.sort(key=lambda r: r.source_file)
        _write_jsonl(tmp / REJECTS_FILE, [dataclasses.asdict(r) for r in rejects])
        _write_jsonl(tmp / DUPLICATES_FILE, release.duplicate_rows)
        write_ledger(tmp / LEDGER_FILE, release.ledger.values(), {r["id"]: r["source_file"] for r in records})
        plots = render_plots(tmp, _plot_table(release.kept))
        extra = [CROISSANT_FILE] if shards else []
        if shards:
            write_croissant(
                tmp,
                croissant_metadata(
                    tmp, name=cfg.name, pretty_name=cfg.pretty_name, description=dataset_description(cfg),
                    license=cfg.license, shards=shards,
                ),
            )
        summary = _summary(cfg, items, input_rejects, release, rejects, templates, shards, previous is not None)
        summary["plots"] = plots
        summary["files_sha256"] = {
            name: fingerprint_file(tmp / name)
            for name in [s.path for s in shards] + [REJECTS_FILE, DUPLICATES_FILE, LEDGER_FILE] + extra + plots
        }
        (tmp / BUILD_INFO_FILE).write_text(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        download_size = sum((tmp / s.path).stat().st_size for s in shards)
        languages = sorted({r["language"] for r in release.kept})
        (tmp / "README.md").write_text(render_card(cfg, shards, languages, download_size, summary), encoding="utf-8")
        _swap_into_place(tmp, out_path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildReport(
        out=out_path,
        inputs=summary["inputs"],
        records=len(release.kept),
        duplicates=len(release.duplicate_rows),
        rejects=len(rejects),
        split_sizes=summary["split_sizes"],
        rejects_by_reason=summary["rejects_by_reason"],
        moved=len(release.moves),
        leakage_pairs=release.leakage_pairs,
    )


def _plot_table(records: list[dict[str, Any]]) -> pa.Table:
    columns = ("published_local", "char_count", "language", "source")
    return pa.table({name: [r[name] for r in records] for name in columns})


@dataclasses.dataclass
class ReleasePlan:
    """What the global steps decided: kept records (with splits), dropped duplicates, the ledger."""

    kept: list[dict[str, Any]]
    duplicate_rows: list[dict[str, Any]]
    ledger: dict[str, LedgerEntry]
    moves: list[dict[str, str]]
    clusters: Clusters
    leakage_pairs: int
    marked: int


def minhash_params(cfg: BuildConfig) -> MinHashParams:
    return MinHashParams(threshold=cfg.near_threshold, num_perm=cfg.near_num_perm, shingle=cfg.near_shingle)


def split_plan(cfg: BuildConfig) -> SplitPlan:
    return SplitPlan(salt=cfg.splits.salt, test=cfg.splits.test, validation=cfg.splits.validation, cutoff=cfg.splits.cutoff)


def plan_release(
    records: list[dict[str, Any]],
    sketches: np.ndarray | None,
    cfg: BuildConfig,
    previous: dict[str, str] | None = None,
) -> ReleasePlan:
    """Cluster duplicates, pick what is kept, give every cluster one split, check for leakage."""
    near = cfg.near_dedup != "off" and sketches is not None
    params = minhash_params(cfg)
    clusters = cluster_records(records, sketches if near else None, params, exact=cfg.exact_dedup)
    by_id = {r["id"]: r for r in records}
    ledger, moves = assign_cluster_splits(by_id, clusters.cluster_ids(), split_plan(cfg), previous)
    kept, duplicate_rows, marked = [], [], 0
    for record in records:
        membership = clusters.members.get(record["id"])
        if membership is not None and (membership.kind != "near" or cfg.near_dedup == "drop"):
            duplicate_rows.append(
                {
                    "source_file": record["source_file"],
                    "id": record["id"],
                    "duplicate_of": membership.representative,
                    "kind": membership.kind,
                    "similarity": membership.similarity,
                    "split": ledger[record["id"]].split,
                }
            )
            continue
        if membership is not None:
            record = dict(record, duplicate_of=membership.representative)
            marked += 1
        kept.append(record)
    duplicate_rows.sort(key=lambda row: row["source_file"])
    leakage = count_leakage(kept, {r["id"]: ledger[r["id"]].split for r in kept}, params, cfg.exact_dedup or near)
    return ReleasePlan(kept, duplicate_rows, ledger, moves, clusters, leakage, marked)


def count_leakage(records: list[dict[str, Any]], split_of: dict[str, str], params: MinHashParams, check: bool = True) -> int:
    """Pairs of records in different splits with the same normalised body or similar shingles."""
    if not check or len(records) < 2:
        return 0
    by_fingerprint: dict[str, set[str]] = collections.defaultdict(set)
    for record in records:
        by_fingerprint[body_fingerprint(record["body"])].add(split_of[record["id"]])
    exact = sum(len(splits) - 1 for splits in by_fingerprint.values())
    sketches = signatures([r["body"] for r in records], params)
    near = sum(1 for i, j, _ in similar_pairs(sketches, params) if split_of[records[i]["id"]] != split_of[records[j]["id"]])
    return exact + near


def _read_previous(previous: Path) -> dict[str, str]:
    path = previous / LEDGER_FILE if previous.is_dir() else previous
    if not path.is_file():
        raise BuildError(f"{previous}: no split ledger ({LEDGER_FILE}) found")
    try:
        return read_ledger(path)
    except ValueError as exc:
        raise BuildError(str(exc)) from exc


def _check_out(src: Path, out: Path) -> None:
    src_resolved, out_resolved = src.resolve(), out.resolve()
    if out_resolved == src_resolved or out_resolved.is_relative_to(src_resolved):
        raise BuildError(f"{out}: the output folder must not be inside the corpus folder {src}")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / BUILD_INFO_FILE).is_file():
        raise BuildError(f"{out}: exists, is not empty and is not a corpus_lib dataset; refusing to replace it")


def _swap_into_place(tmp: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.previous"
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        shutil.rmtree(old)


# --- stages that run on workers -------------------------------------------------------------


def _run(fn: Callable, items: Sequence[InputFile], workers: int, context: tuple) -> Iterable[Any]:
    """Apply fn(batch, *context) to batches of items, in input order, on `workers` processes."""
    batches = [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]
    if workers <= 1 or len(batches) <= 1:
        for batch in batches:
            yield from fn(batch, *context)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for results in pool.map(fn, batches, *[[c] * len(batches) for c in context]):
            yield from results


def _page_text(page: DecodedPage) -> tuple[str, PageHints]:
    if page.is_html:
        html = html_to_page(page.text)
        return html.text, PageHints(title=html.title, url=html.url, language=html.language)
    return page.text, PageHints()


def _template_keys_batch(batch: Sequence[InputFile], cfg: BuildConfig) -> list[tuple[str, set[str]]]:
    found = []
    for item in batch:
        try:
            page = read_page(item, cfg.max_page_bytes)
        except InputReject:
            continue
        text, _ = _page_text(page)
        keys = {line.key for line in split_lines(text[: 1 << 20]) if line.key and line.words <= TEMPLATE_MAX_WORDS}
        found.append((cfg.source_for(item.source_file).key, keys))
    return found


def learn_templates(items: Sequence[InputFile], cfg: BuildConfig, workers: int = 1) -> dict[str, frozenset[str]]:
    """Per source, the short lines that recur on many of its pages: navigation, widgets, footers."""
    pages: collections.Counter[str] = collections.Counter()
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for source_key, keys in _run(_template_keys_batch, items, workers, (cfg,)):
        pages[source_key] += 1
        counts[source_key].update(keys)
    templates = {}
    for source_key, counter in counts.items():
        threshold = max(TEMPLATE_MIN_PAGES, TEMPLATE_MIN_SHARE * pages[source_key])
        templates[source_key] = frozenset(key for key, n in counter.items() if n >= threshold)
    return templates


def _process_batch(batch: Sequence[InputFile], cfg: BuildConfig, templates: dict[str, frozenset[str]]) -> list:
    """Records (each with its MinHash sketch, computed here so it scales out) or Rejects, in order."""
    outcomes = [process_page(item, cfg, templates) for item in batch]
    records = [o for o in outcomes if not isinstance(o, Reject)]
    if cfg.near_dedup != "off":
        sketches = iter(signatures([r["body"] for r in records], minhash_params(cfg)))
    else:
        sketches = iter([None] * len(records))
    return [o if isinstance(o, Reject) else (o, next(sketches)) for o in outcomes]


def process_page(item: InputFile, cfg: BuildConfig, templates: dict[str, frozenset[str]] | None = None) -> dict[str, Any] | Reject:
    """One input file -> a validated record, or a Reject with a reason. Never raises on page content."""
    source = cfg.source_for(item.source_file)
    try:
        page = read_page(item, cfg.max_page_bytes)
    except InputReject as exc:
        return Reject(item.source_file, exc.reason, exc.message)
    text, page_hints = _page_text(page)
    if text.count("\n") >= cfg.max_lines:
        return Reject(item.source_file, "too_many_lines", f"page has more than limits.max_lines = {cfg.max_lines} lines")
    hints = dataclasses.replace(
        page_hints,
        language=source.language or page_hints.language,
        timezone=source.timezone,
        default_timezone=cfg.default_timezone,
        template_keys=(templates or {}).get(source.key, frozenset()),
    )
    try:
        article = parse_page(text, hints)
    except Exception as exc:  # a parser bug must not stop the build or lose the page
        return Reject(item.source_file, "parser_error", f"{type(exc).__name__}: {exc}")
    if isinstance(article, ParseFailure):
        return Reject(item.source_file, article.reason, article.message)
    record = make_record(article, page, source)
    errors = record_errors(record)
    if errors:
        return Reject(item.source_file, "schema_invalid", "; ".join(errors[:3]))
    return record


# --- writing ----------------------------------------------------------------------------------


def declared_splits(cfg: BuildConfig) -> list[str]:
    names = ["train", "test"]
    if cfg.splits.validation > 0:
        names.insert(1, "validation")
    return names


def _write_data(out: Path, cfg: BuildConfig, release: ReleasePlan) -> list[ShardInfo]:
    shards: list[ShardInfo] = []
    for split in declared_splits(cfg):
        rows = sorted((r for r in release.kept if release.ledger[r["id"]].split == split), key=lambda r: r["id"])
        shards.extend(write_split(out, split, rows, cfg.max_rows_per_shard, cfg.max_bytes_per_shard))
    return shards


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def _summary(cfg, items, input_rejects, release: ReleasePlan, rejects, templates, shards, has_previous: bool) -> dict[str, Any]:
    kept, duplicates = release.kept, release.duplicate_rows
    split_sizes = {name: 0 for name in declared_splits(cfg)}
    for shard in shards:
        split_sizes[shard.split] += shard.num_rows
    sources: dict[str, dict[str, Any]] = {}
    for record in sorted(kept, key=lambda r: r["source"]):
        row = sources.setdefault(record["source"], {"records": 0, "first": None, "last": None})
        row["records"] += 1
        day = (record["published_local"] or "")[:10] or None
        if day:
            row["first"] = min(filter(None, [row["first"], day]))
            row["last"] = max(filter(None, [row["last"], day]))
    reasons = collections.Counter(r.reason for r in rejects)
    return {
        "corpus_lib_version": __version__,
        "schema": schema_id(),
        "parser": PARSER,
        "id_rule": ID_RULE,
        "split_rule": SPLIT_RULE,
        "config": cfg.to_dict(),
        "inputs": len(items) + len(input_rejects),
        "records": len(kept),
        "duplicates": len(duplicates),
        "rejects": len(rejects),
        "rejects_by_reason": dict(sorted(reasons.items())),
        "split_sizes": split_sizes,
        "dedup": {
            "exact": cfg.exact_dedup,
            "near": cfg.near_dedup,
            "rule": NEARDUP_RULE,
            "threshold": cfg.near_threshold,
            "num_perm": cfg.near_num_perm,
            "shingle": cfg.near_shingle,
            "dropped_by_kind": dict(sorted(collections.Counter(d["kind"] for d in duplicates).items())),
            "marked": release.marked,
            "near_pairs": release.clusters.near_pairs,
            "clusters_with_duplicates": sum(1 for ids in release.clusters.cluster_ids().values() if len(ids) > 1),
        },
        "splits": {
            "rule": SPLIT_RULE,
            "salt": cfg.splits.salt,
            "test": cfg.splits.test,
            "validation": cfg.splits.validation,
            "cutoff": cfg.splits.cutoff,
            "previous_ledger": has_previous,
            "by_reason": dict(sorted(collections.Counter(e.reason for e in release.ledger.values()).items())),
            "moved": release.moves,
            "leakage_pairs": release.leakage_pairs,
        },
        "sources": sources,
        "template_lines": {key: len(keys) for key, keys in sorted(templates.items())},
        "shards": [dataclasses.asdict(s) for s in shards],
    }


def fingerprint_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
