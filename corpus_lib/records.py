"""Parsed article + input provenance -> a record dict that matches schema/article.schema.json."""

from __future__ import annotations

import hashlib
from typing import Any

from corpus_lib.config import SourceConfig
from corpus_lib.inputs import DecodedPage
from corpus_lib.parse import ParsedArticle
from corpus_lib.parse.lines import count_words

ID_RULE = "corpus_lib/id/v1"


def record_id(source_file: str) -> str:
    """Stable id of a page: first 16 hex digits of sha256('corpus_lib/id/v1' NUL source_file).

    It depends on nothing but the file's path relative to SRC, so adding files, listing them in
    another order or improving the parser never changes it.
    """
    return hashlib.sha256(f"{ID_RULE}\0{source_file}".encode("utf-8")).hexdigest()[:16]


def make_record(article: ParsedArticle, page: DecodedPage, source: SourceConfig) -> dict[str, Any]:
    body = article.body
    published, crawled = article.published, article.crawled
    return {
        "id": record_id(page.source_file),
        "title": article.title,
        "body": body,
        "language": article.language or source.language,
        "source": source.name,
        "source_key": source.key,
        "url": article.url,
        "media": list(article.media),
        "published_local": published.local if published else None,
        "published_at": published.utc if published else None,
        "published_tz": published.tz if published else None,
        "published_tz_source": published.tz_source if published else None,
        "crawled_local": crawled.local if crawled else None,
        "crawled_at": crawled.utc if crawled else None,
        "source_file": page.source_file,
        "input_sha256": page.sha256,
        "input_encoding": page.encoding,
        "parser": article.parser,
        "body_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "word_count": count_words(body),
        "char_count": len(body),
        "duplicate_of": None,
    }
