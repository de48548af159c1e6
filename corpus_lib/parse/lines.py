"""A page as lines with features: the unit every extraction decision is made on."""

from __future__ import annotations

import dataclasses
import re
import string
import unicodedata

# Bullets that text renderers (inscriptis, lynx, w3m, browsers' copy) put before list items.
_BULLET = re.compile(r"^\s*([•*+o\-–·▪►▸◦■□●○»›]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…»\"”)。！？]\s*$")
# Punctuation and symbols stripped from both ends of a line key (str.strip is much faster than a regex).
_EDGE_CHARS = string.punctuation + string.whitespace + "«»„“”‘’‚‹›•·▪►▸◦■□●○…—–―‐‑‒−¡¿©®™°§¶†‡"


@dataclasses.dataclass(slots=True)
class Line:
    index: int
    raw: str
    text: str  # stripped, bullet removed
    indent: int
    bullet: bool
    words: int
    key: str  # casefolded, whitespace collapsed, edge punctuation stripped: for repetition

    @property
    def blank(self) -> bool:
        return not self.text

    @property
    def ends_sentence(self) -> bool:
        return bool(_SENTENCE_END.search(self.text))


def normalise_key(text: str) -> str:
    """Comparable form of a line: NFC, casefolded, spaces collapsed, edge punctuation removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.casefold().split()).strip(_EDGE_CHARS)


def split_lines(text: str) -> list[Line]:
    lines = []
    for index, raw in enumerate(text.split("\n")):
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        match = _BULLET.match(raw)
        bullet = bool(match) and len(stripped) > len(match.group(0).strip())
        content = raw[match.end() :].strip() if bullet else stripped
        lines.append(
            Line(
                index=index,
                raw=raw,
                text=content,
                indent=indent,
                bullet=bullet,
                words=len(_WORD.findall(content)),
                key=normalise_key(content),
            )
        )
    return lines


def count_words(text: str) -> int:
    return len(_WORD.findall(text))
