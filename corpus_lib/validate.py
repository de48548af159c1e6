"""`corpus validate`: prove a dataset folder is sound. Every problem is typed, coded and located."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from corpus_lib.build import BUILD_INFO_FILE, DUPLICATES_FILE, REJECTS_FILE, fingerprint_file
from corpus_lib.schema import arrow_schema, hf_features
from corpus_lib.croissant import CROISSANT_FILE, license_url
from corpus_lib.dedup import body_fingerprint
from corpus_lib.hub_metadata import metadata_problems
from corpus_lib.neardup import MinHashParams, signatures, similar_pairs
from corpus_lib.splits import LEDGER_FILE, SplitPlan
from corpus_lib.table_check import table_violations

# Stable check codes (documented in the README).
CHECKS = {
    "build-info": "corpus_build.json is present and readable",
    "card-yaml": "README.md has YAML metadata that parses",
    "card-data-files": "the card's data_files match the Parquet files present",
    "card-count": "the card's num_examples per split equal the rows in the data",
    "card-features": "the card's features equal the schema's",
    "card-values": "license, language, task and size categories are values the Hub accepts",
    "parquet-read": "every shard is a readable Parquet file",
    "parquet-schema": "every shard's Arrow schema equals the declared one, HF features included",
    "row-schema": "every row is valid against the record JSON Schema",
    "duplicate-id": "no id appears twice, within or across splits",
    "split-rule": "every row is in the split the ledger (splits.parquet) and the recorded rule give",
    "leakage": "no exact or near-duplicate pair (the build's MinHash rule) across splits",
    "checksum": "files match the sha256 manifest written by the build",
    "croissant": "croissant.json parses and agrees with the card, the shards and the schema",
    "accounting": "inputs = records + duplicates + rejects, as recorded by the build",
}
_MAX_PER_CODE = 20


@dataclasses.dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str | None = None
    row: int | None = None
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
    timings: dict[str, float] = dataclasses.field(default_factory=dict)

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
            "skipped": list(self.skipped),
            "problems": [dataclasses.asdict(p) for p in self.problems],
        }


def validate(path: str | os.PathLike, skip: tuple[str, ...] = ()) -> ValidationReport:
    """Check a dataset folder written by `corpus build` (or downloaded from the Hub)."""
    root = Path(path)
    problems: list[Problem] = []
    counts: collections.Counter[str] = collections.Counter()

    def add(problem: Problem) -> None:
        if problem.code in skip:
            return
        counts[problem.code] += 1
        if counts[problem.code] <= _MAX_PER_CODE:
            problems.append(problem)

    report = ValidationReport(root, problems, skipped=tuple(skip))
    if not root.is_dir():
        add(Problem("build-info", "not a folder", str(root)))
        return report
    info = _load_build_info(root, add)
    card = _load_card(root, add)
    declared = _declared_files(card)
    present = sorted(p.relative_to(root).as_posix() for p in (root / "data").glob("**/*.parquet")) if (root / "data").is_dir() else []
    if card is not None:
        for missing in sorted(set().union(*declared.values()) - set(present)) if declared else []:
            add(Problem("card-data-files", "listed in the card's data_files but missing", missing))
        listed = set().union(*declared.values()) if declared else set()
        for stray in sorted(set(present) - listed):
            add(Problem("card-data-files", "Parquet file not listed in the card's data_files", stray))
        _check_card_features(card, add)
        for key, message in metadata_problems(card):
            add(Problem("card-values", message, "README.md", field=key))

    plan = _split_plan(info)
    ledger = _load_ledger(root, add) if info else None
    expected_schema = arrow_schema()
    leakage_rows: list[tuple[str, str, str, str, int]] = []  # split, id, body, file, row
    seen_ids: dict[str, str] = {}
    rows_per_split: collections.Counter[str] = collections.Counter()
    for split, files in sorted(declared.items()):
        for name in sorted(files):
            if name not in present:
                continue
            table = _read_shard(root / name, name, expected_schema, add)
            if table is None:
                continue
            started = time.perf_counter()
            report.rows_checked += table.num_rows
            rows_per_split[split] += table.num_rows
            if "row-schema" not in skip:
                for row_number, field, message in table_violations(table):
                    add(Problem("row-schema", message, name, row_number, field))
            report.timings["row-schema"] = report.timings.get("row-schema", 0.0) + time.perf_counter() - started
            ids = table.column("id").to_pylist()
            dates = table.column("published_local").to_pylist()
            for row_number, row_id in enumerate(ids):
                if row_id in seen_ids:
                    add(Problem("duplicate-id", f"id {row_id} also in {seen_ids[row_id]}", name, row_number, "id"))
                else:
                    seen_ids[row_id] = name
                if plan is not None and isinstance(row_id, str) and "split-rule" not in skip:
                    want = _expected_split(row_id, dates[row_number], plan, ledger)
                    if want is not None and want != split:
                        add(Problem("split-rule", f"row is in {split} but the split rule and ledger give {want}", name, row_number, "id"))
            if "leakage" not in skip:
                for row_number, (row_id, body) in enumerate(zip(ids, table.column("body").to_pylist())):
                    if isinstance(body, str):
                        leakage_rows.append((split, row_id, body, name, row_number))

    if card is not None:
        for split, expected in _card_counts(card).items():
            actual = rows_per_split.get(split, 0)
            if expected != actual:
                add(Problem("card-count", f"card says {split} has {expected} examples, the data has {actual}", "README.md"))
    if card is not None and "croissant" not in skip:
        _check_croissant(root, card, declared, add)
    if leakage_rows:
        started = time.perf_counter()
        _check_leakage(leakage_rows, info, add)
        report.timings["leakage"] = time.perf_counter() - started
    if info:
        _check_checksums(root, info, add)
        _check_accounting(root, info, len(seen_ids), add)
    return report


def _split_plan(info: dict[str, Any] | None) -> SplitPlan | None:
    if not info:
        return None
    splits = info.get("splits") or {}
    if "salt" not in splits:
        return None
    return SplitPlan(salt=splits["salt"], test=splits.get("test", 0.1), validation=splits.get("validation", 0.0), cutoff=splits.get("cutoff"))


def _load_ledger(root: Path, add) -> dict[str, tuple[str, str, str]] | None:
    path = root / LEDGER_FILE
    if not path.is_file():
        add(Problem("split-rule", "split ledger missing: rows are checked against the hash rule only", LEDGER_FILE, severity="warning"))
        return None
    try:
        table = pq.read_table(path, columns=["id", "split", "cluster", "reason"])
    except Exception as exc:  # a damaged ledger is a finding
        add(Problem("split-rule", f"cannot read the split ledger: {exc}", LEDGER_FILE))
        return None
    columns = [table.column(c).to_pylist() for c in ("id", "split", "cluster", "reason")]
    return {i: (split, cluster, reason) for i, split, cluster, reason in zip(*columns)}


def _expected_split(row_id: str, published_local: str | None, plan: SplitPlan, ledger) -> str | None:
    """The split a row must be in; None when it cannot be recomputed here (inherited from an older ledger)."""
    if ledger is None:
        return plan.by_hash(row_id)
    if row_id not in ledger:
        return "<not in the ledger>"
    split, cluster, reason = ledger[row_id]
    if reason == "hash":
        return split if plan.by_hash(cluster) == split else f"{plan.by_hash(cluster)} (ledger says {split})"
    if reason == "temporal" and cluster == row_id:
        want, _ = plan.by_date(row_id, published_local)
        return split if want == split else f"{want} (ledger says {split})"
    return split


def _check_leakage(rows: list[tuple[str, str, str, str, int]], info: dict[str, Any] | None, add) -> None:
    by_fingerprint: dict[str, tuple[str, str, int]] = {}
    for split, row_id, body, name, row_number in rows:
        fingerprint = body_fingerprint(body)
        if fingerprint in by_fingerprint and by_fingerprint[fingerprint][0] != split:
            other_split, other_file, other_row = by_fingerprint[fingerprint]
            add(Problem("leakage", f"same body as {other_file} row {other_row} ({other_split})", name, row_number, "body"))
        by_fingerprint.setdefault(fingerprint, (split, name, row_number))
    dedup = (info or {}).get("dedup") or {}
    if dedup.get("near") == "off":
        return
    params = MinHashParams(
        threshold=dedup.get("threshold", 0.8), num_perm=dedup.get("num_perm", 128), shingle=dedup.get("shingle", 5)
    )
    sketches = signatures([body for _, _, body, _, _ in rows], params)
    for i, j, similarity in similar_pairs(sketches, params):
        if rows[i][0] != rows[j][0]:
            add(
                Problem(
                    "leakage",
                    f"near-duplicate (similarity {similarity:.2f}) of {rows[i][3]} row {rows[i][4]} ({rows[i][0]})",
                    rows[j][3], rows[j][4], "body",
                )
            )


def _load_build_info(root: Path, add) -> dict[str, Any] | None:
    path = root / BUILD_INFO_FILE
    if not path.is_file():
        add(Problem("build-info", "missing: checksums, accounting and the split rule cannot be checked", BUILD_INFO_FILE, severity="warning"))
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        add(Problem("build-info", f"not valid JSON: {exc}", BUILD_INFO_FILE))
        return None


def read_card_yaml(path: Path) -> dict[str, Any]:
    """The YAML block at the top of a dataset card. Raises ValueError with the reason."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError("does not start with a '---' YAML block")
    end = text.find("\n---", 4)
    if end < 0:
        raise ValueError("the YAML block is not closed by '---'")
    data = yaml.safe_load(text[4:end])
    if not isinstance(data, dict):
        raise ValueError("the YAML block is not a mapping")
    return data


