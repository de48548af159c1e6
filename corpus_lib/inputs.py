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


# What UTF-8 becomes when read as windows-1252 or Latin-1 (the lead byte of a two-byte letter: Ã for Latin,
# Ð and Ñ for Cyrillic, Î and Ï for Greek, Ø and Ù for Arabic; Â before a symbol or a no-break space; â€ for
# quotes and dashes) or as windows-1251 (Р and С before the misread second byte of а, о, е, и, т). A page
# without any of them is returned at the cost of a few substring searches.
_MOJIBAKE_MARKS: Final = ("Ã", "Â", "â€", "Ð", "Ñ", "Î", "Ï", "Ø", "Ù", "Р°", "Рѕ", "Рµ", "Рё", "С‚")
# One character of every mark, each rare in intact text (Cyrillic read as windows-1251 always holds 'Рѕ', the
# misread 'о'): searching for single characters is ~20x faster than for the marks (5.6 against 120 us on a
# 16 KB page), so the marks are searched for only on pages that hold one of these.
_MOJIBAKE_FIRST: Final = ("Ã", "Â", "â", "Ð", "Ñ", "Î", "Ï", "Ø", "Ù", "ѕ", "µ", "‚")


def repair_mojibake(text: str) -> tuple[str, tuple[str, ...]]:
    """Lines that were UTF-8 read as a legacy code page and saved again ('isnâ€™t', 'РЎРѕРІРµС‚СѓРµРј'),
    repaired with ftfy, line by line (a page may mix repaired and intact lines). Returns the text and the
    code pages the repaired lines had been misread as (sorted; empty when nothing changed).

    Only ftfy's encoding repair runs: quotes, HTML entities, widths, ligatures and control characters stay
    as they are. ftfy's own test costs ~3 ms on a 16 KB page, as much as parsing it: it runs only on lines
    that hold a mark of the misreadings it can undo (see _MOJIBAKE_MARKS): 30 us a page on the dev pages (of
    which 10 are repaired), 2 on the synthetic benchmark pages.
    """
    if not any(char in text for char in _MOJIBAKE_FIRST):
        return text, ()
    starts = set()  # where the lines holding a mark start
    for mark in _MOJIBAKE_MARKS:
        at = text.find(mark)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            at = text.find(mark, at + len(mark))
    if not starts:
        return text, ()
    from ftfy import badness, fix_and_explain

    pieces, done = [], 0
    misread_as: set[str] = set()
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
    if not misread_as:
        return text, ()
    return "".join(pieces) + text[done:], tuple(sorted(misread_as))


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
