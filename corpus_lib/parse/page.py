"""A page's content lines with the per-line evidence that title and body decisions share."""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import re
from typing import Final

from corpus_lib.parse.boilerplate import (
    caption_media, is_credit_line, is_disclosure, is_end_block_heading, is_site_block_line, may_hold_title_markers, strip_title_markers,
)
from corpus_lib.parse.dates import DateMatch, RelativeDate, find_dates, find_relative_date, may_read_month_first, published_after
from corpus_lib.parse.lines import Line, count_words, normalise_key

# A headline's own dateline or byline follows it within this many content lines.
META_REACH = 4
_DATELINE_MAX_CHARS: Final = 160
# A longer line is searched for a date only at its head (its first _LEAD_DATE_CHARS characters).
_LEAD_DATE_START: Final = 28
_LEAD_DATE_CHARS: Final = 72
_OPENERS: Final = " ([*-–—"
_RELATIVE_MAX_CHARS: Final = 60
_NO_MEDIA: frozenset[str] = frozenset()
_MAX_BYLINE_WORDS: Final = 8
_MAX_BLOCK_LINE_WORDS: Final = 40  # longer lines are prose, whatever they start with
# Per-line evidence is cached for this many distinct short lines (~19 MB full, on the dev pages; a
# worker holds it and the 23 MB cache of lines._fields).
_EVIDENCE_CACHE_LINES: Final = 1 << 16
_CACHED_LINE_CHARS: Final = 200
# A template line the page repeats this many times heads the article's sections (see _template_flags).
_SECTION_LABEL_REPEATS: Final = 3
_MIN_SECTION_WORDS: Final = 150
# A byline's name shown again as an author box's heading is this many content lines below it, or fewer.
_NAME_AGAIN_REACH: Final = 3
_HAS_DIGIT: Final = re.compile(r"\d")
# A clock time left beside a dateline's date ("00:01," in "PUBLISHED: 00:01, Tue, Nov 19, 2019"): see _mostly_date.
_CLOCK_TIME: Final = re.compile(r"(?<!\d)[0-2]?\d:[0-5]\d(?::[0-5]\d)?(?!\d)(?:\s?[ap]\.?m\.?)?", re.IGNORECASE)
_HAS_LETTER: Final = re.compile(r"[^\W\d_]")
_MIN_FIGURE_ROWS: Final = 3  # a table, not a date and a figure on one line
_GALLERY: Final = frozenset({"gallery"})  # caption_media of a gallery's counter
_GALLERY_CAPTION_REACH: Final = 3
_GALLERY_LABEL_WORDS: Final = 2
_MAX_GALLERY_CAPTION_WORDS: Final = 80
_MIN_CAPTION_STEM_CHARS: Final = 30  # a copy cut shorter than this is not told from other lines
_CAPTION_TOGGLES: Final = (" less", " more", " mehr", " weniger", " plus", " moins", " ещё", " еще")
# 'By Jane Roe', 'Von Max Muster', 'Автор: ...', 'Written by ...'.
_BYLINE_WORDS: Final = ("by", "von", "par", "por", "di", "door", "av", "af", "przez", "autor", "autorin", "автор", "авторы",
                 "текст", "от", "müəllif", "yazar", "yazan")
_BYLINE_VERBS: Final = ("written", "posted", "authored", "reviewed", "words", "story", "reporting", "geschrieben", "verfasst",
                 "publié", "escrito", "scritto", "edited", "fact-checked", "fact checked", "medically reviewed")
