from collections import Counter
import itertools
import json
import random as _random
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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

from corpus_lib import build, record_id, validate
from corpus_lib.build import plan_release
from corpus_lib.config import config_from_dict
from corpus_lib.neardup import MinHashParams, estimated_similarity, signatures

_VOCAB = [f"v{i}" for i in range(4000)]


def _story(seed: int, words: int = 250) -> list[str]:
    base = _random.Random(seed)
    return [base.choice(_VOCAB) for _ in range(words)]


def _text(seed: int, variant: int | str = 0, length: int = 250) -> str:
    """A story's text: `variant` words replaced (an int), or the window 'wK' of a longer telling, each
    window 20 words on from the last, so windows 1 apart are near-duplicates and 2 apart borderline."""
    if isinstance(variant, str):
        offset = int(variant[1:]) * 20
        return " ".join(_story(seed, 400)[offset : offset + 300])
    words = _story(seed, length)
    rnd = _random.Random(seed * 1000 + variant)
    for _ in range(variant):
        words[rnd.randrange(len(words))] = rnd.choice(_VOCAB)
    return " ".join(words)


def _records(spec: list[tuple], length: int = 250) -> list[dict]:
    """(name, story, variant): records of the same story with few edits, or adjacent windows, are near-duplicates."""
    return [
        {"id": f"{name:016x}", "body": _text(story, variant, length), "url": None, "source_file": f"f{name}.txt",
         "published_local": None if name % 11 == 0 else f"20{10 + name % 15:02d}-01-01", "language": "en"}
        for name, story, variant in spec
    ]


def _plan(records, cfg, previous=None, reference=None):
    sketches = signatures([r["body"] for r in records], MinHashParams()) if records else None
    return plan_release(records, sketches, cfg, previous, reference)


def _splits(release) -> dict[str, str]:
    return {i: e.split for i, e in release.ledger.items()}


def _check_release(records, release) -> None:
    """Every record kept or listed once; duplicates point at a kept record and carry a split."""
    kept = {r["id"]: r for r in release.kept}
    dropped = {d["id"]: d for d in release.duplicate_rows}
    assert len(kept) == len(release.kept) and len(dropped) == len(release.duplicate_rows) and not set(kept) & set(dropped)
    assert set(kept) | set(dropped) == {r["id"] for r in records} == set(release.ledger)
    for row in dropped.values():
        assert row["duplicate_of"] in kept and row["split"] == release.ledger[row["id"]].split
    assert release.leakage_pairs == 0


variants = st.sampled_from([0, 0, 3, 8, 120, "w0", "w1", "w2", "w3", "w4"])
specs = st.lists(st.tuples(st.integers(0, 400), st.integers(0, 12), variants), min_size=2, max_size=40, unique_by=lambda t: t[0])
# Windows with gaps, then windows that fill them: a new window often joins two clusters that the
# first release kept apart, and put in different splits (a bridge).
def _windows(offsets: list[str], names: range, most: int):
    return st.lists(st.tuples(st.sampled_from(names), st.integers(0, 1), st.sampled_from(offsets)),
                    min_size=1, max_size=most, unique_by=lambda t: t[0])


gapped, gap_fillers = _windows(["w0", "w2", "w4", 3], range(0, 400), 8), _windows(["w1", "w3"], range(400, 800), 4)
configs = st.sampled_from([
    {"splits": {"test": 0.3}},
    {"splits": {"test": 0.3, "validation": 0.3}},
    {"splits": {"cutoff": "2018-01-01", "validation": 0.2}},
])


def _grow(first, more, rnd, keep=0.7):
    """A second version of an input: some records removed, new ones added, all reordered."""
    names = {n for n, _, _ in first}
    grown = [t for t in first if rnd.random() < keep] + [t for t in more if t[0] not in names]
    rnd.shuffle(grown)
    return grown


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.tuples(specs, specs), st.tuples(gapped, gap_fillers)), st.randoms(use_true_random=False),
       st.sampled_from(["drop", "mark"]), configs)
def test_with_a_ledger_known_records_keep_their_split(versions, rnd, near, raw):
    first, more = versions
    cfg = config_from_dict(dict(raw, dedup={"near": near}))
    release1 = _plan(_records(first), cfg)
    ledger = _splits(release1)
    records2 = _records(_grow(first, more, rnd))
    release2 = _plan(records2, cfg, ledger)
    assert release2.moves == []
    assert all(entry.split == ledger[i] for i, entry in release2.ledger.items() if i in ledger)
    _check_release(records2, release2)
    # And again from release 2's ledger, where earlier bridges are known records.
    release3 = _plan(list(reversed(records2)), cfg, _splits(release2))
    assert release3.moves == [] and _splits(release3) == _splits(release2)
    _check_release(records2, release3)


