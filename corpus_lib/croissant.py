"""Croissant 1.0 metadata (croissant.json) for a built dataset folder.

Croissant (http://mlcommons.org/croissant/1.0) is the JSON-LD format the Hugging Face Hub, Kaggle
and OpenML use to describe ML datasets. The document written here follows the layout of the Hub's
own Croissant output for Parquet datasets:

* ``distribution``: one ``cr:FileObject`` per Parquet shard (relative ``contentUrl`` and its
  sha256), and one ``cr:FileSet`` named ``parquet-files`` whose ``includes`` has one glob per split
  (``data/train-*.parquet``, ...). Paths are relative to the folder holding croissant.json, so
  ``mlcroissant`` reads the records from the local files without any download.
* ``recordSet``: ``splits`` (a ``cr:Split`` record set listing the split names, as the Hub does)
  and ``default``, with a ``split`` field taken from each shard's path and one ``cr:Field`` per
  property of schema/article.schema.json, typed from the Arrow schema derived from it.

Everything in the document comes from the arguments, the schema and the shard files: no clock,
so the same dataset folder always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa

from corpus_lib.schema import arrow_schema, field_descriptions
from corpus_lib.write import ShardInfo

CROISSANT_FILE = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
PARQUET_MIME = "application/x-parquet"
FILE_SET_ID = "parquet-files"
SPLITS_RECORD_SET = "splits"
RECORD_SET = "default"

# The @context given by the Croissant 1.0 specification, plus the two 1.0 terms mlcroissant's
# reference context also declares (equivalentProperty, samplingRate): without them
# `mlcroissant validate` warns that the @context is not standard.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# Hugging Face / SPDX-style license ids (compared case-insensitively) -> canonical license URL.
_CC = "https://creativecommons.org"
LICENSE_URLS: dict[str, str] = {
    "cc-by-4.0": f"{_CC}/licenses/by/4.0/",
    "cc-by-sa-4.0": f"{_CC}/licenses/by-sa/4.0/",
    "cc-by-nc-4.0": f"{_CC}/licenses/by-nc/4.0/",
    "cc-by-nc-sa-4.0": f"{_CC}/licenses/by-nc-sa/4.0/",
    "cc-by-nd-4.0": f"{_CC}/licenses/by-nd/4.0/",
    "cc-by-nc-nd-4.0": f"{_CC}/licenses/by-nc-nd/4.0/",
    "cc-by-3.0": f"{_CC}/licenses/by/3.0/",
    "cc-by-sa-3.0": f"{_CC}/licenses/by-sa/3.0/",
    "cc-by-nc-3.0": f"{_CC}/licenses/by-nc/3.0/",
    "cc-by-nc-sa-3.0": f"{_CC}/licenses/by-nc-sa/3.0/",
    "cc-by-2.0": f"{_CC}/licenses/by/2.0/",
    "cc0-1.0": f"{_CC}/publicdomain/zero/1.0/",
    "odc-by": "https://opendatacommons.org/licenses/by/1-0/",
    "odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
    "pddl": "https://opendatacommons.org/licenses/pddl/1-0/",
    "apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
    "mit": "https://opensource.org/licenses/MIT",
    "bsd-2-clause": "https://opensource.org/licenses/BSD-2-Clause",
    "bsd-3-clause": "https://opensource.org/licenses/BSD-3-Clause",
    "gpl-3.0": "https://www.gnu.org/licenses/gpl-3.0.html",
    "lgpl-3.0": "https://www.gnu.org/licenses/lgpl-3.0.html",
    "agpl-3.0": "https://www.gnu.org/licenses/agpl-3.0.html",
    "mpl-2.0": "https://www.mozilla.org/en-US/MPL/2.0/",
    "unlicense": "https://unlicense.org/",
}


def license_url(license_id: str) -> str:
    """The license as a URL when the id is a known SPDX-like one, else the id unchanged."""
    return LICENSE_URLS.get(license_id.strip().lower(), license_id)


def croissant_data_type(arrow_type: pa.DataType) -> tuple[str, bool]:
    """(Croissant dataType, repeated) for an Arrow column type."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        inner, repeated = croissant_data_type(arrow_type.value_type)
        if repeated:
            raise ValueError(f"nested lists have no Croissant 1.0 field type: {arrow_type}")
        return inner, True
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "sc:Text", False
    if pa.types.is_boolean(arrow_type):
        return "sc:Boolean", False
    if pa.types.is_integer(arrow_type):
        return "sc:Integer", False
    if pa.types.is_floating(arrow_type):
        return "sc:Float", False
    if pa.types.is_timestamp(arrow_type):
        return "sc:DateTime", False
    if pa.types.is_date(arrow_type):
        return "sc:Date", False
    raise ValueError(f"no Croissant field type for Arrow type {arrow_type}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]])", r"[\1]", text)


def _splits(shards: list[ShardInfo]) -> list[str]:
    """Split names in the order the shards list them (the build writes train, validation, test)."""
    return list(dict.fromkeys(shard.split for shard in shards))


def _split_glob(split: str) -> str:
    return f"data/{_glob_escape(split)}-*.parquet"


