"""The compiled validator (jsonschema-rs) gives the same verdict as the reference (jsonschema)."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.schema import fast_record_validator, load_json_schema, record_validator, to_json_value

VALID = {
    "id": "0123456789abcdef", "title": "A title", "body": "Body text.", "language": "ru", "source": "S",
    "source_key": "s", "url": None, "media": ["photo"], "published_local": "2021-05-18T20:06:00",
    "published_at": dt.datetime(2021, 5, 18, 16, 6, tzinfo=dt.timezone.utc), "published_tz": "Asia/Baku",
    "published_tz_source": "config", "crawled_local": None, "crawled_at": None, "source_file": "a/b.txt",
    "input_sha256": "0" * 64, "input_encoding": "utf-8", "parser": "corpus_lib.lines/1", "body_sha256": "f" * 64,
    "word_count": 2, "char_count": 10, "duplicate_of": None,
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)
interesting = st.sampled_from([
    "", " ", "0123456789abcdef", "0123456789ABCDEF", "2021-05-18", "2021-05-18T20:06:00", "2021-05-18T16:06:00Z",
    "2021-02-31T16:06:00Z", "ru", "rus", "photo", "gif", "page", "config", "x" * 64, "0" * 64, "a/b.txt", "p/1",
    "corpus_lib.lines/1", "\n", None, -1, 0, 1, 2**31, True, [], ["photo", "photo"], ["video", "photo"],
    # Where regex engines differ: Python's `$` before a final newline, Unicode whitespace classes.
    "0123456789abcdef\n", "ru\n", "2021-05-18\n", "corpus_lib.lines/1\n", "\x1c", "\u00a0", "\u2003", "\ufeff",
    "\u200b", " \t", "a\n",
])


def same_verdict(record) -> bool:
    json_view = {k: to_json_value(v) for k, v in record.items()} if isinstance(record, dict) else record
    reference = not any(True for _ in record_validator().iter_errors(json_view))
    return reference == fast_record_validator().is_valid(json_view)


def test_a_valid_record_passes_both():
    assert same_verdict(VALID)
    assert fast_record_validator().is_valid({k: to_json_value(v) for k, v in VALID.items()})


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(load_json_schema()["properties"])), st.one_of(interesting, json_values))
def test_single_field_mutations_get_the_same_verdict(field, value):
    assert same_verdict(dict(VALID, **{field: value}))


@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(sorted(VALID)), max_size=3), st.dictionaries(st.text(max_size=8), json_values, max_size=2))
def test_missing_and_extra_keys_get_the_same_verdict(missing, extra):
    record = {k: v for k, v in VALID.items() if k not in missing}
    record.update(extra)
    assert same_verdict(record)


# --- the column-wise checks agree too ----------------------------------------------------------

import pyarrow as pa

from corpus_lib.schema import arrow_schema
from corpus_lib.table_check import table_violations

_ARROW_VALUES = {
    "string": st.one_of(interesting.filter(lambda v: isinstance(v, str)), st.text(max_size=30)),
    "int": st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, 1, -1])),
    "list": st.lists(st.one_of(st.sampled_from(["photo", "video", "audio", "gif", ""]), st.text(max_size=5)), max_size=4),
}


def _arrow_strategy(field):
    kind = arrow_schema().field(field).type
    if pa.types.is_timestamp(kind):
        base = st.datetimes(timezones=st.just(dt.timezone.utc), min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1))
    elif pa.types.is_integer(kind):
        base = _ARROW_VALUES["int"]
    elif pa.types.is_list(kind):
        base = _ARROW_VALUES["list"]
    else:
        base = _ARROW_VALUES["string"]
    return st.one_of(st.none(), base)


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_column_checks_agree_with_both_validators(data):
    record = dict(VALID)
    for field in data.draw(st.sets(st.sampled_from(sorted(VALID)), min_size=1, max_size=3)):
        record[field] = data.draw(_arrow_strategy(field), label=field)
    table = pa.Table.from_pylist([record], schema=arrow_schema())
    columnar_ok = not any(True for _ in table_violations(table))
    json_view = {k: to_json_value(v) for k, v in record.items()}
    reference_ok = not any(True for _ in record_validator().iter_errors(json_view))
    assert columnar_ok == reference_ok == fast_record_validator().is_valid(json_view), record