_BYLINE: Final = re.compile(
    rf"(?:(?:{'|'.join(_BYLINE_VERBS)})\s+(?:by|von|par|por|da)|{'|'.join(_BYLINE_WORDS)})\b[:\s]", re.IGNORECASE
)
# A reading time, which heading blocks show beside or instead of a byline: '5 min read', 'Lesezeit: 3 Minuten',
# '3 Minuten Lesezeit', 'Reading time: 4 minutes', '6 minutos de lectura', 'Время чтения: 5 минут'.
_READING_TIME: Final = re.compile(
    r"\d+\s*(?:min|mins|minutes?|minuten|minutos|minuti|minuty|минут[аы]?|мин)\.?\s*"
    r"(?:read|reading|lesezeit|lesedauer|de lecture|de lectura|de leitura|di lettura|czytania|чтения)\b"
    r"|\b(?:reading time|read time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|tempo de leitura|tempo di lettura|"
    r"czas czytania|время чтения)\b",
    re.IGNORECASE,
)
_READING_TIME_MAX_WORDS: Final = 16
# A longer byline names several people or their titles and outlet ('By Jane Roe, Executive Editor, Example Health
# Watch'). So long a line counts only in the English form, as 'Von der Leyen ...' or 'Par ...' start headlines.
_LONG_BYLINE: Final = re.compile(r"(?:(?i:written|posted|reviewed|words|story)\s+)?[Bb]y\s+(?!The\b|This\b|That\b)[A-Z]")
_MAX_LONG_BYLINE_WORDS: Final = 12
_BYLINE_ALONE: Final = frozenset(_BYLINE_WORDS) | {
    "written by", "posted by", "words by", "story by", "edited by", "reviewed by", "fact-checked by", "fact checked by",
    "medically reviewed by",
}
_BYLINE_FIRST: Final = frozenset(word[0] for word in _BYLINE_WORDS + _BYLINE_VERBS for word in (word, word.upper()))


@dataclasses.dataclass(slots=True)
class PageView:
    """Content (non-blank) lines by position, and what each line is evidence of."""

    content: list[Line]
    title_keys: list[str]  # line keys without media markers ('(Фото)'), as repetitions of a headline compare
    dates: dict[int, list[DateMatch]]  # position -> dates on that (short) line
    relative: dict[int, RelativeDate]  # position -> 'today, 10:20', '3 hours ago', a bare time
    dateline: list[bool]  # the line is mostly a date
    byline: list[bool]
    caption: list[frozenset[str]]  # media a caption line announces (empty: not a caption)
    credit: list[bool]  # photo credits and sources: '(© Reuters)', 'Quelle: dpa'
    block: list[bool]  # names a site block: related, share, comments, legal, cookies
    end_block: list[bool]  # only the heading of a block that follows an article: 'Related articles'
    template: list[bool]  # recurs across the source's pages
    meta: list[bool]  # sits between a headline and its text without breaking them apart
    figures: list[bool]  # a row of a table of figures ('1/1/2013   +13.1%'), in a run of them
    menu: frozenset[str]  # keys of short list items: the page's menus, which breadcrumbs ('Home » Section') repeat
    # title_parts of each line of up to 40 words: computed by title.view_parts when first asked, then kept
    parts: list[tuple[str, ...]] | None = None


def view_page(content: list[Line], template_keys: frozenset[str], month_first: bool) -> PageView:
    dates = find_datelines(content, month_first)
    dateline = [False] * len(content)
    for position, matches in dates.items():
        dateline[position] = _mostly_date(content[position].text, matches)
    figures = _figure_rows(content, dates)
    for position in itertools.compress(range(len(content)), figures):
        dateline[position] = False
        dates.pop(position, None)
    relative = {}
    for position, line in enumerate(content):
        if len(line.text) <= _RELATIVE_MAX_CHARS and position not in dates and _HAS_DIGIT.search(line.text):
            found = find_relative_date(line.text)
            if found is not None and count_words(line.text[: found.start] + " " + line.text[found.end :]) <= 4:
                relative[position] = found
                dateline[position] = True
    evidence = [
        _cached_evidence(line.text, line.bullet, line.key, line.words) if len(line.text) <= _CACHED_LINE_CHARS
        else _line_evidence(line.text, line.bullet, line.key, line.words)
        for line in content
    ]
    byline, caption, credit, block, end_block, disclosure = map(list, zip(*evidence)) if evidence else ([], [], [], [], [], [])
    # A disclosure is furniture like a credit; on a line with a date ('Published: Mar 8, 2024 · This post may contain
    # affiliate links') the date counts.
    for position in itertools.compress(range(len(content)), disclosure):
        if position not in dates:
            credit[position] = True
    signed = _split_bylines(content, byline)
    _mark_named_again(content, byline)
    _unmark_section_blocks(content, block, end_block)
    _mark_gallery_captions(content, caption)
    return PageView(
        content=content,
        title_keys=[_title_key(line) for line in content],
        dates=dates,
        relative=relative,
        dateline=dateline,
        byline=byline,
        caption=caption,
        credit=credit,
        block=block,
        end_block=end_block,
        template=_template_flags(content, template_keys),
        figures=figures,
        meta=[d or b or bool(c) or r or p in signed for p, (d, b, c, r) in enumerate(zip(dateline, byline, caption, credit))],
        menu=frozenset(line.key for line in content if line.bullet and line.words <= 4),
    )


