"""Finding input files under SRC and turning their bytes into text, with provenance.

Every file found is either a page to parse or a reject with a reason; nothing is skipped
silently except hidden files and folders and the corpus config itself. Nothing outside SRC is
ever read: symlinks are followed only to regular files inside SRC, and a file is opened without
following a symlink, so one swapped in after the listing is refused, not read.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import functools
import hashlib
import os
import re
import stat
import zlib
from pathlib import Path
from typing import Final, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from corpus_lib.config import CONFIG_FILE_NAME

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
PAGE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy encodings a page that is not UTF-8 may be in, in order of preference: charset_normalizer picks
# the most plausible decoding among them (single-byte ones decode anything, so choosing needs its language
# and coherence measures); among encodings that give the very same text, the first listed is recorded.
# Cyrillic first (the corpora this library serves are mostly post-Soviet news), then Western, Central
# European, Turkish/Azerbaijani, Greek and Arabic code pages, then the multi-byte CJK encodings
# (gb18030 is the superset of GBK and GB2312), and latin-1 last.
_FALLBACK_ENCODINGS = (
    "cp1251", "koi8-r", "cp1252", "cp1250", "cp1254", "cp1253", "cp1256", "iso8859-2",
    "gb18030", "big5", "shift_jis", "euc-jp", "euc-kr", "latin-1",
)
# Decodings this close to the least chaotic one are compared on coherence instead.
_CHAOS_SLACK = 0.01
# A page that is UTF-8 but for a few damaged bytes stays UTF-8 (the bad bytes become U+FFFD)
# when it has at least this many well-formed non-ASCII characters per damaged byte.
_UTF8_CHARS_PER_BAD_BYTE = 20
# Above this share of control characters (in the first _SAMPLE_CHARS) a file is not text.
_MAX_CONTROL_SHARE = 0.05
_SAMPLE_CHARS = 20000
# Never follow a symlink when opening, never block on a FIFO or a device.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class InputReject(Exception):
    """A file that cannot become a page; `reason` is a stable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclasses.dataclass(frozen=True, slots=True)
class InputFile:
    source_file: str  # POSIX path relative to SRC
    path: str | Path  # what is read: the file itself, or the target (inside SRC) of a symlink


class InputFiles(Sequence[InputFile]):
    """The page files of a build in source_file order, held compactly: the names in one Arrow array
    (~50 bytes a file; a list of InputFile with Path objects took ~580 bytes), symlink targets aside.
    Items and slices are made on demand."""

    def __init__(self, root: str, names: pa.Array, targets: dict[str, str]):
        self.root, self.names, self.targets = root, names, targets

    def __len__(self) -> int:
        return len(self.names)

    def _item(self, name: str) -> InputFile:
        return InputFile(name, self.targets.get(name) or os.path.join(self.root, name))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._item(name) for name in self.names[index].to_pylist()]
        return self._item(self.names[index].as_py())


@dataclasses.dataclass(frozen=True, slots=True)
class DecodedPage:
    source_file: str
    text: str
    encoding: str
    sha256: str
    is_html: bool


