"""The global steps' on-disk stores (light table, sketch file), the compact input list and the
bounded batch window: each gives what its in-memory counterpart gives."""

from __future__ import annotations

import hashlib
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyarrow.parquet as pq

from corpus_lib.cache import KnownKeys, PageCache
from corpus_lib.dedup import body_fingerprint, cluster_records, digest_groups
from corpus_lib.engine import run_batches
from corpus_lib.inputs import InputFile, discover
from corpus_lib.lights import LightTable
from corpus_lib.neardup import MinHashParams, SketchFile, _shared_key_pairs, similar_pairs


def light(i: int, body: str, url: str | None = None, published: str | None = None, segment: str | None = "seg-a") -> dict:
    return {
        "id": f"{i:016x}", "source_file": f"site/{i}.txt", "url": url, "published_local": published,
        "language": "en", "source": "site", "char_count": len(body), "_fingerprint": body_fingerprint(body),
        "_key": hashlib.sha256(str(i).encode()).hexdigest(), "_segment": segment,
    }


def test_light_table_on_disk_reads_back_what_went_in(tmp_path):
    rows = [light(i, f"body {i % 7}", url=f"https://x/{i % 5}" if i % 3 else None, published="2021-05-18T10:00:00" if i % 2 else None,
                  segment=f"seg-{i % 4}") for i in range(20_000)]
    table = LightTable(tmp_path / "lights")
    for start in range(0, len(rows), 700):  # batches that do not line up with the spill size
        table.append(rows[start : start + 700])
    table.close()
    memory = LightTable.from_records(rows)
    assert len(table) == len(memory) == len(rows)
    assert table.column("id").to_pylist() == [r["id"] for r in rows]
    assert np.array_equal(table.digests("_fingerprint"), memory.digests("_fingerprint"))
    assert bytes(table.digests("_fingerprint")[3]).hex() == rows[3]["_fingerprint"]
    column = table.digest_column("_fingerprint")
    assert np.array_equal(column.prefixes, memory.digest_column("_fingerprint").prefixes)
    assert column.hex(np.array([19_999, 3])) == [rows[19_999]["_fingerprint"], rows[3]["_fingerprint"]]
    assert [g.tolist() for g in column.groups()] == [g.tolist() for g in digest_groups(table.digests("_fingerprint"))]
    assert len(column.groups()) == 7  # the seven bodies
    codes = table.url_codes()
    assert np.array_equal(codes, memory.url_codes())
    assert (codes == -1).sum() == sum(1 for r in rows if r["url"] is None)
    assert len({c for c, r in zip(codes, rows) if r["url"] == "https://x/1"}) == 1
    assert len({c for c, r in zip(codes, rows) if r["url"] is not None}) == 5
    picked = table.rows([5, 0, 19_999], ("id", "url", "_key"))
    assert picked == [{"id": rows[i]["id"], "url": rows[i]["url"], "_key": rows[i]["_key"]} for i in (5, 0, 19_999)]
    segments = table.column("_segment").to_pylist()
    assert [table.segments[s] for s in segments[:8]] == [r["_segment"] for r in rows[:8]]


def test_url_codes_group_equal_urls_only():
    urls = ["https://a/1", None, "https://a/2", "https://a/1", "https://b", None, "https://a/2", "https://c"]
    codes = LightTable.from_records([dict(light(i, "x"), url=u) for i, u in enumerate(urls)]).url_codes()
    assert codes[0] == codes[3] != codes[2] == codes[6] >= 0
    assert [codes[i] for i in (1, 4, 5, 7)] == [-1, -1, -1, -1]  # no URL, or one no other row has


def test_light_table_takes_fingerprints_from_bodies():
    table = LightTable.from_records([{"id": "a", "body": "Some text"}, {"id": "b", "body": "SOME  text"}])
    assert bytes(table.digests("_fingerprint")[0]) == bytes(table.digests("_fingerprint")[1])


