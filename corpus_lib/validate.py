"""`corpus validate`: prove a dataset folder is sound. Every problem is typed, coded and located.

The checks run in this order: the build record (corpus_build.json), the card (README.md YAML:
data_files, features, allowed values), every shard (readable, the declared Arrow schema, every row
against the JSON Schema column by column, derived fields), then the checks across shards (ids,
split rule and ledger, leakage), the card's counts and sizes, Croissant, checksums and accounting.

The folder may be a build output or a Hub snapshot (`huggingface_hub.snapshot_download`): files
are read through symlinks into the blob cache, and hidden files (.gitattributes, .cache/) are
ignored. Nothing here writes, and nothing depends on the clock or on listing order.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import fnmatch
import hashlib
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from corpus_lib.build import BUILD_INFO_FILE, DUPLICATES_FILE, REJECTS_FILE, fingerprint_file
from corpus_lib.card import description_digest, shards_digest
from corpus_lib.croissant import CONFORMS_TO, CROISSANT_FILE, croissant_data_type, license_url, split_field_name
from corpus_lib.dedup import fingerprints_and_signatures
from corpus_lib.hub_metadata import metadata_problems
from corpus_lib.neardup import MinHashParams, similar_pairs
from corpus_lib.schema import arrow_schema, hf_features
from corpus_lib.splits import LEDGER_FILE, SplitPlan
from corpus_lib.table_check import table_violations

# Stable check codes (documented in the README).
CHECKS = {
    "build-info": "corpus_build.json is present and readable",
    "card-yaml": "README.md has YAML metadata that parses",
    "card-data-files": "the card's data_files match the Parquet files present: none missing, none stray",
    "card-count": "the card's splits and num_examples equal the rows in the data",
    "card-size": "the card's num_bytes (Arrow size, give or take validity bitmaps), dataset_size and download_size fit the data",
    "card-features": "the card's features equal the schema's",
    "card-values": "license, language, task and size categories are values the Hub accepts",
    "card-digest": "the card's default config names the digest of the shards present (load_dataset's cache key changes with the data)",
    "parquet-read": "every shard is a readable Parquet file",
    "parquet-schema": "every shard's Arrow schema equals the declared one, HF features included",
    "row-schema": "every row is valid against the record JSON Schema",
    "row-derived": "body_sha256 and char_count agree with body",
    "duplicate-id": "no id appears twice, within or across splits",
    "split-rule": "every row is in the split the ledger (splits.parquet) and the recorded rule give",
    "leakage": "no exact or near-duplicate pair (the build's MinHash rule) across splits",
    "checksum": "files match the sha256 manifest written by the build (and croissant.json's digests)",
    "croissant": "croissant.json is Croissant 1.0 as corpus_lib writes it and agrees with the card, shards and schema",
    "accounting": "inputs = records + duplicates + rejects, as recorded by the build and found in the files",
}
_MAX_PER_CODE = 20
_BODY_BATCH = 2048  # bodies in memory at once for fingerprints and MinHash (the shingle matrix grows with it)
_LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
_SHARD_NAME = re.compile(r"^data/(\w+)-\d{5}-of-\d{5}\.parquet$")


@dataclasses.dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str | None = None  # relative to the dataset folder, '/'-separated
    row: int | None = None  # 0-based row within the file
    field: str | None = None
    severity: str = "error"

    def location(self) -> str:
        parts = [self.file or "<dataset>"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: [{self.code}] {self.message}"


@dataclasses.dataclass
class ValidationReport:
    path: Path
    problems: list[Problem]
    rows_checked: int = 0
    skipped: tuple[str, ...] = ()
    timings: dict[str, float] = dataclasses.field(default_factory=dict)  # check -> wall seconds ('total' too)
    cpu_seconds: dict[str, float] = dataclasses.field(default_factory=dict)  # check -> CPU seconds of this process
    counts: dict[str, int] = dataclasses.field(default_factory=dict)  # code -> problems found, shown or not

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "rows_checked": self.rows_checked,
            "seconds": {k: round(v, 4) for k, v in sorted(self.timings.items())},
            "cpu_seconds": {k: round(v, 4) for k, v in sorted(self.cpu_seconds.items())},
            "skipped": list(self.skipped),
            "counts": dict(sorted(self.counts.items())),
            "problems": [dataclasses.asdict(p) for p in self.problems],
        }


class _Findings:
    """Collects problems: drops skipped codes, keeps the first _MAX_PER_CODE of each code."""

    def __init__(self, skip: tuple[str, ...]):
        self.skip = frozenset(skip)
        self.problems: list[Problem] = []
        self.counts: collections.Counter[str] = collections.Counter()

    def wants(self, code: str) -> bool:
        return code not in self.skip

    def add(self, code: str, message: str, file: str | None = None, row: int | None = None, field: str | None = None,
            severity: str = "error") -> None:
        if code in self.skip:
            return
        self.counts[code] += 1
        if self.counts[code] <= _MAX_PER_CODE:
            self.problems.append(Problem(code, " ".join(message.split()), file, row, field, severity))

    def finish(self) -> None:
        for code, n in sorted(self.counts.items()):
            if n > _MAX_PER_CODE:
                self.problems.append(Problem(code, f"{n - _MAX_PER_CODE} more problems of this kind not shown ({n} in all)"))


@dataclasses.dataclass
class _Rows:
    """What the checks across shards need from every row read; the bodies themselves are not kept."""

    files: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (split, name) of each shard read
    shard: list[int] = dataclasses.field(default_factory=list)  # per row: index into files
    ids: list[Any] = dataclasses.field(default_factory=list)
    published: list[Any] = dataclasses.field(default_factory=list)
    cluster: list[Any] = dataclasses.field(default_factory=list)  # duplicate_of, else the id
    fingerprints: list[str] = dataclasses.field(default_factory=list)
    sketches: list[np.ndarray] = dataclasses.field(default_factory=list)
    row_in_file: list[int] = dataclasses.field(default_factory=list)
    sources: list[Any] = dataclasses.field(default_factory=list)  # source_file, for the accounting

    def where(self, i: int) -> tuple[str, str, int]:
        split, name = self.files[self.shard[i]]
        return split, name, self.row_in_file[i]


def validate(path: str | os.PathLike, skip: tuple[str, ...] | list[str] = ()) -> ValidationReport:
    """Check a dataset folder written by `corpus build` (or downloaded from the Hub)."""
    skip = tuple(skip)
    unknown = sorted(set(skip) - set(CHECKS))
    if unknown:
        raise ValueError(f"unknown check(s) {unknown}; known: {sorted(CHECKS)}")
    started, started_cpu = time.perf_counter(), time.process_time()
    root = Path(path)
    found = _Findings(skip)
    report = ValidationReport(root, found.problems, skipped=skip, counts=found.counts)
    timed = _timer(report.timings, report.cpu_seconds)
    if not root.is_dir():
        found.add("build-info", "not a folder", str(root))
        return report

    with timed("build-info"):
        info = _load_build_info(root, found)
    with timed("card"):
        card = _load_card(root, found)
        files = _listed_files(root)
        layout = _data_layout(root, card, info, files, found)
        card_values = metadata_problems(card) if card is not None else []
        if card is not None:
            _check_card_features(card, found)
            for key, message in card_values:
                found.add("card-values", message, "README.md", field=key)

    plan = _split_plan(info)
    ledger = _load_ledger(root, found) if plan is not None and found.wants("split-rule") else None
    params = _minhash_params(info) if len(layout) > 1 and found.wants("leakage") else None
    rows = _Rows()
    sizes: dict[str, list[tuple[int, int, int] | None]] = {}  # split -> per shard (rows, Arrow bytes, slack) or None
    for split, names in layout.items():
        for name in names:
            table = _read_shard(root, name, found, timed) if name in files else None
            if table is None:
                sizes.setdefault(split, []).append(None)
                continue
            with timed("card"):
                sizes.setdefault(split, []).append((table.num_rows, arrow_size(table), bitmap_allowance(table)))
            report.rows_checked += table.num_rows
            if found.wants("row-schema"):
                with timed("row-schema"):
                    for row_number, field, message in table_violations(table):
                        found.add("row-schema", message, name, None if row_number < 0 else row_number, field)
            with timed("index"):
                _index_rows(table, split, name, rows)
            _scan_bodies(table, name, rows, found, timed, params)

    if found.wants("duplicate-id"):
        with timed("duplicate-id"):
            _check_duplicate_ids(rows, found)
    if plan is not None and found.wants("split-rule"):
        with timed("split-rule"):
            _check_splits(rows, plan, ledger, found)
    if params is not None:
        with timed("leakage"):
            _check_leakage(rows, params, found)
    digests = _Digests(root)
    if card is not None:
        with timed("card"):
            _check_card_counts(root, card, layout, sizes, found)
        if found.wants("card-digest") and layout:
            with timed("card"):
                _check_card_digest(card, layout, files, digests, found)
    if found.wants("croissant") and layout:
        with timed("croissant"):
            license_ok = card is not None and not any(key == "license" for key, _ in card_values)
            _check_croissant(root, card or {}, layout, info, digests, license_ok, found)
    if info is not None:
        if found.wants("checksum"):
            with timed("checksum"):
                _check_checksums(root, info, digests, found)
        if found.wants("accounting"):
            with timed("accounting"):
                complete = all(s is not None for shard_sizes in sizes.values() for s in shard_sizes)
                _check_accounting(root, info, rows.sources if complete else None, found)
    found.finish()
    report.timings["total"] = time.perf_counter() - started
    report.cpu_seconds["total"] = time.process_time() - started_cpu
    return report


def _timer(timings: dict[str, float], cpu: dict[str, float]):
    @contextlib.contextmanager
    def timed(name: str) -> Iterator[None]:
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
            cpu[name] = cpu.get(name, 0.0) + time.process_time() - started_cpu

    return timed


# --- files and the card -----------------------------------------------------------------------


def _listed_files(root: Path) -> set[str]:
    """Every regular file (symlinks followed) under root, relative and '/'-separated; hidden ones left out."""
    found = set()
    for folder, dirs, names in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        for name in names:
            if not name.startswith(".") and (base / name).is_file():
                found.add((base / name).relative_to(root).as_posix())
    return found


def _load_build_info(root: Path, found: _Findings) -> dict[str, Any] | None:
    path = root / BUILD_INFO_FILE
    if not path.is_file():
        found.add("build-info", "missing: checksums, accounting and the split rule cannot be checked", BUILD_INFO_FILE,
                  severity="warning")
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        found.add("build-info", f"not valid JSON: {exc}", BUILD_INFO_FILE)
        return None
    if not isinstance(info, dict):
        found.add("build-info", "not a JSON object", BUILD_INFO_FILE)
        return None
    return info


def read_card_yaml(path: Path) -> dict[str, Any]:
    """The YAML block at the top of a dataset card. Raises ValueError with the reason."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ValueError("does not start with a '---' YAML block")
    end = text.find("\n---", 3)
    if end < 0:
        raise ValueError("the YAML block is not closed by '---'")
    data = yaml.safe_load(text[4:end])
    if not isinstance(data, dict):
        raise ValueError("the YAML block is not a mapping")
    return data


