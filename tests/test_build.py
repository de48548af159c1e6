"""End to end: the sample corpus -> a dataset folder that `datasets` loads with the declared types."""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_lib import BuildError, build, hf_features, validate
from corpus_lib.validate import read_card_yaml


def rows_by_file(out: Path) -> dict[str, dict]:
    rows = {}
    for shard in sorted((out / "data").glob("*.parquet")):
        split = shard.name.split("-")[0]
        for row in pq.read_table(shard).to_pylist():
            rows[row["source_file"]] = dict(row, _split=split)
    return rows


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_input_is_accounted_for(sample_corpus, sample_build):
    out, report = sample_build
    inputs = [p for p in sample_corpus.rglob("*") if p.is_file() and p.name != "corpus.toml"]
    rows, rejects, duplicates = rows_by_file(out), jsonl(out / "rejects.jsonl"), jsonl(out / "duplicates.jsonl")
    accounted = set(rows) | {r["source_file"] for r in rejects} | {d["source_file"] for d in duplicates}
    assert accounted == {p.relative_to(sample_corpus).as_posix() for p in inputs}
    assert report.inputs == len(inputs) == report.records + report.duplicates + report.rejects
    assert all(set(r) == {"source_file", "reason", "message"} and r["message"] for r in rejects)


def test_extraction_matches_the_sample_truth(sample_corpus, sample_build):
    out, _ = sample_build
    truth = jsonl(sample_corpus.parent / "truth.jsonl")
    truth_of = {page["source_file"]: page for page in truth}
    rows = rows_by_file(out)
    rejected = {r["source_file"]: r["reason"] for r in jsonl(out / "rejects.jsonl")}
    dropped = {d["source_file"]: d for d in jsonl(out / "duplicates.jsonl")}
    ids = {r["id"]: r["source_file"] for r in rows.values()}
    for page in truth:
        name = page["source_file"]
        if page["kind"] == "broken":
            assert name in rejected, name
            continue
        if name in dropped:
            kept = rows[ids[dropped[name]["duplicate_of"]]]
            if dropped[name]["kind"] == "exact":
                # The record kept in its place carries this page's text.
                assert kept["body"] == page["body"]
            else:
                # A near-duplicate pair of the truth, whichever of the two the rule kept.
                assert page["duplicate_of"] == kept["source_file"] or truth_of[kept["source_file"]]["duplicate_of"] == name
            continue
        row = rows[name]
        for field in ("title", "body", "published_local", "media", "language", "crawled_local"):
            assert row[field] == page[field], (name, field)
        assert row["input_encoding"] == page["encoding"]


def test_exact_duplicates_point_at_a_kept_record(sample_build):
    out, report = sample_build
    rows = rows_by_file(out)
    kept_ids = {r["id"]: r for r in rows.values()}
    duplicates = jsonl(out / "duplicates.jsonl")
    assert len(duplicates) == report.duplicates >= 9
    for d in duplicates:
        original = kept_ids[d["duplicate_of"]]
        assert d["split"] == original["_split"]
        assert set(d) >= {"source_file", "id", "duplicate_of", "similarity", "split"}


def test_load_dataset_returns_typed_splits_matching_the_card(sample_build):
    from datasets import load_dataset

    out, report = sample_build
    dataset = load_dataset(str(out))
    assert set(dataset) == {"train", "test"}
    card = read_card_yaml(out / "README.md")
    declared = {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]}
    assert {name: len(split) for name, split in dataset.items()} == declared == report.split_sizes
    assert dataset["train"].features == hf_features()
    row = dataset["train"][0]
    assert row["published_at"] is None or row["published_at"].tzinfo is not None
    assert isinstance(row["media"], list)


def test_card_yaml(sample_build):
    out, _ = sample_build
    card = read_card_yaml(out / "README.md")
    assert card["license"] == "cc-by-4.0"
    assert set(card["language"]) == {"az", "en", "ru"}
    assert card["pretty_name"]
    files = {entry["split"]: entry["path"] for entry in card["configs"][0]["data_files"]}
    assert files == {"train": ["data/train-00000-of-00001.parquet"], "test": ["data/test-00000-of-00001.parquet"]}


def test_parquet_shards(sample_build):
    out, _ = sample_build
    shard = pq.ParquetFile(out / "data" / "train-00000-of-00001.parquet")
    assert shard.metadata.row_group(0).column(0).compression == "ZSTD"
    assert str(shard.schema_arrow.field("body").type) == "large_string"
    rows = shard.read(columns=["published_local", "id"]).to_pylist()
    # Publication order (undated last), then id: never the listing order.
    assert rows == sorted(rows, key=lambda r: (r["published_local"] is None, r["published_local"] or "", r["id"]))