def _mark_gallery_captions(content: list[Line], caption: list[frozenset[str]]) -> None:
    """The line after a gallery's counter ('Image 1 of 8', past a label such as 'Caption') that the page shows again
    elsewhere is the photo's caption, and so is every copy of it (galleries show the caption under the photo and again
    in a lightbox). A line the page shows once may be a step of a recipe whose photos are counted: it stays."""
    keys = set()
    for position in [p for p, media in enumerate(caption) if media == _GALLERY]:
        for after in range(position + 1, min(len(content), position + 1 + _GALLERY_CAPTION_REACH)):
            line = content[after]
            if caption[after] or (line.words <= _GALLERY_LABEL_WORDS and not line.ends_sentence):
                continue  # another counter, or a label
            if line.words <= _MAX_GALLERY_CAPTION_WORDS and line.key:
                keys.add(line.key)
            break
    if not keys:
        return
    stems = {_caption_stem(key) for key in keys}
    copies = collections.defaultdict(list)  # caption stem -> positions of its copies, cut short or not
    for position, line in enumerate(content):
        stem = _caption_stem(line.key) if len(line.key) >= _MIN_CAPTION_STEM_CHARS else ""
        for caption_stem in stems if stem else ():
            if caption_stem.startswith(stem) or stem.startswith(caption_stem):
                copies[caption_stem].append(position)
    for positions in copies.values():
        if len(positions) > 1:
            for position in positions:
                caption[position] = _GALLERY


def _caption_stem(key: str) -> str:
    """A caption's key without the toggle of a caption cut short or shown in full ('... relations ... more', '... less')."""
    for toggle in _CAPTION_TOGGLES:
        if key.endswith(toggle):
            key = key[: -len(toggle)]
            break
    return key.rstrip(" .…")


def _figure_rows(content: list[Line], dates: dict[int, list[DateMatch]]) -> list[bool]:
    """Rows of a table of figures, _MIN_FIGURE_ROWS or more in a run: cells set apart by spaces (split_lines keeps a
    data row's cells on one line) and no letter but a date's ('1/1/2013   +13.1%', '2019   4.2   17.0'). A
    statistic's series, part of the text: their dates are no datelines, which each cost the text and one of which
    could be taken for the publication date. Rows with words (signatures: a name and a date) are not figures."""
    flags = [False] * len(content)
    run: list[int] = []  # positions of the current run of rows
    # Only lines with a double space can be rows: most pages have few, so the others are never looked at.
    for position in [p for p, line in enumerate(content) if "  " in line.text] + [len(content) + 1]:
        if run and position != run[-1] + 1:
            if len(run) >= _MIN_FIGURE_ROWS:
                for row in run:
                    flags[row] = True
            run = []
        if position < len(content) and _is_figure_row(content[position], dates.get(position, ())):
            run.append(position)
    return flags


