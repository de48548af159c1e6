"""Pass 1: learn each source's template lines (menus, widgets, footers) from the whole corpus.

A template line is a short line that recurs on many pages of one source (among the lines the parser
reads: a 100 MB page is scanned as far as the parser reads it, its first 2 MB). Pages are scanned in
batches on the workers, which return only 64-bit hashes of each page's distinct short lines;
the counts are merged here, so memory holds one entry per distinct short line, never the texts.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Iterator, Sequence

import numpy as np

from corpus_lib.config import BuildConfig
from corpus_lib.inputs import DecodedPage, InputFile, InputReject, read_page
from corpus_lib.parse import PageHints
from corpus_lib.parse.html import html_to_page
from corpus_lib.parse.article import page_lines
from corpus_lib.parse.lines import Line

# A line counts as site template when it recurs on this many pages of one source (and this share).
TEMPLATE_MIN_PAGES = 4
TEMPLATE_MIN_SHARE = 0.02
TEMPLATE_MAX_WORDS = 15


def page_text(page: DecodedPage) -> tuple[str, PageHints]:
    """The text the parser reads, and what HTML markup tells about the page."""
    if page.is_html:
        html = html_to_page(page.text)
        return html.text, PageHints(title=html.title, url=html.url, language=html.language)
    return page.text, PageHints()


def short_line_keys(lines: list[Line]) -> list[str]:
    """Distinct keys of the page's short lines (of `page_lines`), the candidates for template lines."""
    return sorted({line.key for line in lines if line.key and line.words <= TEMPLATE_MAX_WORDS})


def hash_keys(keys: Sequence[str]) -> np.ndarray:
    """Stable 64-bit hashes of line keys (the same on every machine and run)."""
    from rensa import RMinHash

    if not keys:
        return np.zeros(0, dtype=np.uint64)
    return np.asarray(RMinHash.hash_token_sets([list(keys)])[0], dtype=np.uint64)


def readable_page_lines(batch: Sequence[InputFile], cfg: BuildConfig) -> Iterator[tuple[InputFile, list[Line]]]:
    """(item, page_lines) of each page that can be read (the others become rejects in pass 2)."""
    for item in batch:
        try:
            page = read_page(item, cfg.max_page_bytes)
        except InputReject:
            continue
        yield item, page_lines(page_text(page)[0])


def scan_batch(batch: Sequence[InputFile], cfg: BuildConfig) -> list[tuple[str, np.ndarray]]:
    """(source key, hashes of the page's distinct short lines) for each readable page."""
    return [
        (cfg.source_for(item.source_file).key, np.unique(hash_keys(short_line_keys(lines))))
        for item, lines in readable_page_lines(batch, cfg)
    ]


@dataclasses.dataclass
class TemplateCounts:
    """Per source: pages seen, and how many pages carry each line hash."""

    pages: dict[str, int] = dataclasses.field(default_factory=dict)
    keys: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    counts: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    _pending: dict[str, list[np.ndarray]] = dataclasses.field(default_factory=dict)
    _pending_size: int = 0

    def add(self, source_key: str, hashes: np.ndarray) -> None:
        self.pages[source_key] = self.pages.get(source_key, 0) + 1
        self._pending.setdefault(source_key, []).append(hashes)
        self._pending_size += len(hashes)
        if self._pending_size > 2_000_000:
            self._merge()

    def _merge(self) -> None:
        for source_key, arrays in self._pending.items():
            new_keys, new_counts = np.unique(np.concatenate(arrays), return_counts=True)
            if source_key in self.keys:
                all_keys = np.concatenate([self.keys[source_key], new_keys])
                all_counts = np.concatenate([self.counts[source_key], new_counts])
                merged, inverse = np.unique(all_keys, return_inverse=True)
                self.keys[source_key] = merged
                self.counts[source_key] = np.bincount(inverse, weights=all_counts).astype(np.int64)
            else:
                self.keys[source_key], self.counts[source_key] = new_keys, new_counts.astype(np.int64)
        self._pending, self._pending_size = {}, 0

    def templates(self) -> dict[str, np.ndarray]:
        """Per source, the sorted hashes of its template lines."""
        self._merge()
        result = {}
        for source_key, keys in sorted(self.keys.items()):
            threshold = max(TEMPLATE_MIN_PAGES, TEMPLATE_MIN_SHARE * self.pages[source_key])
            result[source_key] = np.sort(keys[self.counts[source_key] >= threshold])
        return result


def learn_templates(scans: Iterable[tuple[str, np.ndarray]]) -> dict[str, np.ndarray]:
    counts = TemplateCounts()
    for source_key, hashes in scans:
        counts.add(source_key, hashes)
    return counts.templates()


def page_template_keys(lines: list[Line], template_hashes: np.ndarray | None) -> frozenset[str]:
    """The page's own lines (of `page_lines`) that are template lines of its source."""
    if template_hashes is None or not len(template_hashes):
        return frozenset()
    keys = short_line_keys(lines)
    hits = np.isin(hash_keys(keys), template_hashes)
    return frozenset(key for key, hit in zip(keys, hits) if hit)