def _load_card(root: Path, found: _Findings) -> dict[str, Any] | None:
    path = root / "README.md"
    if not path.is_file():
        found.add("card-yaml", "missing dataset card", "README.md")
        return None
    try:
        return read_card_yaml(path)
    except yaml.MarkedYAMLError as exc:
        def at(mark) -> str:  # README.md line: one more for the opening '---', and marks count from 0
            return f"line {mark.line + 2}, column {mark.column + 1}" if mark else "?"

        context = f" ({exc.context} from {at(exc.context_mark)})" if exc.context else ""
        found.add("card-yaml", f"bad YAML metadata at {at(exc.problem_mark)}: {exc.problem}{context}", "README.md")
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
        found.add("card-yaml", f"bad YAML metadata: {exc}", "README.md")
    return None


def _data_layout(root: Path, card: dict[str, Any] | None, info: dict[str, Any] | None, files: set[str],
                 found: _Findings) -> dict[str, list[str]]:
    """split -> the Parquet files the card declares for it (globs expanded), in split then name order.

    Without a usable card the shards recorded by the build (or, failing that, the shard names
    under data/) are checked instead, so a broken card does not hide broken data.
    """
    data_files = [p for p in files if p.startswith("data/") and p.endswith(".parquet")]
    declared = _declared_patterns(card) if card is not None else None
    if card is not None and not declared:
        if (info or {}).get("records") == 0 and not data_files:  # the build kept nothing: honest, but nothing to load
            found.add("card-data-files", "the build kept no record: no data_files, nothing to load", "README.md",
                      field="configs", severity="warning")
        else:
            found.add("card-data-files", "the card has no 'default' config with data_files", "README.md", field="configs")
    if not declared:
        return _fallback_layout(info, data_files)
    layout: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for split, patterns in declared.items():
        names: list[str] = []
        for pattern in patterns:
            if any(c in pattern for c in "*?["):
                matched = sorted(f for f in files if fnmatch.fnmatchcase(f, pattern))
                if not matched:
                    found.add("card-data-files", f"pattern {pattern!r} of split {split} matches no file", "README.md",
                              field="configs")
                names.extend(matched or [pattern])  # the pattern stands for the missing files: the split is incomplete
            else:
                if pattern not in files:
                    broken = (root / pattern).is_symlink()
                    found.add("card-data-files", "listed in the card's data_files but "
                              + ("a broken symlink" if broken else "missing"), pattern)
                names.append(pattern)
        for name in dict.fromkeys(names):
            if name in owner and owner[name] != split:
                found.add("card-data-files", f"listed for both splits {owner[name]} and {split}", name)
            owner.setdefault(name, split)
        layout[split] = sorted(dict.fromkeys(names))
    for stray in sorted(set(data_files) - set(owner)):
        found.add("card-data-files", "Parquet file not listed in the card's data_files", stray)
    return layout


