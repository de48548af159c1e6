#!/usr/bin/env python3
"""Evaluate corpus_lib's title / date / body extraction against a ground-truth dev set.

Usage::

    python scripts/eval_extraction.py GT_DIR [--json OUT.json] [--limit N]
                                             [--no-trafilatura] [--worst K]

``GT_DIR`` has the layout described in the eval set's README: ``pages/<id>.txt`` (the input),
``ground-truth.jsonl`` (one object per page) and optionally ``html/<id>.html.gz`` (the original
HTML, used only by the trafilatura baseline).

Three systems are scored on the same pages:

* ``corpus_lib``  - ``corpus_lib.build(GT_DIR/pages, tmp_out, workers=1)``, exactly like
  ``corpus build``; predictions are read back from ``tmp_out/data/**/*.parquet``; rejected,
  missing (crashed) pages score as empty predictions; dropped duplicates use the kept record.
* ``naive``       - title = first non-empty line, no date, body = the whole page text.
* ``trafilatura`` - ``trafilatura.extract`` on the original HTML, only on pages that have one
  (optional dependency; skipped with a note when it is not installed or ``--no-trafilatura``).

Scoring (pure functions ``score_page`` / ``aggregate``) follows the eval README:

* title: exact match after NFC + whitespace collapse + strip (also casefolded) and token F1;
* date: calendar-day accuracy (``YYYY-MM-DD`` prefix, null = wrong) over pages with a true date;
  datetime within 60 s (prediction ``published_at``, UTC) over pages whose truth has a time+offset;
* body: precision / recall / F1 of the multiset of lowercased ``\\w+`` tokens, averaged over
  pages with a true body (empty prediction = 0 for all three);
* ``with`` recall / ``without`` leak rate: NFC + whitespace-normalised, case-sensitive substring
  of the predicted body, pooled over snippets;
* page status: rejected / missing (neither in the output nor in the rejects = a crash);
* corpus_lib only: language-id accuracy against the truth ``lang``.

Every metric carries its denominator ``n``.
"""
from __future__ import annotations

import argparse
import gzip
import importlib
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Mapping, Sequence

# --------------------------------------------------------------------------------------------
# constants

SYSTEMS: tuple[str, ...] = ("corpus_lib", "corpus_lib-html", "naive", "trafilatura")

# Fixed upper bound for trafilatura/htmldate date extraction (never "today": results must not
# depend on when the evaluation runs).
TRAFILATURA_MAX_DATE = "2025-12-31"

DATETIME_TOLERANCE_S = 60.0

# Groups with fewer pages than this are kept in the JSON but left out of the printed table
# (only applies to the per-language groups).
MIN_LANG_GROUP_PAGES_IN_TABLE = 5

_TOKEN_RE = re.compile(r"\w+")
_WS_RE = re.compile(r"\s+")

Prediction = dict[str, Any]  # keys: title, published, published_at, body, (language)
Truth = dict[str, Any]  # one ground-truth.jsonl object
PageScore = dict[str, Any]  # output of score_page
Metric = dict[str, Any]  # {"value": float | None, "n": int, "sum": float}


# --------------------------------------------------------------------------------------------
# loading


def load_truth(gt_dir: str | os.PathLike[str]) -> dict[str, Truth]:
    """Read ``GT_DIR/ground-truth.jsonl`` into ``{id: record}`` (ordered by id)."""
    path = Path(gt_dir) / "ground-truth.jsonl"
    records: dict[str, Truth] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            pid = rec.get("id")
            if not isinstance(pid, str) or not pid:
                raise ValueError(f"{path}:{lineno}: record without an id")
            if pid in records:
                raise ValueError(f"{path}:{lineno}: duplicate id {pid!r}")
            rec.setdefault("with", [])
            rec.setdefault("without", [])
            for key in ("source", "lang", "title", "published", "body", "html", "url"):
                rec.setdefault(key, None)
            rec["with"] = rec["with"] or []
            rec["without"] = rec["without"] or []
            records[pid] = rec
    return dict(sorted(records.items()))


def decode_text(raw: bytes) -> str:
    """Decode a page dump (UTF-8; undecodable bytes replaced, BOM dropped)."""
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")


def read_pages(gt_dir: str | os.PathLike[str], ids: Iterable[str]) -> dict[str, str]:
    """Read ``pages/<id>.txt`` for each id (ids without a page file are skipped)."""
    pages_dir = Path(gt_dir) / "pages"
    out: dict[str, str] = {}
    for pid in ids:
        p = pages_dir / f"{pid}.txt"
        if p.is_file():
            out[pid] = decode_text(p.read_bytes())
    return out


def read_html(path: str | os.PathLike[str]) -> str:
    """Read an original HTML file like the dev set's ``to_text.py`` does.

    gunzip if ``.gz``; charset from the first ``charset=...`` within the first 4 KB
    (default utf-8); decode with it, falling back to utf-8, cp1251, latin-1.
    """
    path = Path(path)
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    m = re.search(rb"charset=[\"']?([A-Za-z0-9_\-]+)", raw[:4096])
    enc = m.group(1).decode("ascii") if m else "utf-8"
    for e in (enc, "utf-8", "cp1251", "latin-1"):
        try:
            return raw.decode(e)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1")  # unreachable: latin-1 decodes anything