def test_validate_passes_then_catches_an_edited_card_count(sample_build, tmp_path):
    out, _ = sample_build
    report = validate(out)
    assert report.ok and not report.warnings, [str(p) for p in report.problems]
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    card = (broken / "README.md").read_text(encoding="utf-8")
    count = read_card_yaml(broken / "README.md")["dataset_info"]["splits"][0]["num_examples"]
    (broken / "README.md").write_text(card.replace(f"num_examples: {count}", f"num_examples: {count + 1}", 1), encoding="utf-8")
    codes = {p.code for p in validate(broken).errors}
    assert codes == {"card-count"}


def test_same_input_same_bytes_for_any_worker_count(sample_corpus, sample_build, tmp_path):
    out, _ = sample_build
    again = tmp_path / "again"
    build(sample_corpus, again, workers=2)
    assert tree_digest(again) == tree_digest(out)


def test_splits_stay_put_when_files_are_removed(sample_corpus, sample_build, tmp_path):
    out, _ = sample_build
    half = tmp_path / "half"
    shutil.copytree(sample_corpus, half)
    for path in sorted(half.rglob("*.txt"))[::2]:
        path.unlink()
    smaller = tmp_path / "smaller"
    build(half, smaller)
    full, part = rows_by_file(out), rows_by_file(smaller)
    common = set(full) & set(part)
    assert len(common) > 100
    assert all(full[name]["_split"] == part[name]["_split"] and full[name]["id"] == part[name]["id"] for name in common)


def test_output_is_replaced_atomically(sample_corpus, tmp_path, monkeypatch):
    build_module = importlib.import_module("corpus_lib.build")  # the package exports a function of that name

    src = tmp_path / "src"
    shutil.copytree(sample_corpus / "mil", src / "mil")
    out = tmp_path / "out"
    build(src, out)
    before = tree_digest(out)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module, "render_card", explode)
    (src / "mil" / "extra.txt").write_text("A new headline for the council\n18.05.2021\n" + "Words in a sentence. " * 20)
    with pytest.raises(RuntimeError):
        build(src, out)
    assert tree_digest(out) == before
    assert not (tmp_path / ".out.partial").exists() and not (tmp_path / ".out.previous").exists()


def test_a_second_build_of_the_same_folder_fails_while_the_first_runs(sample_corpus, tmp_path):
    import subprocess
    import sys

    src = tmp_path / "src"
    shutil.copytree(sample_corpus / "mil", src / "mil")
    out = tmp_path / "out"
    first = build(src, out)
    before = tree_digest(out)
    # Another process holds OUT's build lock, as a running build does, until told to stop.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib; from corpus_lib.build import _only_build_of\n"
         "with _only_build_of(pathlib.Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BuildError, match="another build is writing this folder"):
            build(src, out)
        assert tree_digest(out) == before
    finally:
        holder.communicate("", timeout=60)
    # The lock ends with the process that held it: the next build runs, to the same bytes, and leaves no lock file.
    assert build(src, out).summary_line() == first.summary_line()
    assert tree_digest(out) == before
    assert not (tmp_path / ".out.lock").exists()


def test_refuses_to_replace_a_folder_that_is_not_a_dataset(sample_corpus, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete")
    with pytest.raises(BuildError, match="not a corpus_lib dataset"):
        build(sample_corpus, out)
    with pytest.raises(BuildError, match="inside the corpus folder"):
        build(sample_corpus, sample_corpus / "out")
    assert (out / "thesis.tex").exists()


def test_a_grown_corpus_keeps_every_split_with_the_ledger(sample_corpus, tmp_path):
    from tests.conftest import load_script

    demo = load_script("split_stability_demo")
    result = demo.run(sample_corpus, share=0.7, test=0.1, seed=1, work=tmp_path)
    assert result["corpus_lib_with_ledger"]["common"] > 150
    assert result["corpus_lib_with_ledger"]["changed"] == 0
    assert result["corpus_lib_with_ledger"]["reported_moves"] == 0
    # The seeded permutation moves records between splits when rows are added.
    assert result["train_test_split"]["changed"] > 0


def test_previous_must_have_a_ledger(sample_corpus, tmp_path):
    with pytest.raises(BuildError, match="no split ledger"):
        build(sample_corpus, tmp_path / "out", previous=tmp_path)


def test_streaming_and_slicing_keep_the_exact_features(sample_build):
    from datasets import load_dataset

    out, report = sample_build
    streamed = load_dataset(str(out), split="train", streaming=True)
    assert streamed.features == hf_features()
    first = next(iter(streamed))
    full = load_dataset(str(out), split="train")
    assert first == full[0]
    tenth = load_dataset(str(out), split="train[:10%]")
    assert tenth.features == hf_features()
    assert len(tenth) == round(report.split_sizes["train"] * 0.1)
    assert tenth[0] == full[0]
