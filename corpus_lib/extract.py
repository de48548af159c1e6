"""Pass 2: one input file -> a validated record (with its MinHash sketch), or a reject with a reason.

Runs on the workers a batch at a time. Pages the cache already holds are not parsed again;
new results are written to the cache by the worker, so finished work survives a killed build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
from typing import Any, Sequence

import numpy as np

from corpus_lib import __version__
from corpus_lib.cache import LIGHT_COLUMNS, KnownKeys, PageCache, page_key
from corpus_lib.config import BuildConfig, SourceConfig
from corpus_lib.dedup import fingerprints_and_signatures
from corpus_lib.inputs import DecodedPage, InputFile, InputReject, read_page
from corpus_lib.neardup import MinHashParams
from corpus_lib.parse import PARSER, PageHints, ParseFailure, parse_page
from corpus_lib.parse.article import page_lines
from corpus_lib.parse.lines import Line
from corpus_lib.records import make_record
from corpus_lib.schema import record_errors, schema_version
from corpus_lib.templates import page_template_keys, page_text


@dataclasses.dataclass(frozen=True)
class Reject:
    source_file: str
    reason: str
    message: str


@dataclasses.dataclass(frozen=True)
class ExtractContext:
    """What every worker needs, sent once per worker."""

    cfg: BuildConfig
    templates: dict[str, np.ndarray]
    settings: str
    cache: PageCache
    known: KnownKeys  # the keys of the pages the cache holds


def minhash_params(cfg: BuildConfig) -> MinHashParams:
    return MinHashParams(threshold=cfg.near_threshold, num_perm=cfg.near_num_perm, shingle=cfg.near_shingle)


def settings_digest(cfg: BuildConfig) -> str:
    """Everything that can change what extraction makes of a page, as one hash."""
    relevant = {
        "corpus_lib": __version__,
        "parser": PARSER,
        "ftfy": importlib.metadata.version("ftfy"),  # inputs.repair_mojibake: its repairs are part of the text
        "inscriptis": importlib.metadata.version("inscriptis"),  # parse.html: its layout of an HTML page is the text
        "lxml": importlib.metadata.version("lxml"),
        "schema": schema_version(),
        "sources": [dataclasses.asdict(s) for s in cfg.sources],
        "default_timezone": cfg.default_timezone,
        "default_language": cfg.default_language,
        "limits": [cfg.max_page_bytes, cfg.max_lines],
        "minhash": dataclasses.asdict(minhash_params(cfg)) if cfg.near_dedup != "off" else None,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def parse_to_record(
    page: DecodedPage, text: str, hints: PageHints, template_keys: frozenset[str], source: SourceConfig, cfg: BuildConfig,
    lines: list[Line] | None = None,
) -> dict[str, Any] | Reject:
    if text.count("\n") + (not text.endswith("\n")) > cfg.max_lines:  # a last line without a newline counts too
        return Reject(page.source_file, "too_many_lines", f"page has more than limits.max_lines = {cfg.max_lines} lines")
    hints = dataclasses.replace(
        hints,
        language=source.language or hints.language,
        timezone=source.timezone,
        default_timezone=cfg.default_timezone,
        template_keys=template_keys,
    )
    try:
        article = parse_page(text, hints, lines)
    except Exception as exc:  # a parser bug must not stop the build or lose the page
        return Reject(page.source_file, "parser_error", f"{type(exc).__name__}: {exc}")
    if isinstance(article, ParseFailure):
        return Reject(page.source_file, article.reason, article.message)
    record = make_record(article, page, source)
    errors = record_errors(record)
    if errors:
        return Reject(page.source_file, "schema_invalid", "; ".join(errors[:3]))
    return record


def process_page(item: InputFile, cfg: BuildConfig, templates: dict[str, np.ndarray] | None = None) -> dict[str, Any] | Reject:
    """One input file -> a validated record, or a Reject with a reason. Never raises on page content."""
    source = cfg.source_for(item.source_file)
    try:
        page = read_page(item, cfg.max_page_bytes)
    except InputReject as exc:
        return Reject(item.source_file, exc.reason, exc.message)
    text, hints = page_text(page)
    lines = page_lines(text)
    keys = page_template_keys(lines, (templates or {}).get(source.key))
    return parse_to_record(page, text, hints, keys, source, cfg, lines)


_CONTEXT: ExtractContext | None = None


def init_worker(context: ExtractContext) -> None:
    global _CONTEXT
    _CONTEXT = context


def extract_batch(batch: Sequence[InputFile]) -> list[dict[str, Any]]:
    """For each item, in order: {'_key', '_cached': True} for a page the cache holds, else the light
    columns of the new result (written to the cache here), or a read reject (never cached)."""
    ctx = _CONTEXT
    cfg = ctx.cfg
    out: list[dict[str, Any]] = []
    new_rows: list[dict[str, Any]] = []
    for item in batch:
        source = cfg.source_for(item.source_file)
        try:
            page = read_page(item, cfg.max_page_bytes)
        except InputReject as exc:
            out.append({"source_file": item.source_file, "_reject_reason": exc.reason, "_reject_message": exc.message})
            continue
        text, hints = page_text(page)
        lines = page_lines(text)  # split once: for the template lines and for the parser
        template_keys = page_template_keys(lines, ctx.templates.get(source.key))
        key = page_key(ctx.settings, item.source_file, page.sha256, template_keys)
        if key in ctx.known:
            out.append({"_key": key, "_cached": True})
            continue
        result = parse_to_record(page, text, hints, template_keys, source, cfg, lines)
        if isinstance(result, Reject):
            row = {"_key": key, "source_file": item.source_file, "_reject_reason": result.reason, "_reject_message": result.message}
        else:
            row = dict(result, _key=key, _fingerprint=None)  # filled in below, for the batch at once
        new_rows.append(row)
        out.append(row)
    records = [row for row in new_rows if "id" in row]
    params = minhash_params(cfg) if cfg.near_dedup != "off" else None
    fingerprints, sketches = fingerprints_and_signatures([r["body"] for r in records], params)
    for index, row in enumerate(records):
        row["_fingerprint"] = fingerprints[index]
        if sketches is not None:
            row["_sketch"] = sketches[index].tobytes()
    segment = ctx.cache.write_segment(new_rows)
    light = []
    for row in out:
        if row.get("_cached") or "_key" not in row:
            light.append(row)
        else:
            light.append({name: row.get(name) for name in LIGHT_COLUMNS} | {"_segment": segment})
    return light