def page_id(source_file: str) -> str:
    """Page id = file stem of a ``source_file`` (path relative to src)."""
    name = PurePosixPath(str(source_file).replace("\\", "/")).name
    for suffix in (".txt", ".html.gz"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


# --------------------------------------------------------------------------------------------
# systems


@dataclass
class SystemRun:
    """Predictions of one system plus bookkeeping.

    ``status[id]`` is one of ``ok``, ``rejected``, ``duplicate``, ``missing``; pages with a
    status other than ``ok``/``duplicate`` have no prediction. ``pages`` = ids the system was
    run on (trafilatura: only pages with HTML). ``available`` False = system not run at all.
    """

    name: str
    available: bool = True
    note: str | None = None
    crashed: bool = False
    predictions: dict[str, Prediction] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    timing: dict[str, Any] = field(default_factory=dict)
    reject_reasons: dict[str, str] = field(default_factory=dict)


def _import_corpus_lib() -> Any:
    try:
        return importlib.import_module("corpus_lib")
    except ImportError:
        root = str(Path(__file__).resolve().parent.parent)
        if root not in sys.path:
            sys.path.insert(0, root)
        return importlib.import_module("corpus_lib")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not path.is_file():
        return rows
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def read_build_output(out: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (records, rejects, duplicates) of a ``corpus_lib.build`` output folder."""
    import pyarrow.parquet as pq

    out = Path(out)
    records: list[dict[str, Any]] = []
    for f in sorted((out / "data").rglob("*.parquet")):
        records.extend(pq.read_table(f).to_pylist())
    return records, _read_jsonl(out / "rejects.jsonl"), _read_jsonl(out / "duplicates.jsonl")


def predictions_from_build(
    ids: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    rejects: Sequence[Mapping[str, Any]],
    duplicates: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, Prediction], dict[str, str], dict[str, str]]:
    """Map build output to ``(predictions, status, reject_reasons)`` keyed by page id."""
    preds: dict[str, Prediction] = {}
    by_record_id: dict[str, str] = {}
    for rec in records:
        sf = rec.get("source_file")
        if not sf:
            continue
        pid = page_id(sf)
        preds[pid] = {
            "title": rec.get("title"),
            "published": rec.get("published_local"),
            "published_at": rec.get("published_at"),
            "body": rec.get("body"),
            "language": rec.get("language"),
        }
        if rec.get("id") is not None:
            by_record_id[str(rec["id"])] = pid
    status: dict[str, str] = {pid: "ok" for pid in preds}
    reasons: dict[str, str] = {}
    for rej in rejects:
        sf = rej.get("source_file")
        if not sf:
            continue
        pid = page_id(sf)
        if pid not in preds:
            status[pid] = "rejected"
            reasons[pid] = str(rej.get("reason"))
    for dup in duplicates:
        sf = dup.get("source_file")
        if not sf:
            continue
        pid = page_id(sf)
        if pid in preds:
            continue
        kept = dup.get("duplicate_of")
        kept_pid = by_record_id.get(str(kept)) if kept is not None else None
        if kept_pid is None and kept is not None:  # tolerate a source_file / stem here too
            cand = page_id(str(kept))
            kept_pid = cand if cand in preds else None
        if kept_pid is not None:
            preds[pid] = preds[kept_pid]
            status[pid] = "duplicate"
    for pid in ids:
        status.setdefault(pid, "missing")
    wanted = set(ids)
    return (
        {k: v for k, v in preds.items() if k in wanted},
        {k: v for k, v in status.items() if k in wanted},
        {k: v for k, v in reasons.items() if k in wanted},
    )


def run_corpus_lib(
    gt_dir: str | os.PathLike[str],
    ids: Sequence[str],
    limit: int | None = None,
    page_texts: Mapping[str, str] | None = None,
) -> SystemRun:
    """Run ``corpus_lib.build`` on ``GT_DIR/pages`` (or the first ``limit`` pages) and collect
    predictions; also time ``corpus_lib.parse_page`` per page when it exists.

    Never raises: an unavailable library or a crashing build is reported in the result.
    """
    run = SystemRun("corpus_lib", pages=list(ids))
    try:
        corpus_lib = _import_corpus_lib()
        build = corpus_lib.build
    except Exception as exc:  # ImportError, AttributeError, or a broken package
        run.available = False
        run.note = f"corpus_lib unavailable ({type(exc).__name__}: {exc})"
        return run

    pages_dir = Path(gt_dir) / "pages"
    with tempfile.TemporaryDirectory(prefix="eval_extraction_") as tmp:
        tmp_path = Path(tmp)
        if limit is not None:
            src = tmp_path / "src"
            src.mkdir()
            for f in sorted(pages_dir.glob("*.txt"))[:limit]:
                try:
                    (src / f.name).symlink_to(f.resolve())
                except OSError:
                    (src / f.name).write_bytes(f.read_bytes())
        else:
            src = pages_dir
        out = tmp_path / "out"
        t0 = time.perf_counter()
        try:
            build(src, out, workers=1)
        except Exception as exc:
            run.crashed = True
            run.note = f"corpus_lib.build raised {type(exc).__name__}: {exc}"
            run.timing["build_seconds"] = time.perf_counter() - t0
            run.status = {pid: "missing" for pid in ids}
            return run
        secs = time.perf_counter() - t0
        n_in = len(list(src.glob("*.txt")))
        run.timing.update(
            build_seconds=secs,
            build_pages=n_in,
            build_pages_per_second=(n_in / secs) if secs > 0 else None,
        )
        try:
            records, rejects, duplicates = read_build_output(out)
        except Exception as exc:
            run.crashed = True
            run.note = f"could not read build output: {type(exc).__name__}: {exc}"
            run.status = {pid: "missing" for pid in ids}
            return run
    run.predictions, run.status, run.reject_reasons = predictions_from_build(ids, records, rejects, duplicates)

    parse_page = getattr(corpus_lib, "parse_page", None)
    if callable(parse_page):
        texts = page_texts if page_texts is not None else read_pages(gt_dir, ids)
        run.timing["parse_page"] = time_parse_page(parse_page, [texts[k] for k in ids if k in texts])
    else:
        run.timing["parse_page"] = None
    return run


def run_corpus_lib_html(gt_dir: str | os.PathLike[str], ids: Sequence[str]) -> SystemRun:
    """Run ``corpus_lib.build`` on the original HTML (``GT_DIR/html/<id>.html.gz``) of the pages that have it, as
    ``corpus build`` reads a folder of ``.html.gz`` files: corpus_lib's HTML path, side by side with trafilatura on
    the same files. Never raises."""
    run = SystemRun("corpus_lib-html")
    try:
        build = _import_corpus_lib().build
    except Exception as exc:
        run.available = False
        run.note = f"corpus_lib unavailable ({type(exc).__name__}: {exc})"
        return run
    html_dir = Path(gt_dir) / "html"
    run.pages = [pid for pid in ids if (html_dir / f"{pid}.html.gz").is_file()]
    if not run.pages:
        run.available = False
        run.note = "no html/<id>.html.gz files: nothing to compare"
        return run
    with tempfile.TemporaryDirectory(prefix="eval_extraction_html_") as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        src.mkdir()
        for pid in run.pages:  # copies: a build follows no symlink out of its source folder
            (src / f"{pid}.html.gz").write_bytes((html_dir / f"{pid}.html.gz").read_bytes())
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            build(src, out, workers=1)
            records, rejects, duplicates = read_build_output(out)
        except Exception as exc:
            run.crashed = True
            run.note = f"corpus_lib.build on the HTML raised {type(exc).__name__}: {exc}"
            run.status = {pid: "missing" for pid in run.pages}
            return run
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    run.predictions, run.status, run.reject_reasons = predictions_from_build(run.pages, records, rejects, duplicates)
    n = len(run.pages)
    run.timing.update(pages=n, seconds=wall, pages_per_second=n / wall if wall > 0 else None,
                      pages_per_second_per_core=n / cpu if cpu > 0 else None)
    return run


def time_parse_page(parse_page: Callable[..., Any], texts: Sequence[str]) -> dict[str, Any]:
    """Call ``parse_page(text)`` on every (already decoded) text, single-threaded."""
    errors = 0
    first_error: str | None = None
    w0, c0 = time.perf_counter(), time.process_time()
    for text in texts:
        try:
            parse_page(text)
        except Exception as exc:
            errors += 1
            if first_error is None:
                first_error = f"{type(exc).__name__}: {exc}"
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    n = len(texts)
    return {
        "pages": n,
        "errors": errors,
        "first_error": first_error,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "pages_per_second_per_core": (n / cpu) if cpu > 0 else None,
        "pages_per_second_wall": (n / wall) if wall > 0 else None,
        "compiled": _parser_compiled(),
    }


def _parser_compiled() -> bool | None:
    """Whether the corpus_lib being timed runs its parser compiled (mypyc), None when it cannot tell."""
    try:
        from corpus_lib.parse import compiled
    except ImportError:
        return None
    return compiled()


def _compiled_words(flag: bool | None) -> str:
    return {True: "parser compiled with mypyc", False: "parser as Python source"}.get(flag, "parser build unknown")


def naive_prediction(text: str) -> Prediction:
    """Baseline: title = first non-empty line, no date, body = the whole page text."""
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    return {"title": title, "published": None, "published_at": None, "body": text}


def run_naive(page_texts: Mapping[str, str], ids: Sequence[str]) -> SystemRun:
    run = SystemRun("naive", pages=list(ids))
    t0 = time.perf_counter()
    for pid in ids:
        if pid in page_texts:
            run.predictions[pid] = naive_prediction(page_texts[pid])
            run.status[pid] = "ok"
        else:
            run.status[pid] = "missing"
    run.timing["seconds"] = time.perf_counter() - t0
    return run


def trafilatura_paragraphs(text: str | None) -> str:
    """trafilatura separates paragraphs by single newlines: make them blank-line separated."""
    if not text:
        return ""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def trafilatura_prediction(result_json: str | None) -> Prediction | None:
    """Convert ``trafilatura.extract(..., output_format="json")`` output to a prediction."""
    if not result_json:
        return None
    d = json.loads(result_json)
    date = d.get("date") or None
    return {
        "title": d.get("title") or None,
        "published": date,
        "published_at": None,  # trafilatura only gives the day
        "body": trafilatura_paragraphs(d.get("text")),
    }


def run_trafilatura(gt_dir: str | os.PathLike[str], ids: Sequence[str]) -> SystemRun:
    """Run trafilatura on ``GT_DIR/html/<id>.html.gz`` for the pages that have one."""
    run = SystemRun("trafilatura")
    try:
        import trafilatura  # type: ignore[import-not-found]
    except Exception as exc:
        run.available = False
        run.note = f"trafilatura not installed ({type(exc).__name__}: {exc}); baseline skipped"
        return run
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    run.timing["version"] = getattr(trafilatura, "__version__", None)

    html_dir = Path(gt_dir) / "html"
    htmls: dict[str, str] = {}
    for pid in ids:
        p = html_dir / f"{pid}.html.gz"
        if p.is_file():
            htmls[pid] = read_html(p)
    run.pages = list(htmls)
    date_params = {
        "original_date": True,
        "extensive_search": True,
        "max_date": TRAFILATURA_MAX_DATE,
    }
    t0, c0 = time.perf_counter(), time.process_time()
    for pid, html in htmls.items():
        try:
            res = trafilatura.extract(
                html,
                output_format="json",
                with_metadata=True,
                deduplicate=False,
                include_comments=False,
                date_extraction_params=dict(date_params),
            )
        except Exception:
            run.status[pid] = "missing"
            continue
        pred = trafilatura_prediction(res)
        if pred is None:
            run.status[pid] = "rejected"  # extract returned nothing
        else:
            run.predictions[pid] = pred
            run.status[pid] = "ok"
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = len(htmls)
    run.timing.update(
        pages=n,
        seconds=wall,
        cpu_seconds=cpu,
        pages_per_second=(n / wall) if wall > 0 else None,
        pages_per_second_per_core=(n / cpu) if cpu > 0 else None,
    )
    if not htmls:
        run.note = "no html/<id>.html.gz files: nothing to compare"
    return run


# --------------------------------------------------------------------------------------------
# scoring (pure)


def normalize_text(s: str) -> str:
    """NFC + collapse every whitespace run to one space + strip."""
    return _WS_RE.sub(" ", unicodedata.normalize("NFC", s)).strip()


def tokens(s: str | None) -> list[str]:
    """Lowercased Unicode ``\\w+`` tokens."""
    return _TOKEN_RE.findall(s.lower()) if s else []


def token_prf(pred: str | None, truth: str | None) -> tuple[float, float, float]:
    """Precision / recall / F1 of the token multisets (empty prediction = 0, 0, 0)."""
    p_tok, t_tok = Counter(tokens(pred)), Counter(tokens(truth))
    n_p, n_t = sum(p_tok.values()), sum(t_tok.values())
    if n_p == 0 or n_t == 0:
        return 0.0, 0.0, 0.0
    overlap = sum((p_tok & t_tok).values())
    p, r = overlap / n_p, overlap / n_t
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def title_exact(pred: str | None, truth: str, casefold: bool = False) -> bool:
    if pred is None:
        return False
    a, b = normalize_text(pred), normalize_text(truth)
    if casefold:
        a, b = a.casefold(), b.casefold()
    return a == b


def day_correct(pred_published: Any, truth_published: str) -> bool:
    """Calendar day of the prediction (``YYYY-MM-DD`` prefix) vs the truth's; null = wrong."""
    if pred_published is None:
        return False
    if isinstance(pred_published, datetime):
        pred_published = pred_published.isoformat()
    return str(pred_published)[:10] == truth_published[:10]


def truth_has_time(published: str | None) -> bool:
    """True when a ground-truth date is a datetime with an offset (``...THH:MM:SS+HH:MM``)."""
    if not published or "T" not in published:
        return False
    try:
        return datetime.fromisoformat(published).tzinfo is not None
    except ValueError:
        return False


def _as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:  # published_at is UTC by contract
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def datetime_correct(pred_published_at: Any, truth_published: str, tolerance_s: float = DATETIME_TOLERANCE_S) -> bool:
    pred = _as_utc(pred_published_at)
    if pred is None:
        return False
    truth = datetime.fromisoformat(truth_published).astimezone(timezone.utc)
    return abs((pred - truth).total_seconds()) <= tolerance_s



def day_shown(text: str, truth_published: str) -> bool | None:
    """Whether the page's text shows its true publication day as a date corpus_lib's date reader finds (on any line,
    read day-first or month-first): corpus_lib cannot get `day` right on more pages than this without reading more date
    formats (the rest of the truth came mostly from the page's metadata). A date that reads either way ('09.10.2024') counts in both.
    None when corpus_lib cannot be imported."""
    try:
        from corpus_lib.parse.dates import find_dates
    except ImportError:
        return None
    day = datetime.fromisoformat(truth_published[:10]).date()
    for index, line in enumerate(text.split("\n")):
        if not any(char.isdigit() for char in line):
            continue
        for month_first in (False, True):
            for match in find_dates(line, index, month_first):
                if match.year != day.year:
                    continue
                if (match.month, match.day) == (day.month, day.day) or (match.day_month_ambiguous and (match.day, match.month) == (day.month, day.day)):
                    return True
    return False


def day_ceiling(truth: Mapping[str, Truth], texts: Mapping[str, str]) -> Metric | None:
    """Pages whose true publication day the text shows (see day_shown), out of the pages with a true day."""
    shown = [day_shown(texts.get(pid, ""), t["published"]) for pid, t in sorted(truth.items()) if t.get("published")]
    if any(value is None for value in shown):
        return None
    return _metric(float(sum(shown)), len(shown))


def with_ceiling(truth: Mapping[str, Truth], texts: Mapping[str, str]) -> Metric:
    """`with` snippets that occur in their page's text, matched as `with` matches them in a body (see snippet_counts),
    pooled: an extractor that keeps the page's text as it is cannot find more. The rest differ from the page in
    typography or wording (the truth was normalised), or live in markup the text does not show."""
    found = total = 0
    for pid, t in sorted(truth.items()):
        f, n = snippet_counts(texts.get(pid, ""), t.get("with") or [])
        found, total = found + f, total + n
    return _metric(float(found), total)


def title_ceiling(truth: Mapping[str, Truth], texts: Mapping[str, str]) -> Metric:
    """Pages whose true title occurs in the page's text (NFC, whitespace collapsed, case kept, as `title_exact`
    compares), out of the pages with a true title: a title taken from the text cannot be exact on more pages. The
    rest come from the page's metadata (an HTML `<title>` with the site's name) or differ in case or typography."""
    shown = [normalize_text(t["title"]) in normalize_text(texts.get(pid, "")) for pid, t in sorted(truth.items()) if t.get("title")]
    return _metric(float(sum(shown)), len(shown))

# Typography that a source's ground truth and the page text may spell apart: the truth of some pages straightens
# quotes and dashes the page shows curly ('don't' for 'don’t'), or keeps the space an inline tag left before a
# comma or a bracket ('sunlight ,'). The 'w.ty' column ignores it, a diagnostic beside 'with', which does not.
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})
_SPACE_BEFORE_CLOSING = re.compile(r"\s+(?=[,.;:!?)\]])")
_SPACE_AFTER_OPENING = re.compile(r"(?<=[(\[])\s+")


