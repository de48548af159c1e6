"""A page as lines with features: the unit every extraction decision is made on."""

from __future__ import annotations

import dataclasses
import functools
import re
import string
import unicodedata
from typing import Final

from corpus_lib.parse.dates import month_names

# Bullets that text renderers (inscriptis, lynx, w3m, browsers' copy) put before list items.
_BULLET: Final = re.compile(r"\s*([•*+o\-–·▪►▸◦■□●○»›]|\d{1,2}[.)])\s+")
_BULLET_FIRST: Final = frozenset("•*+o-–·▪►▸◦■□●○»›0123456789")
_WORD: Final = re.compile(r"\w+")
_SENTENCE_END: Final = frozenset(".!?…»\"”)。！？")
# Emoji: the supplementary pictographs and the older symbols and dingbats (not ©, ® or ™, which end names). A
# variation selector or a joiner may follow the last one.
_EMOJI_BLOCKS: Final = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF))
_EMOJI_TAIL: Final = "\ufe0f\u200d "
# Punctuation and symbols stripped from both ends of a line key (str.strip is much faster than a regex).
_EDGE_CHARS: Final = string.punctuation + string.whitespace + "«»„“”‘’‚‹›•·▪►▸◦■□●○…—–―‐‑‒−¡¿©®™°§¶†‡"
# Table cells laid out side by side are separated by at least this many spaces.
_COLUMN_GAP_TEXT: Final = "   "
_CELL: Final = re.compile(r"\S+(?: {1,2}\S+)*")
_COLUMN_SLACK: Final = 2  # cells of one column start at the same position, give or take this
# A layout row (text beside a sidebar) has a paragraph in a cell, or two cells far apart with one of them
# long; other rows of three or more cells aligned with a neighbour are data.
_PARAGRAPH_CELL_CHARS: Final = 150
_LAYOUT_CELL_CHARS: Final = 60
_LAYOUT_GAP: Final = 40
_DATA_ROW_CELLS: Final = 3
_FIELDS_CACHE_LINES: Final = 1 << 16
_CACHED_LINE_CHARS: Final = 200
# Lines longer than this never repeat as headlines or template lines: their key is not worth computing.
_MAX_KEY_CHARS: Final = 400
# Scripts written without spaces between words: a run of their letters holds several words, about this many
# characters each, where splitting at spaces counts one. Group 1: Han and kana; group 2: Thai, Lao, Myanmar, Khmer.
_UNSPACED_RUN: Final = re.compile(
    "([\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+)"
    "|([\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]+)"
)
_UNSPACED_CHARS_PER_WORD: Final = (0, 2, 4)  # by group
# A character of those scripts is three bytes in UTF-8 and starts with one of these bytes (so do a few other
# scripts, which the search then does not find): deleting every other byte finds them faster than any search.
_UNSPACED_LEAD_BYTES: Final = bytes([0xE0, 0xE1, *range(0xE3, 0xEA), 0xEF])
_OTHER_BYTES: Final = bytes(b for b in range(256) if b not in _UNSPACED_LEAD_BYTES)
# Characters that show nothing and join no letters: a soft hyphen (where a word may break), a zero-width space
# and a word joiner. Renderers keep them from the HTML; inside a word they would split it ('Mes\xadsen\xadger'), so
# that the line would no longer match the same words elsewhere. Zero-width (non-)joiners shape letters in Arabic
# and Indic scripts and in emoji sequences: they stay.
_INVISIBLE: Final = ("\u00ad", "\u200b", "\u2060")
_DROP_INVISIBLE: Final = str.maketrans(dict.fromkeys(_INVISIBLE))


@dataclasses.dataclass(slots=True)
class Line:
    index: int
    raw: str
    text: str  # stripped, bullet removed
    indent: int
    bullet: bool
    words: int  # line_words(text): whitespace-separated tokens, words of unspaced scripts estimated
    key: str  # casefolded, whitespace collapsed, edge punctuation stripped: for repetition
    ends_sentence: bool = False

    @property
    def blank(self) -> bool:
        return not self.text


