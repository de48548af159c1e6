"""croissant.json: Croissant 1.0 metadata of a built dataset folder, checked with mlcroissant when present."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_lib.croissant import (
    CONFORMS_TO,
    CONTEXT,
    croissant_data_type,
    croissant_metadata,
    license_url,
    write_croissant,
)
from corpus_lib.schema import arrow_schema, column_names, field_descriptions
from corpus_lib.write import ShardInfo

# mlcroissant's own dependencies (rdflib, pandas) warn about their deprecated APIs.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
    pytest.mark.filterwarnings("ignore:The inplace keyword:Warning"),
]

CONFIG = """\
[dataset]
name = "t"
license = "cc-by-4.0"

[sources.a]
name = "Source A"
timezone = "Asia/Baku"
language = "ru"

[sources.b]
name = "Source B"
timezone = "Europe/London"
language = "en"
"""

RU_WORDS = "слово новость город страна армия министр заявил сегодня важный вопрос решение правительство".split()
EN_WORDS = "word news city country army minister said today important question decision government".split()
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]


def write_pages(src: Path, count: int = 20) -> None:
    """Small fake pages in two source folders: title, dateline, three paragraphs of 25 words."""
    src.mkdir(parents=True)
    (src / "corpus.toml").write_text(CONFIG, encoding="utf-8")
    for i in range(count):
        if i % 2 == 0:
            folder, words = src / "a", RU_WORDS
            title, dateline = f"Новость номер {i}", f"{1 + i % 27} мая 202{i % 3} | 20:0{i % 10}"
        else:
            folder, words = src / "b", EN_WORDS
            title, dateline = f"News item number {i}", f"{EN_MONTHS[i % 12]} {1 + i % 27}, 202{i % 3}"
        folder.mkdir(exist_ok=True)
        paragraphs = [
            " ".join(words[(i * 7 + p * 5 + k * 3) % len(words)] for k in range(25)).capitalize() + "."
            for p in range(3)
        ]
        text = title + "\n" + dateline + "\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"p{i:03d}.txt").write_text(text, encoding="utf-8")


def load_shards(out: Path) -> list[ShardInfo]:
    info = json.loads((out / "corpus_build.json").read_text(encoding="utf-8"))
    return [ShardInfo(**shard) for shard in info["shards"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[ShardInfo]]:
    from corpus_lib import build

    root = tmp_path_factory.mktemp("croissant")
    write_pages(root / "src")
    build(root / "src", root / "out")
    out = root / "out"
    shards = load_shards(out)
    assert shards, "the small corpus gave no shards"
    return out, shards


def make_metadata(out: Path, shards: list[ShardInfo], **extra) -> dict:
    args = dict(name="t", pretty_name="Т: тестовый корпус", description="Small test corpus of news pages.",
                license="cc-by-4.0", shards=shards)
    args.update(extra)
    return croissant_metadata(out, **args)


@pytest.fixture(scope="module")
def croissant_file(built) -> Path:
    out, shards = built
    return write_croissant(out, make_metadata(out, shards, url="https://example.invalid/t",
                                              citation="@misc{t, title={T}}", date_published="2024-01-01"))


def test_top_level(built):
    out, shards = built
    md = make_metadata(out, shards)
    assert md["@context"] == CONTEXT
    assert md["@type"] == "sc:Dataset"
    assert md["conformsTo"] == CONFORMS_TO == "http://mlcommons.org/croissant/1.0"
    assert md["name"] == "t"
    assert md["alternateName"] == ["Т: тестовый корпус"]
    assert md["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert md["version"] == "1.0.0"
    # Nothing from the clock, nothing that was not passed in.
    for key in ("datePublished", "dateModified", "dateCreated", "url", "citeAs"):
        assert key not in md
    md = make_metadata(out, shards, url="https://example.invalid/t", citation="cite me", date_published="2024-01-01",
                       version="2.0.0")
    assert (md["url"], md["citeAs"], md["datePublished"], md["version"]) == (
        "https://example.invalid/t", "cite me", "2024-01-01", "2.0.0")


def test_license_urls():
    assert license_url("cc-by-4.0") == "https://creativecommons.org/licenses/by/4.0/"
    assert license_url("CC-BY-SA-4.0") == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert license_url("cc0-1.0") == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert license_url("apache-2.0") == "https://www.apache.org/licenses/LICENSE-2.0"
    assert license_url("other") == "other"
    assert license_url("my-own-terms") == "my-own-terms"


def test_distribution_files_and_checksums(built):
    out, shards = built
    md = make_metadata(out, shards)
    objects = [d for d in md["distribution"] if d["@type"] == "cr:FileObject"]
    assert [o["contentUrl"] for o in objects] == [s.path for s in shards]
    for obj in objects:
        path = out / obj["contentUrl"]
        assert not Path(obj["contentUrl"]).is_absolute()
        assert obj["encodingFormat"] == "application/x-parquet"
        assert obj["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert obj["contentSize"] == f"{path.stat().st_size} B"
    file_sets = [d for d in md["distribution"] if d["@type"] == "cr:FileSet"]
    assert len(file_sets) == 1
    splits = list(dict.fromkeys(s.split for s in shards))
    assert file_sets[0]["includes"] == [f"data/{split}-*.parquet" for split in splits]
    ids = [d["@id"] for d in md["distribution"]]
    assert len(ids) == len(set(ids))


def test_record_set_fields_follow_the_schema(built):
    out, shards = built
    md = make_metadata(out, shards)
    record_sets = {rs["@id"]: rs for rs in md["recordSet"]}
    assert set(record_sets) == {"splits", "default"}
    splits = record_sets["splits"]
    assert splits["dataType"] == "cr:Split"
    assert splits["data"] == [{"splits/name": name} for name in dict.fromkeys(s.split for s in shards)]

    fields = {f["@id"]: f for f in record_sets["default"]["field"]}
    assert list(fields)[0] == "default/split"
    assert fields["default/split"]["references"] == {"field": {"@id": "splits/name"}}
    assert [i.removeprefix("default/") for i in list(fields)[1:]] == column_names()

    expected = {
        "id": "sc:Text", "title": "sc:Text", "body": "sc:Text", "language": "sc:Text", "url": "sc:Text",
        "media": "sc:Text", "published_local": "sc:Text", "published_at": "sc:DateTime",
        "crawled_at": "sc:DateTime", "word_count": "sc:Integer", "char_count": "sc:Integer",
    }
    descriptions = field_descriptions()
    for name in column_names():
        field = fields[f"default/{name}"]
        assert field["@type"] == "cr:Field"
        assert field["name"] == name
        assert field["description"] == descriptions[name]
        assert field["source"] == {"fileSet": {"@id": "parquet-files"}, "extract": {"column": name}}
        data_type, repeated = croissant_data_type(arrow_schema().field(name).type)
        assert field["dataType"] == data_type
        assert field.get("repeated", False) is repeated
        if name in expected:
            assert field["dataType"] == expected[name], name
    assert fields["default/media"]["repeated"] is True
    assert "repeated" not in fields["default/title"]


def test_arrow_type_mapping():
    import pyarrow as pa

    assert croissant_data_type(pa.string()) == ("sc:Text", False)
    assert croissant_data_type(pa.large_string()) == ("sc:Text", False)
    assert croissant_data_type(pa.int32()) == ("sc:Integer", False)
    assert croissant_data_type(pa.int64()) == ("sc:Integer", False)
    assert croissant_data_type(pa.float64()) == ("sc:Float", False)
    assert croissant_data_type(pa.bool_()) == ("sc:Boolean", False)
    assert croissant_data_type(pa.timestamp("us", tz="UTC")) == ("sc:DateTime", False)
    assert croissant_data_type(pa.list_(pa.string())) == ("sc:Text", True)
    with pytest.raises(ValueError):
        croissant_data_type(pa.struct([pa.field("a", pa.string())]))


def test_no_shards_is_an_error(tmp_path):
    with pytest.raises(ValueError):
        croissant_metadata(tmp_path, name="t", pretty_name=None, description="d", license="mit", shards=[])


def test_deterministic_bytes(built, tmp_path):
    out, shards = built
    first = write_croissant(out, make_metadata(out, shards)).read_bytes()
    second = write_croissant(out, make_metadata(out, shards)).read_bytes()
    assert first == second
    assert first.endswith(b"}\n")
    text = first.decode("utf-8")
    assert "Т: тестовый корпус" in text  # ensure_ascii=False
    assert json.loads(text) == make_metadata(out, shards)
    assert text.startswith('{\n  "@context": {')


def test_mlcroissant_validates(croissant_file):
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant is not installed (pip install mlcroissant)")
    dataset = mlc.Dataset(jsonld=croissant_file)  # raises mlc.ValidationError on any error
    assert not dataset.metadata.ctx.issues.errors
    assert dataset.metadata.name == "t"


def test_mlcroissant_cli_validates(croissant_file):
    pytest.importorskip("mlcroissant", reason="mlcroissant is not installed (pip install mlcroissant)")
    exe = shutil.which("mlcroissant") or str(Path(sys.executable).with_name("mlcroissant"))
    if not os.access(exe, os.X_OK):
        pytest.skip("the mlcroissant command is not on PATH")
    result = subprocess.run([exe, "validate", "--jsonld", str(croissant_file)], capture_output=True, text=True,
                            cwd=croissant_file.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Done." in result.stderr
    assert "error" not in result.stderr.lower()


def test_mlcroissant_reads_the_local_parquet(built, croissant_file):
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant is not installed (pip install mlcroissant)")
    import pandas as pd

    out, shards = built
    records = list(mlc.Dataset(jsonld=croissant_file).records("default"))

    expected = {}
    for shard in shards:
        for row in pq.read_table(out / shard.path).to_pylist():
            expected[row["id"]] = (shard.split, row)
    assert len(records) == len(expected) == sum(s.num_rows for s in shards)

    def plain(value):
        if value is None or (not isinstance(value, (list, bytes, str)) and pd.isna(value)):
            return None
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        return value

    for record in records:
        got = {key.removeprefix("default/"): plain(value) for key, value in record.items()}
        split, row = expected[got["id"]]
        assert got.pop("split") == split
        assert got == row