def typography_insensitive(s: str) -> str:
    """normalize_text, then straight quotes and hyphens for curly ones and dashes, no space inside brackets or
    before closing punctuation."""
    s = normalize_text(s).translate(_TYPOGRAPHY)
    return _SPACE_AFTER_OPENING.sub("", _SPACE_BEFORE_CLOSING.sub("", s))


def snippet_counts(pred_body: str | None, snippets: Sequence[str], ignore_typography: bool = False) -> tuple[int, int]:
    """(found, total): snippets occurring in the body after NFC + whitespace normalisation
    (case-sensitive substring). Snippets that normalise to "" are not counted. With ignore_typography
    both sides go through typography_insensitive instead."""
    norm = typography_insensitive if ignore_typography else normalize_text
    body = norm(pred_body) if pred_body else ""
    found = total = 0
    for s in snippets:
        ns = norm(s)
        if not ns:
            continue
        total += 1
        if ns in body:
            found += 1
    return found, total


def score_page(truth: Mapping[str, Any], pred: Mapping[str, Any] | None, status: str = "ok", score_language: bool = False) -> PageScore:
    """Score one prediction against one ground-truth record (``pred`` None = empty prediction).

    Returns a flat dict; metrics that do not apply to the page are None (not counted). Snippet
    metrics are (found, total) counts so that they can be pooled by ``aggregate``.
    """
    p: Mapping[str, Any] = pred or {}
    s: PageScore = {"id": truth.get("id"), "status": status}

    t_title = truth.get("title")
    if t_title is not None:
        pt = p.get("title")
        s["title_exact"] = title_exact(pt, t_title)
        s["title_exact_cf"] = title_exact(pt, t_title, casefold=True)
        s["title_f1"] = token_prf(pt, t_title)[2]
    else:
        s["title_exact"] = s["title_exact_cf"] = s["title_f1"] = None

    t_pub = truth.get("published")
    s["day"] = day_correct(p.get("published"), t_pub) if t_pub else None
    s["datetime"] = datetime_correct(p.get("published_at"), t_pub) if truth_has_time(t_pub) else None

    t_body = truth.get("body")
    if t_body is not None:
        s["body_p"], s["body_r"], s["body_f1"] = token_prf(p.get("body"), t_body)
    else:
        s["body_p"] = s["body_r"] = s["body_f1"] = None

    s["with_found"], s["with_total"] = snippet_counts(p.get("body"), truth.get("with") or [])
    s["with_found_typography"] = snippet_counts(p.get("body"), truth.get("with") or [], ignore_typography=True)[0]
    s["without_leaked"], s["without_total"] = snippet_counts(p.get("body"), truth.get("without") or [])

    if score_language and truth.get("lang") is not None:
        s["lang"] = p.get("language") == truth.get("lang")
    else:
        s["lang"] = None
    s["rejected"] = status == "rejected"
    s["missing"] = status == "missing"
    return s


