from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.records import record_id
from corpus_lib.splits import assign_split, split_point

paths = st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=60, unique=True)


@settings(max_examples=200, deadline=None)
@given(paths, paths, st.randoms(use_true_random=False))
def test_split_never_depends_on_other_records(existing, added, rnd):
    """Adding, removing or reordering other records never changes a record's split."""
    before = {p: assign_split(record_id(p), "v1", 0.2) for p in existing}
    grown = existing + [p for p in added if p not in before]
    rnd.shuffle(grown)
    shrunk = grown[: len(grown) // 2]
    after_grow = {p: assign_split(record_id(p), "v1", 0.2) for p in grown}
    after_shrink = {p: assign_split(record_id(p), "v1", 0.2) for p in shrunk}
    assert all(after_grow[p] == before[p] for p in existing)
    assert all(after_shrink[p] == after_grow[p] for p in shrunk)


def test_fractions_are_close_on_many_keys():
    counts = Counter(assign_split(str(i), "v1", 0.1, 0.05) for i in range(20000))
    assert abs(counts["test"] / 20000 - 0.10) < 0.01
    assert abs(counts["validation"] / 20000 - 0.05) < 0.01


def test_salt_changes_the_assignment_and_growing_test_only_moves_into_test():
    keys = [str(i) for i in range(2000)]
    assert [assign_split(k, "a") for k in keys] != [assign_split(k, "b") for k in keys]
    small = {k: assign_split(k, "v1", 0.1) for k in keys}
    large = {k: assign_split(k, "v1", 0.2) for k in keys}
    assert all(large[k] == "test" for k in keys if small[k] == "test")


def test_split_point_is_a_pure_function():
    assert split_point("abc", "v1") == split_point("abc", "v1")
    assert 0 <= split_point("abc", "v1") < 1


def test_bad_fractions():
    with pytest.raises(ValueError):
        assign_split("a", "v1", 0.7, 0.5)


# --- clusters, ledgers and temporal splits (the release plan) -------------------------------------

import random as _random

from corpus_lib.build import plan_release
from corpus_lib.config import config_from_dict
from corpus_lib.neardup import MinHashParams, signatures

_VOCAB = [f"v{i}" for i in range(4000)]


def _text(seed: int, edits: int = 0) -> str:
    base = _random.Random(seed)
    words = [base.choice(_VOCAB) for _ in range(250)]
    rnd = _random.Random(seed * 1000 + edits)
    for _ in range(edits):
        words[rnd.randrange(len(words))] = rnd.choice(_VOCAB)
    return " ".join(words)


def _records(spec: list[tuple[int, int, int]]) -> list[dict]:
    """(name, story, edits): records of the same story with few edits are near-duplicates."""
    return [
        {"id": f"{name:016x}", "body": _text(story, edits), "url": None, "source_file": f"f{name}.txt",
         "published_local": f"20{10 + name % 15:02d}-01-01", "language": "en"}
        for name, story, edits in spec
    ]


def _plan(records, cfg, previous=None):
    sketches = signatures([r["body"] for r in records], MinHashParams()) if records else None
    return plan_release(records, sketches, cfg, previous)


specs = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 12), st.sampled_from([0, 0, 3, 8, 120])),
    min_size=2, max_size=40, unique_by=lambda t: t[0],
)


@settings(max_examples=40, deadline=None)
@given(specs, specs, st.randoms(use_true_random=False), st.sampled_from(["drop", "mark"]))
def test_with_a_ledger_known_records_keep_their_split(first, more, rnd, near):
    cfg = config_from_dict({"splits": {"test": 0.3}, "dedup": {"near": near}})
    release1 = _plan(_records(first), cfg)
    ledger = {i: e.split for i, e in release1.ledger.items()}
    names = {n for n, _, _ in first}
    grown = [t for t in first if rnd.random() < 0.7] + [t for t in more if t[0] not in names]
    rnd.shuffle(grown)
    release2 = _plan(_records(grown), cfg, ledger)
    moved = {m["id"] for m in release2.moves}
    for record_id, entry in release2.ledger.items():
        if record_id in ledger and record_id not in moved:
            assert entry.split == ledger[record_id]
    # A move only happens where a new record joins clusters the previous release kept in different splits.
    for record_id in moved:
        cluster = [i for i, e in release2.ledger.items() if e.cluster == release2.ledger[record_id].cluster]
        assert len({ledger[i] for i in cluster if i in ledger}) > 1


@settings(max_examples=40, deadline=None)
@given(specs, st.sampled_from(["drop", "mark"]))
def test_near_duplicates_never_straddle_splits(spec, near):
    cfg = config_from_dict({"splits": {"test": 0.5}, "dedup": {"near": near}})
    records = _records(spec)
    release = _plan(records, cfg)
    assert release.leakage_pairs == 0
    split_of = {i: e.split for i, e in release.ledger.items()}
    sketches = signatures([r["body"] for r in records], MinHashParams())
    from corpus_lib.neardup import similar_pairs

    for i, j, _ in similar_pairs(sketches, MinHashParams()):
        assert split_of[records[i]["id"]] == split_of[records[j]["id"]]
    for row in release.duplicate_rows:
        assert row["split"] == split_of[row["duplicate_of"]]


def test_mark_mode_keeps_near_duplicates_with_a_pointer():
    records = [dict(r, duplicate_of=None) for r in _records([(1, 5, 0), (2, 5, 3), (3, 6, 0)])]
    release = _plan(records, config_from_dict({"dedup": {"near": "mark"}}))
    kept = {r["id"]: r for r in release.kept}
    assert len(kept) == 3 and not release.duplicate_rows
    assert kept[f"{2:016x}"]["duplicate_of"] == f"{1:016x}"
    assert kept[f"{1:016x}"]["duplicate_of"] is None
    assert release.marked == 1


def test_temporal_split():
    records = _records([(n, n, 0) for n in range(30)])
    records[0]["published_local"] = None
    release = _plan(records, config_from_dict({"splits": {"cutoff": "2020-01-01", "validation": 0.2}}))
    for record in records:
        entry = release.ledger[record["id"]]
        if record["published_local"] is None:
            assert entry.reason == "hash"
        elif record["published_local"] >= "2020-01-01":
            assert (entry.split, entry.reason) == ("test", "temporal")
        else:
            assert entry.split in ("train", "validation") and entry.reason == "temporal"
