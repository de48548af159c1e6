"""Pass 1: learn each source's template lines (menus, widgets, footers) from the whole corpus.

A template line is a short line that recurs on many pages of one source (among the lines the parser
reads: a 100 MB page is scanned as far as the parser reads it, its first 2 MB). Pages are scanned in
batches on the workers, which return only 64-bit hashes of each page's distinct short lines;
the driver counts them through spill files (TemplateCounts), so it holds neither the texts nor
one entry per distinct line.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from corpus_lib.config import BuildConfig
from corpus_lib.inputs import DecodedPage, InputFile, InputReject, read_page
from corpus_lib.parse import PageHints
from corpus_lib.parse.html import html_to_page
from corpus_lib.parse.article import page_short_keys
from corpus_lib.parse.lines import Line, keys_of_short_lines

# A line counts as site template when it recurs on this many pages of one source (and this share).
TEMPLATE_MIN_PAGES = 4
TEMPLATE_MIN_SHARE = 0.02
TEMPLATE_MAX_WORDS = 15


def page_text(page: DecodedPage) -> tuple[str, PageHints]:
    """The text the parser reads, and what HTML markup tells about the page."""
    if page.is_html:
        html = html_to_page(page.text)
        return html.text, PageHints(title=html.title, url=html.url, language=html.language, published=html.published)
    return page.text, PageHints()


def short_line_keys(lines: list[Line]) -> list[str]:
    """Distinct keys of the page's short lines (of `page_lines`), the candidates for template lines."""
    return keys_of_short_lines(lines, TEMPLATE_MAX_WORDS)


def hash_keys(keys: Sequence[str]) -> np.ndarray:
    """Stable 64-bit hashes of line keys (the same on every machine and run)."""
    from rensa import RMinHash

    if not keys:
        return np.zeros(0, dtype=np.uint64)
    return np.asarray(RMinHash.hash_token_sets([list(keys)])[0], dtype=np.uint64)


def readable_page_texts(batch: Sequence[InputFile], cfg: BuildConfig) -> Iterator[tuple[InputFile, str]]:
    """(item, the text the parser reads) of each page that can be read (the others become rejects in pass 2)."""
    for item in batch:
        try:
            page = read_page(item, cfg.max_page_bytes)
        except InputReject:
            continue
        yield item, page_text(page)[0]


def scan_batch(batch: Sequence[InputFile], cfg: BuildConfig) -> list[tuple[str, np.ndarray]]:
    """(source key, hashes of the page's distinct short lines) for each readable page (the keys of short_line_keys,
    read without making the page's lines)."""
    return [
        (cfg.source_for(item.source_file).key, np.unique(hash_keys(page_short_keys(text, TEMPLATE_MAX_WORDS))))
        for item, text in readable_page_texts(batch, cfg)
    ]


# Line hashes wait in memory until there are this many, then go to disk by their top bits.
_SPILL_ENTRIES = 500_000
_PARTITION_BITS = 8
_ENTRY = np.dtype([("hash", "<u8"), ("source", "<u4")])