def test_sketch_file_views(tmp_path):
    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 2**32, size=(1000, 16), dtype=np.uint32)
    stored = SketchFile(16, tmp_path / "s.u32")
    for start in range(0, 1000, 64):
        stored.append(matrix[start : start + 64].tobytes())
    with pytest.raises(ValueError, match="whole number"):
        stored.append(b"123")
    assert len(stored) == 1000
    assert np.array_equal(stored.matrix(), matrix)
    assert np.array_equal(stored.take([999, 3, 4, 5]), matrix[[999, 3, 4, 5]])
    view = stored.select(np.arange(0, 1000, 3)).select([1, 0, 5])
    assert np.array_equal(view.matrix(), matrix[[3, 0, 15]])
    assert np.array_equal(view[2], matrix[15])
    seen = np.concatenate([block for _, block in stored.chunks(size=300)])
    assert np.array_equal(seen, matrix)
    stored.close()
    assert os.path.getsize(tmp_path / "s.u32") == matrix.nbytes


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(2, 400), copies=st.integers(0, 40), threshold=st.sampled_from([0.5, 0.7, 0.8, 0.9]))
def test_similar_pairs_from_a_file_match_the_pairwise_truth(tmp_path_factory, seed, rows, copies, threshold):
    """Banding on hashed keys, a chunk at a time, finds what the full pairwise comparison finds
    among pairs that share a band (verified on the full rows), whether the rows are on disk or not."""
    rng = np.random.default_rng(seed)
    perm = 32
    params = MinHashParams(threshold=threshold, num_perm=perm)
    matrix = rng.integers(0, 50, size=(rows, perm), dtype=np.uint32)  # small values: many equal bands
    for _ in range(copies):
        i, j = rng.integers(0, rows, 2)
        matrix[j] = matrix[i]
        changed = rng.random(perm) < rng.random() * 0.5
        matrix[j][changed] = rng.integers(0, 50, changed.sum())
    path = tmp_path_factory.mktemp("sk") / "s.u32"
    stored = SketchFile(perm, path)
    stored.append(matrix.tobytes())
    found = similar_pairs(stored, params)
    assert found == similar_pairs(matrix, params)
    bands, width = params.bands
    # Truth: a row identical to an earlier one is a copy of the first such row; other pairs count
    # when they share a band and are similar enough.
    first_of: dict[bytes, int] = {}
    expected = set()
    for j in range(rows):
        key = matrix[j].tobytes()
        if key in first_of:
            expected.add((first_of[key], j, 1.0))
        else:
            first_of[key] = j
    distinct = sorted(first_of.values())
    for a, i in enumerate(distinct):
        for j in distinct[a + 1 :]:
            shared = any(np.array_equal(matrix[i, b * width : (b + 1) * width], matrix[j, b * width : (b + 1) * width]) for b in range(bands))
            similarity = float(np.mean(matrix[i] == matrix[j]))
            if shared and similarity >= threshold:
                expected.add((i, j, similarity))
    assert set(found) == expected


def test_clusters_from_the_file_match_in_memory(tmp_path):
    rng = np.random.default_rng(5)
    records = [{"id": f"{i:016x}", "body": f"text {i % 40}", "url": None, "published_local": None} for i in range(200)]
    matrix = rng.integers(0, 2**32, size=(200, 128), dtype=np.uint32)
    matrix[150:] = matrix[:50]
    stored = SketchFile(128, tmp_path / "s.u32")
    stored.append(matrix.tobytes())
    params = MinHashParams()
    a, b = cluster_records(records, matrix, params), cluster_records(records, stored, params)
    assert a.representative_of == b.representative_of and a.members == b.members and a.near_pairs == b.near_pairs == 50


def test_input_files_are_compact_and_sorted(tmp_path):
    src = tmp_path / "src"
    names = ["b/é.txt", "b/z.txt", "a/2.html", "a/10.txt", "c.txt", "Z.txt"]
    for name in names:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text("x")
    os.symlink(src / "c.txt", src / "d-link.txt")
    files, rejects = discover(src)
    assert not rejects
    assert [f.source_file for f in files] == sorted(names + ["d-link.txt"])  # code point order, as sorted()
    assert files[1:3] == [files[1], files[2]] and isinstance(files[0], InputFile)
    link = next(f for f in files if f.source_file == "d-link.txt")
    assert link.path == str((src / "c.txt").resolve())
    assert files[0].path == os.path.join(str(src.resolve()), files[0].source_file)


def _double(batch):
    return [2 * x for x in batch]


def test_the_batch_window_keeps_input_order():
    items = list(range(5000))  # 79 batches: more than the window of batches ahead
    assert list(run_batches(_double, items, 2)) == [2 * x for x in items]
    assert list(run_batches(_double, items, 1)) == [2 * x for x in items]


# Set only in the driver by the test below; a worker forked from the driver would see it.
_DRIVER_ONLY: list[int] | None = None