def _declared_patterns(card: dict[str, Any]) -> dict[str, list[str]]:
    declared: dict[str, list[str]] = {}
    for config in card.get("configs") or []:
        if not isinstance(config, dict) or config.get("config_name", "default") != "default":
            continue
        entries = config.get("data_files") or []
        if isinstance(entries, (str, dict)):
            entries = [entries]
        for entry in entries:
            split, paths = ("train", entry) if isinstance(entry, str) else (entry.get("split", "train"), entry.get("path"))
            paths = [paths] if isinstance(paths, str) else list(paths or [])
            declared.setdefault(str(split), []).extend(str(p)[2:] if str(p).startswith("./") else str(p) for p in paths)
    return declared


def _fallback_layout(info: dict[str, Any] | None, data_files: list[str]) -> dict[str, list[str]]:
    layout: dict[str, list[str]] = {}
    shards = (info or {}).get("shards")
    if isinstance(shards, list) and all(isinstance(s, dict) and "split" in s and "path" in s for s in shards):
        for shard in shards:
            layout.setdefault(str(shard["split"]), []).append(str(shard["path"]))
    else:
        for name in sorted(data_files):
            match = _SHARD_NAME.match(name)
            if match:
                layout.setdefault(match[1], []).append(name)
    return {split: sorted(names) for split, names in layout.items()}


