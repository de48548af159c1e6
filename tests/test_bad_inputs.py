"""The bad-input catalogue: every kind of messy file a scrape leaves behind, built in one SRC.

Each file gives a record (with the fields that matter for its kind) or a reject with a precise
reason code, the build never crashes, and inputs = records + duplicates + rejects holds.

Limits are set low in this SRC's corpus.toml (200 kB, 5000 lines) so the "100 MB page" and the
"million-line page" take the limit path in milliseconds; `test_big_pages_are_refused_quickly`
checks the real thing (a 100 MB page, a 100 MB gzip bomb, a million lines) with the default limits.

Unreadable files: the tests run as root here, and root reads a chmod 000 file. The catalogue
therefore makes a read fail in ways root cannot bypass: a file deleted between the listing and
the read (the build's `discover` is wrapped to delete it), a FIFO (which would block a plain
open() forever) and a folder named like a page; the chmod 000 case is checked when not root.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import random
import sys
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import pyarrow.parquet as pq
import pytest

from corpus_lib import build, record_id, validate
from corpus_lib.config import ConfigError
from corpus_lib.inputs import InputFile, InputReject, read_page
from tests.pages import misread
from tests.stand_ins import skip_plots

MAX_PAGE_BYTES = 200_000
MAX_LINES = 5_000
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# --- pages ----------------------------------------------------------------------------------------

RU_WORDS = (
    "министр обороны встретился делегацией города области правительство заявил сообщил вопросы "
    "сотрудничества развития экономики строительства новой школы больницы дороги жители района получили "
    "помощь время встречи стороны обсудили планы будущий год также отмечено важность работы специалистов "
    "учреждения культуры спорта молодёжи президент страны подписал указ закон бюджет налоги граждан "
    "предприятия компании рынок цены выросли снизились погода зима лето весна осень праздник концерт "
    "выставка музей театр фестиваль участники гости"
).split()
EN_WORDS = (
    "the council approved new budget after long debate members opposition said plan does not give enough "
    "money schools while mayor argued keeps taxes low will take effect april first payments districts "
    "expected before summer holidays begin residents police reported road bridge construction company "
    "workers hospital minister government election voters campaign weather storm river festival museum "
    "theatre visitors"
).split()
NAV = {"ru": "Главная | Новости | Спорт", "en": "Home | World | Sport"}


@dataclasses.dataclass(frozen=True)
class Page:
    text: str
    title: str
    body: str  # what the record's body must be: the paragraphs, one blank line apart


def _capitalised(words: list[str]) -> str:
    text = " ".join(words)
    return text[0].upper() + text[1:]


def page(seed: int | str, lang: str = "ru", dateline: str | None = "18.05.2021 20:06", title: bool = True) -> Page:
    """A distinct news page: navigation, headline, dateline, four paragraphs of three sentences."""
    rng = random.Random(f"{lang}-{seed}")
    words = RU_WORDS if lang == "ru" else EN_WORDS
    headline = _capitalised([rng.choice(words) for _ in range(7)])
    paragraphs = [
        " ".join(_capitalised([rng.choice(words) for _ in range(rng.randint(10, 16))]) + "." for _ in range(3))
        for _ in range(4)
    ]
    lines = [NAV[lang]] + ([headline] if title else []) + ([dateline] if dateline else []) + paragraphs
    return Page("\n".join(lines) + "\n", headline if title else "", "\n\n".join(paragraphs))


# --- what a file must give ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Record:
    fields: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Rejected:
    reason: str
    says: str = ""  # a part of the message (e.g. the limit's name and value)


@dataclasses.dataclass(frozen=True)
class Duplicate:
    of: str  # source_file of the record kept in its place
    kind: str = "exact"


@dataclasses.dataclass(frozen=True)
class OneOf:
    """Parser-dependent outcomes that are both acceptable (the parser is being worked on)."""

    options: tuple[Any, ...]


@dataclasses.dataclass(frozen=True)
class Case:
    kind: str
    name: str  # source_file as the output shows it
    write: Callable[[Path], None]
    expect: Any


def text_file(name: str, data: bytes | str) -> Callable[[Path], None]:
    def write(src: Path) -> None:
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    return write


def raw_name_file(parent: str, name: bytes, data: bytes) -> Callable[[Path], None]:
    """A file whose name is arbitrary bytes (newlines, non-UTF-8), created through os.fsencode paths."""

    def write(src: Path) -> None:
        folder = os.fsencode(src / parent)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(data)

    return write


def raw_name_link(parent: str, name: bytes, target: str) -> Callable[[Path], None]:
    def write(src: Path) -> None:
        folder = os.fsencode(src / parent)
        os.makedirs(folder, exist_ok=True)
        os.symlink(os.fsencode(target), os.path.join(folder, name))

    return write


def symlink(name: str, target: str | Callable[[Path], Path]) -> Callable[[Path], None]:
    def write(src: Path) -> None:
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target(src) if callable(target) else target, path)

    return write


def steps(*writers: Callable[[Path], None]) -> Callable[[Path], None]:
    def write(src: Path) -> None:
        for writer in writers:
            writer(src)

    return write


def fifo(name: str) -> Callable[[Path], None]:
    def write(src: Path) -> None:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(src / name)

    return write


def no_permission(name: str, data: bytes) -> Callable[[Path], None]:
    def write(src: Path) -> None:
        text_file(name, data)(src)
        os.chmod(src / name, 0)

    return write


def with_bad_bytes(text: str, at: int, bad: bytes) -> bytes:
    raw = text.encode("utf-8")
    cut = raw.index(b" ", at)  # between two characters, not inside one
    return raw[:cut] + bad + raw[cut:]


def truncated_gzip(data: bytes) -> bytes:
    packed = gzip.compress(data, mtime=0)
    return packed[: len(packed) // 2]


def two_members(text: str) -> bytes:
    """The page as two concatenated gzip members, split after its dateline (as `cat a.gz b.gz` makes)."""
    cut = text.index("\n", text.index("18.05.2021")) + 1
    return gzip.compress(text[:cut].encode(), mtime=0) + gzip.compress(text[cut:].encode(), mtime=0)


def gzip_bomb(size: int) -> bytes:
    return gzip.compress(b"a" * size, compresslevel=9, mtime=0)


def many_lines(count: int, line: str = "* ссылка {}\n") -> str:
    """A page followed by list lines, `count` lines in all."""
    top = page("many-lines")
    return top.text + "".join(line.format(i) for i in range(count - top.text.count("\n")))


def record(p: Page, encoding: str = "utf-8", **fields: Any) -> Record:
    return Record({"title": p.title, "body": p.body, "input_encoding": encoding, **fields})


def same_page(name: str, other: str, p: Page) -> Record | Duplicate:
    """Two files with the same page: the one with the smaller id is kept (same date), the other is its duplicate."""
    return record(p) if record_id(name) < record_id(other) else Duplicate(other)


P = {key: page(key) for key in ("utf8", "cp1251", "koi8", "utf16", "utf32", "utf8bom", "cr", "crlf", "space", "newline",
                                "dup", "inside", "gz", "two", "in-folder", "noperm", "vanish", "moji")}
P["en"] = page("en", "en", dateline="March 3, 2022 10:15")
P["invalid"] = page("invalid")
P["nodate"] = page("nodate", dateline=None)
P["feb31"] = page("feb31", dateline="31.02.2021 10:00")
P["y2090"] = page("y2090", dateline="18.05.2090 10:00")
P["y2190"] = page("y2190", dateline="18.05.2190 10:00")
P["notitle"] = page("notitle", title=False)
NO_TITLE_TEXT = "\n".join(P["notitle"].text.splitlines()[1:]) + "\n"  # no navigation line either
HTML = (
    '<!DOCTYPE html><html lang="ru"><head><title>{title}</title>'
    '<script>fetch("http://127.0.0.1:9/x")</script></head><body><nav>{nav}</nav><h1>{title}</h1>'
    '<p>18.05.2021 20:06</p>{paragraphs}<img src="http://127.0.0.1:9/pixel.gif"></body></html>'
)
P["html"] = page("html")
HTML_TEXT = HTML.format(
    title=P["html"].title, nav=NAV["ru"], paragraphs="".join(f"<p>{p}</p>" for p in P["html"].body.split("\n\n"))
)
GARBAGE_LINES = "ЖЖ漢字ñ@@## ĦĦ ∑∑ 𝔘𝔫𝔦 \u202e\u200b שלום مرحبا\n" * 3 + "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ ▓▒░ ☃☃ Ω≈ç√∫ ЁЪЫ ǅǈ ℌℑ 🜁🜂\n" * 5
_rng = random.Random(5)
GARBAGE_SOUP = "".join(_rng.choice("абвгдежзabcdefxyz漢字かなעבריתعربيΩψ∑∫☃🙂 .,!?\n") for _ in range(3000))

GARBAGE = OneOf((Rejected("no_title"), Rejected("no_body"), Rejected("body_too_short"), Rejected("schema_invalid", "language"), Record({})))

CASES = [
    Case("plain UTF-8", "enc/utf8.txt", text_file("enc/utf8.txt", P["utf8"].text),
         record(P["utf8"], language="ru", published_local="2021-05-18T20:06:00")),
    Case("English, month-name dateline", "enc/en.txt", text_file("enc/en.txt", P["en"].text),
         record(P["en"], language="en", published_local="2022-03-03T10:15:00")),
    Case("invalid UTF-8 bytes", "enc/invalid-utf8.txt", text_file("enc/invalid-utf8.txt", with_bad_bytes(P["invalid"].text, 400, b"\xff\xc3")),
         Record({"title": P["invalid"].title, "input_encoding": "utf-8", "body_has": "\ufffd"})),
    Case("cp1251", "enc/cp1251.txt", text_file("enc/cp1251.txt", P["cp1251"].text.encode("cp1251")), record(P["cp1251"], "cp1251")),
    Case("koi8-r", "enc/koi8-r.txt", text_file("enc/koi8-r.txt", P["koi8"].text.encode("koi8-r")), record(P["koi8"], "koi8-r")),
    Case("UTF-8 misread as windows-1251 and saved again (mojibake)", "enc/mojibake.txt",
         text_file("enc/mojibake.txt", misread(P["moji"].text, "cp1251").encode("utf-8")), record(P["moji"], "utf-8, mojibake repaired (windows-1251)")),
    Case("UTF-16 with BOM", "enc/utf16.txt", text_file("enc/utf16.txt", P["utf16"].text.encode("utf-16")), record(P["utf16"], "utf-16")),
    Case("UTF-32 with BOM", "enc/utf32.txt", text_file("enc/utf32.txt", P["utf32"].text.encode("utf-32")), record(P["utf32"], "utf-32")),
    Case("UTF-8 with BOM", "enc/utf8-bom.txt", text_file("enc/utf8-bom.txt", b"\xef\xbb\xbf" + P["utf8bom"].text.encode()),
         record(P["utf8bom"], "utf-8-sig")),
    Case("UTF-16 without BOM", "enc/utf16-no-bom.txt", text_file("enc/utf16-no-bom.txt", page("u16").text.encode("utf-16-le")),
         Rejected("binary", "NUL bytes")),
    Case("NUL bytes in text", "bin/nul.txt", text_file("bin/nul.txt", page("nul").text.encode().replace(b" ", b"\x00", 3)),
         Rejected("binary", "NUL bytes")),
    Case("random bytes (no NUL)", "bin/random.txt", text_file("bin/random.txt", random.Random(1).randbytes(4000).replace(b"\x00", b"\x01")),
         Rejected("binary", "control")),
    Case("ASCII control characters", "bin/control.txt", text_file("bin/control.txt", bytes(b % 31 + 1 for b in random.Random(2).randbytes(3000))),
         Rejected("binary", "control")),
    Case("binary file type", "bin/photo.png", text_file("bin/photo.png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
         Rejected("unsupported_file_type", ".txt")),
    Case("empty file", "empty/empty.txt", text_file("empty/empty.txt", b""), Rejected("empty")),
    Case("whitespace only", "empty/whitespace.txt", text_file("empty/whitespace.txt", " \n\t\r\n \u00a0\u3000\n"), Rejected("empty")),
    Case("BOM only", "empty/bom-only.txt", text_file("empty/bom-only.txt", b"\xef\xbb\xbf"), Rejected("empty")),
    Case("page over max_page_bytes (the '100 MB page')", "limits/huge.txt",
         text_file("limits/huge.txt", P["utf8"].text * (MAX_PAGE_BYTES // len(P["utf8"].text.encode()) + 2)),
         Rejected("too_large", f"limits.max_page_bytes = {MAX_PAGE_BYTES}")),
    Case("page over max_lines (the 'million-line page')", "limits/many-lines.txt", text_file("limits/many-lines.txt", many_lines(MAX_LINES + 1)),
         Rejected("too_many_lines", f"limits.max_lines = {MAX_LINES}")),
    Case("CR line ends", "eol/cr.txt", text_file("eol/cr.txt", P["cr"].text.replace("\n", "\r")), record(P["cr"])),
    Case("CRLF line ends", "eol/crlf.txt", text_file("eol/crlf.txt", P["crlf"].text.replace("\n", "\r\n")), record(P["crlf"])),
    # A dateline and paragraphs only: a paragraph is no headline (issue 2: a reject, not a record).
    Case("no title", "dates/no-title.txt", text_file("dates/no-title.txt", NO_TITLE_TEXT), Rejected("no_title", "headline")),
    Case("no date", "dates/no-date.txt", text_file("dates/no-date.txt", P["nodate"].text),
         record(P["nodate"], published_local=None, published_at=None)),
    Case("impossible date (31 February)", "dates/feb-31.txt", text_file("dates/feb-31.txt", P["feb31"].text),
         record(P["feb31"], published_local=None, published_at=None)),
    # Kept as the page says: the parser never compares with today (same input, same bytes, any day).
    Case("date far in the future (2090)", "dates/year-2090.txt", text_file("dates/year-2090.txt", P["y2090"].text),
         record(P["y2090"], published_local="2090-05-18T10:00:00")),
    # The date parser's window is a fixed 1990-2100, so a year outside it is not a date at all.
    Case("date beyond the parser's window (2190)", "dates/year-2190.txt", text_file("dates/year-2190.txt", P["y2190"].text),
         record(P["y2190"], published_local=None)),
    # Garbage: what the parser makes of it is its own business (and changing); the contract here is
    # a precise reject or a record that passes the schema, never a crash.
    Case("mixed-script garbage lines", "garbage/lines.txt", text_file("garbage/lines.txt", GARBAGE_LINES), GARBAGE),
    Case("mixed-script character soup", "garbage/soup.txt", text_file("garbage/soup.txt", GARBAGE_SOUP), GARBAGE),
    Case("symlink outside SRC", "links/outside.txt", symlink("links/outside.txt", lambda src: src.parent / "secret.txt"),
         Rejected("symlink_outside_src")),
    Case("symlink to itself", "links/self-loop.txt", symlink("links/self-loop.txt", "self-loop.txt"), Rejected("broken_symlink")),
    Case("symlink loop of two", "links/loop-a.txt", steps(symlink("links/loop-a.txt", "loop-b.txt"), symlink("links/loop-b.txt", "loop-a.txt")),
         Rejected("broken_symlink")),
    Case("symlink loop of two (other end)", "links/loop-b.txt", lambda src: None, Rejected("broken_symlink")),
    Case("dangling symlink", "links/dangling.txt", symlink("links/dangling.txt", "nowhere.txt"), Rejected("broken_symlink")),
    Case("symlink to a page inside SRC", "links/inside.txt", symlink("links/inside.txt", "../dup/z-target.txt"),
         same_page("links/inside.txt", "dup/z-target.txt", P["inside"])),
    Case("symlink target page", "dup/z-target.txt", text_file("dup/z-target.txt", P["inside"].text),
         same_page("dup/z-target.txt", "links/inside.txt", P["inside"])),
    Case("symlink to a folder outside SRC", "links/outside-folder", symlink("links/outside-folder", lambda src: src.parent / "elsewhere"),
         Rejected("symlink_outside_src")),
    Case("symlink to a folder inside SRC", "links/folder", symlink("links/folder", "../enc"), Rejected("symlinked_folder")),
    Case("FIFO named like a page", "special/pipe.txt", fifo("special/pipe.txt"), Rejected("not_a_regular_file", "FIFO")),
    Case("folder named like a page", "special/folder.txt/page.txt", text_file("special/folder.txt/page.txt", P["in-folder"].text),
         record(P["in-folder"])),
    Case("file deleted between listing and reading", "special/vanishing.txt", text_file("special/vanishing.txt", P["vanish"].text),
         Rejected("unreadable", "No such file")),
    Case("chmod 000 file", "special/no-permission.txt", no_permission("special/no-permission.txt", P["noperm"].text.encode()),
         record(P["noperm"]) if IS_ROOT else Rejected("unreadable", "Permission denied")),
    Case("file name with spaces", "names/with spaces.txt", text_file("names/with spaces.txt", P["space"].text), record(P["space"])),
    Case("file name with a newline", "names/new\nline.txt", raw_name_file("names", b"new\nline.txt", P["newline"].text.encode()),
         record(P["newline"])),
    Case("symlinked folder with a non-UTF-8 name", "names/bad\\xff-link", raw_name_link("names", b"bad\xff-link", "../enc"),
         Rejected("symlinked_folder")),
    Case("file name not UTF-8", "names/caf\\xe9.txt", raw_name_file("names", b"caf\xe9.txt", page("latin-name").text.encode()),
         Rejected("bad_file_name")),
    Case("gzip page", "gz/page.txt.gz", text_file("gz/page.txt.gz", gzip.compress(P["gz"].text.encode(), mtime=0)), record(P["gz"])),
    Case("gzip of two members (both read)", "gz/two-members.txt.gz", text_file("gz/two-members.txt.gz", two_members(P["two"].text)),
         record(P["two"], published_local="2021-05-18T20:06:00")),
    Case("gzip bomb", "gz/bomb.txt.gz", text_file("gz/bomb.txt.gz", gzip_bomb(50 * MAX_PAGE_BYTES)),
         Rejected("too_large", f"decompressed page exceeds limits.max_page_bytes = {MAX_PAGE_BYTES}")),
    Case("not gzip", "gz/not-gzip.txt.gz", text_file("gz/not-gzip.txt.gz", b"plain text, not gzip"), Rejected("bad_gzip")),
    Case("truncated gzip", "gz/truncated.txt.gz", text_file("gz/truncated.txt.gz", truncated_gzip(page("trunc").text.encode())),
         Rejected("bad_gzip", "truncated")),
    Case("gzip with trailing garbage", "gz/trailing.txt.gz",
         text_file("gz/trailing.txt.gz", gzip.compress(page("trail").text.encode(), mtime=0) + b"garbage"), Rejected("bad_gzip")),
    Case("duplicate file, first name", "dup/a.txt", text_file("dup/a.txt", P["dup"].text), same_page("dup/a.txt", "dup/b.txt", P["dup"])),
    Case("duplicate file, second name", "dup/b.txt", text_file("dup/b.txt", P["dup"].text), same_page("dup/b.txt", "dup/a.txt", P["dup"])),
    Case("HTML with script, external image, DOCTYPE", "html/page.html", text_file("html/page.html", HTML_TEXT),
         record(P["html"], published_local="2021-05-18T20:06:00")),
]
CONFIG = f"""
[dataset]
name = "catalogue"
license = "cc-by-4.0"