# metric name -> kind. "mean": average of per-page values that are not None;
# ("pool", num, den): sum(num) / sum(den) over pages.
METRICS: dict[str, Any] = {
    "title_exact": "mean",
    "title_exact_cf": "mean",
    "title_f1": "mean",
    "day": "mean",
    "datetime": "mean",
    "body_p": "mean",
    "body_r": "mean",
    "body_f1": "mean",
    "with_recall": ("pool", "with_found", "with_total"),
    "with_recall_typography": ("pool", "with_found_typography", "with_total"),
    "without_leak": ("pool", "without_leaked", "without_total"),
    "lang": "mean",
    "rejected": "mean",
    "missing": "mean",
}


def _metric(total: float, n: int) -> Metric:
    return {"value": (total / n) if n else None, "n": n, "sum": total}


def aggregate(scores: Iterable[PageScore]) -> dict[str, Any]:
    """Aggregate page scores: ``{"pages": N, metric: {"value", "n", "sum"}, ...}``.

    ``crash_free`` = fraction of pages that are not missing (a page in neither the output nor
    the rejects); value None when there are no pages.
    """
    scores = list(scores)
    out: dict[str, Any] = {"pages": len(scores)}
    for name, kind in METRICS.items():
        if kind == "mean":
            vals = [float(s[name]) for s in scores if s.get(name) is not None]
            out[name] = _metric(math.fsum(vals), len(vals))
        else:
            _, num, den = kind
            n = int(sum(s.get(den) or 0 for s in scores))
            out[name] = _metric(float(sum(s.get(num) or 0 for s in scores)), n)
    n_missing = int(out["missing"]["sum"])
    out["crash_free"] = _metric(float(len(scores) - n_missing), len(scores))
    return out