def _is_figure_row(line: Line, matches: list[DateMatch] | tuple[()]) -> bool:
    """No list item, and no letter once the line's dates are taken out (_figure_rows passes only lines with cells)."""
    text = line.text
    if line.bullet:
        return False
    for m in sorted(matches, key=lambda m: -m.start):
        text = text[: m.start] + " " + text[m.end :]
    return _HAS_LETTER.search(text) is None


def _unmark_section_blocks(content: list[Line], block: list[bool], end_block: list[bool]) -> None:
    """A block heading the page repeats _SECTION_LABEL_REPEATS times or more, never as a list item, with at least
    _MIN_SECTION_WORDS words between one and the next, heads the article's sections ('Recommended courses:' under
    each course of a review): it ends no text. A 'Read more' after each teaser of a list has a few lines between."""
    places: dict[str, list[int]] = {}
    listed: set[str] = set()  # keys also shown as a list item: a menu's
    for position, (line, ends) in enumerate(zip(content, end_block)):
        if ends:
            if line.bullet:
                listed.add(line.key)
            else:
                places.setdefault(line.key, []).append(position)
    for key, found in places.items():
        if len(found) < _SECTION_LABEL_REPEATS or key in listed:
            continue
        if all(sum(content[p].words for p in range(a + 1, b)) >= _MIN_SECTION_WORDS for a, b in zip(found, found[1:])):
            for position in found:
                end_block[position] = block[position] = False


def _template_flags(content: list[Line], template_keys: frozenset[str]) -> list[bool]:
    """Which lines are the source's template lines, except labels the page itself repeats section after section.

    'Pros' and 'Cons' under each product of a review, 'Features' under each item: a label many pages of the source
    carry, because its articles share a structure, is template by count, but a line the page repeats
    _SECTION_LABEL_REPEATS times or more, and never as a list item or next to another template line (as menus
    show it), heads the article's own sections. A site's furniture shows once a page or twice (a header and a footer
    menu), and a section name that labels each teaser of a list of stories ('// Politics') is also in the menu run.
    """
    if not template_keys:
        return [False] * len(content)
    flags = [bool(line.key) and line.key in template_keys and _HAS_LETTER.search(line.key) is not None for line in content]
    counts: dict[str, int] = {}
    in_runs: set[str] = set()
    for position, (line, flag) in enumerate(zip(content, flags)):
        if not flag:
            continue
        if line.bullet or (position > 0 and flags[position - 1]) or (position + 1 < len(flags) and flags[position + 1]):
            in_runs.add(line.key)
        else:
            counts[line.key] = counts.get(line.key, 0) + 1
    labels = {key for key, count in counts.items() if count >= _SECTION_LABEL_REPEATS and key not in in_runs}
    if labels:
        flags = [flag and line.key not in labels for line, flag in zip(content, flags)]
    return flags


# An author's note names the author of the byline, then says who they are: 'Jane Roe is a health editor ...',
# 'Max Muster leitet das Ressort ...'. Interviews quote the same name with a colon: those stay.
_AUTHOR_NOTE_VERBS: Final = frozenset(
    "is was has writes covers joined lives studied specializes specialises leads edits "
    "ist war hat schreibt leitet arbeitet arbeitete lebt kam studierte berichtet "
    "est écrit dirige travaille vit es escribe trabaja vive scrive lavora".split()
)
# A word of a name, of two letters or more ('O’Brien', 'Holliday-Bell'): one-letter words are never compared.
_NAME_WORD: Final = re.compile(r"[^\W\d_][^\W\d_'’-]+")
_MAX_AUTHOR_NOTE_WORDS: Final = 90
# 'By Example Team': a byline that names a group, whose name a paragraph about its product may start with.
_GROUP_WORDS: Final = frozenset("team staff editors editorial desk group media news redaktion équipe rédaction redacción".split())