def _check_card_digest(card: dict[str, Any], layout: dict[str, list[str]], files: set[str], digests: _Digests,
                       found: _Findings) -> None:
    """The digest in the default config's description (see card.shards_digest) against the shards present, in the
    card's split order, so a card left from another build is caught."""
    config = next((c for c in card.get("configs") or [] if isinstance(c, dict) and c.get("config_name", "default") == "default"), {})
    digest = description_digest(config.get("description"))
    if digest is None:
        found.add("card-digest", "the default config names no digest of the shards: load_dataset may serve an older build "
                  "of a folder of this name from its cache", "README.md", field="configs", severity="warning")
        return
    names = [name for split_names in layout.values() for name in split_names]
    if any(name not in files for name in names):
        return  # card-data-files reports the missing shard
    if shards_digest(names, {name: digests.sha256(name) for name in names}) != digest:
        found.add("card-digest", "the card's digest of the shards differs from the shards present: the card is from "
                  "another build", "README.md", field="configs")


def _check_card_features(card: dict[str, Any], found: _Findings) -> None:
    from datasets import Features

    info = card.get("dataset_info") if isinstance(card.get("dataset_info"), dict) else {}
    try:
        declared = Features._from_yaml_list(info.get("features") or [])
    except Exception as exc:  # any malformed feature list is a finding, not a crash
        found.add("card-features", f"features in the card cannot be read: {exc}", "README.md", field="dataset_info.features")
        return
    expected = hf_features()
    if declared != expected:
        wrong = sorted(k for k in set(declared) | set(expected) if declared.get(k) != expected.get(k))
        found.add("card-features", f"features differ from the schema's: {', '.join(wrong)}", "README.md",
                  field="dataset_info.features")