def _bridge_records(x_date: str | None = "2019-01-01"):
    """A in test and B in train, not near-duplicates of each other; X is a near-duplicate of both."""
    names = [f"{n:016x}" for n in range(100)]
    a = next(n for n in names if assign_split(n, "v1", 0.5) == "test")
    b = next(n for n in names if assign_split(n, "v1", 0.5) == "train")
    story = _story(7, 400)
    body = {"a": story[0:300], "x": story[20:320], "b": story[40:340]}
    record = lambda i, key, day: {"id": i, "body": " ".join(body[key]), "url": None, "source_file": f"{key}.txt", "published_local": day}  # noqa: E731
    return record(a, "a", "2020-01-02"), record(b, "b", "2020-01-03"), record("ffff000000000000", "x", x_date)


@pytest.mark.parametrize("near", ["drop", "mark"])
def test_a_new_record_that_bridges_two_splits_is_dropped_and_nobody_moves(near):
    a, b, x = _bridge_records()
    sketch = {r["id"]: signatures([r["body"]], MinHashParams())[0] for r in (a, b, x)}
    similarity = lambda r, s: estimated_similarity(sketch[r["id"]], sketch[s["id"]])  # noqa: E731
    assert similarity(a, b) < 0.8 <= min(similarity(a, x), similarity(b, x))  # the case: X joins A and B
    cfg = config_from_dict({"splits": {"test": 0.5}, "dedup": {"near": near}})
    release1 = _plan([a, b], cfg)
    assert _splits(release1) == {a["id"]: "test", b["id"]: "train"}

    for records in ([a, b, x], [x, b, a]):
        release2 = _plan(records, cfg, _splits(release1))
        assert release2.moves == [] and {r["id"] for r in release2.kept} == {a["id"], b["id"]}
        [row] = release2.duplicate_rows
        assert row["id"] == x["id"] and row["kind"] == "bridge"
        nearest = b if similarity(b, x) > similarity(a, x) else a
        assert row["duplicate_of"] == nearest["id"] and row["split"] == _splits(release1)[nearest["id"]]
        assert row["similarity"] == round(similarity(nearest, x), 4)
        assert _splits(release2) == {**_splits(release1), x["id"]: row["split"]}
        _check_release(records, release2)
    # Release 3 from release 2's ledger: the bridge is a known record now, and is still the one dropped.
    release3 = _plan([x, a, b], cfg, _splits(release2))
    assert release3.duplicate_rows == release2.duplicate_rows and _splits(release3) == _splits(release2)
    # Without a ledger the three are one cluster with one split, whoever moves (reported against release 1).
    fresh = _plan([a, b, x], cfg, reference=_splits(release1))
    assert len(set(_splits(fresh).values())) == 1
    assert fresh.moves == [{"id": i, "from": s, "to": fresh.ledger[i].split} for i, s in sorted(_splits(release1).items()) if fresh.ledger[i].split != s]


def test_a_known_record_whose_body_joined_another_split_is_dropped_not_moved():
    a, b, _ = _bridge_records()
    cfg = config_from_dict({"splits": {"test": 0.5}})
    ledger = _splits(_plan([a, b], cfg))
    changed = dict(b, body=a["body"] + " one more line")  # B's page now carries A's text
    for records in ([a, changed], [changed, a]):
        release = _plan(records, cfg, ledger)
        assert release.moves == [] and _splits(release) == ledger
        [row] = release.duplicate_rows
        assert (row["id"], row["kind"], row["duplicate_of"], row["split"]) == (b["id"], "bridge", a["id"], "train")
        assert [r["id"] for r in release.kept] == [a["id"]] and release.leakage_pairs == 0


@settings(max_examples=60, deadline=None)
@given(specs, specs, st.randoms(use_true_random=False), st.sampled_from(["drop", "mark", "off"]), configs)
def test_without_a_ledger_only_records_whose_cluster_changed_move(first, more, rnd, near, raw):
    cfg = config_from_dict(dict(raw, dedup={"near": near}))
    release1 = _plan(_records(first), cfg)
    release2 = _plan(_records(_grow(first, more, rnd)), cfg, reference=_splits(release1))
    common = set(release1.ledger) & set(release2.ledger)
    changed = {i for i in common if release1.ledger[i].split != release2.ledger[i].split}
    assert {m["id"] for m in release2.moves} == changed  # each move is reported
    for moved_id in changed:
        # The split is a function of the cluster's representative: it moved only because that changed.
        assert release1.ledger[moved_id].cluster != release2.ledger[moved_id].cluster