def normalise_key(text: str) -> str:
    """Comparable form of a line: NFC, casefolded, spaces collapsed, edge punctuation removed."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.casefold().split()).strip(_EDGE_CHARS)


def drop_invisible(text: str) -> str:
    """The text without the characters of _INVISIBLE (most pages have none: a search for each is cheaper than
    translating every page)."""
    for char in _INVISIBLE:
        if char in text:
            return text.translate(_DROP_INVISIBLE)
    return text


def split_lines(text: str) -> list[Line]:
    """The page's lines with features (without invisible characters, see drop_invisible). Table layouts put
    columns side by side on one line ('text   sidebar'): each column cell becomes a line of its own, and a
    column's cells follow the rows they came from, so a text column reads as consecutive lines. Rows of a
    data table keep their cells together."""
    raws = drop_invisible(text).split("\n")
    cells = [_cells(raw) if _COLUMN_GAP_TEXT in raw else [] for raw in raws]  # most lines have no gap at all
    lines: list[Line] = []
    append = lines.append
    pending: list[Line] = []  # cells of right-hand columns, emitted when their table ends
    table_indent = 0  # where the table's first column starts
    previous_columns: tuple[int, ...] = ()
    for index, raw in enumerate(raws):
        stripped = raw.strip()
        if not stripped:
            append(Line(index, raw, "", 0, False, 0, ""))
            continue
        indent = len(raw) - len(raw.lstrip())
        row = cells[index]
        if row and _is_data_row(row, previous_columns, _next_columns(cells, index)):
            row = []
        previous_columns = tuple(column for column, _ in cells[index]) if cells[index] else ()
        if not row:
            if pending and indent < table_indent:
                lines.extend(pending)
                pending = []
            # _line, inlined: most lines take this way
            text, bullet, words, key, ends_sentence = (
                _cached_fields(stripped) if len(stripped) <= _CACHED_LINE_CHARS else _fields(stripped)
            )
            append(Line(index, raw, text, indent, bullet, words, key, ends_sentence))
            continue
        if pending and (indent < table_indent or not any(
            abs(column - cell.indent) <= _COLUMN_SLACK for column, _ in row[1:] for cell in pending
        )):
            lines.extend(pending)
            pending = []
        if not pending:
            table_indent = indent
        append(_line(index, raw, row[0][1], indent))
        pending.extend(_line(index, raw, cell, column) for column, cell in row[1:])
    lines.extend(pending)
    return lines


def short_keys(text: str, max_words: int) -> list[str]:
    """The distinct keys (sorted) of the lines of `split_lines(text)` that have at most `max_words` words and a key,
    without making the lines: the template scan of a build needs only these.

    A page with a column gap (a table laid out side by side) is split by split_lines, as its cells are lines of their
    own; on other pages each stripped line is one line, and a line with more than max_words + 1 tokens (one may be a
    bullet) has more than max_words words, unless a script written without spaces counts its words otherwise."""
    keys = set()
    limit = max_words + 1
    for raw in drop_invisible(text).split("\n"):
        stripped = raw.strip()
        if not stripped:
            continue
        if _COLUMN_GAP_TEXT in stripped:
            return keys_of_short_lines(split_lines(text), max_words)
        if len(stripped.split(None, limit)) > limit and not _has_unspaced(stripped):
            continue
        _, _, words, key, _ = _cached_fields(stripped) if len(stripped) <= _CACHED_LINE_CHARS else _fields(stripped)
        if key and words <= max_words:
            keys.add(key)
    return sorted(keys)


def keys_of_short_lines(lines: list[Line], max_words: int) -> list[str]:
    """The distinct keys (sorted) of the lines with at most `max_words` words that have a key."""
    return sorted({line.key for line in lines if line.key and line.words <= max_words})


def _cells(raw: str) -> list[tuple[int, str]]:
    """(column, text) of each cell of a line whose cells are set apart by runs of spaces; [] for plain lines."""
    if _COLUMN_GAP_TEXT not in raw.strip():
        return []
    return [(m.start(), m.group()) for m in _CELL.finditer(raw)]


def _next_columns(cells: list[list[tuple[int, str]]], index: int) -> tuple[int, ...]:
    """Column positions of the next row with cells (a blank line may separate rows)."""
    for row in cells[index + 1 : index + 3]:
        if row:
            return tuple(column for column, _ in row)
    return ()


def _is_data_row(row: list[tuple[int, str]], previous: tuple[int, ...], following: tuple[int, ...]) -> bool:
    """A row of a data table: three or more cells of phrases, aligned with a neighbouring row; a layout row
    (a text column beside a sidebar) has a paragraph in a cell."""
    if max(len(cell) for _, cell in row) >= _PARAGRAPH_CELL_CHARS:
        return False
    if len(row) < _DATA_ROW_CELLS:
        (first, left), (second, right) = row
        return max(len(left), len(right)) < _LAYOUT_CELL_CHARS and second - first - len(left) < _LAYOUT_GAP
    columns = tuple(column for column, _ in row)
    return columns == previous or columns == following


def _line(index: int, raw: str, stripped: str, indent: int) -> Line:
    fields = _cached_fields(stripped) if len(stripped) <= _CACHED_LINE_CHARS else _fields(stripped)
    text, bullet, words, key, ends_sentence = fields
    return Line(index, raw, text, indent, bullet, words, key, ends_sentence)


def _fields(stripped: str) -> tuple[str, bool, int, str, bool]:
    """(text, bullet, words, key, ends_sentence) of a stripped line."""
    content, bullet = stripped, False
    if stripped[0] in _BULLET_FIRST:  # the first-character test saves a regex on most lines
        match = _BULLET.match(stripped)
        if match and len(stripped) > len(match.group(0).strip()) and not _is_day_of_month(stripped, stripped[match.end() :]):
            content, bullet = stripped[match.end() :].strip(), True
    if content.isascii():
        # normalise_key and line_words in one split: ASCII text is NFC, casefold is lower(), which changes
        # no whitespace, and line_words counts the tokens.
        tokens = content.split()
        key = " ".join(tokens).lower().strip(_EDGE_CHARS) if len(content) <= _MAX_KEY_CHARS else ""
        return content, bullet, len(tokens), key, content[-1] in _SENTENCE_END
    key = normalise_key(content) if len(content) <= _MAX_KEY_CHARS else ""
    return content, bullet, line_words(content), key, content[-1] in _SENTENCE_END or _ends_with_emoji(content)


def _ends_with_emoji(text: str) -> bool:
    """A sentence of a blog or a post may end with an emoji instead of a full stop ('... gefällt mir 😉')."""
    last = ord(text.rstrip(_EMOJI_TAIL)[-1:] or " ")
    return _EMOJI_BLOCKS[0][0] <= last <= _EMOJI_BLOCKS[0][1] or _EMOJI_BLOCKS[1][0] <= last <= _EMOJI_BLOCKS[1][1]


# Short lines are cached: a site's menus and footers recur on all its pages; prose rarely does.
_cached_fields = functools.lru_cache(maxsize=_FIELDS_CACHE_LINES)(_fields)


def _is_day_of_month(stripped: str, rest: str) -> bool:
    """'4. Februar 2022' is a date, not item 4 of a numbered list."""
    if not stripped[0].isdigit():
        return False
    first = rest.split(None, 1)[0] if rest.strip() else ""
    return first.casefold().rstrip(".,") in month_names()


def line_words(text: str) -> int:
    """Whitespace-separated tokens (cheap; close to \\w+ runs on spaced text), where a run of a script written
    without spaces (Chinese, Japanese, Thai, ...) counts as its estimated number of words, not as one token."""
    tokens = len(text.split())
    if not _has_unspaced(text):
        return tokens
    words = 0
    for run in _UNSPACED_RUN.finditer(text):
        words += -(-(run.end() - run.start()) // _UNSPACED_CHARS_PER_WORD[run.lastindex or 1])  # ceil; one group matches
    if not words:
        return tokens
    # Plus the spaced words around the runs ('iPhone 新型を発表'); punctuation between runs is no word.
    return words + sum(1 for token in _UNSPACED_RUN.sub(" ", text).split() if _WORD.search(token))


def _has_unspaced(text: str) -> bool:
    """Whether the text may hold letters of a script written without spaces (see _UNSPACED_LEAD_BYTES)."""
    return not text.isascii() and bool(text.encode("utf-8", "surrogatepass").translate(None, _OTHER_BYTES))


def count_words(text: str) -> int:
    return len(_WORD.findall(text))