[limits]
max_page_bytes = {MAX_PAGE_BYTES}
max_lines = {MAX_LINES}
"""


def write_corpus(src: Path) -> None:
    src.mkdir(parents=True)
    (src / "corpus.toml").write_text(CONFIG, encoding="utf-8")
    (src.parent / "secret.txt").write_text(page("secret").text, encoding="utf-8")
    (src.parent / "elsewhere").mkdir(exist_ok=True)
    (src.parent / "elsewhere" / "outside.txt").write_text(page("elsewhere").text, encoding="utf-8")
    for case in CASES:
        case.write(src)


def build_with_vanishing_file(src: Path, out: Path, workers: int = 1):
    """A build (without plots) in which special/vanishing.txt is deleted right after the listing."""
    build_module = sys.modules["corpus_lib.build"]  # the package's `build` attribute is the function
    real = build_module.discover

    def discover_then_delete(root: Path):
        found = real(root)
        (root / "special" / "vanishing.txt").unlink()
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_module, "discover", discover_then_delete)
        patch.setattr(build_module, "render_plots", skip_plots)  # plots are not about inputs; seconds saved
        return build(src, out, workers=workers)


@pytest.fixture
def no_plots(monkeypatch):
    """Builds without the card's plots (a supported mode: matplotlib is optional); they cost seconds."""
    monkeypatch.setattr(sys.modules["corpus_lib.build"], "render_plots", skip_plots)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def outcomes(out: Path) -> dict[str, tuple[str, dict]]:
    """source_file -> ('record', row) | ('duplicate', row) | ('reject', row); fails on a file seen twice."""
    seen: dict[str, tuple[str, dict]] = {}
    rows = [("record", row) for shard in sorted((out / "data").glob("*.parquet")) for row in pq.read_table(shard).to_pylist()]
    rows += [("duplicate", row) for row in jsonl(out / "duplicates.jsonl")]
    rows += [("reject", row) for row in jsonl(out / "rejects.jsonl")]
    for kind, row in rows:
        assert row["source_file"] not in seen, f"{row['source_file']!r} is accounted twice"
        seen[row["source_file"]] = (kind, row)
    return seen


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    root = tmp_path_factory.mktemp("catalogue")
    src = root / "src"
    write_corpus(src)
    report = build_with_vanishing_file(src, root / "out")
    return root, report, outcomes(root / "out")


