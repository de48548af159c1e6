"""The shard writer: shards and row groups cut by measured size, and the Parquet tuning the Hub wants
(page index, zstd, HF features in the schema metadata, content-defined chunking)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus_lib import build, hf_features, validate, write
from corpus_lib.build import BUILD_INFO_FILE, default_cache_dir
from corpus_lib.config import find_config, load_config
from corpus_lib.schema import arrow_schema
from corpus_lib.validate import arrow_size
from corpus_lib.write import arrow_bytes, row_bytes, write_split_stream
from .conftest import load_script

SMALL_SHARD = 100_000  # bytes: the sample's train split (~870 kB) needs several shards
SHARD_NAME = re.compile(r"^data/(?P<split>[a-z]+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")


def shards_of(out: Path) -> list[dict]:
    return json.loads((out / BUILD_INFO_FILE).read_text(encoding="utf-8"))["shards"]


def split_rows(out: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for shard in shards_of(out):
        rows.setdefault(shard["split"], []).extend(pq.read_table(out / shard["path"]).to_pylist())
    return rows


def parquet_bytes(path: Path) -> int:
    """The shard's uncompressed Parquet size: the sum of its row groups' total_byte_size."""
    metadata = pq.ParquetFile(path).metadata
    return sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))


def records(n: int, start: int = 0, body: str | None = None) -> list[dict]:
    """Schema-valid article rows (scripts/bench_cdc.py's generator), optionally with another body."""
    rows = load_script("bench_cdc").records(n, start, seed=start + 1)
    if body is not None:
        for i, row in enumerate(rows):
            row["body"] = body * (1 + i % 5)
            row["char_count"] = len(row["body"])
    return rows


def table_of(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=arrow_schema())


@pytest.fixture(scope="module")
def small_shards(sample_corpus, sample_build, tmp_path_factory) -> Path:
    """The sample built again with a 100 kB shard cap, from a copy of the first build's page cache."""
    out, _ = sample_build
    root = tmp_path_factory.mktemp("small-shards")
    shutil.copytree(default_cache_dir(out), root / "cache")
    config = dataclasses.replace(load_config(find_config(sample_corpus, None)), max_bytes_per_shard=SMALL_SHARD)
    build(sample_corpus, root / "dataset", config=config, cache=root / "cache")
    return root / "dataset"


# --- cutting by size --------------------------------------------------------------------------


def test_every_shard_stays_under_the_configured_cap(small_shards):
    shards = shards_of(small_shards)
    counts = {}
    for shard in shards:
        match = SHARD_NAME.match(shard["path"])
        assert match and match["split"] == shard["split"], shard["path"]
        counts.setdefault(shard["split"], []).append((int(match["i"]), int(match["n"])))
        table = pq.read_table(small_shards / shard["path"])
        assert table.num_rows == shard["num_rows"] > 0
        # The measure the writer caps (Arrow size, every bitmap counted), what a reader holds, and Parquet's own.
        assert arrow_size(table) <= shard["num_bytes"] <= SMALL_SHARD, shard
        assert table.nbytes <= SMALL_SHARD and parquet_bytes(small_shards / shard["path"]) <= SMALL_SHARD, shard
    for split, names in counts.items():
        assert names == [(i, len(names)) for i in range(len(names))], split
    assert len(counts["train"]) > 5
    assert sorted(p.name for p in (small_shards / "data").iterdir()) == sorted(Path(s["path"]).name for s in shards)


def test_small_shards_hold_the_same_rows_in_the_same_order(small_shards, sample_build):
    out, _ = sample_build
    assert len(shards_of(out)) == 2  # one shard per split at the default cap
    assert split_rows(small_shards) == split_rows(out)
    assert validate(small_shards).ok


def test_many_small_buckets_give_the_same_bytes(sample_corpus, sample_build, tmp_path, monkeypatch):
    """Rows reach the shards through buckets that are ranges of the final order; how many there are
    (one per split at the sample's size, or dozens) changes nothing in the output."""
    build_module = sys.modules["corpus_lib.build"]
    out, _ = sample_build
    shutil.copytree(default_cache_dir(out), tmp_path / "cache")
    seen = []
    plan = build_module._bucket_plan

    def spy(*args):
        bucket_of, split_of = plan(*args)
        seen.append(split_of)
        return bucket_of, split_of

    monkeypatch.setattr(build_module, "_BUCKET_BYTES", 1)
    monkeypatch.setattr(build_module, "_MAX_BUCKETS", 40)
    monkeypatch.setattr(build_module, "_bucket_plan", spy)
    build(sample_corpus, tmp_path / "dataset", cache=tmp_path / "cache")
    [split_of] = seen
    assert split_of.count("train") > 20 and split_of.count("test") > 2, split_of
    assert split_of == sorted(split_of, key=["train", "validation", "test"].index)  # a bucket holds one split
    for shard in shards_of(out):
        assert (tmp_path / "dataset" / shard["path"]).read_bytes() == (out / shard["path"]).read_bytes(), shard["path"]
    assert (tmp_path / "dataset" / BUILD_INFO_FILE).read_bytes() == (out / BUILD_INFO_FILE).read_bytes()


def test_rows_found_on_whole_keys_when_key_prefixes_collide(sample_corpus, sample_build, tmp_path, monkeypatch):
    """The write finds a segment's rows on the first 8 bytes of their cache keys; where two rows of
    a segment share those (made to here by keeping only the first hex digit), it reads the whole keys
    from the light table and writes the same bytes."""
    build_module = sys.modules["corpus_lib.build"]
    out, _ = sample_build
    shutil.copytree(default_cache_dir(out), tmp_path / "cache")
    whole_keys = []
    find = build_module._segment_rows
    real_prefixes = build_module._hex_prefixes

    def coarse(keys):
        prefixes = real_prefixes(keys)
        return prefixes >> 60 if prefixes is not None else None

    def spy(segment, positions, prefixes, lights, kept_rows):
        table, found = find(segment, positions, prefixes, lights, kept_rows)
        whole_keys.append(len(np.unique(coarse(table.column("_key")))) < table.num_rows)
        return table, found

    monkeypatch.setattr(build_module, "_hex_prefixes", coarse)
    monkeypatch.setattr(build_module, "_segment_rows", spy)
    build(sample_corpus, tmp_path / "dataset", cache=tmp_path / "cache")
    assert whole_keys and all(whole_keys)
    for shard in shards_of(out):
        assert (tmp_path / "dataset" / shard["path"]).read_bytes() == (out / shard["path"]).read_bytes(), shard["path"]
    assert (tmp_path / "dataset" / BUILD_INFO_FILE).read_bytes() == (out / BUILD_INFO_FILE).read_bytes()


def test_load_dataset_reads_the_small_shards(small_shards):
    import datasets

    loaded = datasets.load_dataset(str(small_shards))
    rows = split_rows(small_shards)
    for split, split_rows_ in rows.items():
        assert loaded[split].features == hf_features()
        assert loaded[split]["id"] == [row["id"] for row in split_rows_]
        assert loaded[split][3]["body"] == split_rows_[3]["body"]


def test_multibyte_text_is_measured_not_estimated(tmp_path):
    """CJK text is 3 bytes a character: a char_count estimate would put ~1.5x the cap in a shard."""
    rows = records(120, body="新闻报道内容。" * 300)  # 6300 bytes of UTF-8 per repeat
    cap = 256 * 1024
    shards = write_split_stream(tmp_path, "train", [table_of(rows)], len(rows), 10_000, cap)
    assert len(shards) > 1
    assert sum(s.num_rows for s in shards) == len(rows)
    for shard in shards:
        table = pq.read_table(tmp_path / shard.path)
        assert arrow_size(table) <= shard.num_bytes <= cap
        assert parquet_bytes(tmp_path / shard.path) <= cap
    assert pa.concat_tables(pq.read_table(tmp_path / s.path) for s in shards).to_pylist() == table_of(rows).to_pylist()
    # Full: the next row would not have fitted.
    sizes = row_bytes(table_of(rows))
    first = shards[0].num_rows
    assert arrow_bytes(first + 1, int(sizes[: first + 1].sum()), arrow_schema()) > cap


def test_same_bytes_however_the_rows_are_batched(tmp_path):
    rows = records(90, body="Ünïcødé text, два байта. " * 40)
    one, many = tmp_path / "one", tmp_path / "many"
    a = write_split_stream(one, "train", [table_of(rows)], None, 25, 60_000)
    batches = [table_of(rows[i : i + 7]) for i in range(0, len(rows), 7)]
    b = write_split_stream(many, "train", iter(batches), None, 25, 60_000)
    assert a == b and len(a) > 3 and max(s.num_rows for s in a) <= 25
    for shard in a:
        assert (one / shard.path).read_bytes() == (many / shard.path).read_bytes()
    assert not [p for p in (one / "data").iterdir() if p.name.startswith(".")]  # no provisional files left


def test_row_groups_are_cut_by_size(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "ROW_GROUP_BYTES", 40_000)
    rows = records(60, body="Row group text. " * 100)
    shards = write_split_stream(tmp_path, "train", [table_of(rows)], None, 1000, 10**9)
    assert len(shards) == 1
    parquet = pq.ParquetFile(tmp_path / shards[0].path)
    assert parquet.metadata.num_row_groups > 3
    for i in range(parquet.metadata.num_row_groups):
        group = parquet.read_row_group(i)
        assert arrow_size(group) <= 40_000 and parquet.metadata.row_group(i).total_byte_size <= 40_000


def test_a_row_over_the_cap_gets_a_shard_of_its_own(tmp_path):
    rows = records(5, body="x")
    rows[2]["body"] = "y" * 200_000
    shards = write_split_stream(tmp_path, "train", [table_of(rows)], None, 1000, 100_000)
    assert [s.num_rows for s in shards] == [2, 1, 2]
    assert shards[1].num_bytes > 100_000 >= max(shards[0].num_bytes, shards[2].num_bytes)


def test_an_empty_split_writes_nothing_and_a_short_stream_is_an_error(tmp_path):
    assert write_split_stream(tmp_path, "test", [], 0, 10, 10**6) == []
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").iterdir())
    with pytest.raises(RuntimeError, match="announced"):
        write_split_stream(tmp_path, "train", [table_of(records(3))], 4, 10, 10**6)


def test_row_bytes_add_up_to_the_arrow_size():
    table = table_of(records(30, body="Текст статьи. ") + [dict(records(1, 30)[0], media=["a", "bb"], url=None)])
    bitmaps = sum(-(-table.num_rows // 8) for column in table.columns if column.null_count)
    assert int(row_bytes(table).sum()) == arrow_size(table) - bitmaps
    assert table.nbytes <= arrow_bytes(table.num_rows, int(row_bytes(table).sum()), table.schema)
    assert list(row_bytes(table.slice(4, 9))) == list(row_bytes(table)[4:13])


# --- Parquet tuning ---------------------------------------------------------------------------


def test_shards_carry_the_page_index_zstd_and_bounded_row_groups(sample_build):
    out, _ = sample_build
    without_column_index = set()
    for shard in shards_of(out):
        metadata = pq.ParquetFile(out / shard["path"]).metadata
        assert metadata.num_row_groups >= 1
        for i in range(metadata.num_row_groups):
            group = metadata.row_group(i)
            assert group.total_byte_size <= write.ROW_GROUP_BYTES
            for j in range(group.num_columns):
                column = group.column(j)
                # The offset index (page locations) always; the column index (page min/max) wherever
                # Arrow keeps min/max: not for `body`, whose values exceed its statistics size limit.
                assert column.has_offset_index, (shard["path"], column.path_in_schema)
                if not column.has_column_index:
                    assert not column.statistics.has_min_max, (shard["path"], column.path_in_schema)
                    without_column_index.add(column.path_in_schema)
                assert column.compression == "ZSTD", (shard["path"], column.path_in_schema)
    assert without_column_index <= {"body"}


def test_hf_features_are_stored_in_the_schema_metadata(sample_build):
    import datasets

    out, _ = sample_build
    for shard in shards_of(out):
        schema = pq.read_schema(out / shard["path"])
        assert b"huggingface" in schema.metadata
        stored = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
        assert datasets.Features.from_dict(stored) == hf_features()
        assert datasets.Features.from_arrow_schema(schema) == hf_features()


def test_the_writer_asks_for_content_defined_chunking(tmp_path, monkeypatch):
    seen = []
    real = pq.ParquetWriter

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(write.pq, "ParquetWriter", spy)
    write_split_stream(tmp_path, "train", [table_of(records(3))], None, 10, 10**6)
    assert seen and all(k["use_content_defined_chunking"] is True and k["write_page_index"] is True for k in seen)


def test_inserting_a_row_leaves_most_pages_byte_identical(tmp_path, monkeypatch):
    """Content-defined chunking: one row inserted mid-file changes the pages around it, not all after it."""
    rows = records(2400)
    grown = rows[:1200] + records(1, start=5000) + rows[1200:]

    def shared(label: str) -> tuple[float, list[bool]]:
        """The share of release 2's data-page bytes in pages identical to release 1's; per body page, whether it is."""
        before = write_split_stream(tmp_path / label / "1", "train", [table_of(rows)], None, 10**6, 10**9)
        after = write_split_stream(tmp_path / label / "2", "train", [table_of(grown)], None, 10**6, 10**9)
        old = {page for pages in data_pages(tmp_path / label / "1" / before[0].path).values() for page in pages}
        new = data_pages(tmp_path / label / "2" / after[0].path)
        total = sum(len(page) for pages in new.values() for page in pages)
        same = sum(len(page) for pages in new.values() for page in pages if page in old)
        return same / total, [page in old for page in new["body"]]

    share, body = shared("cdc")
    assert share > 0.75 and len(body) >= 8 and body.count(False) <= 2
    monkeypatch.setattr(write, "CONTENT_DEFINED_CHUNKING", False)
    plain, _ = shared("plain")
    assert plain < 0.3  # without CDC every page after the insertion shifts


# --- reading pages (Thrift compact protocol, just enough for PageHeader) ----------------------


def data_pages(path: Path) -> dict[str, list[bytes]]:
    """The compressed payload of every data page in the file, by column, in file order."""
    data = path.read_bytes()
    metadata = pq.ParquetFile(path).metadata
    pages: dict[str, list[bytes]] = {}
    for i in range(metadata.num_row_groups):
        for j in range(metadata.num_columns):
            column = metadata.row_group(i).column(j)
            position = column.dictionary_page_offset if column.has_dictionary_page else column.data_page_offset
            end = position + column.total_compressed_size
            while position < end:
                header, position = _thrift_struct(data, position)
                size = header[3]  # PageHeader.compressed_page_size
                if header[1] in (0, 3):  # DATA_PAGE, DATA_PAGE_V2
                    pages.setdefault(column.path_in_schema, []).append(data[position : position + size])
                position += size
    return pages


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, position


def _thrift_struct(data: bytes, position: int) -> tuple[dict[int, int], int]:
    """A struct's integer fields by id (nested values skipped) and the position after it."""
    fields, last = {}, 0
    while True:
        head = data[position]
        position += 1
        if head == 0:
            return fields, position
        kind = head & 0x0F
        if head >> 4:
            last += head >> 4
        else:
            raw, position = _varint(data, position)
            last = (raw >> 1) ^ -(raw & 1)
        if kind in (4, 5, 6):  # i16, i32, i64: zigzag varints
            raw, position = _varint(data, position)
            fields[last] = (raw >> 1) ^ -(raw & 1)
        else:
            position = _thrift_skip(data, position, kind)


def _thrift_skip(data: bytes, position: int, kind: int, in_container: bool = False) -> int:
    if kind in (1, 2):  # booleans: in the field header, or a byte each inside a list
        return position + 1 if in_container else position
    if kind == 3:
        return position + 1
    if kind in (4, 5, 6):
        return _varint(data, position)[1]
    if kind == 7:
        return position + 8
    if kind == 8:
        size, position = _varint(data, position)
        return position + size
    if kind in (9, 10):
        head = data[position]
        position += 1
        size = head >> 4
        if size == 15:
            size, position = _varint(data, position)
        for _ in range(size):
            position = _thrift_skip(data, position, head & 0x0F, in_container=True)
        return position
    if kind == 11:
        size, position = _varint(data, position)
        if size:
            types = data[position]
            position += 1
            for _ in range(size):
                position = _thrift_skip(data, position, types >> 4, in_container=True)
                position = _thrift_skip(data, position, types & 0x0F, in_container=True)
        return position
    if kind == 12:
        return _thrift_struct(data, position)[1]
    raise ValueError(f"unknown Thrift compact type {kind}")


_HEX = "0123456789abcdef"
_published = st.one_of(
    st.none(),
    st.builds("2021-05-{:02d}".format, st.integers(1, 3)),
    st.builds("2021-05-{:02d}T{:02d}:{:02d}:{:02d}".format, st.integers(1, 3), st.sampled_from([0, 23]), st.sampled_from([0, 59]), st.sampled_from([0, 1])),
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(st.text(_HEX, min_size=16, max_size=16), _published, st.integers(0, 2), st.booleans()), min_size=1, max_size=60),
    odd=st.sampled_from([None, "id", "published"]),
    batch=st.sampled_from([1, 7, 8192]),
)
@example(
    rows=[("f" * 16, "2021-05-01", 0, True), ("0" * 16, "2021-05-01T00:00:00", 0, True), ("1" * 16, None, 0, True), ("2" * 16, "2021-04-30T23:59:59", 0, True)],
    odd=None, batch=1,
)
def test_kept_rows_are_ordered_as_the_id_and_date_strings_are(rows, odd, batch):
    """The write orders kept rows on integer keys made from the ids and dates, a light batch at a
    time; where a value has another form it falls back to sorting the strings. Either way the order
    is that of (split, undated, date string, id string)."""
    import types
    from unittest import mock

    from corpus_lib import lights as lights_module
    from corpus_lib.lights import LightTable

    build_module = sys.modules["corpus_lib.build"]
    records = [
        {"id": row_id, "published_local": published, "char_count": 10, "_segment": "s", "_key": f"{i:064x}", "_fingerprint": f"{i:064x}"}
        for i, (row_id, published, _, _) in enumerate(rows)
    ]
    if odd == "id":
        records[-1]["id"] = records[-1]["id"][:15] + "G"
    elif odd == "published":
        records[-1]["published_local"] = "2021-05-01 10:00"
    release = types.SimpleNamespace(
        lights=LightTable.from_records(records),
        split=np.array([split for _, _, split, _ in rows], dtype=np.int8),
        kept_mask=np.array([kept for *_, kept in rows]),
    )
    kept_rows = np.flatnonzero(release.kept_mask)
    with mock.patch.object(lights_module, "_BATCH_ROWS", batch):
        kept = build_module._kept_row_columns(release, kept_rows)

    def string_key(position):
        record = records[kept_rows[position]]
        return (int(release.split[kept_rows[position]]), record["published_local"] is None, record["published_local"] or "", record["id"])

    assert kept.order.tolist() == sorted(range(len(kept_rows)), key=string_key)
    assert kept.key_prefixes.tolist() == [int(records[row]["_key"][:16], 16) for row in kept_rows]
    assert kept.segment.tolist() == [0] * len(kept_rows)


@settings(max_examples=60, deadline=None)
@given(
    bodies=st.lists(st.lists(st.one_of(st.text(max_size=30), st.none()), max_size=12), min_size=1, max_size=8),
    nulls=st.booleans(),
    offset=st.integers(0, 3),
)
def test_contiguous_equals_concatenating_the_pieces(bodies, nulls, offset):
    """The row group join copies a large string column a piece at a time; the table is the one
    concat_tables + combine_chunks gives, from chunked, sliced and empty pieces, with or without nulls
    (a column with nulls is concatenated as a whole)."""
    from corpus_lib.write import contiguous

    def piece(values):
        values = ["" if v is None and not nulls else v for v in ["pad"] * offset + values]
        half = len(values) // 2
        body = pa.chunked_array([pa.array(values[:half], pa.large_string()), pa.array(values[half:], pa.large_string())])
        table = pa.table({"n": pa.array(range(len(values)), pa.int32()), "body": body, "title": pa.array(values, pa.string())})
        return table.slice(offset)

    pieces = [piece(values) for values in bodies]
    expected = pa.concat_tables(pieces).combine_chunks()
    joined = contiguous(pieces)
    assert pieces == []
    assert joined.schema == expected.schema
    assert joined.equals(expected)
    assert all(column.num_chunks == 1 for column in joined.columns)
