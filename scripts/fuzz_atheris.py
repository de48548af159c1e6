#!/usr/bin/env python3
"""Coverage-guided fuzzing of the decoder and the parser with atheris (libFuzzer), for a bounded time.

    pip install atheris
    python scripts/fuzz_atheris.py [-max_total_time=SECONDS] [CORPUS_DIR ...] [other libFuzzer flags]

Each input is split by atheris' FuzzedDataProvider into a mode (text page / HTML page), a language
hint and the page bytes. The bytes go through `decode_bytes`; whatever decodes goes through
`parse_page` (HTML pages first through `html_to_page`). A crash is any exception other than an
InputReject from the decoder, or a result that breaks the contracts below; libFuzzer then writes
the input to ./crash-<sha1>, which `python scripts/fuzz_atheris.py crash-<sha1>` replays.

Without -max_total_time the run stops after 60 seconds. Give a folder of pages (for example one
written by scripts/make_sample_corpus.py, flattened) as CORPUS_DIR to start from real pages; new
interesting inputs are added to it. Not run in CI: tests/test_fuzz_build.py holds the Hypothesis
properties that are.
"""

from __future__ import annotations

import sys

try:
    import atheris
except ImportError:  # pragma: no cover - the harness is optional
    sys.exit("fuzz_atheris: atheris is not installed (pip install atheris; it needs a Linux or macOS wheel or clang)")

with atheris.instrument_imports(include=["corpus_lib"]):
    from corpus_lib.inputs import InputReject, decode_bytes
    from corpus_lib.parse import PageHints, ParsedArticle, ParseFailure, parse_page
    from corpus_lib.parse.html import html_to_page

DEFAULT_SECONDS = 60
LANGUAGES = (None, "ru", "en", "az", "de")
DECODER_REASONS = {"binary", "undecodable"}


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    is_html = provider.ConsumeBool()
    language = LANGUAGES[provider.ConsumeIntInRange(0, len(LANGUAGES) - 1)]
    raw = provider.ConsumeBytes(provider.remaining_bytes())
    try:
        text, encoding = decode_bytes(raw)
    except InputReject as exc:
        if exc.reason not in DECODER_REASONS or not exc.message:
            raise AssertionError(f"unexpected reject {exc.reason!r}: {exc.message!r}") from exc
        return
    if "\r" in text or "\x00" in text or not encoding:
        raise AssertionError(f"decoded text breaks the contract ({encoding!r}): {text[:80]!r}")
    hints = PageHints(language=language)
    if is_html:
        page = html_to_page(text)
        text = page.text
        hints = PageHints(language=language or page.language, title=page.title, url=page.url)
    result = parse_page(text, hints)
    if isinstance(result, ParsedArticle):
        if not result.title.strip() or not result.body.strip():
            raise AssertionError(f"an article with an empty title or body: {result!r}"[:300])
    elif not isinstance(result, ParseFailure) or not result.reason or not result.message:
        raise AssertionError(f"parse_page returned {result!r}"[:300])


def main(argv: list[str]) -> None:
    if not any(arg.startswith(("-max_total_time=", "-runs=")) for arg in argv[1:]):
        argv = [*argv, f"-max_total_time={DEFAULT_SECONDS}"]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