def _file_object(out: Path, shard: ShardInfo) -> dict[str, Any]:
    path = Path(shard.path)
    return {
        "@type": "cr:FileObject",
        "@id": path.name,
        "name": path.name,
        "description": f"Parquet shard of the {shard.split} split ({shard.num_rows} rows).",
        "contentUrl": path.as_posix(),
        "contentSize": f"{(out / path).stat().st_size} B",
        "encodingFormat": PARQUET_MIME,
        "sha256": file_sha256(out / path),
    }


def _column_field(name: str, arrow_type: pa.DataType, description: str) -> dict[str, Any]:
    data_type, repeated = croissant_data_type(arrow_type)
    field: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{RECORD_SET}/{name}",
        "name": name,
        "description": description or f"Column {name!r} of the Parquet files.",
        "dataType": data_type,
        "source": {"fileSet": {"@id": FILE_SET_ID}, "extract": {"column": name}},
    }
    if repeated:
        field["repeated"] = True
    return field


def split_field_name(columns: list[str]) -> str:
    """Name of the record set's split field: 'split', unless the schema already has such a column."""
    name = "split"
    while name in columns:
        name += "_"
    return name


def croissant_metadata(
    out: Path,
    *,
    name: str,
    pretty_name: str | None,
    description: str,
    license: str,
    shards: list[ShardInfo],
    url: str | None = None,
    version: str = "1.0.0",
    citation: str | None = None,
    date_published: str | None = None,
) -> dict[str, Any]:
    """Croissant 1.0 JSON-LD describing the Parquet shards under OUT (paths relative to OUT)."""
    out = Path(out)
    if not shards:
        raise ValueError("a Croissant description needs at least one Parquet shard")
    splits = _splits(shards)
    schema = arrow_schema()
    descriptions = field_descriptions()
    columns = list(schema.names)
    split_name = split_field_name(columns)

    metadata: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": name,
    }
    if pretty_name and pretty_name != name:
        metadata["alternateName"] = [pretty_name]
    metadata["description"] = description
    metadata["conformsTo"] = CONFORMS_TO
    if citation:
        metadata["citeAs"] = citation
    if date_published:
        metadata["datePublished"] = date_published
    metadata["license"] = license_url(license)
    if url:
        metadata["url"] = url
    metadata["version"] = version

    distribution = [_file_object(out, shard) for shard in shards]
    distribution.append(
        {
            "@type": "cr:FileSet",
            "@id": FILE_SET_ID,
            "name": FILE_SET_ID,
            "description": "The Parquet shards of all splits, one glob per split: "
            + ", ".join(f"{split} = {_split_glob(split)}" for split in splits)
            + ".",
            "encodingFormat": PARQUET_MIME,
            "includes": [_split_glob(split) for split in splits],
        }
    )
    metadata["distribution"] = distribution

    # The split is the shard name's prefix. The regex also matches a bare split name and returns it
    # unchanged: mlcroissant applies the transform a second time when it joins the field to
    # `splits/name`, and would log "Could not match" for every record otherwise.
    split_regex = (
        "^(?:data/)?(" + "|".join(re.escape(split) for split in splits) + r")(?:-\d{5}-of-\d{5}\.parquet)?$"
    )
    splits_record_set = {
        "@type": "cr:RecordSet",
        "@id": SPLITS_RECORD_SET,
        "name": SPLITS_RECORD_SET,
        "description": "The splits of the dataset.",
        "dataType": "cr:Split",
        "key": {"@id": f"{SPLITS_RECORD_SET}/name"},
        "field": [
            {
                "@type": "cr:Field",
                "@id": f"{SPLITS_RECORD_SET}/name",
                "name": "name",
                "description": "The name of the split.",
                "dataType": "sc:Text",
            }
        ],
        "data": [{f"{SPLITS_RECORD_SET}/name": split} for split in splits],
    }
    fields = [
        {
            "@type": "cr:Field",
            "@id": f"{RECORD_SET}/{split_name}",
            "name": split_name,
            "description": "Split the article belongs to (from the name of its Parquet shard).",
            "dataType": "sc:Text",
            "source": {
                "fileSet": {"@id": FILE_SET_ID},
                "extract": {"fileProperty": "fullpath"},
                "transform": {"regex": split_regex},
            },
            "references": {"field": {"@id": f"{SPLITS_RECORD_SET}/name"}},
        }
    ]
    fields.extend(_column_field(field.name, field.type, descriptions.get(field.name, "")) for field in schema)
    record_set: dict[str, Any] = {
        "@type": "cr:RecordSet",
        "@id": RECORD_SET,
        "name": RECORD_SET,
        "description": "One record per article; the fields are the columns of the Parquet shards.",
    }
    if "id" in columns:
        record_set["key"] = {"@id": f"{RECORD_SET}/id"}
    record_set["field"] = fields
    metadata["recordSet"] = [splits_record_set, record_set]
    return metadata


def dumps(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"


def write_croissant(out: Path, metadata: dict[str, Any]) -> Path:
    """Write OUT/croissant.json (UTF-8, indent 2, trailing newline) and return its path."""
    path = Path(out) / CROISSANT_FILE
    path.write_text(dumps(metadata), encoding="utf-8")
    return path
