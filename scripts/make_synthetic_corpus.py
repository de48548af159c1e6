#!/usr/bin/env python3
"""Write a large deterministic synthetic corpus of raw news page dumps, for the scale benchmark.

    python scripts/make_synthetic_corpus.py OUT_DIR --pages N [--seed S] [--jobs J] [--force]

The pages use the four site layouts of scripts/make_sample_corpus.py (navigation, dateline,
share buttons, related headlines, footer; Russian, Azerbaijani, English) with that script's
grammars, but are made fast enough for a million pages: each layout's sentences and headlines
are drawn once into a pool, and a page is assembled from the pool until it reaches a size drawn
log-uniformly so that whole pages are 2-10 KB.

Every page is a function of (seed, its index) alone: page i is the same whatever --pages or
--jobs is, so a smaller corpus is a prefix of a larger one (the benchmark profiles such a
prefix). About 3% of pages are near-duplicates (1-3 words reworded or a paragraph appended) and
1% exact duplicates (the same article saved again with other navigation) of an earlier page; 0.2%
are broken (empty, binary, navigation only, a 404 page); a few are cp1251 or CRLF.

Files go to LAYOUT/NNNN/LAYOUT-IIIIIIII.txt (broken pages to misc/), at most ~700 per folder;
corpus.toml maps each layout folder to its source (name, time zone, language).
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import dataclasses
import datetime as dt
import importlib.util
import itertools
import math
import os
import random
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

DEFAULT_SEED = 7
FOLDER_SPAN = 2000  # page indices per subfolder: the largest layout share (30%) puts ~600 files in one
SENTENCE_POOL = 6000
TITLE_POOL = 3000
# Whole page sizes: log-uniform over this many bytes (the chrome adds ~0.5-1.5 KB to the body).
PAGE_BYTES = (2048, 10240)
# Share of pages of each special kind; the rest are ordinary articles.
NEAR_SHARE = 0.03
EXACT_SHARE = 0.01
BROKEN_SHARE = 0.002
LEGACY_SHARE = 0.002  # ruportal pages saved as cp1251
CRLF_SHARE = 0.05  # dailywire pages saved with Windows line ends


def _load_sample_module():
    path = Path(__file__).resolve().with_name("make_sample_corpus.py")
    spec = importlib.util.spec_from_file_location("make_sample_corpus_for_synthetic", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sample = _load_sample_module()
LAYOUTS = tuple(sample.LAYOUTS)
_LAYOUT_CUMULATIVE = list(itertools.accumulate(sample.LAYOUT_SHARES[layout] for layout in LAYOUTS))


@dataclasses.dataclass(frozen=True)
class Pools:
    """Per layout: sentences (with their UTF-8 sizes), openers' templates and headlines."""

    sentences: dict[str, tuple[str, ...]]
    sentence_bytes: dict[str, tuple[int, ...]]
    titles: dict[str, tuple[str, ...]]


def make_pools(seed: int) -> Pools:
    rng = random.Random(f"{seed}/pools")
    sentences, sizes, titles = {}, {}, {}
    for layout in LAYOUTS:
        grammar = sample.GRAMMARS[layout]
        found: dict[str, None] = {}
        for _ in range(SENTENCE_POOL * 3):
            found.setdefault(sample.fill(rng.choice(grammar.sentences), grammar, rng))
            if len(found) >= SENTENCE_POOL:
                break
        sentences[layout] = tuple(found)
        sizes[layout] = tuple(len(s.encode("utf-8")) + 1 for s in found)
        titles[layout] = tuple(dict.fromkeys(sample.make_title(rng, grammar) for _ in range(TITLE_POOL)))
    return Pools(sentences, sizes, titles)


_POOLS: Pools | None = None


def pools(seed: int) -> Pools:
    global _POOLS
    if _POOLS is None:
        _POOLS = make_pools(seed)
    return _POOLS


# --------------------------------------------------------------------------- one page