def byline_names(view: PageView) -> frozenset[tuple[str, str]]:
    """(first, last) names, casefolded, of the people the page's bylines name ('By Jane Roe' -> ('jane', 'roe'))."""
    names = set()
    for line, flag in zip(view.content, view.byline):
        if not flag:
            continue
        match = _BYLINE.match(line.text)
        words = _NAME_WORD.findall(line.text[match.end() :] if match else line.text)
        capitalised = [word for word in words if word[0].isupper()]
        if len(capitalised) >= 2 and capitalised[1].casefold() not in _GROUP_WORDS:
            names.add((capitalised[0].casefold(), capitalised[1].casefold()))
    return frozenset(names)


def is_author_note(text: str, words: int, names: frozenset[tuple[str, str]]) -> bool:
    """The paragraph introduces the byline's author: it starts with their name ('Jane Roe', or 'Jane' alone) and a
    verb that says who they are."""
    if not names or words > _MAX_AUTHOR_NOTE_WORDS:
        return False
    head = [word.casefold() for word in _NAME_WORD.findall(text[:80])[:4]]
    for first, last in names:
        if head[:2] == [first, last]:
            rest = head[2:3]
        elif head[:1] == [first]:
            rest = head[1:2]
        else:
            continue
        if rest and rest[0] in _AUTHOR_NOTE_VERBS:
            return True
    return False


def _split_bylines(content: list[Line], byline: list[bool]) -> set[int]:
    """'By' alone on its line and the name on the next ('By' / 'Jane Roe'): positions of both, meta lines, no headline.
    They are the byline under the headline above them unless a list runs into them or the name is a list item (a
    split byline after the menus, above the headline, or in an author list)."""
    found: set[int] = set()
    for position in range(len(content) - 1):
        name = content[position + 1]
        if content[position].key in _BYLINE_ALONE and name.words <= _MAX_BYLINE_WORDS:
            found.update((position, position + 1))
            if not name.bullet and not (position > 0 and content[position - 1].bullet):
                byline[position] = byline[position + 1] = True
    return found


def _mark_named_again(content: list[Line], byline: list[bool]) -> None:
    """A byline's name on its own line just under it (an author box: 'By' / 'Jane Roe' / 'Jane Roe', or 'By Jane Roe' /
    'Jane Roe') is byline too. Otherwise it reads as a headline: a short line, shown twice, with a dateline under it."""
    for position in [p for p, flag in enumerate(byline) if flag]:
        line = content[position]
        if line.key in _BYLINE_ALONE:
            continue
        match = _BYLINE.match(line.text)
        name = normalise_key(line.text[match.end() :]) if match else line.key
        if not name:
            continue
        for after in range(position + 1, min(len(content), position + 1 + _NAME_AGAIN_REACH)):
            if content[after].key == name and not byline[after]:
                byline[after] = True


def find_datelines(content: list[Line], month_first: bool) -> dict[int, list[DateMatch]]:
    """Dates on short lines, and at the head of long ones, by position: a dateline is short or glued to the
    start of a lead ('01.02.2022 - The minister said ...'); dates inside prose are not publication dates."""
    found = {}
    for position, line in enumerate(content):
        text = line.text
        if len(text) > _DATELINE_MAX_CHARS:
            matches = _dateline_dates(text, position, month_first)
        elif _HAS_DIGIT.search(text):  # _dateline_dates' own first test, here: most lines have no digit
            matches = find_dates(text, position, month_first)
        else:
            continue
        if matches:
            found[position] = matches
    return found


def reread_datelines(content: list[Line], dates: dict[int, list[DateMatch]], month_first: bool) -> dict[int, list[DateMatch]]:
    """find_datelines(content, month_first), given the `dates` it found with the other reading of numeric dates:
    only lines with a numeric date ('02/12/2025') can read differently, the others keep their dates.

    Only the lines that have dates are read again: the reading decides which number of a numeric date is the day,
    never whether the date is valid (both readings are valid when both numbers are at most 12, else both read it
    the same way), so a line without dates in one reading has none in the other."""
    found = {}
    for position, matches in dates.items():
        text = content[position].text
        if may_read_month_first(text if len(text) <= _DATELINE_MAX_CHARS else text[:_LEAD_DATE_CHARS]):
            matches = _dateline_dates(text, position, month_first)
            if matches:
                found[position] = matches
        else:
            found[position] = matches
    return found