def _what_the_worker_holds(batch):
    return [(_DRIVER_ONLY is None, os.getpid()) for _ in batch]


def test_pool_workers_do_not_inherit_the_driver_memory(monkeypatch):
    """The workers start from a fork server, not a fork of the driver: what the driver holds (the
    page list of a big build) is not copied into every worker, and the context comes through init."""
    monkeypatch.setattr(sys.modules[__name__], "_DRIVER_ONLY", list(range(1000)))
    results = list(run_batches(_what_the_worker_holds, list(range(300)), 2))
    assert len(results) == 300
    assert all(clean for clean, _ in results)
    assert os.getpid() not in {pid for _, pid in results}


def test_known_keys_find_every_key_and_no_other():
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(3000)]
    keys += ["00" * 31 + "ab", "00" * 31 + "ac", "ab" + "00" * 31, "00" * 32]  # shared prefixes, trailing zero bytes
    known = KnownKeys(keys)
    assert len(known) == len(keys)
    assert [known.position(k) for k in keys] == list(range(len(keys)))
    assert hashlib.sha256(b"other").hexdigest() not in known and "00" * 31 + "ad" not in known and 7 not in known
    assert KnownKeys([]).position(keys[0]) is None


def test_cache_index_reads_light_rows_from_their_segments(tmp_path):
    cache = PageCache(tmp_path / "cache")
    cache.prepare()
    rows = [dict(light(i, f"body {i}"), _segment=None) for i in range(300)]
    for row in rows:
        del row["_segment"]
    names = [cache.write_segment(rows[start : start + 64]) for start in range(0, 300, 64)]
    cache.write_segment(rows[:10])  # a key in two segments is found in the first by name
    index = cache.load_index()
    assert len(index) == 300
    for i in (0, 63, 64, 299, 5):
        found = index.light(rows[i]["_key"])
        assert found["id"] == rows[i]["id"] and found["_fingerprint"] == rows[i]["_fingerprint"]
        assert found["_segment"] == min(n for n in cache.segment_names() if rows[i]["_key"] in set(pq.read_table(cache.segments / n).column("_key").to_pylist()))
    assert names[0] in cache.segment_names()
    with pytest.raises(KeyError):
        index.light(hashlib.sha256(b"absent").hexdigest())


@settings(max_examples=20, deadline=None)
@given(
    stories=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=40),
    known=st.integers(0, 40),
    mode=st.sampled_from(["drop", "mark"]),
)
def test_release_on_disk_equals_release_in_memory(tmp_path_factory, stories, known, mode):
    """plan_release on a spilled LightTable and SketchFile decides what it decides on the records
    in memory: the same kept records, duplicates, ledger, moves and leakage, with a previous ledger."""
    from corpus_lib.config import config_from_dict
    from corpus_lib.neardup import signatures
    from corpus_lib.release import plan_release

    vocabulary = [f"v{i}" for i in range(500)]
    records = []
    for n, (story, edits) in enumerate(stories):
        words = [vocabulary[(story * 7919 + k * 31) % 500] for k in range(120)]
        for e in range(edits):
            words[(n + e * 13) % 120] = vocabulary[(n * 17 + e) % 500]
        records.append(light(n, " ".join(words), url=f"https://x/{story}" if n % 4 == 0 else None,
                             published=f"2021-0{1 + n % 9}-01T00:00:00" if n % 3 else None))
        records[-1]["body"] = " ".join(words)
        records[-1]["_fingerprint"] = body_fingerprint(records[-1]["body"])
    cfg = config_from_dict({"dedup": {"near": mode}})
    sketches = signatures([r["body"] for r in records], MinHashParams())
    previous = {r["id"]: ("test" if i % 3 == 0 else "train") for i, r in enumerate(records[:known])}

    folder = tmp_path_factory.mktemp("release")
    table = LightTable(folder / "lights")
    table.append(records)
    table.close()
    stored = SketchFile(sketches.shape[1], folder / "sketches.u32")
    stored.append(sketches.tobytes())

    memory = plan_release(records, sketches, cfg, previous)
    disk = plan_release(table, stored, cfg, previous)
    assert [r["id"] for r in disk.kept] == [r["id"] for r in memory.kept]
    assert disk.duplicate_rows == memory.duplicate_rows
    assert disk.ledger == memory.ledger and disk.moves == memory.moves == []
    assert disk.leakage_pairs == memory.leakage_pairs and disk.marked == memory.marked
    assert disk.ledger_table().equals(memory.ledger_table())
    assert all(disk.ledger[i].split == s for i, s in previous.items())  # known ids keep their splits