# --------------------------------------------------------------------------------------------
# grouping / evaluation


def page_groups(truth: Mapping[str, Any], html_ids: set[str]) -> list[str]:
    """Report groups a page belongs to."""
    pid = truth["id"]
    groups = ["overall", f"source:{truth.get('source')}", f"lang:{truth.get('lang') or 'none'}"]
    if pid in html_ids:
        groups.append("html-both")
    if truth.get("source") == "daniel-ru":
        groups.append("daniel-ru")
    return groups


def evaluate(truth: Mapping[str, Truth], runs: Sequence[SystemRun], html_ids: set[str]) -> dict[str, Any]:
    """Score every available system on every page and aggregate per group.

    A system is scored on the pages it ran on (``run.pages``): all pages for corpus_lib and
    naive, the pages with HTML for trafilatura. Returns ``{"groups": {group: {"pages": N,
    "systems": {system: aggregate}}}, "page_scores": {system: {id: score}}}``.
    """
    page_scores: dict[str, dict[str, PageScore]] = {}
    for run in runs:
        if not run.available:
            continue
        per: dict[str, PageScore] = {}
        for pid in run.pages:
            if pid not in truth:
                continue
            per[pid] = score_page(
                truth[pid],
                run.predictions.get(pid),
                status=run.status.get(pid, "missing"),
                score_language=run.name.startswith("corpus_lib"),
            )
        page_scores[run.name] = per

    members: dict[str, list[str]] = {}
    for pid, rec in truth.items():
        for g in page_groups(rec, html_ids):
            members.setdefault(g, []).append(pid)

    groups: dict[str, Any] = {}
    for g, pids in members.items():
        systems: dict[str, Any] = {}
        for name, per in page_scores.items():
            sel = [per[pid] for pid in pids if pid in per]
            if sel:
                systems[name] = aggregate(sel)
        groups[g] = {"pages": len(pids), "systems": systems}
    return {"groups": groups, "page_scores": page_scores}


