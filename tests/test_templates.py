"""Pass 1's template counts: spilled to partition files, they decide what counting in memory decides."""

from __future__ import annotations

import collections

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib import templates
from corpus_lib.templates import TEMPLATE_MIN_PAGES, TEMPLATE_MIN_SHARE, TemplateCounts, learn_templates


def reference(pages: list[tuple[str, np.ndarray]]) -> dict[str, list[int]]:
    seen = collections.Counter(source for source, _ in pages)
    carrying = collections.Counter((source, int(h)) for source, hashes in pages for h in np.unique(hashes))
    return {
        source: sorted(h for (s, h), n in carrying.items() if s == source and n >= max(TEMPLATE_MIN_PAGES, TEMPLATE_MIN_SHARE * seen[source]))
        for source in sorted(seen)
    }


# Hashes from a small pool (so that lines recur), spread over the whole 64-bit range (so that
# they land in many partitions), a few pages per source.
POOL = np.random.default_rng(3).integers(0, 2**64, size=40, dtype=np.uint64)
page = st.tuples(st.sampled_from(["a", "b", "c"]), st.lists(st.integers(0, len(POOL) - 1), max_size=12, unique=True))


@settings(max_examples=60, deadline=None)
@given(st.lists(page, max_size=80), st.integers(1, 50))
def test_spilled_counts_equal_counting_in_memory(tmp_path_factory, raw, spill_every):
    pages = [(source, POOL[np.asarray(picks, dtype=np.int64)]) for source, picks in raw]
    old = templates._SPILL_ENTRIES
    templates._SPILL_ENTRIES = spill_every  # spill after every few pages: many rounds of partition files
    try:
        got = learn_templates(pages, tmp_path_factory.mktemp("counts"))
    finally:
        templates._SPILL_ENTRIES = old
    assert {source: hashes.tolist() for source, hashes in got.items()} == reference(pages)
    assert all(hashes.dtype == np.uint64 for hashes in got.values())


def test_entries_go_to_disk_and_the_folder_is_emptied(tmp_path, monkeypatch):
    monkeypatch.setattr(templates, "_SPILL_ENTRIES", 10)
    counts = TemplateCounts(tmp_path)
    line = np.asarray([2**63 + 5, 7], dtype=np.uint64)  # top bits 0x80 and 0x00: two partitions
    for _ in range(TEMPLATE_MIN_PAGES * 3):
        counts.add("site", line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000.bin", "128.bin"]
    got = counts.templates()
    assert list(got) == ["site"] and got["site"].tolist() == sorted(line.tolist())
    assert list(tmp_path.iterdir()) == []


def test_a_source_without_template_lines_gets_an_empty_array(tmp_path):
    got = learn_templates([("once", np.asarray([1, 2], dtype=np.uint64))], tmp_path)
    assert list(got) == ["once"] and got["once"].dtype == np.uint64 and len(got["once"]) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["Home", "Menu", "Weather", "Sport", "Подписаться", "Kontakt", "A long paragraph of prose."]), max_size=12),
    st.sets(st.sampled_from(["home", "menu", "weather", "sport", "подписаться", "kontakt", "impressum"]), max_size=7),
)
def test_a_page_s_template_keys_are_its_short_lines_whose_hash_is_a_template_hash(page, template_keys):
    from corpus_lib.parse.article import page_lines

    lines = page_lines("\n".join(page))
    hashes = np.sort(templates.hash_keys(sorted(template_keys)))
    expected = {key for key in templates.short_line_keys(lines) if key in template_keys}
    assert templates.page_template_keys(lines, hashes) == expected
    assert templates.page_template_keys(lines, None) == frozenset()
    assert templates.page_template_keys(lines, np.zeros(0, dtype=np.uint64)) == frozenset()