def _card_splits(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    info = card.get("dataset_info") if isinstance(card.get("dataset_info"), dict) else {}
    return {str(s.get("name")): s for s in info.get("splits") or [] if isinstance(s, dict)}


def _check_card_counts(root: Path, card: dict[str, Any], layout: dict[str, list[str]],
                       sizes: dict[str, list[tuple[int, int, int] | None]], found: _Findings) -> None:
    """num_examples and num_bytes per split, dataset_size, download_size. Sizes are compared only
    where every shard was read: an unreadable shard is already reported and its rows are unknown."""
    info = card.get("dataset_info") if isinstance(card.get("dataset_info"), dict) else {}
    splits = _card_splits(card)
    for split in sorted(set(layout) - set(splits)):
        found.add("card-count", f"split {split} has data_files but no entry in dataset_info.splits", "README.md",
                  field="dataset_info.splits")
    for split in sorted(set(splits) - set(layout)):
        found.add("card-count", f"dataset_info.splits lists {split}, which has no data_files", "README.md",
                  field="dataset_info.splits")
    for split in sorted(set(splits) & set(layout)):
        if None in sizes.get(split, [None]):
            continue
        rows, nbytes, slack = (sum(column) for column in zip(*sizes[split]))
        stated_rows, stated_bytes = splits[split].get("num_examples"), splits[split].get("num_bytes")
        if stated_rows != rows:
            found.add("card-count", f"card says {split} has {stated_rows} examples, the data has {rows}", "README.md",
                      field="dataset_info.splits")
        if not (isinstance(stated_bytes, int) and nbytes <= stated_bytes <= nbytes + slack):
            found.add("card-size", f"card says {split} has num_bytes {stated_bytes}, the data's Arrow size is {nbytes} "
                      f"(up to {nbytes + slack} with validity bitmaps)", "README.md", field="dataset_info.splits")
    stated = [s.get("num_bytes") for s in splits.values()]
    if all(isinstance(n, int) for n in stated) and info.get("dataset_size") != sum(stated):
        found.add("card-size", f"dataset_size {info.get('dataset_size')} != {sum(stated)}, the sum of the splits' num_bytes",
                  "README.md", field="dataset_info.dataset_size")
    if not sizes or any(None in shard_sizes for shard_sizes in sizes.values()):
        return
    on_disk = sum((root / name).stat().st_size for names in layout.values() for name in names)
    if info.get("download_size") != on_disk:
        found.add("card-size", f"download_size {info.get('download_size')} != {on_disk}, the shards' size in bytes",
                  "README.md", field="dataset_info.download_size")


def arrow_size(table: pa.Table) -> int:
    """The rows' Arrow size as the build records it: `pa.Table.from_pylist(rows, schema).nbytes`.

    Computed from lengths alone (no copy), so it does not depend on how a reader chunked the
    table: fixed-width values, 4 or 8 bytes of offset per value, the string bytes, and a validity bitmap
    only for a column that has nulls (a freshly built array has none otherwise).
    """
    return sum(_column_size(table.column(i), field.type) for i, field in enumerate(table.schema))


def bitmap_allowance(table: pa.Table) -> int:
    """How much more than `arrow_size` a writer's `nbytes` may say for the same rows: a table that
    went through Parquet or a cast can carry a validity bitmap on a column without nulls (one bit
    a value, per column and list child), and a sliced one a byte more per bitmap."""
    return sum(_column_allowance(table.column(i), field.type) for i, field in enumerate(table.schema))


def _column_allowance(column, arrow_type: pa.DataType) -> int:
    own = math.ceil(len(column) / 8) + 8
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return own + _column_allowance(pc.list_flatten(column), arrow_type.value_type)
    return own


def _column_size(column, arrow_type: pa.DataType) -> int:
    n = len(column)
    size = math.ceil(n / 8) if column.null_count else 0
    if pa.types.is_string(arrow_type) or pa.types.is_binary(arrow_type):
        return size + 4 * n + (pc.sum(pc.binary_length(column)).as_py() or 0)
    if pa.types.is_large_string(arrow_type) or pa.types.is_large_binary(arrow_type):
        return size + 8 * n + (pc.sum(pc.binary_length(column)).as_py() or 0)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        width = 8 if pa.types.is_large_list(arrow_type) else 4
        return size + width * n + _column_size(pc.list_flatten(column), arrow_type.value_type)
    if pa.types.is_boolean(arrow_type):
        return size + math.ceil(n / 8)
    return size + n * arrow_type.bit_width // 8


# --- shards and rows --------------------------------------------------------------------------


def _is_lfs_pointer(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(_LFS_POINTER)) == _LFS_POINTER
    except OSError:
        return False


def _read_shard(root: Path, name: str, found: _Findings, timed) -> pa.Table | None:
    """The shard as a table when it is readable and has exactly the declared schema."""
    path = root / name
    expected = arrow_schema()
    with timed("read"):
        try:
            parquet = pq.ParquetFile(path)
            schema = parquet.schema_arrow
        except Exception as exc:  # truncated or not Parquet at all
            if _is_lfs_pointer(path):
                found.add("parquet-read", "a Git LFS pointer, not the Parquet file: fetch the LFS objects "
                          "(git lfs pull; actions/checkout with lfs: true)", name)
            else:
                found.add("parquet-read", f"cannot read Parquet: {exc}", name)
            return None
    if not schema.equals(expected, check_metadata=False):
        diffs = [
            f"{f.name}: {f.type}" + (f" (declared {expected.field(f.name).type})" if f.name in expected.names else " (not declared)")
            for f in schema if f.name not in expected.names or expected.field(f.name).type != f.type
        ] + [f"{n}: missing" for n in expected.names if n not in schema.names]
        found.add("parquet-schema", "schema differs from the declared one: " + "; ".join(diffs or ["field order or nullability"]),
                  name)
        return None
    problem = _hf_metadata_problem(schema)
    if problem:
        found.add("parquet-schema", problem, name)
    with timed("read"):
        try:
            return parquet.read()
        except Exception as exc:
            found.add("parquet-read", f"cannot read the rows: {exc}", name)
            return None


def _hf_metadata_problem(schema: pa.Schema) -> str | None:
    from datasets import Features

    raw = (schema.metadata or {}).get(b"huggingface")
    if raw is None:
        return "Hugging Face feature metadata (key 'huggingface') missing"
    try:
        features = Features.from_dict(json.loads(raw)["info"]["features"])
    except Exception as exc:  # malformed metadata is a finding
        return f"Hugging Face feature metadata unreadable: {type(exc).__name__}: {exc}"
    if features != hf_features():
        wrong = sorted(k for k in set(features) | set(hf_features()) if features.get(k) != hf_features().get(k))
        return f"Hugging Face feature metadata differs from the schema's: {', '.join(wrong)}"
    return None


def _index_rows(table: pa.Table, split: str, name: str, rows: _Rows) -> None:
    shard = len(rows.files)
    rows.files.append((split, name))
    ids = table.column("id").to_pylist()
    rows.ids.extend(ids)
    rows.published.extend(table.column("published_local").to_pylist())
    rows.cluster.extend(pc.coalesce(table.column("duplicate_of"), table.column("id")).to_pylist())
    rows.shard.extend([shard] * len(ids))
    rows.row_in_file.extend(range(len(ids)))
    rows.sources.extend(table.column("source_file").to_pylist())


def _scan_bodies(table: pa.Table, name: str, rows: _Rows, found: _Findings, timed,
                 params: MinHashParams | None) -> None:
    """One pass over the bodies, a batch at a time: derived fields, and what leakage needs."""
    body, derived = table.column("body"), found.wants("row-derived")
    if derived:
        with timed("row-derived"):
            wrong = pc.fill_null(pc.not_equal(pc.utf8_length(body), pc.cast(table.column("char_count"), pa.int64())), False)
            for row in pc.indices_nonzero(wrong).to_pylist():
                found.add("row-derived", "char_count differs from the body's length", name, row, "char_count")
    if not derived and params is None:
        return
    for start in range(0, table.num_rows, _BODY_BATCH):
        with timed("leakage" if params is not None else "row-derived"):
            bodies = body.slice(start, _BODY_BATCH).to_pylist()
        if derived:
            with timed("row-derived"):
                stated = table.column("body_sha256").slice(start, _BODY_BATCH).to_pylist()
                for offset, (text, digest) in enumerate(zip(bodies, stated)):
                    if text is not None and digest is not None and hashlib.sha256(text.encode("utf-8")).hexdigest() != digest:
                        found.add("row-derived", "body_sha256 differs from the sha256 of body", name, start + offset, "body_sha256")
        if params is not None:
            with timed("leakage"):
                fingerprints, sketches = fingerprints_and_signatures([text or "" for text in bodies], params if params.threshold <= 1 else None)
                rows.fingerprints.extend(fingerprints)
                if sketches is not None:
                    rows.sketches.append(sketches)


def _check_duplicate_ids(rows: _Rows, found: _Findings) -> None:
    first: dict[Any, int] = {}
    for i, row_id in enumerate(rows.ids):
        if row_id is None:
            continue
        if row_id in first:
            split, name, row = rows.where(first[row_id])
            here = rows.where(i)
            found.add("duplicate-id", f"id {row_id} also in {name} row {row} ({split})", here[1], here[2], "id")
        else:
            first[row_id] = i


# --- splits and leakage -----------------------------------------------------------------------


def _split_plan(info: dict[str, Any] | None) -> SplitPlan | None:
    splits = (info or {}).get("splits")
    if not isinstance(splits, dict) or "salt" not in splits:
        return None
    return SplitPlan(salt=splits["salt"], test=splits.get("test", 0.1), validation=splits.get("validation", 0.0),
                     cutoff=splits.get("cutoff"))


def _load_ledger(root: Path, found: _Findings) -> dict[str, tuple[str, str, str]] | None:
    path = root / LEDGER_FILE
    if not path.is_file():
        found.add("split-rule", "split ledger missing: rows are checked against the hash rule only", LEDGER_FILE,
                  severity="warning")
        return None
    try:
        table = pq.read_table(path, columns=["id", "split", "cluster", "reason"])
    except Exception as exc:  # a damaged ledger is a finding
        found.add("split-rule", f"cannot read the split ledger: {exc}", LEDGER_FILE)
        return None
    columns = [table.column(c).to_pylist() for c in ("id", "split", "cluster", "reason")]
    return {i: (split, cluster, reason) for i, split, cluster, reason in zip(*columns)}


def _check_splits(rows: _Rows, plan: SplitPlan, ledger: dict[str, tuple[str, str, str]] | None, found: _Findings) -> None:
    """Each row against its ledger entry, and each ledger entry against the recorded rule.

    Rules: 'hash' -> the hash rule on the cluster's representative; 'temporal' -> the date rule on
    the representative's published_local; 'previous' -> inherited from an older ledger, which this
    release does not have, so only row == ledger is checked. Without a ledger, the hash rule on the
    row's cluster (duplicate_of, else its id).
    """
    published = dict(zip(rows.ids, rows.published))
    for i, row_id in enumerate(rows.ids):
        if not isinstance(row_id, str):
            continue
        split, name, row = rows.where(i)
        if ledger is None:
            want = plan.by_hash(rows.cluster[i]) if plan.cutoff is None else plan.by_date(rows.cluster[i], published.get(rows.cluster[i]))[0]
            if want != split:
                found.add("split-rule", f"row is in {split}, the split rule gives {want}", name, row, "id")
            continue
        entry = ledger.get(row_id)
        if entry is None:
            found.add("split-rule", f"id {row_id} is not in the split ledger ({LEDGER_FILE})", name, row, "id")
            continue
        recorded, cluster, reason = entry
        if recorded != split:
            found.add("split-rule", f"row is in {split}, the ledger ({LEDGER_FILE}) says {recorded}", name, row, "id")
            continue
        if reason == "hash":
            want = plan.by_hash(cluster)
        elif reason == "temporal":
            if cluster not in published:
                continue  # the representative is not in this release's data: nothing to recompute from
            want = plan.by_date(cluster, published[cluster])[0]
        elif reason == "previous":
            continue
        else:
            found.add("split-rule", f"the ledger gives an unknown reason {reason!r}", name, row, "id")
            continue
        if want != split:
            found.add("split-rule", f"row is in {split} as the ledger says, but the {reason} rule gives {want} "
                      f"for its cluster {cluster}", name, row, "id")


def _minhash_params(info: dict[str, Any] | None) -> MinHashParams:
    """The build's near-duplicate rule; near == 'off' keeps the exact check only (threshold above 1)."""
    dedup = (info or {}).get("dedup") or {}
    if dedup.get("near") == "off":
        return MinHashParams(threshold=2.0)
    return MinHashParams(threshold=dedup.get("threshold", 0.8), num_perm=dedup.get("num_perm", 128),
                         shingle=dedup.get("shingle", 5))


def _check_leakage(rows: _Rows, params: MinHashParams | None, found: _Findings) -> None:
    split_of = [rows.files[s][0] for s in rows.shard]
    by_fingerprint: dict[str, int] = {}
    for i, fingerprint in enumerate(rows.fingerprints):
        first = by_fingerprint.setdefault(fingerprint, i)
        if split_of[first] != split_of[i]:
            other, here = rows.where(first), rows.where(i)
            found.add("leakage", f"same body as {other[1]} row {other[2]} ({other[0]})", here[1], here[2], "body")
    if params is None or params.threshold > 1 or not rows.sketches:
        return
    for i, j, similarity in similar_pairs(np.concatenate(rows.sketches), params):
        if split_of[i] != split_of[j] and rows.fingerprints[i] != rows.fingerprints[j]:  # exact pairs are reported above
            other, here = rows.where(i), rows.where(j)
            found.add("leakage", f"near-duplicate (similarity {similarity:.2f}) of {other[1]} row {other[2]} ({other[0]})",
                      here[1], here[2], "body")


# --- Croissant, checksums, accounting ---------------------------------------------------------


def _manifest(info: dict[str, Any] | None) -> dict[str, str]:
    manifest = (info or {}).get("files_sha256")
    return manifest if isinstance(manifest, dict) else {}


class _Digests:
    """sha256 of files under root, each computed once per run (a shard is hashed for the manifest and Croissant)."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[str, str] = {}

    def sha256(self, name: str) -> str:
        if name not in self._cache:
            self._cache[name] = fingerprint_file(self.root / name)
        return self._cache[name]


def _check_croissant(root: Path, card: dict[str, Any], layout: dict[str, list[str]], info: dict[str, Any] | None,
                     digests: _Digests, license_ok: bool, found: _Findings) -> None:
    path = root / CROISSANT_FILE
    if not path.is_file():
        found.add("croissant", "missing Croissant metadata", CROISSANT_FILE, severity="warning")
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        objects = {d["contentUrl"]: d for d in doc["distribution"] if d.get("@type") == "cr:FileObject"}
        includes = [g for d in doc["distribution"] if d.get("@type") == "cr:FileSet" for g in d.get("includes", [])]
        record_sets = {r["@id"]: r for r in doc["recordSet"]}
        fields = {f["name"]: f for f in record_sets["default"]["field"]}
        splits = {row["splits/name"] for row in record_sets["splits"].get("data", [])}
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        found.add("croissant", f"not the Croissant layout corpus_lib writes: {type(exc).__name__}: {exc}", CROISSANT_FILE)
        return
    if doc.get("@type") != "sc:Dataset" or doc.get("conformsTo") != CONFORMS_TO or not isinstance(doc.get("@context"), dict):
        found.add("croissant", f"not a Croissant 1.0 dataset (@type sc:Dataset, conformsTo {CONFORMS_TO}, an @context)",
                  CROISSANT_FILE)
    for key in ("name", "description", "license"):
        if not doc.get(key):
            found.add("croissant", f"no {key}", CROISSANT_FILE, field=key)
    listed = {name for names in layout.values() for name in names}
    if set(objects) != listed:
        found.add("croissant", "distribution differs from the card's data_files: " + _difference(listed, set(objects)),
                  CROISSANT_FILE, field="distribution")
    manifest = _manifest(info)
    for name, entry in sorted(objects.items()):
        if not any(fnmatch.fnmatchcase(name, glob) for glob in includes):
            found.add("croissant", f"{name} matches no 'includes' glob of the file set, so Croissant readers skip it",
                      CROISSANT_FILE, field="distribution")
        if not (root / name).is_file():
            continue
        stated = entry.get("sha256")
        if name in manifest:
            if stated != manifest[name]:
                found.add("croissant", f"sha256 of {name} differs from the build manifest's", CROISSANT_FILE, field="distribution")
                continue
        elif stated != digests.sha256(name):
            found.add("checksum", f"sha256 differs from the one in {CROISSANT_FILE}", name)
            continue
        if stated == digests.sha256(name) and entry.get("contentSize") != f"{(root / name).stat().st_size} B":
            found.add("croissant", f"contentSize of {name} is {entry.get('contentSize')!r}, the file has "
                      f"{(root / name).stat().st_size} B", CROISSANT_FILE, field="distribution")
    schema = arrow_schema()
    expected = {split_field_name(schema.names): ("sc:Text", False)}
    expected.update((f.name, croissant_data_type(f.type)) for f in schema)
    if set(fields) != set(expected):
        found.add("croissant", "record set 'default' differs from the schema's fields: " + _difference(set(expected), set(fields)),
                  CROISSANT_FILE, field="recordSet")
    for name in sorted(set(fields) & set(expected)):
        got = (fields[name].get("dataType"), bool(fields[name].get("repeated", False)))
        if got != expected[name]:
            found.add("croissant", f"field {name} is {got[0]}{' (repeated)' if got[1] else ''}, the schema gives "
                      f"{expected[name][0]}{' (repeated)' if expected[name][1] else ''}", CROISSANT_FILE, field="recordSet")
    if splits != set(layout):
        found.add("croissant", f"splits {sorted(splits)} differ from the card's {sorted(layout)}", CROISSANT_FILE, field="recordSet")
    # A license the card gets wrong is reported against the card (card-values), not twice.
    if license_ok and card.get("license") and doc.get("license") != license_url(str(card["license"])):
        found.add("croissant", f"license {doc.get('license')!r} differs from the card's {card['license']!r}", CROISSANT_FILE,
                  field="license")


def _difference(expected: set[str], found: set[str]) -> str:
    parts = [f"lacks {sorted(expected - found)}" if expected - found else "", f"has extra {sorted(found - expected)}" if found - expected else ""]
    return ", ".join(p for p in parts if p)


def _check_checksums(root: Path, info: dict[str, Any], digests: _Digests, found: _Findings) -> None:
    manifest = _manifest(info)
    if not manifest:
        found.add("checksum", "corpus_build.json has no files_sha256 manifest: file contents cannot be checked",
                  BUILD_INFO_FILE, severity="warning")
    for name, expected in sorted(manifest.items()):
        path = root / name
        if not path.is_file():
            found.add("checksum", "listed in the manifest but " + ("a broken symlink" if path.is_symlink() else "missing"), name)
        elif digests.sha256(name) != expected:
            found.add("checksum", "a Git LFS pointer, not the file: fetch the LFS objects" if _is_lfs_pointer(path)
                      else "sha256 differs from the build's manifest", name)


def _jsonl_sources(path: Path, found: _Findings) -> list[str] | None:
    """source_file of each line of rejects.jsonl / duplicates.jsonl; None when the file is missing."""
    if not path.is_file():
        return None
    sources = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if not line.strip():
                continue
            try:
                sources.append(str(json.loads(line)["source_file"]))
            except (ValueError, KeyError, TypeError):
                found.add("accounting", "not a JSON object with a source_file", path.name, number)
                sources.append(f"<line {number}>")
    return sources


def _check_accounting(root: Path, info: dict[str, Any], data_sources: list[Any] | None, found: _Findings) -> None:
    """Recorded counts add up; the files hold what was recorded; no input is counted twice.

    `data_sources`: source_file of every row, or None when some shard could not be read (already
    reported) and the rows are unknown.
    """
    keys = ("inputs", "records", "duplicates", "rejects")
    recorded = {key: info.get(key) for key in keys}
    bad = [key for key, value in recorded.items() if not isinstance(value, int) or isinstance(value, bool) or value < 0]
    if bad:
        found.add("accounting", f"no recorded counts {bad}", BUILD_INFO_FILE)
        return
    inputs, records, duplicates, rejects = (recorded[key] for key in keys)
    if inputs != records + duplicates + rejects:
        found.add("accounting", f"inputs {inputs} != records {records} + duplicates {duplicates} + rejects {rejects}",
                  BUILD_INFO_FILE)
    if data_sources is not None and len(data_sources) != records:
        found.add("accounting", f"the data has {len(data_sources)} rows, the build recorded {records} records", BUILD_INFO_FILE)
    seen: dict[str, str] = {}
    for source in data_sources or []:
        seen.setdefault(source, "the data")
    for name, count in ((DUPLICATES_FILE, duplicates), (REJECTS_FILE, rejects)):
        sources = _jsonl_sources(root / name, found)
        if sources is None:
            found.add("accounting", f"missing: the {count} {name.split('.')[0]} the build recorded cannot be checked", name,
                      severity="warning")
            continue
        if len(sources) != count:
            found.add("accounting", f"{len(sources)} lines, the build recorded {count}", name)
        for number, source in enumerate(sources):
            if source in seen:
                found.add("accounting", f"input {source} is also counted in {seen[source]}", name, number, "source_file")
            seen.setdefault(source, name)