def group_order(groups: Mapping[str, Any]) -> list[str]:
    fixed = [g for g in ("overall", "html-both", "daniel-ru") if g in groups]
    sources = sorted(g for g in groups if g.startswith("source:"))
    langs = sorted((g for g in groups if g.startswith("lang:")), key=lambda g: (-groups[g]["pages"], g))
    rest = sorted(g for g in groups if g not in fixed and g not in sources and g not in langs)
    return fixed + sources + langs + rest


# --------------------------------------------------------------------------------------------
# formatting

# (header, metric, show_n) - show_n prints the metric's denominator in an "n" column before it
_COLUMNS: list[tuple[str, str, bool]] = [
    ("title", "title_exact", True),
    ("t.cf", "title_exact_cf", False),
    ("t.F1", "title_f1", False),
    ("day", "day", True),
    ("dt60", "datetime", True),
    ("b.P", "body_p", False),
    ("b.R", "body_r", False),
    ("b.F1", "body_f1", True),
    ("with", "with_recall", True),
    ("w.ty", "with_recall_typography", False),
    ("leak", "without_leak", True),
    ("lang", "lang", True),
]


def _fmt_value(m: Metric | None) -> str:
    if not m or m.get("value") is None:
        return "-"
    return f"{m['value']:.3f}"


def format_table(result: Mapping[str, Any], min_lang_pages: int = MIN_LANG_GROUP_PAGES_IN_TABLE) -> str:
    """Fixed-width table: rows = group x system, columns = metrics (with their n)."""
    groups = result["groups"]
    header: list[str] = ["group", "system", "pages"]
    for head, _metric_name, show_n in _COLUMNS:
        if show_n:
            header.append("n")
        header.append(head)
    header += ["rej", "miss"]

    rows: list[list[str]] = []
    hidden: list[str] = []
    for g in group_order(groups):
        info = groups[g]
        if g.startswith("lang:") and info["pages"] < min_lang_pages:
            hidden.append(g)
            continue
        for sysname in SYSTEMS:
            agg = info["systems"].get(sysname)
            if agg is None:
                continue
            row = [g, sysname, str(agg["pages"])]
            for _head, metric_name, show_n in _COLUMNS:
                m = agg.get(metric_name)
                if show_n:
                    row.append(str(m["n"]) if m else "0")
                row.append(_fmt_value(m))
            row.append(str(int(agg["rejected"]["sum"])))
            row.append(str(int(agg["missing"]["sum"])))
            rows.append(row)

    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []

    def fmt(r: list[str]) -> str:
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(r[2:], widths[2:])]
        return "  ".join(cells).rstrip()

    lines.append(fmt(header))
    lines.append("-" * len(lines[0]))
    prev_group = None
    for r in rows:
        if prev_group is not None and r[0] != prev_group:
            lines.append("")
        prev_group = r[0]
        lines.append(fmt(r))
    if hidden:
        lines.append("")
        lines.append(f"({len(hidden)} language groups with < {min_lang_pages} pages omitted here; see --json: {', '.join(hidden)})")
    return "\n".join(lines)