def _shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    """The near-duplicate rule's shingles (neardup.signatures): word n-grams of the casefolded text."""
    words = text.casefold().split()
    if len(words) - size + 1 <= 1:
        return {tuple(words)}
    return {tuple(words[k : k + size]) for k in range(len(words) - size + 1)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


# Near-duplicates clearly above the threshold (600 words, at most 2 changed: Jaccard >= 0.9) and
# records clearly unrelated (another story, or 400 words changed), so LSH's recall is not on trial.
clear_specs = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 8), st.sampled_from([0, 0, 1, 2, 400])),
    min_size=2, max_size=40, unique_by=lambda t: t[0],
)


@settings(max_examples=60, deadline=None)
@given(clear_specs, clear_specs, st.randoms(use_true_random=False), st.sampled_from(["drop", "mark"]), st.booleans())
def test_near_duplicates_never_straddle_splits(spec, more, rnd, near, with_ledger):
    cfg = config_from_dict({"splits": {"test": 0.5}, "dedup": {"near": near}})
    previous = _splits(_plan(_records(spec, 600), cfg)) if with_ledger else None
    records = _records(_grow(spec, more, rnd) if with_ledger else spec, 600)
    release = _plan(records, cfg, previous)
    _check_release(records, release)
    split_of = _splits(release)
    kept = {r["id"] for r in release.kept}
    shingles = {r["id"]: _shingles(r["body"]) for r in records}
    for a, b in itertools.combinations(sorted(shingles), 2):
        similarity = _jaccard(shingles[a], shingles[b])
        assert similarity >= 0.9 or similarity <= 0.3  # the generator's promise
        if similarity >= cfg.near_threshold and a in kept and b in kept:
            assert split_of[a] == split_of[b], (a, b, similarity)
        if similarity >= cfg.near_threshold and not with_ledger:
            assert split_of[a] == split_of[b], (a, b, similarity)  # dropped ones too: one split per cluster
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
    records = _records([(n, n, 0) for n in range(1, 31)])
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


# --- whole builds ----------------------------------------------------------------------------------

_EN = (
    "the council approved new budget after long debate members opposition said plan does not give enough "
    "money schools while mayor argued keeps taxes low will take effect april first payments districts "
    "expected before summer holidays begin residents police reported road bridge construction company "
    "workers hospital minister government election voters campaign weather storm river festival museum"
).split()


def _sentences(story: int, count: int = 48) -> list[str]:
    rnd = _random.Random(story)
    return [" ".join(rnd.choice(_EN) for _ in range(12)).capitalize() + "." for _ in range(count)]


def _page(title: str, dateline: str | None, sentences: list[str]) -> str:
    paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
    return "\n".join(["Home | World | Sport", title] + ([dateline] if dateline else []) + paragraphs) + "\n"


def _name_in(split: str, test: float, taken: set[str], folder: str = "news") -> str:
    """A file name whose id the hash rule puts in `split`."""
    for n in itertools.count():
        name = f"{folder}/p{n}.txt"
        if name not in taken and assign_split(record_id(name), "v1", test) == split:
            taken.add(name)
            return name


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _fillers(src: Path, count: int, taken: set[str]) -> None:
    for n in range(count):
        name = f"news/other{n}.txt"
        taken.add(name)
        (src / name).write_text(_page(f"Another story number {n} about the river", f"2{n % 9}.05.2021 10:00", _sentences(100 + n, 30)))


def _assert_valid(out: Path) -> None:
    report = validate(out)
    assert report.ok and not report.warnings, [str(p) for p in report.problems]