_MONTH_CUMULATIVE = list(itertools.accumulate(sample.month_weights()))


def publication_time(rng: random.Random) -> dt.datetime:
    index = bisect.bisect_right(_MONTH_CUMULATIVE, rng.random() * _MONTH_CUMULATIVE[-1])
    index = min(index, sample.MONTHS - 1)
    year, month = sample.FIRST_YEAR + index // 12, index % 12 + 1
    day = rng.randint(1, calendar.monthrange(year, month)[1])
    return dt.datetime(year, month, day, rng.choice(sample.PUBLISHING_HOURS), rng.randint(0, 59))


def page_kind(seed: int, index: int) -> str:
    draw = random.Random(f"{seed}/kind/{index}").random()
    if index == 0 or draw >= NEAR_SHARE + EXACT_SHARE + BROKEN_SHARE:
        return "article"
    if draw < NEAR_SHARE:
        return "near_duplicate"
    if draw < NEAR_SHARE + EXACT_SHARE:
        return "exact_duplicate"
    return "broken"


def article_of(seed: int, index: int):
    """(layout, Article) of page `index`'s own article (also the base of its copies)."""
    rng = random.Random(f"{seed}/article/{index}")
    layout = LAYOUTS[bisect.bisect_right(_LAYOUT_CUMULATIVE, rng.randrange(_LAYOUT_CUMULATIVE[-1]))]
    grammar = sample.GRAMMARS[layout]
    pool = pools(seed)
    sentences, sizes = pool.sentences[layout], pool.sentence_bytes[layout]
    low, high = PAGE_BYTES
    body_bytes = int(math.exp(rng.uniform(math.log(low), math.log(high)))) - 900
    published = publication_time(rng)
    opener = sample.fill(rng.choice(grammar.openers), grammar, rng, published.date())
    paragraphs = []
    current = [opener]
    total = len(opener.encode("utf-8"))
    wanted = rng.randint(1, 4)
    while total < body_bytes or len(paragraphs) < 2:
        if len(current) >= wanted:
            paragraphs.append(" ".join(current))
            current, wanted = [], rng.randint(1, 4)
        pick = rng.randrange(len(sentences))
        current.append(sentences[pick])
        total += sizes[pick]
    if current:
        paragraphs.append(" ".join(current))
    media: tuple[str, ...] = ()
    if layout in sample.MEDIA_WEIGHTS:
        media = rng.choices(sample.MEDIA_CHOICES, weights=sample.MEDIA_WEIGHTS[layout])[0]
    title = rng.choice(pool.titles[layout])
    article = sample.Article(title, published, sample.crawl_time(rng, published), tuple(paragraphs), media)
    return layout, article


def _pooled_headlines(rng: random.Random, folder: str, count: int) -> list[str]:
    titles = _POOLS.titles[folder]
    return [titles[rng.randrange(len(titles))] for _ in range(count)]


# The layouts draw related headlines through sample.headlines, which composes each one from the
# grammar (too slow at this scale); this private copy of the module takes them from the pool.
sample.headlines = _pooled_headlines


def render(seed: int, layout: str, article, rng: random.Random) -> bytes:
    pools(seed)
    return sample.encode(sample.RENDERERS[layout](article, rng))


def broken_page(rng: random.Random, seed: int) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return b""
    if choice == 1:
        return b"  \n\n\t\n   \n"
    if choice == 2:
        return b"\x1f\x8b\x08\x00" + rng.randbytes(300) + b"\x00\x00" + rng.randbytes(300)
    if choice == 3:
        return sample.encode(["Ошибка 404", "Страница не найдена", "", "Возможно, она была удалена или перемещена.", "Вернуться на главную"])
    when = publication_time(rng)
    pools(seed)
    return sample.encode([*sample.azxeber_header(rng), *sample.azxeber_footer(rng, when, when.year)])