def format_language_table(result: Mapping[str, Any]) -> str:
    groups = result["groups"]
    lines = ["language-id accuracy (corpus_lib `language` vs truth `lang`)"]
    for g in ["overall"] + sorted(g for g in groups if g.startswith("source:")):
        agg = groups.get(g, {}).get("systems", {}).get("corpus_lib")
        if agg is None:
            continue
        m = agg["lang"]
        lines.append(f"  {g:<28} {_fmt_value(m):>6}  (n={m['n']})")
    if len(lines) == 1:
        lines.append("  (corpus_lib not scored)")
    return "\n".join(lines)


def _short(s: Any, k: int = 120) -> str:
    if s is None:
        return "None"
    s = _WS_RE.sub(" ", str(s)).strip()
    return repr(s[:k] + ("..." if len(s) > k else ""))


def worst_pages(scores: Mapping[str, PageScore], k: int) -> list[tuple[float, str]]:
    """The k pages whose body came out worst: lowest body F1 where the truth has a body, else the lowest share of
    its `with` snippets found (pages with neither are not ranked). Ties broken by id."""
    ranked: list[tuple[float, str]] = []
    for pid, s in scores.items():
        if s.get("body_f1") is not None:
            ranked.append((s["body_f1"], pid))
        elif s.get("with_total"):
            ranked.append((s["with_found"] / s["with_total"], pid))
    ranked.sort()
    return ranked[:k]


def worst_titles(scores: Mapping[str, PageScore], k: int) -> list[tuple[float, str]]:
    """The k title misses with the lowest title token-F1 (the furthest from the truth). Ties broken by id."""
    return sorted((s["title_f1"], pid) for pid, s in scores.items() if s.get("title_exact") is False)[:k]


def format_worst(truth: Mapping[str, Truth], run: SystemRun, scores: Mapping[str, PageScore], k: int) -> str:
    lines = [f"worst {k} bodies for {run.name} (lowest body F1, or share of `with` snippets found where the truth has no body)"]
    for _, pid in worst_pages(scores, k):
        lines += _describe(pid, truth[pid], run, scores[pid], body=True)
    lines += ["", f"worst {k} titles for {run.name} (misses with the lowest title token-F1)"]
    for _, pid in worst_titles(scores, k):
        lines += _describe(pid, truth[pid], run, scores[pid], body=False)
    return "\n".join(lines)


def _describe(pid: str, t: Truth, run: SystemRun, s: PageScore, body: bool) -> list[str]:
    p = run.predictions.get(pid) or {}
    bf1 = "-" if s.get("body_f1") is None else f"{s['body_f1']:.3f}"
    found = f"{s.get('with_found', 0)}/{s.get('with_total', 0)}" if s.get("with_total") else "-"
    lines = [f"- {pid}  [{t.get('source')}, lang={t.get('lang')}, status={s.get('status')}]  body F1={bf1}  with found={found}"
             f"  title exact={s.get('title_exact')}"]
    lines.append(f"    title pred : {_short(p.get('title'))}")
    lines.append(f"    title truth: {_short(t.get('title'))}")
    if body and t.get("body") is not None:
        lines.append(f"    body pred  : {_short(p.get('body'))}")
        lines.append(f"    body truth : {_short(t.get('body'))}")
    elif body and t.get("with"):
        body_text = normalize_text(p.get("body") or "")
        missed = [w for w in t["with"] if normalize_text(w) and normalize_text(w) not in body_text]
        lines.append(f"    body pred  : {_short(p.get('body'))}")
        lines.append(f"    with missed: {_short(missed[0] if missed else None)}")
    if reason := run.reject_reasons.get(pid):
        lines.append(f"    reject reason: {reason}")
    return lines


def _round_floats(obj: Any, nd: int = 6) -> Any:
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, dict):
        return {str(k): _round_floats(v, nd) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round_floats(v, nd) for v in obj]
    return obj


def build_json(gt_dir: str, truth: Mapping[str, Truth], runs: Sequence[SystemRun], result: Mapping[str, Any], limit: int | None) -> dict[str, Any]:
    systems: dict[str, Any] = {}
    for run in runs:
        systems[run.name] = {
            "available": run.available,
            "crashed": run.crashed,
            "note": run.note,
            "pages": len(run.pages) if run.available else 0,
            "timing": run.timing,
            "status_counts": dict(sorted(Counter(run.status.values()).items())),
        }
    return _round_floats(
        {
            "gt_dir": str(gt_dir),
            "limit": limit,
            "pages": len(truth),
            "systems": systems,
            "groups": result["groups"],
        }
    )


def _fmt_rate(x: Any) -> str:
    return "-" if x is None else f"{x:.1f}"


