"""Card plots: PNG files under OUT/plots/, identical bytes on every run, and no failure without matplotlib."""

from __future__ import annotations

import random
import struct
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from corpus_lib.plots import plot_markdown, plots_available, render_plots

EXPECTED = [
    "plots/articles_per_month.png",
    "plots/body_length.png",
    "plots/languages.png",
    "plots/sources.png",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCHEMA = pa.schema([
    ("published_local", pa.string()),
    ("char_count", pa.int32()),
    ("language", pa.string()),
    ("source", pa.string()),
])


def sample_table(rows: int = 120, seed: int = 7) -> pa.Table:
    rng = random.Random(seed)
    sources = ["Ministry of Defence of the Republic of Azerbaijan", "AzXəbər News Portal", "Thameside Daily Wire",
               "RuPortal City News"]
    languages = {"Ministry of Defence of the Republic of Azerbaijan": "ru", "AzXəbər News Portal": "az",
                 "Thameside Daily Wire": "en", "RuPortal City News": "ru"}
    records = []
    for _ in range(rows):
        source = rng.choice(sources)
        if rng.random() < 0.1:
            published = None
        elif rng.random() < 0.5:
            published = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        else:
            published = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:30:00"
        records.append({"published_local": published, "char_count": int(10 ** rng.uniform(2.3, 4.2)),
                        "language": languages[source], "source": source})
    return pa.Table.from_pylist(records, schema=SCHEMA)


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == PNG_MAGIC
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


needs_matplotlib = pytest.mark.skipif(not plots_available(), reason="matplotlib is not installed")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path, list[str], list[str]]:
    """The sample table rendered twice, into two folders."""
    if not plots_available():
        pytest.skip("matplotlib is not installed")
    root = tmp_path_factory.mktemp("plots")
    table = sample_table()
    first = render_plots(root / "one", table)
    second = render_plots(root / "two", table)
    return root / "one", root / "two", first, second


def test_render_writes_pngs(rendered):
    out, _, paths, _ = rendered
    assert paths == EXPECTED
    for relative in paths:
        data = (out / relative).read_bytes()
        assert data.startswith(PNG_MAGIC), relative
        assert png_size(data) == (900, 450), relative
        assert b"tIME" not in png_chunks(data), relative  # no timestamp
        assert b"Software" not in data, relative
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(Path(p).name for p in EXPECTED)


def test_identical_bytes_across_runs(rendered):
    one, two, first, second = rendered
    assert first == second == EXPECTED
    for relative in EXPECTED:
        assert (one / relative).read_bytes() == (two / relative).read_bytes(), relative


def test_records_are_accepted_as_well(rendered, tmp_path):
    one, _, _, _ = rendered
    assert render_plots(tmp_path, sample_table().to_pylist()) == EXPECTED
    for relative in EXPECTED:
        assert (tmp_path / relative).read_bytes() == (one / relative).read_bytes(), relative


@needs_matplotlib
def test_empty_table(tmp_path):
    assert render_plots(tmp_path, SCHEMA.empty_table()) == EXPECTED
    for relative in EXPECTED:
        assert (tmp_path / relative).read_bytes().startswith(PNG_MAGIC)


@needs_matplotlib
def test_all_dates_missing(tmp_path):
    table = pa.Table.from_pylist(
        [{"published_local": None, "char_count": 500 + i, "language": "en", "source": "A"} for i in range(10)],
        schema=SCHEMA,
    )
    assert render_plots(tmp_path, table) == EXPECTED
    assert (tmp_path / EXPECTED[0]).read_bytes().startswith(PNG_MAGIC)


@needs_matplotlib
def test_awkward_data(tmp_path):
    """One article; decades between dates; many sources and languages; nulls in categories."""
    one = pa.Table.from_pylist([{"published_local": "2021-05-18", "char_count": 1234, "language": "ru",
                                 "source": "Only"}], schema=SCHEMA)
    assert render_plots(tmp_path / "one", one) == EXPECTED
    rng = random.Random(3)
    many = pa.Table.from_pylist(
        [{"published_local": rng.choice(["1970-01-01", "2024-06-01T08:00:00", None]),
          "char_count": rng.randint(1, 200_000),
          "language": rng.choice([None, "en", "ru", "az", "tr", "ka", "uk", "de", "fr", "es", "it", "pl", "ar",
                                  "fa", "hy", "kk", "uz", "tk"]),
          "source": rng.choice([None] + [f"Source {i} " + "x" * i for i in range(40)])}
         for _ in range(400)],
        schema=SCHEMA,
    )
    assert render_plots(tmp_path / "many", many) == EXPECTED


def test_without_matplotlib(tmp_path, monkeypatch):
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import matplotlib...` now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert plots_available() is False
    assert render_plots(tmp_path, sample_table(rows=10)) == []
    assert not (tmp_path / "plots").exists()


def test_plot_markdown():
    assert plot_markdown(EXPECTED) == (
        "![Articles per month](plots/articles_per_month.png)\n\n"
        "![Body length](plots/body_length.png)\n\n"
        "![Languages](plots/languages.png)\n\n"
        "![Sources](plots/sources.png)"
    )
    assert plot_markdown([]) == ""
    assert plot_markdown(["plots/words_per_day.png"]) == "![Words per day](plots/words_per_day.png)"


def test_the_build_s_side_process_draws_from_a_file_the_same_bytes(rendered, tmp_path):
    # With more than one worker the build hands the plots' process a file of the columns, not the table.
    from corpus_lib.build import _plot_columns_file, draw_from_file
    from corpus_lib.engine import in_side_process

    class Release:  # the one method of ReleasePlan that _plot_columns_file asks for
        def kept_columns(self, *names):
            return sample_table().select(list(names))

    columns = _plot_columns_file(Release(), tmp_path)
    with in_side_process(draw_from_file, render_plots, tmp_path / "drawn", columns) as drawn:
        paths = drawn()
    inline, _, expected, _ = rendered
    assert paths == expected
    assert [(tmp_path / "drawn" / p).read_bytes() for p in paths] == [(inline / p).read_bytes() for p in expected]