def check(expect: Any, got: tuple[str, dict], records_by_id: dict[str, dict]) -> None:
    kind, row = got
    if isinstance(expect, OneOf):
        failures = []
        for option in expect.options:
            try:
                check(option, got, records_by_id)
                return
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError(f"none of the accepted outcomes: {failures}")
    if isinstance(expect, Rejected):
        assert kind == "reject", f"expected a {expect.reason} reject, got a {kind}: {row.get('title') or row}"
        assert row["reason"] == expect.reason, row
        assert expect.says in row["message"], row
        assert row["message"].strip(), row
        return
    if isinstance(expect, Duplicate):
        assert kind == "duplicate", f"expected a duplicate, got a {kind}: {row}"
        assert records_by_id[row["duplicate_of"]]["source_file"] == expect.of
        assert row["kind"] == expect.kind
        return
    assert kind == "record", f"expected a record, got a {kind}: {row}"
    for field, value in expect.fields.items():
        if field == "body_has":
            assert value in row["body"]
        else:
            assert row[field] == value, (field, row[field], value)
    assert "\r" not in row["title"] + row["body"]


@pytest.mark.parametrize("case", CASES, ids=[case.kind for case in CASES])
def test_each_bad_input_gives_its_outcome(case, catalogue):
    if case.kind == "chmod 000 file" and IS_ROOT:
        pytest.skip("running as root, which reads a chmod 000 file (the deleted file and the FIFO cover unreadable input)")
    _, _, seen = catalogue
    assert case.name in seen, f"{case.name!r} is not accounted for"
    records_by_id = {row["id"]: row for kind, row in seen.values() if kind == "record"}
    check(case.expect, seen[case.name], records_by_id)