def format_systems(runs: Sequence[SystemRun]) -> str:
    lines = []
    for run in runs:
        if not run.available or run.crashed:
            lines.append(f"{run.name}: {run.note}")
            continue
        t = run.timing
        if run.name == "corpus_lib":
            counts = Counter(run.status.values())
            lines.append(
                f"corpus_lib: build {t.get('build_seconds', 0):.1f} s for {t.get('build_pages')} pages = "
                f"{_fmt_rate(t.get('build_pages_per_second'))} pages/s (workers=1); status "
                + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            )
            pp = t.get("parse_page")
            if pp is None:
                lines.append("corpus_lib.parse_page: not present, not timed")
            else:
                err = f", {pp['errors']} raised (first: {pp['first_error']})" if pp["errors"] else ""
                lines.append(
                    f"corpus_lib.parse_page: {pp['pages']} pages, {_fmt_rate(pp['pages_per_second_per_core'])} pages/s per core"
                    f" (cpu {pp['cpu_seconds']:.1f} s, wall {pp['wall_seconds']:.1f} s; {_compiled_words(pp.get('compiled'))}){err}"
                )
        elif run.name == "corpus_lib-html":
            counts = Counter(run.status.values())
            lines.append(
                f"corpus_lib-html: build on {t.get('pages')} html pages in {t.get('seconds', 0):.1f} s = "
                f"{_fmt_rate(t.get('pages_per_second'))} pages/s ({_fmt_rate(t.get('pages_per_second_per_core'))} per core; "
                "workers=1, both passes, HTML layout included); " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            )
        elif run.name == "trafilatura":
            counts = Counter(run.status.values())
            lines.append(
                f"trafilatura {t.get('version')}: {t.get('pages')} html pages in {t.get('seconds', 0):.1f} s = "
                f"{_fmt_rate(t.get('pages_per_second'))} pages/s ({_fmt_rate(t.get('pages_per_second_per_core'))} per core); "
                + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                + (f"; {run.note}" if run.note else "")
            )
        else:
            lines.append(f"{run.name}: {len(run.pages)} pages")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gt_dir", help="ground-truth folder with pages/, ground-truth.jsonl, optional html/")
    ap.add_argument("--json", dest="json_out", metavar="OUT.json", help="write all numbers as JSON")
    ap.add_argument("--limit", type=int, metavar="N", help="only the first N pages (sorted by file name)")
    ap.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura baseline")
    ap.add_argument("--worst", type=int, default=10, metavar="K", help="list the K worst corpus_lib bodies and titles (default 10, 0 = none)")
    args = ap.parse_args(argv)
    if args.limit is not None and args.limit < 0:
        ap.error("--limit must be >= 0")
    return args


def select_ids(gt_dir: Path, truth: Mapping[str, Truth], limit: int | None) -> list[str]:
    """Ids to evaluate: all truth ids, or those of the first ``limit`` page files by name."""
    if limit is None:
        return list(truth)
    files = sorted((gt_dir / "pages").glob("*.txt"))[:limit]
    chosen = {f.name[: -len(".txt")] for f in files}
    return [pid for pid in truth if pid in chosen]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    gt_dir = Path(args.gt_dir)
    if not (gt_dir / "ground-truth.jsonl").is_file() or not (gt_dir / "pages").is_dir():
        print(f"error: {gt_dir} needs ground-truth.jsonl and pages/", file=sys.stderr)
        return 2
    all_truth = load_truth(gt_dir)
    ids = select_ids(gt_dir, all_truth, args.limit)
    truth = {pid: all_truth[pid] for pid in ids}
    texts = read_pages(gt_dir, ids)

    runs: list[SystemRun] = [run_corpus_lib(gt_dir, ids, limit=args.limit, page_texts=texts), run_corpus_lib_html(gt_dir, ids), run_naive(texts, ids)]
    if args.no_trafilatura:
        runs.append(SystemRun("trafilatura", available=False, note="trafilatura skipped (--no-trafilatura)"))
    else:
        runs.append(run_trafilatura(gt_dir, ids))

    html_ids = {pid for pid in ids if (gt_dir / "html" / f"{pid}.html.gz").is_file()}
    result = evaluate(truth, runs, html_ids)

    print(f"eval_extraction: {len(truth)} pages from {gt_dir}" + (f" (--limit {args.limit})" if args.limit is not None else ""))
    print(format_systems(runs))
    print()
    print(format_table(result))
    if any(r.name == "trafilatura" and r.available for r in runs):
        print("\n(trafilatura is scored only on pages with original HTML; `html-both` compares the systems on exactly those pages)")
    if any(r.name == "corpus_lib-html" and r.available for r in runs):
        print("(`corpus_lib-html` is corpus_lib's build on those pages' original HTML instead of their text dumps)")
    ceiling = day_ceiling(truth, texts)
    if ceiling is not None and ceiling["n"]:
        print(f"\n(publication day shown in the page text, as a date corpus_lib reads: {int(ceiling['sum'])} of {ceiling['n']} dated pages, "
              f"{ceiling['value']:.3f}: the most `day` can reach without more date formats)")
    titles = title_ceiling(truth, texts)
    if titles["n"]:
        print(f"(true titles that occur in their page's text: {int(titles['sum'])} of {titles['n']}, {titles['value']:.3f}: "
              "the most `title exact` can reach by taking the title from the text)")
    shown = with_ceiling(truth, texts)
    if shown["n"]:
        print(f"(`with` snippets that occur in their page's text: {int(shown['sum'])} of {shown['n']}, {shown['value']:.3f}: "
              "the most `with` can reach by keeping the page's text as it is)")
    print()
    print(format_language_table(result))

    cl = next(r for r in runs if r.name == "corpus_lib")
    if args.worst > 0:
        print()
        if cl.available and not cl.crashed:
            print(format_worst(truth, cl, result["page_scores"]["corpus_lib"], args.worst))
        else:
            print(f"worst pages: corpus_lib not scored ({cl.note})")

    if args.json_out:
        data = build_json(str(gt_dir), truth, runs, result, args.limit)
        data["day_shown_in_text"] = _round_floats(ceiling)
        data["with_in_page_text"] = _round_floats(shown)
        data["title_in_page_text"] = _round_floats(titles)
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(data, fh, sort_keys=True, indent=1, ensure_ascii=False)
            fh.write("\n")
        print(f"\nwrote {args.json_out}")
    return 1 if cl.crashed else 0


if __name__ == "__main__":
    sys.exit(main())