def discover(src: Path) -> tuple[InputFiles, list[tuple[str, InputReject]]]:
    """Page files under src in a listing-order-independent order, plus files that cannot be inputs.

    Also rejected (so they are counted, never lost silently): symlinked folders (not followed),
    folders that cannot be listed, and FIFOs, sockets and devices.
    """
    src = src.resolve()
    names: list[pa.Array] = []  # the page files' names, a folder at a time
    targets: dict[str, str] = {}  # name -> what is read, for symlinks
    rejects: list[tuple[str, InputReject]] = []

    def unlistable(exc: OSError) -> None:
        where = _shown_name(_relative_name(Path(exc.filename), src)) if exc.filename else "."
        rejects.append((where, InputReject("unreadable_folder", f"cannot list the folder: {exc.strerror or exc}")))

    for root, dirs, files in os.walk(src, onerror=unlistable, followlinks=False):
        root_path = Path(root)
        kept = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            if (root_path / name).is_symlink():
                problem = _symlink_problem(root_path / name, src) or InputReject(
                    "symlinked_folder", "a symlink to a folder is not followed (its files are read where they are)"
                )
                rejects.append((_shown_name(_relative_name(root_path / name, src)), problem))
                continue
            kept.append(name)
        dirs[:] = kept
        found = []
        # Names as strings: a Path and relative_to for each file took most of the listing's time (2.1 s at 100k files).
        folder = _relative_name(root_path, src)
        prefix = "" if folder == "." else folder + "/"
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            rel = prefix + name
            if rel == CONFIG_FILE_NAME:
                continue
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                rejects.append((_shown_name(rel), InputReject("bad_file_name", "the file name is not valid UTF-8")))
                continue
            try:
                mode = os.lstat(path).st_mode
            except OSError as exc:
                rejects.append((rel, InputReject("unreadable", f"cannot stat the file: {exc.strerror or exc}")))
                continue
            if stat.S_ISLNK(mode):
                problem = _symlink_problem(Path(path), src)
                if problem:
                    rejects.append((rel, problem))
                    continue
                targets[rel] = str(Path(path).resolve(strict=True))
            elif not stat.S_ISREG(mode):
                rejects.append((rel, InputReject("not_a_regular_file", f"a {_file_kind(mode)}, not a regular file")))
                continue
            if not _page_suffix(name):
                rejects.append((rel, InputReject("unsupported_file_type", f"not a page file ({', '.join(PAGE_SUFFIXES)}, optionally .gz)")))
                continue
            found.append(rel)
        if found:
            names.append(pa.array(found, pa.string()))
    everything = pa.concat_arrays(names) if names else pa.array([], pa.string())
    names.clear()  # one copy of the names at a time, not three
    # Arrow orders strings by their UTF-8 bytes: the order of code points, as sorted() does.
    everything = everything.take(pc.sort_indices(everything))
    rejects.sort(key=lambda item: item[0])
    return InputFiles(str(src), everything, targets), rejects


def _relative_name(path: Path, src: Path) -> str:
    return path.relative_to(src).as_posix()


def _shown_name(rel: str) -> str:
    """A name with undecodable bytes shown as \\xNN, so it can be written to JSON and read by a person."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _symlink_problem(path: Path, src: Path) -> InputReject | None:
    """Why a symlink under src must not be followed, or None for one to a regular file or folder inside src."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return InputReject("broken_symlink", "symlink is dangling or loops")
    if not target.is_relative_to(src):
        return InputReject("symlink_outside_src", "symlink points outside the corpus folder")
    if target.is_dir():
        return None
    if not target.is_file():
        return InputReject("unsupported_file_type", "symlink does not point to a regular file")
    return None


