"""The record JSON Schema, checked a column at a time on Arrow tables (Arrow compute kernels).

Row-by-row JSON Schema validation costs microseconds a row before the row is even turned
into Python objects; these vectorised checks, derived from the same schema file, cost
nanoseconds. They assume the table's Arrow types already equal the declared ones (checked
first by `validate`), so only value constraints remain. A test proves they give the same
verdict as `jsonschema` and `jsonschema-rs` on generated records, and an unsupported keyword
in the schema is an error here rather than a silently skipped rule.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from corpus_lib.schema import load_json_schema

# Keywords that carry no value constraint on an Arrow column of the declared type.
_DESCRIPTIVE = {"description", "x-arrow-type", "format", "title"}
_SUPPORTED = _DESCRIPTIVE | {"type", "pattern", "minLength", "maxLength", "enum", "minimum", "maximum", "items", "uniqueItems", "not"}

Check = Callable[[pa.ChunkedArray], pa.ChunkedArray]  # -> boolean mask, True where the row violates


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this module cannot check column-wise."""


def _false_where_null(mask) -> pa.ChunkedArray:
    return pc.fill_null(mask, False)


def _string_checks(name: str, prop: dict[str, Any]) -> list[tuple[Check, str]]:
    checks: list[tuple[Check, str]] = []
    if "minLength" in prop:
        n = prop["minLength"]
        checks.append((lambda c, n=n: pc.less(pc.utf8_length(c), n), f"is shorter than {n} characters"))
    if "maxLength" in prop:
        n = prop["maxLength"]
        checks.append((lambda c, n=n: pc.greater(pc.utf8_length(c), n), f"is longer than {n} characters"))
    if "pattern" in prop:
        p = prop["pattern"]
        checks.append((lambda c, p=p: pc.invert(pc.match_substring_regex(c, p)), f"does not match {p!r}"))
    if "not" in prop:
        inner = prop["not"]
        if set(inner) != {"type", "pattern"} or inner["type"] != "string":
            raise UnsupportedSchema(f"{name}: only 'not: {{type: string, pattern}}' is supported")
        p = inner["pattern"]
        checks.append((lambda c, p=p: pc.match_substring_regex(c, p), f"must not match {p!r}"))
    return checks


def _enum_check(values: list[Any]) -> Check:
    allowed = pa.array([v for v in values if v is not None])
    return lambda c: pc.invert(pc.is_in(c, value_set=allowed))


def _list_checks(name: str, prop: dict[str, Any]) -> list[tuple[Check, str]]:
    checks: list[tuple[Check, str]] = []
    items = prop.get("items", {})
    unknown = set(items) - {"type", "enum", "description"}
    if unknown:
        raise UnsupportedSchema(f"{name}.items: unsupported keywords {sorted(unknown)}")
    if "enum" in items:
        allowed = pa.array(items["enum"])

        def bad_item(column: pa.ChunkedArray) -> pa.Array:
            flat = pc.list_flatten(column)
            parents = pc.list_parent_indices(column)
            bad_parents = pc.filter(parents, pc.invert(pc.is_in(flat, value_set=allowed)))
            return pc.is_in(pa.array(range(len(column)), pa.int64()), value_set=pc.cast(bad_parents, pa.int64()))

        checks.append((bad_item, f"has an item not in {items['enum']}"))
    if prop.get("uniqueItems"):

        def repeated(column: pa.ChunkedArray) -> pa.Array:
            pairs = pa.table({"row": pc.list_parent_indices(column), "item": pc.list_flatten(column)})
            counts = pairs.group_by(["row", "item"]).aggregate([("item", "count")])
            rows = pc.filter(counts.column("row"), pc.greater(counts.column("item_count"), 1))
            return pc.is_in(pa.array(range(len(column)), pa.int64()), value_set=pc.cast(rows, pa.int64()))

        checks.append((repeated, "has repeated items"))
    return checks


@functools.cache
def column_checks() -> dict[str, tuple[bool, list[tuple[Check, str]]]]:
    """field -> (nullable, [(check, message)]) derived from the record schema."""
    derived: dict[str, tuple[bool, list[tuple[Check, str]]]] = {}
    for name, prop in load_json_schema()["properties"].items():
        unknown = set(prop) - _SUPPORTED
        if unknown:
            raise UnsupportedSchema(f"{name}: unsupported keywords {sorted(unknown)}")
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        kind = next(t for t in types if t != "null")
        checks: list[tuple[Check, str]] = []
        if kind == "string":
            checks += _string_checks(name, prop)
        elif kind == "integer" or kind == "number":
            if "minimum" in prop:
                checks.append((lambda c, n=prop["minimum"]: pc.less(c, n), f"is less than {prop['minimum']}"))
            if "maximum" in prop:
                checks.append((lambda c, n=prop["maximum"]: pc.greater(c, n), f"is greater than {prop['maximum']}"))
        elif kind == "array":
            checks += _list_checks(name, prop)
        if "enum" in prop:
            checks.append((_enum_check(prop["enum"]), f"is not one of {prop['enum']}"))
        derived[name] = ("null" in types, checks)
    return derived


def table_violations(table: pa.Table) -> Iterator[tuple[int, str, str]]:
    """(row, field, message) for each value that breaks the record schema, in row order per field."""
    for name, (nullable, checks) in column_checks().items():
        if name not in table.column_names:
            yield -1, name, "column is missing"
            continue
        column = table.column(name)
        if not nullable and column.null_count:
            for row in pc.indices_nonzero(column.is_null()).to_pylist():
                yield row, name, "None is not allowed"
        present = column.is_valid()
        for check, message in checks:
            # Value rules apply to present values only (JSON Schema: null is not a string).
            mask = pc.and_(_false_where_null(check(column)), present)
            if pc.any(mask).as_py():
                for row in pc.indices_nonzero(mask).to_pylist():
                    yield row, name, message