def _dateline_dates(text: str, position: int, month_first: bool) -> list[DateMatch]:
    """The dates of one line that can make it a dateline (see find_datelines)."""
    if len(text) <= _DATELINE_MAX_CHARS:
        return find_dates(text, position, month_first) if _HAS_DIGIT.search(text) else []
    if not _HAS_DIGIT.search(text, 0, _LEAD_DATE_START):
        return []
    head = find_dates(text[:_LEAD_DATE_CHARS], position, month_first)
    # Only a whole date that starts the line or follows 'Posted on': the cut may split a later one
    # ('12.03.20|21'), and 'Since 4 August 2014, ...' starts a sentence about an event - unless the sentence says
    # that it is the publication, maybe after the cut ('Der Beitrag wurde am 27. November 2019 um 15:21 Uhr veröffentlicht').
    kept = []
    for m in head:
        if m.end >= _LEAD_DATE_CHARS - 8:
            continue
        if not m.is_published and text[: m.start].strip(_OPENERS):
            if not published_after(text, m.end):
                continue
            m = dataclasses.replace(m, is_published=True)
        kept.append(m)
    return kept


def _mostly_date(text: str, matches: list[DateMatch]) -> bool:
    """What is left after removing dates and times is a few words. A time the date match left out ('PUBLISHED: 00:01,
    Tue, Nov 19, 2019 | UPDATED: 10:43, Tue, Nov 19, 2019') is no word either."""
    rest = text
    for m in sorted(matches, key=lambda m: -m.start):
        rest = rest[: m.start] + " " + rest[m.end :]
    if ":" in rest:
        rest = _CLOCK_TIME.sub(" ", rest)
    return count_words(rest) <= 6


def _line_evidence(text: str, bullet: bool, line_key: str, words: int) -> tuple[bool, frozenset[str], bool, bool, bool, bool]:
    """(byline or reading time, media a caption names, credit, site block, end-of-article heading, affiliate
    disclosure) for one line.

    `line_key` is the line's key, or '' when split_lines did not compute it (very long lines); `words` its
    whitespace-separated tokens. List items are menus and links, never bylines, captions or credits.
    """
    key = (line_key or normalise_key(text)) if words <= _MAX_BLOCK_LINE_WORDS else ""
    block = is_site_block_line(key, words, text)
    disclosure = is_disclosure(text, words)
    if bullet:
        return False, _NO_MEDIA, False, block, block and is_end_block_heading(key, words, text), disclosure
    return (
        (words <= _MAX_BYLINE_WORDS and text[0] in _BYLINE_FIRST and bool(_BYLINE.match(text)))  # letter test first: cheap
        or (_MAX_BYLINE_WORDS < words <= _MAX_LONG_BYLINE_WORDS and _LONG_BYLINE.match(text) is not None)
        or (words <= _READING_TIME_MAX_WORDS and _READING_TIME.search(text) is not None),  # a reading time signs a heading too
        _frozen(caption_media(text, words)),
        is_credit_line(text, words),
        block,
        block and is_end_block_heading(key, words, text),
        disclosure,
    )


def _frozen(media: set[str]) -> frozenset[str]:
    return frozenset(media) if media else _NO_MEDIA  # most lines are no captions: no new empty set for each


# Short lines are cached: a site's menus and footers recur on all its pages; prose rarely does.
_cached_evidence = functools.lru_cache(maxsize=_EVIDENCE_CACHE_LINES)(_line_evidence)


def _title_key(line: Line) -> str:
    """The line's key without media markers, as repetitions of a headline compare."""
    if not may_hold_title_markers(line.text):
        return line.key  # most lines: no new tuple and set from strip_title_markers
    text, media = strip_title_markers(line.text)
    return normalise_key(text) if media else line.key