@settings(max_examples=80, deadline=None)
@given(keys=st.lists(st.integers(0, 6), max_size=80), spread=st.integers(1, 40), limit=st.sampled_from([1, 2, 7, 64, 1 << 20]))
def test_shared_key_pairs_are_every_pair_of_equal_keys(keys, spread, limit):
    """The band-key pairing gives each pair of equal keys once, smaller position first, for groups
    below and above the size that is paired in one vectorised step, in blocks of at most `limit`
    pairs (or one row of a large group's triangle)."""
    values = np.asarray([k * spread for k in keys], dtype=np.uint64)
    blocks = list(_shared_key_pairs(values, limit))
    longest_row = max(len(keys) - 1, 0)
    assert all(len(left) == len(right) and 0 < len(left) <= max(limit, longest_row) for left, right in blocks)
    found = sorted((i, j) for left, right in blocks for i, j in zip(left.tolist(), right.tolist()))
    expected = [(i, j) for i in range(len(keys)) for j in range(i + 1, len(keys)) if keys[i] == keys[j]]
    assert found == expected


@settings(max_examples=80, deadline=None)
@given(
    ids=st.lists(st.text("0123456789abcdef", min_size=16, max_size=16), max_size=50),
    odd=st.sampled_from([None, "upper", "short", "null"]),
    block=st.sampled_from([1, 3, 65536]),
)
def test_id_order_is_the_stable_order_of_the_id_strings(ids, odd, block):
    """Ids of record_id's form are sorted as uint64 keys made a block at a time; an id of any other
    form (upper case, another length, null) falls back to sorting the strings. Either way the order
    is the strings' stable order, equal ids keeping their input order."""
    from unittest import mock

    import pyarrow as pa

    from corpus_lib import lights as lights_module

    ids = ids + ids[: len(ids) // 3]  # repeated ids: the sort must be stable
    if odd and ids:
        ids[-1] = {"upper": ids[-1][:15] + "A", "short": ids[-1][:15], "null": None}[odd]
    array = pa.array(ids, pa.string()).slice(0)
    with mock.patch.object(lights_module, "_KEY_BLOCK", block):
        order = lights_module.id_order(array)
        keys = lights_module.id_keys(array)
    assert order.tolist() == sorted(range(len(ids)), key=lambda i: (ids[i] is None, ids[i] or ""))
    assert (keys is None) == (bool(ids) and odd is not None)


def test_id_keys_read_a_sliced_array_from_its_offset():
    import pyarrow as pa

    from corpus_lib.lights import id_keys

    whole = pa.array(["ffffffffffffffff", "0000000000000001", "00000000000000ff"])
    assert id_keys(whole.slice(1)).tolist() == [1, 255]


@pytest.mark.parametrize("batch", [1, 3, 8192])
def test_kept_columns_filter_a_light_batch_at_a_time(tmp_path, batch):
    """The kept records' light columns, read and filtered a batch at a time, are the whole columns
    filtered by the kept mask, in record order, for a table on disk and for one in memory."""
    import types
    from unittest import mock

    import pyarrow as pa

    from corpus_lib import lights as lights_module
    from corpus_lib.release import ReleasePlan

    records = [light(i, f"body {i}", published=None if i % 3 else f"2021-05-{i % 28 + 1:02d}") for i in range(10)]
    kept_mask = np.array([i % 4 != 1 for i in range(10)])
    with mock.patch.object(lights_module, "_BATCH_ROWS", batch):
        disk = LightTable(tmp_path / "lights")
        disk.append(records)
        disk.close()
        for table in (disk, LightTable.from_records(records)):
            plan = types.SimpleNamespace(lights=table, kept_mask=kept_mask)
            kept = ReleasePlan.kept_columns(plan, "published_local", "char_count", "source")
            assert kept.column("char_count").to_pylist() == [len(f"body {i}") for i in range(10) if kept_mask[i]]
            assert kept.column("published_local").to_pylist() == [r["published_local"] for r, k in zip(records, kept_mask) if k]
    empty = types.SimpleNamespace(lights=LightTable.from_records(records), kept_mask=np.zeros(10, dtype=bool))
    assert ReleasePlan.kept_columns(empty, "source").num_rows == 0
