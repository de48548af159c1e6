"""Finding input files under SRC and turning their bytes into text, with provenance.

Every file found is either a page to parse or a reject with a reason; nothing is skipped
silently except hidden files and the corpus config itself.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
import zlib
from pathlib import Path

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
# Single-byte encodings tried, in this order, when a page is not UTF-8 (Cyrillic first: the
# corpora this library serves are mostly post-Soviet news; latin-1 decodes anything, so it is last).
_FALLBACK_ENCODINGS = ("cp1251", "koi8-r", "cp1252", "latin-1")


class InputReject(Exception):
    """A file that cannot become a page; `reason` is a stable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclasses.dataclass(frozen=True, slots=True)
class InputFile:
    source_file: str  # POSIX path relative to SRC
    path: Path


@dataclasses.dataclass(frozen=True, slots=True)
class DecodedPage:
    source_file: str
    text: str
    encoding: str
    sha256: str
    is_html: bool


def discover(src: Path) -> tuple[list[InputFile], list[tuple[str, InputReject]]]:
    """Page files under src in a listing-order-independent order, plus files that cannot be inputs."""
    src = src.resolve()
    files: list[InputFile] = []
    rejects: list[tuple[str, InputReject]] = []
    for root, dirs, names in os.walk(src, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_root = Path(root).relative_to(src)
        for name in sorted(names):
            if name.startswith("."):
                continue
            rel = (rel_root / name).as_posix()
            if rel == CONFIG_FILE_NAME:
                continue
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                rejects.append((shown, InputReject("bad_file_name", "the file name is not valid UTF-8")))
                continue
            path = Path(root) / name
            if path.is_symlink():
                problem = _symlink_problem(path, src)
                if problem:
                    rejects.append((rel, problem))
                    continue
            if not _page_suffix(name):
                rejects.append((rel, InputReject("unsupported_file_type", f"not a page file ({', '.join(PAGE_SUFFIXES)}, optionally .gz)")))
                continue
            files.append(InputFile(rel, path))
    files.sort(key=lambda f: f.source_file)
    rejects.sort(key=lambda item: item[0])
    return files, rejects


def _symlink_problem(path: Path, src: Path) -> InputReject | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return InputReject("broken_symlink", "symlink is dangling or loops")
    if not target.is_relative_to(src):
        return InputReject("symlink_outside_src", "symlink points outside the corpus folder")
    if not target.is_file():
        return InputReject("unsupported_file_type", "symlink does not point to a regular file")
    return None


def _page_suffix(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return next((s for s in PAGE_SUFFIXES if lowered.endswith(s)), None)


def read_page(item: InputFile, max_bytes: int) -> DecodedPage:
    """Read, gunzip (bounded), and decode one file. Raises InputReject."""
    try:
        with open(item.path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputReject("unreadable", f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise InputReject("too_large", f"file is larger than limits.max_page_bytes = {max_bytes}")
    digest = hashlib.sha256(raw).hexdigest()
    if item.source_file.lower().endswith(".gz"):
        raw = _gunzip(raw, max_bytes)
    text, encoding = decode_bytes(raw)
    is_html = _page_suffix(item.path.name) in HTML_SUFFIXES
    return DecodedPage(item.source_file, text, encoding, digest, is_html)


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = decompressor.decompress(raw, max_bytes + 1)
    except zlib.error as exc:
        raise InputReject("bad_gzip", f"not a valid gzip stream: {exc}") from exc
    if len(out) > max_bytes or decompressor.unconsumed_tail:
        raise InputReject("too_large", f"decompressed page exceeds limits.max_page_bytes = {max_bytes}")
    return out


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode page bytes: BOM, then strict UTF-8, then the most plausible single-byte encoding."""
    if not raw.strip():
        return "", "utf-8"
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _normalise_newlines(raw.decode(encoding)), encoding
            except UnicodeDecodeError as exc:
                raise InputReject("undecodable", f"starts with a {encoding} byte-order mark but is not {encoding}") from exc
    if b"\x00" in raw:
        raise InputReject("binary", "contains NUL bytes: not a text page")
    try:
        return _normalise_newlines(raw.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _guess_single_byte(raw)
    text = raw.decode(encoding, errors="replace")
    if _control_ratio(text) > 0.05:
        raise InputReject("binary", "mostly control characters: not a text page")
    return _normalise_newlines(text), encoding


def _guess_single_byte(raw: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:65536], cp_isolation=list(_FALLBACK_ENCODINGS) + ["utf-8"]).best()
    if best is not None and best.encoding:
        name = codecs.lookup(best.encoding).name
        return {"windows-1251": "cp1251", "windows-1252": "cp1252", "iso8859-1": "latin-1"}.get(name, name)
    return "latin-1"


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f") or ch == "\ufffd")
    return bad / len(sample)


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufeff", "")
