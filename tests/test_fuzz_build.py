"""Property tests over page-like input: the decoder and parser never raise, and a whole build over a
small random corpus never raises, accounts for every file, validates, and gives the same bytes
whatever order the files were created in and however many workers run.

The strategies make what scrapes contain: sentences in Russian, English and Azerbaijani, bullets,
navigation bars, datelines in several languages and formats (impossible days and far years
included), line-end styles, HTML with scripts and character references, several encodings,
gzip, random bytes, and file names with spaces, Cyrillic, newlines and non-UTF-8 bytes.
Examples are few and small: this file runs in well under a minute.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_lib import build, validate
from corpus_lib.inputs import InputReject, decode_bytes, repair_mojibake
from tests.stand_ins import skip_plots
from corpus_lib.parse import PageHints, ParsedArticle, ParseFailure, parse_page
from corpus_lib.parse.html import html_to_page
from tests.test_bad_inputs import page

WORDS = {
    "ru": "министр обороны встретился с делегацией города области правительство заявил сообщил вопросы сотрудничества "
          "развития экономики строительства школы больницы дороги жители района получили помощь".split(),
    "en": "the council approved a new budget after long debate members of opposition said plan does not give "
          "enough money to schools while mayor argued it keeps taxes low".split(),
    "az": "Bakı şəhərində nazir görüş keçirib ölkə iqtisadiyyatı xəbər prezident qərar verib həmçinin "
          "müzakirə olunub əməkdaşlıq məsələləri böyük layihə tikinti".split(),
}
MONTHS = {
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split(),
    "en": "January February March April May June July August September October November December".split(),
    "az": "yanvar fevral mart aprel may iyun iyul avqust sentyabr oktyabr noyabr dekabr".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
}
# Control characters and lone surrogates are not page text (the decoder refuses the first as binary).
NOISE = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"), max_size=60)


@st.composite
def sentences(draw, language: str | None = None) -> str:
    language = language or draw(st.sampled_from(sorted(WORDS)))
    words = draw(st.lists(st.sampled_from(WORDS[language]), min_size=3, max_size=18))
    text = " ".join(words)
    return text[0].upper() + text[1:] + draw(st.sampled_from([".", "!", "?", "", "..."]))


@st.composite
def datelines(draw) -> str:
    day, month = draw(st.integers(0, 35)), draw(st.integers(0, 13))
    year, hour, minute = draw(st.integers(1985, 2110)), draw(st.integers(0, 25)), draw(st.integers(0, 61))
    month_name = lambda language: MONTHS[language][(month - 1) % 12]  # noqa: E731
    return draw(st.sampled_from([
        f"{day:02d}.{month:02d}.{year} {hour:02d}:{minute:02d}",
        f"{day} {month_name('ru')} {year}, {hour:02d}:{minute:02d}",
        f"{month_name('en')} {day}, {year} {hour}:{minute:02d} pm",
        f"{day} {month_name('az')} {year}",
        f"{day} de {month_name('es')} de {year}",
        f"{day}. {month_name('de')} {year}",
        f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}",
        f"Опубликовано: {day:02d}/{month:02d}/{year % 100:02d}",
        f"Updated {hour}:{minute:02d} GMT",
    ]))


LINES = st.one_of(
    sentences(),
    st.lists(sentences(), min_size=2, max_size=5).map(" ".join),
    st.tuples(st.sampled_from(["* ", "• ", "- ", "— ", "1. "]), sentences()).map("".join),
    datelines(),
    st.lists(st.sampled_from(["Главная", "Новости", "Home", "World", "Xəbərlər", "Sport"]), min_size=2, max_size=6).map(" | ".join),
    NOISE,
    st.just(""),
)


@st.composite
def articles(draw) -> list[str]:
    """A page shaped like a news article: navigation, headline, dateline, paragraphs, a footer."""
    language = draw(st.sampled_from(sorted(WORDS)))
    paragraphs = draw(st.lists(st.lists(sentences(language), min_size=2, max_size=4).map(" ".join), min_size=1, max_size=4))
    return (
        draw(st.lists(LINES, max_size=3))
        + [draw(sentences(language))]
        + draw(st.lists(datelines(), max_size=2))
        + paragraphs
        + draw(st.lists(LINES, max_size=3))
    )


PAGE_LINES = st.one_of(articles(), st.lists(LINES, max_size=30))


@st.composite
def page_texts(draw) -> str:
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(draw(PAGE_LINES))


@st.composite
def html_pages(draw) -> str:
    lines = draw(PAGE_LINES)
    junk = draw(st.lists(st.sampled_from([
        "<script>fetch('http://127.0.0.1:9/')</script>", "<img src=http://127.0.0.1:9/x.gif>", "&amp;", "&#0;", "&#x110000;",
        "&nosuchentity;", "<!-- comment", "<![CDATA[ x ]]>", "<style>p{}</style>", "</p></div>", "<br/>", "&#xD800;",
    ]), max_size=4))
    body = "".join(f"<p>{line}</p>" for line in lines + junk)
    title = lines[0] if lines else ""
    return f'<!DOCTYPE html><html lang="{draw(st.sampled_from(["ru", "en-GB", "", "x", "ÄÖ"]))}"><head><title>{title}</title></head><body>{body}</body></html>'


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding, errors="replace")


# --- decoder and parser ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(page_texts(), st.sampled_from(["utf-8", "utf-8-bom", "utf-16", "utf-32"]))
def test_unicode_pages_decode_to_their_text(text, encoding):
    raw = encode(text, encoding)
    try:
        decoded, used = decode_bytes(raw)
    except InputReject as exc:  # only a page that is mostly noise (U+FFFD and the like) may be refused
        assert exc.reason == "binary"
        return
    if not raw.strip():
        assert (decoded, used) == ("", "utf-8")
        return
    # Exactly the text, but for lines of noise that read as mojibake, which the decoder repairs (and says so).
    expected, misread_as = repair_mojibake(text.replace("\r\n", "\n").replace("\r", "\n"))
    assert decoded == expected
    codec = {"utf-8-bom": "utf-8-sig"}.get(encoding, encoding)
    assert used == (f"{codec}, mojibake repaired ({'+'.join(misread_as)})" if misread_as else codec)


@settings(max_examples=150, deadline=None)
@given(st.one_of(page_texts().map(lambda t: (t, "text")), html_pages().map(lambda t: (t, "html"))),
       st.sampled_from(["utf-8", "cp1251", "koi8-r", "utf-16", "latin-1"]),
       st.sampled_from([None, "ru", "en", "az"]))
def test_decoder_and_parser_never_raise_on_pages(page, encoding, language):
    text, kind = page
    try:
        decoded, _ = decode_bytes(encode(text, encoding))
    except InputReject as exc:
        assert exc.reason in ("binary", "undecodable") and exc.message
        return
    hints = PageHints(language=language)
    if kind == "html":
        html = html_to_page(decoded)
        decoded, hints = html.text, PageHints(language=language or html.language, title=html.title, url=html.url, published=html.published)
    result = parse_page(decoded, hints)
    assert isinstance(result, (ParsedArticle, ParseFailure))
    if isinstance(result, ParsedArticle):
        assert result.title.strip() and result.body.strip() and "\r" not in result.body
    else:
        assert result.reason and result.message


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_decoder_refuses_or_decodes_any_bytes(raw):
    try:
        text, encoding = decode_bytes(raw)
    except InputReject as exc:
        assert exc.reason in ("binary", "undecodable") and exc.message
        return
    assert "\r" not in text and "\x00" not in text
    assert encoding


# --- whole builds ----------------------------------------------------------------------------------

FOLDERS = ["", "news", "news/old", "новости"]
SUFFIXES = [".txt", ".txt", ".txt", ".html", ".txt.gz", ".htm", ".pdf", ".TXT"]
NAME = st.text(st.sampled_from(list("abcxyz019 -_(),абвгдёşə") + ["\n", "\t", "é"]), min_size=1, max_size=10)


@st.composite
def files(draw) -> tuple[bytes, bytes]:
    """(path under SRC as bytes, content): the name may carry a non-UTF-8 byte."""
    folder = draw(st.sampled_from(FOLDERS))
    suffix = draw(st.sampled_from(SUFFIXES))
    name = draw(NAME).encode("utf-8") + draw(st.sampled_from([b"", b"", b"", b"\xe9", b"\xff\xfe"]))
    if suffix in (".html", ".htm"):
        content = encode(draw(html_pages()), draw(st.sampled_from(["utf-8", "cp1251"])))
    else:
        content = draw(st.one_of(
            st.tuples(page_texts(), st.sampled_from(["utf-8", "utf-8", "utf-8-bom", "cp1251", "koi8-r", "utf-16"])).map(lambda p: encode(*p)),
            st.binary(max_size=300),
        ))
    if suffix.endswith(".gz"):
        content = draw(st.sampled_from([gzip.compress(content, mtime=0), content]))  # and a .gz that is not gzip
    path = (folder.encode() + b"/" if folder else b"") + name + suffix.encode()
    return path, content


# One good article in every corpus: a corpus with no record at all is its own test (test_bad_inputs).
GOOD = (b"news/good.txt", page("fuzz-good").text.encode())
CORPORA = st.lists(files(), min_size=1, max_size=14, unique_by=lambda f: f[0]).map(
    lambda corpus: [f for f in corpus if f[0] != GOOD[0]] + [GOOD]
)


def write_corpus(src: Path, corpus: list[tuple[bytes, bytes]], order: list[int]) -> None:
    root = os.fsencode(src)
    for i in order:
        path, content = corpus[i]
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as handle:
            handle.write(content)


def shown(path: bytes) -> str:
    """How the build names a file: its path, with bytes that are not UTF-8 shown as \\xNN."""
    return path.decode("utf-8", "backslashreplace")


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def accounted(out: Path) -> list[str]:
    names = [row["source_file"] for shard in sorted((out / "data").glob("*.parquet")) for row in pq.read_table(shard, columns=["source_file"]).to_pylist()]
    for name in ("duplicates.jsonl", "rejects.jsonl"):
        names += [json.loads(line)["source_file"] for line in (out / name).read_text(encoding="utf-8").splitlines()]
    return names


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(CORPORA, st.randoms(use_true_random=False))
def test_random_corpora_build_account_validate_and_repeat(corpus, rnd):
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["corpus_lib.build"], "render_plots", skip_plots)  # seconds per build
        root = Path(tmp)
        write_corpus(root / "a" / "src", corpus, list(range(len(corpus))))
        shuffled = list(range(len(corpus)))
        rnd.shuffle(shuffled)
        write_corpus(root / "b" / "src", corpus, shuffled[::-1])

        report = build(root / "a" / "src", root / "a" / "out", workers=1, cache=False)
        out = root / "a" / "out"
        info = json.loads((out / "corpus_build.json").read_text(encoding="utf-8"))
        names = accounted(out)
        assert sorted(names) == sorted(shown(path) for path, _ in corpus)
        assert info["inputs"] == len(corpus) == info["records"] + info["duplicates"] + info["rejects"]
        assert (report.records, report.duplicates, report.rejects) == (info["records"], info["duplicates"], info["rejects"])
        problems = validate(out)
        assert problems.ok, [str(p) for p in problems.errors]

        build(root / "b" / "src", root / "b" / "out", workers=2, cache=False)
        assert tree_digest(root / "b" / "out") == tree_digest(out)