def _page_suffix(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return next((s for s in PAGE_SUFFIXES if lowered.endswith(s)), None)


def read_page(item: InputFile, max_bytes: int) -> DecodedPage:
    """Read, gunzip (bounded), and decode one file. Raises InputReject.

    A file bigger than max_bytes is refused from its size, without reading it.
    """
    raw = _read_bounded(item.path, max_bytes)
    digest = hashlib.sha256(raw).hexdigest()
    if item.source_file.lower().endswith(".gz"):
        raw = _gunzip(raw, max_bytes)
    # The name under SRC decides, not a symlink target's: what a page is does not depend on links.
    is_html = _page_suffix(item.source_file.rpartition("/")[2]) in HTML_SUFFIXES  # the name (PurePosixPath's: ~5 us)
    text, encoding = decode_bytes(raw, declared_charset(raw) if is_html else None)
    return DecodedPage(item.source_file, text, encoding, digest, is_html)


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputReject("unreadable", "the file is now a symlink (it changed after it was listed); not followed") from exc
        raise InputReject("unreadable", f"cannot read file: {exc.strerror or exc}") from exc
    with open(fd, "rb", closefd=True) as handle:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputReject("not_a_regular_file", f"a {_file_kind(info.st_mode)}, not a regular file")
            if info.st_size > max_bytes:
                raise InputReject("too_large", f"file has {info.st_size} bytes, more than limits.max_page_bytes = {max_bytes}")
            # Asking for max_bytes + 1 at once made Python allocate ~20 MB for every 5 KB page (~20 us a
            # read). The size from fstat is only a first guess: a file that grew, or a file system that
            # reports no size, is read on, still bounded by max_bytes.
            raw = handle.read(info.st_size + 1)
            if len(raw) > info.st_size:
                raw += handle.read(max_bytes + 1 - len(raw))
        except OSError as exc:
            raise InputReject("unreadable", f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:  # it grew after fstat
        raise InputReject("too_large", f"file is larger than limits.max_page_bytes = {max_bytes}")
    return raw


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    """Decompress every member of a gzip file, stopping as soon as the output passes max_bytes."""
    out = bytearray()
    data = raw
    while True:
        decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        try:
            out += decompressor.decompress(data, max_bytes + 1 - len(out))
        except zlib.error as exc:
            raise InputReject("bad_gzip", f"not a valid gzip stream: {exc}") from exc
        if len(out) > max_bytes or decompressor.unconsumed_tail:
            raise InputReject("too_large", f"decompressed page exceeds limits.max_page_bytes = {max_bytes}")
        if not decompressor.eof:
            raise InputReject("bad_gzip", "the gzip stream is truncated")
        data = decompressor.unused_data
        if not data.strip(b"\x00"):  # zero padding after the last member is allowed, as gzip does
            return bytes(out)
        if not data.startswith(b"\x1f\x8b"):
            raise InputReject("bad_gzip", "data after the end of the gzip stream is not another gzip member")


def decode_bytes(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes: BOM, then UTF-8, then the most plausible legacy encoding (single- or multi-byte).

    UTF-8 with a few damaged bytes (at most one per 20 well-formed non-ASCII characters) is
    decoded as utf-8 with the damaged bytes replaced by U+FFFD. Text that is mostly control
    characters is refused as binary, whatever encoding decoded it. `declared` (an HTML page's
    `<meta charset>`) is used when the bytes are not UTF-8 and decode under it without error.
    """
    if not raw.strip():
        return "", "utf-8"
    text, encoding = _decode(raw, declared)
    share = _control_share(text)
    if share > _MAX_CONTROL_SHARE:
        raise InputReject("binary", f"{share:.0%} control or undecodable characters: not a text page")
    text, misread_as = repair_mojibake(_normalise_newlines(text))
    if misread_as:
        encoding = f"{encoding}, mojibake repaired ({'+'.join(misread_as)})"
    return text, encoding


# Read as Latin-1 rather than windows-1252, quotes and dashes keep C1 controls: UTF-8's ’ becomes 'â\x80\x99', and a
# windows-1252 page's own ’ “ ” – — „ … become lone controls ('\x92', '\x96'), which ftfy reads back too.
_C1_MARKS: Final = ("â\x80", "\x91", "\x92", "\x93", "\x94", "\x96", "\x97", "\x84", "\x85")
# What UTF-8 becomes when read as windows-1252 or Latin-1 (the lead byte of a two-byte letter: Ã for Latin,
# Ð and Ñ for Cyrillic, Î and Ï for Greek, Ø and Ù for Arabic; Â before a symbol or a no-break space; â€ for
# quotes and dashes) or as windows-1251 (Р and С before the misread second byte of а, о, е, и, т). A page
# without any of them is returned at the cost of a few substring searches.
_MOJIBAKE_MARKS: Final = ("Ã", "Â", "â€", "Ð", "Ñ", "Î", "Ï", "Ø", "Ù", "Р°", "Рѕ", "Рµ", "Рё", "С‚", *_C1_MARKS)
# One character of every mark, each rare in intact text (Cyrillic read as windows-1251 always holds 'Рѕ', the
# misread 'о'): searching for single characters is ~20x faster than for the marks (5.6 against 120 us on a
# 16 KB page), so the marks are searched for only on pages that hold one of these.
_MOJIBAKE_FIRST: Final = ("Ã", "Â", "â", "Ð", "Ñ", "Î", "Ï", "Ø", "Ù", "ѕ", "µ", "‚", *_C1_MARKS[1:])


def repair_mojibake(text: str) -> tuple[str, tuple[str, ...]]:
    """Lines that were UTF-8 read as a legacy code page and saved again ('isnâ€™t', 'РЎРѕРІРµС‚СѓРµРј'),
    repaired with ftfy, line by line (a page may mix repaired and intact lines). Returns the text and the
    code pages the repaired lines had been misread as (sorted; empty when nothing changed).

    Only ftfy's encoding repair runs: quotes, HTML entities, widths, ligatures and control characters stay
    as they are. ftfy's own test costs ~3 ms on a 16 KB page, as much as parsing it: it runs only on lines
    that hold a mark of the misreadings it can undo (see _MOJIBAKE_MARKS): 30 us a page on the dev pages (of
    which 10 are repaired), 2 on the synthetic benchmark pages.

    Two misreadings ftfy does not undo are repaired here: Latin-script text misread as windows-1251
    (_repair_latin_misread_as_1251; named 'windows-1251' when it was UTF-8, e.g. 'windows-1252 read as
    windows-1251' when it was a single-byte page), and a CJK page misread as windows-1251 or -1252
    (_repair_cjk_misread; e.g. 'gb18030 read as windows-1251').
    """
    text, misread_as = _repair_with_ftfy(text)
    text, latin_misread_from = _repair_latin_misread_as_1251(text)
    if latin_misread_from:
        misread_as.add("windows-1251" if latin_misread_from == "utf-8" else f"{latin_misread_from} read as windows-1251")
    text, cjk_misread = _repair_cjk_misread(text)
    if cjk_misread:
        misread_as.add(cjk_misread)
    return text, tuple(sorted(misread_as))


def _repair_with_ftfy(text: str) -> tuple[str, set[str]]:
    misread_as: set[str] = set()
    if not any(char in text for char in _MOJIBAKE_FIRST):
        return text, misread_as
    starts = set()  # where the lines holding a mark start
    for mark in _MOJIBAKE_MARKS:
        at = text.find(mark)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            at = text.find(mark, at + len(mark))
    if not starts:
        return text, misread_as
    from ftfy import badness, fix_and_explain

    pieces, done = [], 0
    for start in sorted(starts):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        if not badness.is_bad(line):
            continue
        fixed = fix_and_explain(line, _mojibake_config())
        codecs_read = [codec.removeprefix("sloppy-") for step, codec in fixed.explanation or () if step == "encode"]
        if codecs_read and fixed.text != line:
            pieces += [text[done:start], fixed.text]
            done = end
            misread_as.update(codecs_read)
    return ("".join(pieces) + text[done:] if misread_as else text), misread_as


# Latin-script text misread as windows-1251 (the default code page of Russian-language servers and browsers), which
# ftfy does not take for mojibake: UTF-8 becomes 'schГ¶n' and 'FundacjД™' (the lead byte of a two-byte letter is read
# as Г, Д or Е, the second as a symbol or a rare letter), and a page in a single-byte Latin code page becomes 'fьr'
# (windows-1252) or 'szуstej' (ISO 8859-2). A misread letter is then a short run of characters windows-1251 can
# encode, glued to Latin letters, in mostly ASCII text. A page is repaired in the encoding (tried in this order; the
# first wins a tie, UTF-8 first since it decodes few byte strings) that reads back at least _MIN_MISREAD_WORDS such
# runs holding a Cyrillic letter, and at least _MIN_EXPLAINED of all the page's runs holding one (in a single-byte
# encoding only glued runs count: every Cyrillic word would read back as accented letters, 'Ìîñêâà').
_LATIN_MISREAD_AS_1251: Final = {
    "utf-8": "utf-8", "cp1252": "windows-1252", "iso8859-2": "iso-8859-2", "cp1250": "windows-1250",
    "cp1257": "windows-1257", "cp1254": "windows-1254",
}
# A misread page holds one of these (Г, Д, Е: the lead bytes of UTF-8 Latin letters; then what the commonest accented
# letters of single-byte pages become: ä ü ö é è ó á, and ISO 8859-2's ą ł); a page without any costs 12 searches.
_LATIN_MISREAD_FIRST: Final = "ГДЕдьцйиуб±і"
_MIN_MISREAD_WORDS: Final = 3
_MIN_EXPLAINED: Final = 0.75
_EARLY_VERDICT: Final = 40  # runs holding Cyrillic after which a page of Cyrillic words is told apart
_MIN_ASCII_SHARE: Final = 0.7  # Latin-script text, even Czech or Polish misread from UTF-8, is mostly ASCII; Cyrillic text is not
_MAX_MISREAD_RUN: Final = 6  # characters: three UTF-8 letters in a row ('ść' is 'Е›Д‡'), or a single-byte one
# Cyrillic letters that stand for Latin ones in look-alike spelling ('Аdvеrtіѕе'): a run of only these is no evidence.
_LOOKALIKES: Final = frozenset("АВЕКМНОРСТХаеорсухіјѕ")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]+")
_NON_ASCII_TAIL = re.compile("[^\x00-\x7f]*")


def _repair_latin_misread_as_1251(text: str) -> tuple[str, str | None]:
    """Latin-script text that was read as windows-1251 and saved again, repaired; returns the text and what it had
    been misread from ('utf-8', 'windows-1252', 'iso-8859-2', ...), or None when the text is left as it is."""
    if text.isascii() or not any(char in text for char in _LATIN_MISREAD_FIRST):
        return text, None
    if len(text.encode("ascii", "ignore")) < _MIN_ASCII_SHARE * len(text):
        return text, None
    runs = []  # (the run, glued to a Latin letter) for each non-ASCII run holding a Cyrillic letter
    unexplained = 0  # runs standing apart that are not UTF-8 either: no encoding reads them back
    found = _CYRILLIC.search(text)
    while found:
        start = found.start()
        while start > 0 and not text[start - 1].isascii():
            start -= 1
        end = _NON_ASCII_TAIL.match(text, found.end()).end()
        run, glued = text[start:end], _glued(text, start, end)
        runs.append((run, glued))
        unexplained += not glued and _read_back(run, "utf-8") is None
        if len(runs) >= _EARLY_VERDICT and unexplained > (1 - _MIN_EXPLAINED) * len(runs):
            return text, None  # Cyrillic words, as the first runs already show: no need to look at the rest
        found = _CYRILLIC.search(text, end)
    best, best_score = None, (0, 0)
    for codec in _LATIN_MISREAD_AS_1251:
        telling, explained = set(), 0
        for run, glued in runs:
            if (glued or codec == "utf-8") and _read_back(run, codec) is not None:
                explained += 1
                if glued and not set(run) <= _LOOKALIKES:
                    telling.add(run)
        if (len(telling), explained) > best_score:
            best, best_score = codec, (len(telling), explained)
    if best is None or best_score[0] < _MIN_MISREAD_WORDS or best_score[1] < _MIN_EXPLAINED * len(runs):
        return text, None
    pieces, done = [], 0
    for match in _NON_ASCII_RUN.finditer(text):  # now every run: 'nasz±' is 'naszą' in ISO 8859-2
        start, end = match.span()
        if best == "utf-8" or _glued(text, start, end):  # from UTF-8 also a run standing alone: 'вЂ“' is an en dash
            back = _read_back(match.group(), best)
            if back is not None and back != match.group():
                pieces += [text[done:start], back]
                done = end
    return "".join(pieces) + text[done:], _LATIN_MISREAD_AS_1251[best]


# A page in a CJK multi-byte encoding misread as a single-byte code page (one byte, one character) and saved again:
# its ideographic full stop and comma, in every paragraph, become two telling characters. The marks name the code
# page the page was misread as and the encodings it may have been in (the first listed wins a tie).
_CJK_MARKS: Final = (
    ("ЎЈ", "cp1251", ("gb18030", "euc-jp", "euc-kr")),  # 。 is A1 A3 in GB2312, EUC-JP and EUC-KR
    ("Ј¬", "cp1251", ("gb18030",)),  # ， is A3 AC in GB2312
    ("ЎC", "cp1251", ("big5",)),  # 。 is A1 43 in Big5
    ("¡£", "cp1252", ("gb18030", "euc-jp", "euc-kr")),
    ("£¬", "cp1252", ("gb18030",)),  # (Big5's '¡C' is no mark in windows-1252: '¡Conoce' is Spanish)
)
_CJK_MARK_FIRST: Final = "Ў¡"  # the first character of every mark but 'Ј¬' and '£¬', which come with '。' anyway
_MIN_CJK_CHARS: Final = 20  # ideographs, kana or hangul a repair must give the page (a stray '¡£5' gives one)
_CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_LONG_RUN = re.compile("[^\x00-\x7f]{4}")  # two CJK characters misread: accented letters in Latin words come alone
_CODE_PAGE_NAMES: Final = {"cp1251": "windows-1251", "cp1252": "windows-1252"}


def _repair_cjk_misread(text: str) -> tuple[str, str | None]:
    """A CJK page misread as windows-1251 or windows-1252 ('»°ѕзЎ¶Фј¶Ё' for 话剧《约定), repaired line by line;
    returns the text and e.g. 'gb18030 read as windows-1251', or None when the text is left as it is.

    A page needs a mark twice. A line is repaired when all of it encodes back to bytes in the code page, it holds
    four non-ASCII characters in a row, and its bytes decode in the encoding charset_normalizer finds most plausible
    among the marks' candidates into at least two CJK characters that make half its non-ASCII ones or more; the
    page, when the repaired lines hold _MIN_CJK_CHARS or more."""
    if text.isascii() or not any(char in text for char in _CJK_MARK_FIRST):
        return text, None
    found = [(code_page, candidates) for mark, code_page, candidates in _CJK_MARKS if text.count(mark) >= 2]
    if not found:
        return text, None
    code_page, candidates = found[0]
    lines = text.split("\n")
    raw_lines = {i: raw for i, line in enumerate(lines) if not line.isascii() and (raw := _as_read(line, code_page))}
    if not raw_lines:
        return text, None
    from charset_normalizer import from_bytes

    sample = b"\n".join(raw_lines.values())[:65536]
    results = list(from_bytes(sample, cp_isolation=list(candidates))) if len(candidates) > 1 else []
    encoding = codecs.lookup(min(results, key=lambda r: r.chaos).encoding).name if results else candidates[0]
    cjk = 0  # CJK characters the repaired lines hold
    for i, raw in raw_lines.items():
        try:
            back = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        ideographs = len(_CJK.findall(back))
        if ideographs >= 2 and 2 * ideographs >= len(back) - len(back.encode("ascii", "ignore")) and _LONG_RUN.search(lines[i]):
            lines[i], cjk = back, cjk + ideographs
    if cjk < _MIN_CJK_CHARS:
        return text, None
    return "\n".join(lines), f"{encoding} read as {_CODE_PAGE_NAMES[code_page]}"


def _as_read(line: str, code_page: str) -> bytes | None:
    """The bytes that `code_page` read as `line`, a byte it leaves undefined read as the C1 control of its number
    (as browsers do); None when the line holds a character the code page has no byte for."""
    try:
        return line.encode(code_page)
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for char in line:
        try:
            out += char.encode(code_page)
        except UnicodeEncodeError:
            if not "\x80" <= char <= "\x9f":
                return None
            out.append(ord(char))
    return bytes(out)


def _glued(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is short enough to be misread letters and touches a Latin letter."""
    return end - start <= _MAX_MISREAD_RUN and (
        (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha())
        or (end < len(text) and text[end].isascii() and text[end].isalpha())
    )


@functools.lru_cache(maxsize=4096)
def _read_back(run: str, codec: str) -> str | None:
    """`run` as it was before windows-1251 misread it from `codec`: Latin letters (or, from UTF-8, any characters
    but Cyrillic letters and controls), else None."""
    try:
        back = run.encode("cp1251").decode(codec)
    except UnicodeError:
        return None
    if _CYRILLIC.search(back) or any(char < "\xa0" and not char.isascii() for char in back):
        return None
    if codec != "utf-8" and not back.isalpha():
        return None
    return back


@functools.cache
def _mojibake_config():
    from ftfy import TextFixerConfig

    return TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False, fix_character_width=False,
        uncurl_quotes=False, fix_line_breaks=False, fix_surrogates=False, remove_control_chars=False, normalization=None,
        explain=True,
    )


def _decode(raw: bytes, declared: str | None) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise InputReject("undecodable", f"starts with a {encoding} byte-order mark but is not {encoding}") from exc
    if b"\x00" in raw:
        raise InputReject("binary", "contains NUL bytes: not a text page")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared is not None:
        try:
            return raw.decode(declared), declared
        except UnicodeDecodeError:
            pass  # the declaration is wrong: detect
    damaged = _damaged_utf8(raw)
    if damaged is not None:
        return damaged, "utf-8"
    encoding = _guess_legacy(raw)
    return raw.decode(encoding, errors="replace"), encoding


def _damaged_utf8(raw: bytes) -> str | None:
    """The text, if raw is UTF-8 with a few bad bytes; None if it looks like another encoding."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    well_formed = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    return text if well_formed >= _UTF8_CHARS_PER_BAD_BYTE * bad else None


def _guess_legacy(raw: bytes) -> str:
    """The most plausible legacy encoding: the least mess (charset_normalizer's chaos), then the most
    coherent text for some language (its coherence, which charset_normalizer's own ranking weighs less:
    it reads Turkish cp1254 as cp1250), then the first listed among encodings that give the same text."""
    from charset_normalizer import from_bytes

    results = list(from_bytes(raw[:65536], cp_isolation=list(_FALLBACK_ENCODINGS)))
    if not results:
        return "latin-1"
    least = min(r.chaos for r in results)
    calm = [r for r in results if r.chaos <= least + _CHAOS_SLACK]
    best = max(calm, key=lambda r: (round(r.coherence, 3), -_preference(r.encoding)))
    chosen = codecs.lookup(best.encoding).name
    text = raw.decode(chosen, errors="replace")
    for name in _FALLBACK_ENCODINGS:  # 'cp1250' and 'cp1252' read a French page alike: report the first
        try:
            if raw.decode(name) == text:
                return name
        except UnicodeDecodeError:
            continue
    return chosen


def _preference(encoding: str) -> int:
    name = codecs.lookup(encoding).name
    ranks = [codecs.lookup(e).name for e in _FALLBACK_ENCODINGS]
    return ranks.index(name) if name in ranks else len(ranks)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{2,40})""", re.IGNORECASE)
# What browsers read for declared names (WHATWG Encoding): latin-1 and ASCII mean windows-1252, GBK and
# GB2312 are read as their superset.
_DECLARED_AS = {"ascii": "cp1252", "iso8859-1": "cp1252", "gbk": "gb18030", "gb2312": "gb18030"}
_PRESCAN_BYTES = 4096
# Canonical codec names of the legacy page encodings a declaration may name (code pages, ISO 8859,
# KOI8, Mac, Chinese, Japanese, Korean, Thai).
_DECLARABLE = ("cp", "iso8859", "latin", "ascii", "koi8", "mac-", "gb", "big5", "hz", "shift_jis", "euc", "iso2022", "johab", "tis")


def declared_charset(raw: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag near its start, as a Python codec name;
    None when there is none, the codec is unknown, or it is UTF-8/UTF-16 (tried anyway)."""
    match = _META_CHARSET.search(raw[:_PRESCAN_BYTES])
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    if not name.startswith(_DECLARABLE):
        return None  # UTF-8/16/32 are tried anyway; 'rot13', 'base64', 'undefined' are no page encodings
    return _DECLARED_AS.get(name, name)


# C0 controls other than tab, newline, form feed and carriage return; DEL and the C1 controls; U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def _control_share(text: str) -> float:
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return 0.0
    return sum(1 for _ in _CONTROL.finditer(sample)) / len(sample)


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufeff", "")