def test_the_catalogue_has_at_least_twenty_kinds():
    assert len({case.kind for case in CASES}) >= 20


def test_every_input_is_accounted_for_exactly_once(catalogue):
    root, report, seen = catalogue
    info = json.loads((root / "out" / "corpus_build.json").read_text(encoding="utf-8"))
    assert set(seen) == {case.name for case in CASES}
    counts = {kind: sum(1 for k, _ in seen.values() if k == kind) for kind in ("record", "duplicate", "reject")}
    assert info["inputs"] == len(CASES) == info["records"] + info["duplicates"] + info["rejects"]
    assert (info["records"], info["duplicates"], info["rejects"]) == (counts["record"], counts["duplicate"], counts["reject"])
    assert (report.inputs, report.records, report.duplicates, report.rejects) == (
        info["inputs"], info["records"], info["duplicates"], info["rejects"],
    )
    assert sum(info["rejects_by_reason"].values()) == info["rejects"]


def test_the_catalogue_dataset_validates(catalogue):
    root, _, _ = catalogue
    report = validate(root / "out")
    assert report.ok, [str(p) for p in report.errors]


def test_the_catalogue_builds_the_same_bytes_with_more_workers(catalogue, tmp_path):
    root, _, _ = catalogue
    src = tmp_path / "src"
    write_corpus(src)
    build_with_vanishing_file(src, tmp_path / "out", workers=3)
    assert tree_digest(tmp_path / "out") == tree_digest(root / "out")


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_page_of_exactly_max_lines_is_not_refused(tmp_path):
    src = tmp_path / "src"
    text_file("a.txt", many_lines(MAX_LINES))(src)
    (src / "corpus.toml").write_text(CONFIG, encoding="utf-8")
    report = build(src, tmp_path / "out", cache=False)
    assert report.rejects_by_reason.get("too_many_lines", 0) == 0