def make_page(seed: int, index: int) -> tuple[str, bytes]:
    """(relative path, bytes) of page `index`."""
    kind = page_kind(seed, index)
    rng = random.Random(f"{seed}/page/{index}")
    span = f"{index // FOLDER_SPAN:04d}"
    if kind == "broken":
        return f"misc/{span}/misc-{index:08d}.txt", broken_page(rng, seed)
    if kind == "article":
        layout, article = article_of(seed, index)
    else:
        original = rng.randrange(index)
        while page_kind(seed, original) != "article":
            original = rng.randrange(index)
        layout, article = article_of(seed, original)
        if kind == "exact_duplicate":  # saved again later: the same article, other chrome
            article = dataclasses.replace(article, crawled=sample.crawl_time(rng, article.published))
        else:
            swaps = rng.choice((0, 1, 2, 3))
            if swaps:
                paragraphs = sample.reword(rng, article.paragraphs, sample.LANGUAGE[layout], swaps)
            else:
                sentences = pools(seed).sentences[layout]
                paragraphs = (*article.paragraphs, " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 3))))
            published = sample.later_time(rng, article.published, 3 * 24 * 60)
            article = dataclasses.replace(
                article, paragraphs=paragraphs, published=published, crawled=sample.crawl_time(rng, published)
            )
    data = render(seed, layout, article, rng)
    draw = rng.random()
    if layout == "ruportal" and draw < LEGACY_SHARE * 5:  # ruportal is ~20% of pages
        data = data.decode("utf-8").encode("cp1251")
    elif layout == "dailywire" and draw < CRLF_SHARE:
        data = data.replace(b"\n", b"\r\n")
    return f"{layout}/{span}/{layout}-{index:08d}.txt", data


# --------------------------------------------------------------------------- corpus


def corpus_toml() -> str:
    return sample.corpus_toml("synthetic-news", "corpus_lib synthetic benchmark corpus")


def write_range(out_dir: str, seed: int, start: int, stop: int) -> int:
    """Write pages [start, stop); returns the bytes written."""
    root = Path(out_dir)
    made: set[str] = set()
    written = 0
    for index in range(start, stop):
        path, data = make_page(seed, index)
        folder = path.rsplit("/", 1)[0]
        if folder not in made:
            (root / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(root / path, "wb") as handle:
            handle.write(data)
        written += len(data)
    return written


def write_corpus(out_dir: Path, pages: int, seed: int, jobs: int = 1) -> int:
    """Write the corpus; the bytes do not depend on `jobs`. Returns the bytes of page files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "corpus.toml").write_text(corpus_toml(), encoding="utf-8")
    chunk = FOLDER_SPAN
    ranges = [(start, min(start + chunk, pages)) for start in range(0, pages, chunk)]
    if jobs <= 1 or len(ranges) <= 1:
        return sum(write_range(str(out_dir), seed, start, stop) for start, stop in ranges)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(write_range, str(out_dir), seed, start, stop) for start, stop in ranges]
        return sum(f.result() for f in futures)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder to write the corpus into")
    parser.add_argument("--pages", type=int, default=100_000, help="number of page files (default 100000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="writer processes (output is the same for any value)")
    parser.add_argument("--force", action="store_true", help="replace OUT_DIR if it exists and is not empty")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.pages < 1:
        print("make_synthetic_corpus: --pages must be at least 1", file=sys.stderr)
        return 2
    out_dir: Path = args.out_dir
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        if not args.force:
            print(f"make_synthetic_corpus: {out_dir} exists and is not empty (use --force to replace it)", file=sys.stderr)
            return 2
        shutil.rmtree(out_dir) if out_dir.is_dir() else out_dir.unlink()
    started = time.perf_counter()
    size = write_corpus(out_dir, args.pages, args.seed, args.jobs)
    seconds = time.perf_counter() - started
    print(f"wrote {args.pages} pages ({size / 1e6:.1f} MB) to {out_dir} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