def _load_card(root: Path, add) -> dict[str, Any] | None:
    path = root / "README.md"
    if not path.is_file():
        add(Problem("card-yaml", "missing dataset card", "README.md"))
        return None
    try:
        return read_card_yaml(path)
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
        add(Problem("card-yaml", f"bad YAML metadata: {exc}".replace("\n", " "), "README.md"))
        return None


def _declared_files(card: dict[str, Any] | None) -> dict[str, set[str]]:
    if not card:
        return {}
    declared: dict[str, set[str]] = {}
    for config in card.get("configs") or []:
        if not isinstance(config, dict) or config.get("config_name", "default") != "default":
            continue
        for entry in config.get("data_files") or []:
            paths = entry.get("path") if isinstance(entry, dict) else None
            paths = [paths] if isinstance(paths, str) else list(paths or [])
            declared.setdefault(str(entry.get("split")), set()).update(map(str, paths))
    return declared


def _card_counts(card: dict[str, Any]) -> dict[str, int]:
    info = card.get("dataset_info") or {}
    return {str(s.get("name")): int(s.get("num_examples", -1)) for s in info.get("splits") or [] if isinstance(s, dict)}


def _check_card_features(card: dict[str, Any], add) -> None:
    from datasets import Features

    info = card.get("dataset_info") or {}
    try:
        declared = Features._from_yaml_list(info.get("features") or [])
    except Exception as exc:  # any malformed feature list is a finding, not a crash
        add(Problem("card-features", f"features in the card cannot be read: {exc}", "README.md"))
        return
    if declared != hf_features():
        wrong = sorted(k for k in set(declared) | set(hf_features()) if declared.get(k) != hf_features().get(k))
        add(Problem("card-features", f"features differ from the schema's: {', '.join(wrong)}", "README.md"))


