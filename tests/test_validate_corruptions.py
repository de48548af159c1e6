"""The corruption suite: start from a valid build, break it one way at a time, and check that
`validate` reports exactly the expected codes among its errors, at the expected place.

Most corruptions are *resealed* afterwards: every recorded digest and size (the sha256 manifest in
corpus_build.json, croissant.json's sha256 and contentSize, the card's num_examples, num_bytes,
dataset_size and download_size) is recomputed, as a careless tool that regenerates metadata would
do. Then only the check aimed at the corruption can fire, which proves that check catches it on
its own. The corruptions that are not resealed show what a raw edit triggers; their extra codes
are explained next to them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from corpus_lib import validate
from corpus_lib.build import BUILD_INFO_FILE, DUPLICATES_FILE, REJECTS_FILE, fingerprint_file
from corpus_lib.cli import main
from corpus_lib.croissant import CROISSANT_FILE
from corpus_lib.schema import arrow_schema
from corpus_lib.splits import LEDGER_FILE
from corpus_lib.validate import CHECKS, arrow_size, read_card_yaml

TRAIN = "data/train-00000-of-00001.parquet"
TEST = "data/test-00000-of-00001.parquet"


# --- helpers that break a dataset folder ------------------------------------------------------


def edit_rows(out: Path, name: str, change: Callable[[list[dict]], None]) -> None:
    """Rewrite a shard with the declared schema after `change` edited its rows in place."""
    rows = pq.read_table(out / name).to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema()), out / name, compression="zstd")


def rows_of(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / name).to_pylist()


def set_body(row: dict, body: str) -> None:
    """A new body with its derived fields, so row-derived stays quiet."""
    import hashlib

    row.update(body=body, body_sha256=hashlib.sha256(body.encode()).hexdigest(), char_count=len(body),
               word_count=len(body.split()))


def edit_card(out: Path, change: Callable[[dict], None]) -> None:
    text = (out / "README.md").read_text(encoding="utf-8")
    end = text.index("\n---", 4)
    card = yaml.safe_load(text[4:end])
    change(card)
    (out / "README.md").write_text("---\n" + yaml.safe_dump(card, sort_keys=False, allow_unicode=True) + text[end + 1:],
                                   encoding="utf-8")


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def reseal(out: Path) -> None:
    """Recompute every recorded size and digest from the files as they are now."""
    card = read_card_yaml(out / "README.md")
    files = {e["split"]: e["path"] for e in card["configs"][0]["data_files"]}

    def refresh_card(card: dict) -> None:
        info, total, download = card["dataset_info"], 0, 0
        for split in info["splits"]:
            rows = nbytes = 0
            for name in files[split["name"]]:
                download += (out / name).stat().st_size
                try:
                    table = pq.read_table(out / name)
                except Exception:  # an unreadable shard keeps its old numbers
                    continue
                rows, nbytes = rows + table.num_rows, nbytes + arrow_size(table)
            split.update(num_examples=rows, num_bytes=nbytes)
            total += nbytes
        info.update(dataset_size=total, download_size=download)
        config = card["configs"][0]
        names = [name for entry in config["data_files"] for name in entry["path"]]
        if "description" in config and all((out / name).is_file() for name in names):
            listing = "".join(f"{name} {fingerprint_file(out / name)}\n" for name in names)
            prefix = config["description"].rsplit(" ", 1)[0]
            config["description"] = f"{prefix} {hashlib.sha256(listing.encode()).hexdigest()}"

    edit_card(out, refresh_card)

    def refresh_croissant(doc: dict) -> None:
        for entry in doc["distribution"]:
            path = out / entry.get("contentUrl", "-")
            if entry["@type"] == "cr:FileObject" and path.is_file():
                entry.update(sha256=fingerprint_file(path), contentSize=f"{path.stat().st_size} B")

    edit_json(out / CROISSANT_FILE, refresh_croissant)

    def refresh_manifest(info: dict) -> None:
        manifest = info["files_sha256"]
        for name in manifest:
            if (out / name).is_file():
                manifest[name] = fingerprint_file(out / name)

    edit_json(out / BUILD_INFO_FILE, refresh_manifest)


# --- the corruptions --------------------------------------------------------------------------


def edited_cell(out: Path) -> None:
    def reverse_title(rows):
        rows[3]["title"] = rows[3]["title"][::-1]

    edit_rows(out, TRAIN, reverse_title)


def dropped_shard(out: Path) -> None:
    (out / TEST).unlink()


def extra_shard(out: Path) -> None:
    shutil.copy(out / TEST, out / "data/test-00001-of-00002.parquet")


def card_count_off_by_one(out: Path) -> None:
    edit_card(out, lambda card: card["dataset_info"]["splits"][0].update(
        num_examples=card["dataset_info"]["splits"][0]["num_examples"] + 1))


def card_num_bytes_off(out: Path) -> None:
    edit_card(out, lambda card: card["dataset_info"]["splits"][1].update(
        num_bytes=card["dataset_info"]["splits"][1]["num_bytes"] + 5000))


def card_feature_type_changed(out: Path) -> None:
    def to_int64(card):
        for feature in card["dataset_info"]["features"]:
            if feature["name"] == "word_count":
                feature["dtype"] = "int64"

    edit_card(out, to_int64)


def schema_drift_in_one_shard(out: Path) -> None:
    table = pq.read_table(out / TRAIN)
    index = table.schema.get_field_index("word_count")
    table = table.set_column(index, "word_count", table.column("word_count").cast(pa.int64()))
    pq.write_table(table, out / TRAIN, compression="zstd")


def hf_metadata_stripped(out: Path) -> None:
    table = pq.read_table(out / TEST)
    pq.write_table(table.replace_schema_metadata(None), out / TEST, compression="zstd")


def duplicated_id(out: Path) -> None:
    def copy_id(rows):
        rows[5]["id"] = rows[4]["id"]

    edit_rows(out, TRAIN, copy_id)


def copied_test_row_into_train(out: Path) -> None:
    row = rows_of(out, TEST)[0]
    edit_rows(out, TRAIN, lambda rows: rows.append(row))


def copied_test_body_into_a_train_row(out: Path) -> None:
    body = rows_of(out, TEST)[0]["body"]
    edit_rows(out, TRAIN, lambda rows: set_body(rows[7], body))


def near_duplicate_across_splits(out: Path) -> None:
    body = rows_of(out, TEST)[1]["body"]
    near = body + "\n\nThe story was updated later."
    edit_rows(out, TRAIN, lambda rows: set_body(rows[9], near))


def body_edited_without_derived_fields(out: Path) -> None:
    def edit(rows):
        rows[2]["body"] = rows[2]["body"].replace(" ", "  ", 1)  # same words, other bytes: no leakage either

    edit_rows(out, TEST, edit)


def row_violates_json_schema(out: Path) -> None:
    def russian(rows):
        rows[0]["language"] = "russian"

    edit_rows(out, TEST, russian)


def checksum_mismatch(out: Path) -> None:
    with open(out / "plots" / "sources.png", "ab") as handle:
        handle.write(b"\0")


def truncated_parquet(out: Path) -> None:
    data = (out / TRAIN).read_bytes()
    (out / TRAIN).write_bytes(data[: len(data) // 2])


def lfs_pointer_instead_of_shard(out: Path) -> None:
    (out / TEST).write_text("version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 33807\n")


def broken_yaml(out: Path) -> None:
    text = (out / "README.md").read_text(encoding="utf-8")
    (out / "README.md").write_text(text.replace("license: cc-by-4.0", "license: [cc-by-4.0", 1), encoding="utf-8")


def card_digest_from_another_build(out: Path) -> None:
    """The shards of one build under the card of another: its digest names other shards."""
    def change(card: dict) -> None:
        config = card["configs"][0]
        config["description"] = config["description"].rsplit(" ", 1)[0] + " " + "0" * 64

    edit_card(out, change)


def invalid_license(out: Path) -> None:
    edit_card(out, lambda card: card.update(license="cc-by-4"))


def reject_line_deleted(out: Path) -> None:
    lines = (out / REJECTS_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    (out / REJECTS_FILE).write_text("".join(lines[1:]), encoding="utf-8")


def duplicates_file_missing(out: Path) -> None:
    (out / DUPLICATES_FILE).unlink()


def croissant_field_missing(out: Path) -> None:
    def drop_title(doc):
        default = next(r for r in doc["recordSet"] if r["@id"] == "default")
        default["field"] = [f for f in default["field"] if f["name"] != "title"]

    edit_json(out / CROISSANT_FILE, drop_title)


def croissant_split_missing(out: Path) -> None:
    def drop_test(doc):
        splits = next(r for r in doc["recordSet"] if r["@id"] == "splits")
        splits["data"] = [row for row in splits["data"] if row["splits/name"] != "test"]

    edit_json(out / CROISSANT_FILE, drop_test)


def ledger_split_changed(out: Path) -> None:
    train_id = rows_of(out, TRAIN)[0]["id"]
    table = pq.read_table(out / LEDGER_FILE)
    splits = ["test" if i == train_id else s for i, s in zip(table.column("id").to_pylist(), table.column("split").to_pylist())]
    table = table.set_column(table.schema.get_field_index("split"), "split", pa.array(splits, pa.string()))
    pq.write_table(table, out / LEDGER_FILE, compression="zstd")


@dataclasses.dataclass(frozen=True)
class Case:
    corrupt: Callable[[Path], None]
    errors: frozenset[str]  # exactly these codes among the errors
    reseal: bool = False
    located: tuple[tuple[str, str | None], ...] = ()  # (code, file) that some problem must name
    warnings: frozenset[str] = frozenset()


def case(corrupt, errors, reseal=False, located=(), warnings=()):
    return pytest.param(Case(corrupt, frozenset(errors), reseal, tuple(located), frozenset(warnings)), id=corrupt.__name__)


CASES = [
    # The rewritten shard has another size, so the card's download_size is stale as well, and so is its digest.
    case(edited_cell, {"checksum", "card-size", "card-digest"}, located=[("checksum", TRAIN), ("card-size", "README.md"),
                                                                         ("card-digest", "README.md")]),
    # The manifest lists the shard too: it is missing for the card and for the checksums.
    case(dropped_shard, {"card-data-files", "checksum"}, located=[("card-data-files", TEST), ("checksum", TEST)]),
    case(extra_shard, {"card-data-files"}, located=[("card-data-files", "data/test-00001-of-00002.parquet")]),
    case(card_count_off_by_one, {"card-count"}, located=[("card-count", "README.md")]),
    case(card_num_bytes_off, {"card-size"}, located=[("card-size", "README.md")]),
    case(card_feature_type_changed, {"card-features"}, located=[("card-features", "README.md")]),
    case(schema_drift_in_one_shard, {"parquet-schema"}, reseal=True, located=[("parquet-schema", TRAIN)]),
    case(hf_metadata_stripped, {"parquet-schema"}, reseal=True, located=[("parquet-schema", TEST)]),
    case(duplicated_id, {"duplicate-id"}, reseal=True, located=[("duplicate-id", TRAIN)]),
    # The copy keeps its id, so besides the leaked body: the id is in both splits, the ledger puts
    # it in test, and the data has one row more than the build recorded.
    case(copied_test_row_into_train, {"leakage", "duplicate-id", "split-rule", "accounting"}, reseal=True,
         located=[("leakage", TEST), ("duplicate-id", TEST), ("split-rule", TRAIN), ("accounting", BUILD_INFO_FILE)]),
    # A leaked pair is reported at the row read last (splits in card order: train, then test).
    case(copied_test_body_into_a_train_row, {"leakage"}, reseal=True, located=[("leakage", TEST)]),
    case(near_duplicate_across_splits, {"leakage"}, reseal=True, located=[("leakage", TEST)]),
    case(body_edited_without_derived_fields, {"row-derived"}, reseal=True, located=[("row-derived", TEST)]),
    case(row_violates_json_schema, {"row-schema"}, reseal=True, located=[("row-schema", TEST)]),
    case(checksum_mismatch, {"checksum"}, located=[("checksum", "plots/sources.png")]),
    # A truncated file still fails its recorded digest, and the card's digest of the shards.
    case(truncated_parquet, {"parquet-read", "checksum", "card-digest"}, located=[("parquet-read", TRAIN), ("checksum", TRAIN)]),
    case(lfs_pointer_instead_of_shard, {"parquet-read", "checksum", "card-digest"}, located=[("parquet-read", TEST)]),
    case(card_digest_from_another_build, {"card-digest"}, located=[("card-digest", "README.md")]),
    case(broken_yaml, {"card-yaml"}, located=[("card-yaml", "README.md")]),
    case(invalid_license, {"card-values"}, located=[("card-values", "README.md")]),
    # rejects.jsonl is in the manifest, so the raw edit also fails its digest.
    case(reject_line_deleted, {"accounting", "checksum"}, located=[("accounting", REJECTS_FILE), ("checksum", REJECTS_FILE)]),
    case(reject_line_deleted, {"accounting"}, reseal=True, located=[("accounting", REJECTS_FILE)]),
    # Accounting still holds from the recorded counts; the missing evidence is a warning.
    case(duplicates_file_missing, {"checksum"}, located=[("checksum", DUPLICATES_FILE)], warnings={"accounting"}),
    case(croissant_field_missing, {"croissant"}, reseal=True, located=[("croissant", CROISSANT_FILE)]),
    case(croissant_split_missing, {"croissant"}, reseal=True, located=[("croissant", CROISSANT_FILE)]),
    case(ledger_split_changed, {"split-rule"}, reseal=True, located=[("split-rule", TRAIN)]),
]


@pytest.fixture(scope="module")
def clean(sample_build) -> Path:
    out, _ = sample_build
    return out


def test_the_clean_build_has_no_problem_at_all(clean):
    report = validate(clean)
    assert report.problems == [] and report.ok
    assert report.rows_checked == 305 or report.rows_checked > 0


@pytest.mark.parametrize("corruption", CASES)
def test_corruption_is_detected_with_the_right_code(corruption: Case, clean, tmp_path):
    out = Path(shutil.copytree(clean, tmp_path / "dataset"))
    corruption.corrupt(out)
    if corruption.reseal:
        reseal(out)

    report = validate(out)

    shown = [str(p) for p in report.problems]
    assert {p.code for p in report.errors} == corruption.errors, shown
    assert {p.code for p in report.warnings} == corruption.warnings, shown
    assert not report.ok
    for code, file in corruption.located:
        assert any(p.code == code and p.file == file for p in report.errors), (code, file, shown)
    assert all(p.code in CHECKS and "\n" not in p.message for p in report.problems)


def test_a_card_without_a_digest_of_its_shards_only_warns(clean, tmp_path):
    # A card of an older corpus_lib names no digest: loadable, but load_dataset's cache may serve an older build.
    out = Path(shutil.copytree(clean, tmp_path / "dataset"))
    edit_card(out, lambda card: card["configs"][0].pop("description"))
    report = validate(out)
    assert report.ok and [(p.code, p.file) for p in report.warnings] == [("card-digest", "README.md")]


def test_every_check_code_is_exercised():
    covered = {code for param in CASES for code in param.values[0].errors | param.values[0].warnings}
    assert covered >= set(CHECKS) - {"build-info"}  # build-info: a missing or broken corpus_build.json, in test_validate


def test_row_level_problems_name_the_row_and_field(clean, tmp_path):
    out = Path(shutil.copytree(clean, tmp_path / "dataset"))
    row_violates_json_schema(out)
    reseal(out)
    (problem,) = validate(out).errors
    assert (problem.file, problem.row, problem.field) == (TEST, 0, "language")
    assert "does not match" in problem.message and str(problem).startswith(f"{TEST}:row 0:field language: [row-schema]")


def test_github_format_prints_annotations(clean, tmp_path, capsys):
    out = Path(shutil.copytree(clean, tmp_path / "dataset"))
    row_violates_json_schema(out)
    truncated_parquet(out)

    assert main(["validate", str(out), "--format", "github"]) == 1

    lines = capsys.readouterr().out.splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert f"::error file={out / TRAIN},title=corpus validate [parquet-read]::{TRAIN}: cannot read Parquet: " in "\n".join(annotations)
    assert any(line.startswith(f"::error file={out / TEST},title=corpus validate [row-schema]::{TEST}:row 0:field language: ")
               for line in annotations)
    assert all(line.startswith(("::error ", "::warning ")) and line.count("::") >= 2 for line in annotations)
    assert lines[-1] == f"{out}: INVALID ({validate(out).rows_checked} rows checked)"
