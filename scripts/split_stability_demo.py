#!/usr/bin/env python3
"""Do splits stay put when a corpus grows? corpus_lib's ledger against datasets.train_test_split.

    python scripts/split_stability_demo.py SRC [--share 0.8] [--test 0.1] [--seed 0] [--json OUT.json]

Release 1 is built from a share of SRC's page files (chosen by a seeded shuffle), release 2 from
all of them with `--previous release1`. The script counts how many release-1 records changed
split, and does the same for the script a user would otherwise write: `train_test_split(test_size,
seed)` on release 1's rows, then on release 2's rows (same seed), comparing the two assignments.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq


def _splits_by_id(out: Path) -> dict[str, str]:
    result = {}
    for shard in sorted((out / "data").glob("*.parquet")):
        split = shard.name.split("-")[0]
        for row_id in pq.read_table(shard, columns=["id"]).column("id").to_pylist():
            result[row_id] = split
    return result


def _train_test_split_assignment(ids: list[str], test: float, seed: int) -> dict[str, str]:
    from datasets import Dataset

    parts = Dataset.from_dict({"id": ids}).train_test_split(test_size=test, seed=seed)
    return {**{i: "train" for i in parts["train"]["id"]}, **{i: "test" for i in parts["test"]["id"]}}


def run(src: Path, share: float, test: float, seed: int, work: Path) -> dict:
    from corpus_lib import build

    pages = sorted(p for p in src.rglob("*") if p.is_file() and p.name != "corpus.toml")
    chosen = set(random.Random(seed).sample(pages, int(len(pages) * share)))
    part = work / "part"
    for page in pages:
        if page in chosen:
            target = part / page.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(page, target)
    if (src / "corpus.toml").is_file():
        shutil.copy2(src / "corpus.toml", part / "corpus.toml")

    release1, release2, fresh = work / "release1", work / "release2", work / "release2-no-ledger"
    build(part, release1)
    report2 = build(src, release2, previous=release1)
    build(src, fresh)
    before, after, without = _splits_by_id(release1), _splits_by_id(release2), _splits_by_id(fresh)
    common = sorted(set(before) & set(after))
    common_fresh = sorted(set(before) & set(without))

    tts_before = _train_test_split_assignment(sorted(before), test, seed)
    tts_after = _train_test_split_assignment(sorted(after), test, seed)
    tts_common = sorted(set(tts_before) & set(tts_after))
    return {
        "pages": len(pages),
        "release1_records": len(before),
        "release2_records": len(after),
        "corpus_lib_with_ledger": {
            "common": len(common),
            "changed": sum(before[i] != after[i] for i in common),
            "reported_moves": report2.moved,
        },
        "corpus_lib_without_ledger": {"common": len(common_fresh), "changed": sum(before[i] != without[i] for i in common_fresh)},
        "train_test_split": {
            "common": len(tts_common),
            "changed": sum(tts_before[i] != tts_after[i] for i in tts_common),
            "test_rows_moved_to_train": sum(tts_before[i] == "test" and tts_after[i] == "train" for i in tts_common),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--share", type=float, default=0.8, help="share of the pages in release 1")
    parser.add_argument("--test", type=float, default=0.1, help="test fraction for train_test_split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        result = run(args.src, args.share, args.test, args.seed, Path(work))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