def test_a_bridging_page_is_listed_as_a_duplicate_and_the_build_validates(tmp_path):
    src = tmp_path / "src"
    (src / "news").mkdir(parents=True)
    (src / "corpus.toml").write_text('[dataset]\nlicense = "cc-by-4.0"\n[splits]\ntest = 0.5\n')
    taken: set[str] = set()
    a, b = _name_in("test", 0.5, taken), _name_in("train", 0.5, taken)
    story = _sentences(1)
    (src / a).write_text(_page("Council approves a new budget for schools", "18.05.2021 20:06", story[0:36]))
    (src / b).write_text(_page("Council approves a new budget for roads", "19.05.2021 20:06", story[6:42]))
    _fillers(src, 5, taken)
    build(src, tmp_path / "r1", cache=False)
    (src / "news" / "x.txt").write_text(_page("Council approves a new budget", "17.05.2021 20:06", story[3:39]))

    report = build(src, tmp_path / "r2", cache=False, previous=tmp_path / "r1")
    assert report.moved == 0 and report.leakage_pairs == 0
    [row] = _jsonl(tmp_path / "r2" / "duplicates.jsonl")
    assert (row["source_file"], row["kind"]) == ("news/x.txt", "bridge")
    assert row["duplicate_of"] in (record_id(a), record_id(b))
    assert row["split"] == ("test" if row["duplicate_of"] == record_id(a) else "train")
    info = json.loads((tmp_path / "r2" / "corpus_build.json").read_text(encoding="utf-8"))
    assert info["splits"]["moved"] == [] and info["dedup"]["dropped_by_kind"] == {"bridge": 1}
    _assert_valid(tmp_path / "r2")


def test_a_rebuild_into_out_reports_moves_against_the_release_it_replaces(tmp_path, capsys):
    from corpus_lib.cli import main

    src, out = tmp_path / "src", tmp_path / "out"
    (src / "news").mkdir(parents=True)
    (src / "corpus.toml").write_text('[dataset]\nlicense = "cc-by-4.0"\n[splits]\ntest = 0.5\n')
    taken: set[str] = set()
    a = _name_in("test", 0.5, taken)
    story = _sentences(2)
    (src / a).write_text(_page("Council approves a new budget for schools", "18.05.2021 20:06", story[0:36]))
    _fillers(src, 4, taken)
    assert build(src, out, cache=False).moved == 0  # nothing in OUT to compare with
    # An earlier copy of A becomes its cluster's representative, which the rule puts in train: A moves.
    x = _name_in("train", 0.5, taken)
    (src / x).write_text(_page("Council approves a new budget for schools", "17.05.2021 09:00", story[0:35]))

    assert main(["build", str(src), str(out), "--no-cache"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"ids of the previous release in another split: 1\b", printed)
    assert f"{record_id(a)} test->train" in printed
    # Reported, not written: OUT is what a fresh build of the same input gives.
    info = json.loads((out / "corpus_build.json").read_text(encoding="utf-8"))
    assert info["splits"]["moved"] == [] and info["splits"]["previous_ledger"] is False
    build(src, tmp_path / "fresh_grown", cache=False)
    assert _tree(out) == _tree(tmp_path / "fresh_grown")
    _assert_valid(out)
    # The same input again: nothing moves, and the folder is what a fresh build gives.
    assert build(src, out, cache=False).moved == 0
    build(src, tmp_path / "fresh", cache=False)
    assert _tree(out) == _tree(tmp_path / "fresh")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_temporal_build_with_validation_counts_undated_records_in_the_card(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "news").mkdir(parents=True)
    (src / "corpus.toml").write_text(
        '[dataset]\nlicense = "cc-by-4.0"\n[splits]\ntest = 0.2\nvalidation = 0.3\ncutoff = "2021-06-01"\n'
    )
    datelines = [f"{day:02d}.{month:02d}.2021 12:00" for month in (4, 5, 6, 7) for day in (3, 17)] + [None] * 5
    for n, dateline in enumerate(datelines):
        (src / "news" / f"p{n}.txt").write_text(_page(f"Story number {n} about the city budget", dateline, _sentences(300 + n, 24)))
    report = build(src, out, cache=False)
    assert report.records == len(datelines) and report.leakage_pairs == 0
    rows = {}
    for shard in sorted((out / "data").glob("*.parquet")):
        for row in pq.read_table(shard, columns=["id", "published_local"]).to_pylist():
            rows[row["id"]] = (shard.name.split("-")[0], row["published_local"])
    undated = [i for i, (_, day) in rows.items() if day is None]
    assert len(undated) == 5
    for record_id_, (split, day) in rows.items():
        if day is None:
            assert split == assign_split(record_id_, "v1", 0.2, 0.3)
        elif day >= "2021-06-01":
            assert split == "test"
        else:
            assert split in ("train", "validation")
    info = json.loads((out / "corpus_build.json").read_text(encoding="utf-8"))
    assert info["splits"]["by_reason"] == {"hash": 5, "temporal": len(datelines) - 5}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "records without a date follow the hash rule" in card and "5 of them" in card
    assert {name: count for name, count in report.split_sizes.items()} == dict(Counter(split for split, _ in rows.values()))
    _assert_valid(out)
