import json

import pyarrow as pa
import pytest

from corpus_lib import schema
from corpus_lib.schema import SchemaError, _arrow_type


def test_json_schema_is_valid_draft_2020_12_and_versioned():
    doc = schema.load_json_schema()
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"].endswith("/" + doc["x-schema-version"])
    schema.record_validator()  # check_schema passed


def test_arrow_features_and_json_schema_agree():
    doc = schema.load_json_schema()
    names = list(doc["properties"])
    arrow = schema.arrow_schema()
    features = schema.hf_features()
    assert arrow.names == names == list(features)
    # HF features, turned into Arrow, give exactly the derived Arrow types.
    assert features.arrow_schema.equals(arrow, check_metadata=False)
    # ... and the HF metadata that `datasets` restores features from is embedded.
    embedded = json.loads(arrow.metadata[b"huggingface"])["info"]["features"]
    assert embedded == features.to_dict()
    assert set(doc["required"]) == set(names)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("body", pa.large_string()),
        ("title", pa.string()),
        ("media", pa.list_(pa.string())),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("word_count", pa.int32()),
        ("url", pa.string()),
    ],
)
def test_derived_types(name, expected):
    assert schema.arrow_schema().field(name).type == expected


def test_unsupported_types_are_errors():
    with pytest.raises(SchemaError):
        _arrow_type({"type": ["string", "integer"]}, "x")
    with pytest.raises(SchemaError):
        _arrow_type({"x-arrow-type": "no_such_type"}, "x")
    assert _arrow_type({"type": "object", "properties": {"a": {"type": "boolean"}}}, "x") == pa.struct([("a", pa.bool_())])


def test_record_errors_name_the_field():
    errors = schema.record_errors({"id": "xyz"})
    assert any(e.startswith("id:") for e in errors)
    assert any("required" in e for e in errors)