class TemplateCounts:
    """Per source: pages seen, and how many pages carry each line hash.

    The distinct short lines grow with the corpus (a dateline, a caption or a one-line paragraph
    is new on almost every page), so the (hash, source) entries are spilled to `folder`, one file
    per 8 top bits of the hash, and each file is counted on its own at the end: what is held is
    one file's entries, a 256th of the corpus' (counts are exact, as counting in memory).
    """

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.pages: dict[str, int] = {}
        self._code: dict[str, int] = {}
        self._pending: list[np.ndarray] = []
        self._pending_sources: list[int] = []
        self._pending_size = 0

    def add(self, source_key: str, hashes: np.ndarray) -> None:
        """One page: its source, and the hashes of its distinct short lines (each counted once)."""
        self.pages[source_key] = self.pages.get(source_key, 0) + 1
        self._pending.append(hashes)
        self._pending_sources.append(self._code.setdefault(source_key, len(self._code)))
        self._pending_size += len(hashes)
        if self._pending_size >= _SPILL_ENTRIES:
            self._spill()

    def _partition(self, index: int) -> Path:
        return self.folder / f"{index:03d}.bin"

    def _spill(self) -> None:
        if not self._pending_size:
            return
        entries = np.empty(self._pending_size, dtype=_ENTRY)
        entries["hash"] = np.concatenate(self._pending)
        entries["source"] = np.repeat(np.asarray(self._pending_sources, dtype=np.uint32), [len(h) for h in self._pending])
        part = (entries["hash"] >> np.uint64(64 - _PARTITION_BITS)).astype(np.uint8)
        order = np.argsort(part, kind="stable")
        entries, part = entries[order], part[order]
        bounds = np.searchsorted(part, np.arange((1 << _PARTITION_BITS) + 1))
        for index in np.flatnonzero(np.diff(bounds)).tolist():
            with open(self._partition(index), "ab") as handle:
                handle.write(entries[bounds[index] : bounds[index + 1]].tobytes())
        self._pending, self._pending_sources, self._pending_size = [], [], 0

    def templates(self) -> dict[str, np.ndarray]:
        """Per source, the sorted hashes of its template lines."""
        self._spill()
        sources = sorted(self._code, key=self._code.__getitem__)
        threshold = np.asarray([max(TEMPLATE_MIN_PAGES, TEMPLATE_MIN_SHARE * self.pages[key]) for key in sources])
        found: dict[int, list[np.ndarray]] = {code: [] for code in range(len(sources))}
        for index in range(1 << _PARTITION_BITS):
            path = self._partition(index)
            if not path.exists():
                continue
            hashes, codes, counts = _count_entries(np.fromfile(path, dtype=_ENTRY))
            path.unlink()
            frequent = counts >= threshold[codes]
            hashes, codes = hashes[frequent], codes[frequent]
            for code in np.unique(codes).tolist():
                found[code].append(hashes[codes == code])
        return {
            key: np.sort(np.concatenate(found[self._code[key]])) if found[self._code[key]] else np.zeros(0, dtype=np.uint64)
            for key in sorted(sources)
        }


def _count_entries(entries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (hash, source) pairs of `entries`, as two arrays, and how often each occurs.

    Sorted by two keys (np.lexsort), not as records: np.unique on the structured array compares record
    by record, ~7x slower (0.12 against 0.016 s for 109k entries), and this runs in the driver while the
    workers wait."""
    order = np.lexsort((entries["source"], entries["hash"]))
    hashes, codes = entries["hash"][order], entries["source"][order]
    new = np.ones(len(hashes), dtype=bool)
    new[1:] = (hashes[1:] != hashes[:-1]) | (codes[1:] != codes[:-1])
    starts = np.flatnonzero(new)
    return hashes[starts], codes[starts], np.diff(np.append(starts, len(hashes)))


def learn_templates(scans: Iterable[tuple[str, np.ndarray]], folder: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Per source, the hashes of its template lines, from (source key, a page's line hashes) pairs.
    `folder`: where the counts spill (default: a temporary folder, removed after)."""
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="corpus-templates-"))
        counts = TemplateCounts(folder)
        for source_key, hashes in scans:
            counts.add(source_key, np.asarray(hashes, dtype=np.uint64))
        return counts.templates()


def page_template_keys(lines: list[Line], template_hashes: np.ndarray | None) -> frozenset[str]:
    """The page's own lines (of `page_lines`) that are template lines of its source, whose hashes are
    `template_hashes`, sorted (as learn_templates gives them).

    Looked up by binary search: np.isin took ~390 us a page against a source's 2,844 template hashes (it sorts
    both arrays on every call), the search ~5 us (scripts/bench.py's synthetic pages)."""
    if template_hashes is None or not len(template_hashes):
        return frozenset()
    keys = short_line_keys(lines)
    if not keys:
        return frozenset()
    hashes = hash_keys(keys)
    found = template_hashes[np.minimum(np.searchsorted(template_hashes, hashes), len(template_hashes) - 1)]
    return frozenset(key for key, hit in zip(keys, (found == hashes).tolist()) if hit)