def test_a_corpus_with_no_usable_page_gives_a_valid_empty_dataset(tmp_path, no_plots):
    src = tmp_path / "src"
    text_file("empty.txt", b"")(src)
    text_file("binary.txt", b"\x00\x01")(src)
    report = build(src, tmp_path / "out", cache=False)
    assert (report.inputs, report.records, report.rejects) == (2, 0, 2)
    assert [r["source_file"] for r in jsonl(tmp_path / "out" / "rejects.jsonl")] == ["binary.txt", "empty.txt"]
    problems = validate(tmp_path / "out")
    assert problems.ok, [str(p) for p in problems.errors]
    assert any("kept no record" in p.message for p in problems.warnings)


# --- the real sizes, with the default limits ------------------------------------------------------


def test_big_pages_are_refused_quickly_without_reading_them(tmp_path, no_plots):
    src = tmp_path / "src"
    src.mkdir()
    block = (P["utf8"].text * 600).encode()  # ~1 MB of real text
    with open(src / "big.txt", "wb") as handle:
        while handle.tell() < 100 * 1000 * 1000:  # the "100 MB page"
            handle.write(block)
    packer = gzip.GzipFile(src / "bomb.txt.gz", "wb", compresslevel=1, mtime=0)
    with packer:
        for _ in range(100):
            packer.write(b"a" * (1 << 20))
    (src / "million-lines.txt").write_text(many_lines(1_000_000, "{}\n"), encoding="utf-8")
    (src / "ok.txt").write_text(page("ok").text, encoding="utf-8")

    tracemalloc.start()
    try:
        with pytest.raises(InputReject) as exc:
            read_page(InputFile("big.txt", src / "big.txt"), 20 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exc.value.reason == "too_large" and "limits.max_page_bytes = 20971520" in exc.value.message
    assert peak < 1 << 20  # refused from its size: nothing was read

    report = build(src, tmp_path / "out", cache=False)
    assert report.records == 1
    assert report.rejects_by_reason == {"too_large": 2, "too_many_lines": 1}
    rejects = {r["source_file"]: r for r in jsonl(tmp_path / "out" / "rejects.jsonl")}
    assert "limits.max_page_bytes = 20971520" in rejects["big.txt"]["message"]
    assert "limits.max_page_bytes = 20971520" in rejects["bomb.txt.gz"]["message"]
    assert "limits.max_lines = 200000" in rejects["million-lines.txt"]["message"]


# --- configs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config, says",
    [
        ('[dataset]\nname = "x"\nunknown_key = 1\n', "unknown_key"),
        ("[surprise]\nx = 1\n", "surprise"),
        ('[limits]\nmax_page_bytes = "big"\n', "limits.max_page_bytes"),
        ("[limits]\nmax_lines = 0\n", "limits.max_lines"),
        ("[limits]\nmax_lines = 1.5\n", "limits.max_lines"),
        ('[splits]\ntest = "a lot"\n', "splits.test"),
        ("[dedup]\nexact = 3\n", "dedup.exact"),
        ("[dataset\nname = 'broken toml'\n", "not valid TOML"),
        (b"[dataset]\nname = \"\xff\"\n", "not valid TOML"),
    ],
    ids=["unknown key", "unknown table", "string for int", "zero limit", "float for int", "string for number",
         "int for bool", "broken TOML", "not UTF-8"],
)
def test_bad_configs_are_refused_naming_the_key(tmp_path, config, says):
    """Unknown keys, wrong types, broken files (path traversal in a config: tests/test_security.py)."""
    src = tmp_path / "src"
    text_file("a.txt", page("cfg").text)(src)
    (src / "corpus.toml").write_bytes(config if isinstance(config, bytes) else config.encode())
    with pytest.raises(ConfigError) as exc:
        build(src, tmp_path / "out")
    assert says in str(exc.value)
    assert not (tmp_path / "out").exists()