def _read_shard(path: Path, name: str, expected, add) -> pa.Table | None:
    """The shard as a table when it is readable and has exactly the declared schema."""
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except Exception as exc:  # truncated or not Parquet at all
        add(Problem("parquet-read", f"cannot read Parquet: {exc}", name))
        return None
    if not schema.equals(expected, check_metadata=False):
        diffs = [
            f"{f.name}: {f.type}" + (f" (declared {expected.field(f.name).type})" if f.name in expected.names else " (not declared)")
            for f in schema if f.name not in expected.names or expected.field(f.name).type != f.type
        ] + [f"{n}: missing" for n in expected.names if n not in schema.names]
        add(Problem("parquet-schema", "schema differs from the declared one: " + "; ".join(diffs or ["field order"]), name))
        return None
    if (schema.metadata or {}).get(b"huggingface") != expected.metadata.get(b"huggingface"):
        add(Problem("parquet-schema", "Hugging Face feature metadata missing or different", name))
    try:
        return parquet.read()
    except Exception as exc:
        add(Problem("parquet-read", f"cannot read the rows: {exc}", name))
        return None


def _check_croissant(root: Path, card: dict[str, Any], declared: dict[str, set[str]], add) -> None:
    path = root / CROISSANT_FILE
    if not path.is_file():
        add(Problem("croissant", "missing Croissant metadata", CROISSANT_FILE, severity="warning"))
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        files = {d["contentUrl"]: d.get("sha256") for d in doc["distribution"] if d.get("@type") == "cr:FileObject"}
        record_sets = {r["@id"]: r for r in doc["recordSet"]}
        fields = {f["name"] for f in record_sets["default"]["field"]}
        splits = {row["splits/name"] for row in record_sets["splits"].get("data", [])}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        add(Problem("croissant", f"not the Croissant layout corpus_lib writes: {type(exc).__name__}: {exc}", CROISSANT_FILE))
        return
    listed = set().union(*declared.values()) if declared else set()
    if set(files) != listed:
        add(Problem("croissant", f"distribution lists {sorted(files)}, the card {sorted(listed)}", CROISSANT_FILE))
    for name, digest in sorted(files.items()):
        if (root / name).is_file() and digest != fingerprint_file(root / name):
            add(Problem("croissant", f"sha256 of {name} differs from the file", CROISSANT_FILE))
    missing = set(arrow_schema().names) - fields
    if missing:
        add(Problem("croissant", f"record set lacks fields {sorted(missing)}", CROISSANT_FILE))
    if splits != set(declared):
        add(Problem("croissant", f"splits {sorted(splits)} differ from the card's {sorted(declared)}", CROISSANT_FILE))
    if card.get("license") and doc.get("license") != license_url(str(card["license"])):
        add(Problem("croissant", f"license {doc.get('license')!r} differs from the card's {card['license']!r}", CROISSANT_FILE))


def _check_checksums(root: Path, info: dict[str, Any], add) -> None:
    for name, expected in sorted((info.get("files_sha256") or {}).items()):
        path = root / name
        if not path.is_file():
            add(Problem("checksum", "listed in the manifest but missing", name))
        elif fingerprint_file(path) != expected:
            add(Problem("checksum", "sha256 differs from the build's manifest", name))


def _check_accounting(root: Path, info: dict[str, Any], records: int, add) -> None:
    def lines(name: str) -> int | None:
        path = root / name
        if not path.is_file():
            return None
        with open(path, encoding="utf-8") as handle:
            return sum(1 for line in handle if line.strip())

    duplicates, rejects = lines(DUPLICATES_FILE), lines(REJECTS_FILE)
    if duplicates is None or rejects is None:
        add(Problem("accounting", f"{DUPLICATES_FILE} or {REJECTS_FILE} missing", None))
        return
    inputs = info.get("inputs")
    if inputs != records + duplicates + rejects:
        add(Problem("accounting", f"inputs {inputs} != records {records} + duplicates {duplicates} + rejects {rejects}", BUILD_INFO_FILE))
