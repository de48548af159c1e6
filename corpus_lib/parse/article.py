"""Page text -> ParsedArticle: decides, line by line, what is title, dateline, body and boilerplate.

No site-specific rules: every decision uses line features (length, words, bullets, sentence
punctuation, repetition, date patterns, position relative to title and dateline) and, when the
build learned them, the source's template lines (lines that recur across many of its pages).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo

from corpus_lib.parse.boilerplate import caption_media, is_site_block_line, strip_title_markers
from corpus_lib.parse.dates import DateMatch, find_dates, infer_year
from corpus_lib.parse.language import identify_language
from corpus_lib.parse.lines import Line, count_words, normalise_key, split_lines

PARSER = "corpus_lib.lines/1"

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|/|·)\s+")
_BYLINE = re.compile(
    r"^(?:by|von|par|por|di|автор|авторы|текст|от|müəllif|yazar|yazan)\b[:\s]", re.IGNORECASE
)
_MIN_BODY_WORDS = 12
_MIN_BODY_CHARS = 60
_DATELINE_MAX_CHARS = 160


class RejectReason:
    """Stable reason codes written to rejects.jsonl."""

    EMPTY = "empty"
    NO_TITLE = "no_title"
    NO_BODY = "no_body"
    BODY_TOO_SHORT = "body_too_short"


@dataclasses.dataclass(frozen=True)
class PageHints:
    """What the build knows about a page beyond its text."""

    language: str | None = None
    timezone: str | None = None  # IANA name from the source's config
    default_timezone: str = "UTC"
    template_keys: frozenset[str] = frozenset()
    title: str | None = None  # e.g. an HTML <title>/og:title
    url: str | None = None


@dataclasses.dataclass(frozen=True)
class LocalTime:
    """A date-time as the page shows it, and the instant it denotes when the zone is known."""

    local: str
    utc: dt.datetime | None
    tz: str | None
    tz_source: str | None


@dataclasses.dataclass(frozen=True)
class ParsedArticle:
    title: str
    paragraphs: tuple[str, ...]
    language: str | None
    language_confidence: float
    media: tuple[str, ...]
    published: LocalTime | None
    crawled: LocalTime | None
    url: str | None
    parser: str = PARSER

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclasses.dataclass(frozen=True)
class ParseFailure:
    reason: str
    message: str


def parse_page(text: str, hints: PageHints | None = None) -> ParsedArticle | ParseFailure:
    """Extract one article from a page's text. Never raises on any text."""
    hints = hints or PageHints()
    lines = split_lines(text)
    content = [line for line in lines if not line.blank]
    if not content:
        return ParseFailure(RejectReason.EMPTY, "the page has no text")

    month_first = hints.language == "en"
    dates = _find_datelines(content, month_first)
    template = {line.index for line in content if line.key in hints.template_keys}
    scores = {line.index: _prose_score(line, dates, template) for line in content}
    region = _trim_tail(content, _best_region(content, scores))
    title_keys = {line.index: normalise_key(strip_title_markers(line.text)[0]) for line in content}
    title_line, title = _choose_title(content, title_keys, dates, template, region, hints)
    if title is None:
        return ParseFailure(RejectReason.NO_TITLE, "no line looks like a headline")
    title, media = strip_title_markers(title)
    if not title.strip():
        return ParseFailure(RejectReason.NO_TITLE, "the headline is only a media marker")

    paragraphs, prose_flags, caption_kinds = _body_paragraphs(content, title_keys, region, title_line, title, dates, template)
    media |= caption_kinds
    if not paragraphs:
        return ParseFailure(RejectReason.NO_BODY, "no article text found after the headline")
    if not any(paragraph_is_prose for paragraph_is_prose in prose_flags):
        return ParseFailure(RejectReason.NO_BODY, "only list items (links to other pages) after the headline")
    body = "\n\n".join(paragraphs)
    if count_words(body) < _MIN_BODY_WORDS and len(body) < _MIN_BODY_CHARS:
        return ParseFailure(
            RejectReason.BODY_TOO_SHORT,
            f"article text has {count_words(body)} words, fewer than {_MIN_BODY_WORDS}",
        )

    language, confidence = identify_language(body, hints.language)
    month_first = language == "en"
    if month_first != (hints.language == "en"):
        dates = _find_datelines(content, month_first)
    published_match = _choose_published(dates, title_line, region)
    published = _to_local_time(published_match, None, hints) if published_match else None
    crawled_match = _choose_crawled(dates, title_line, published_match)
    crawled = None
    if crawled_match is not None:
        year = crawled_match.year
        if year is None and published_match is not None and published_match.year is not None:
            year = infer_year(crawled_match, published_match.date())
        if year is not None:
            crawled = _to_local_time(crawled_match, year, hints)

    return ParsedArticle(
        title=_clean_title(title),
        paragraphs=tuple(paragraphs),
        language=language,
        language_confidence=confidence,
        media=tuple(sorted(media)),
        published=published,
        crawled=crawled,
        url=hints.url,
    )


def _find_datelines(content: list[Line], month_first: bool) -> dict[int, list[DateMatch]]:
    """Dates on short lines only: a dateline is short; dates inside prose are not publication dates."""
    found = {}
    for line in content:
        if len(line.text) <= _DATELINE_MAX_CHARS:
            matches = find_dates(line.text, line.index, month_first)
            if matches:
                found[line.index] = matches
    return found


def _is_dateline(line: Line, dates: dict[int, list[DateMatch]]) -> bool:
    """The line is mostly a date: what is left after removing dates and times is a few words."""
    matches = dates.get(line.index)
    if not matches:
        return False
    rest = line.text
    for m in sorted(matches, key=lambda m: -m.start):
        rest = rest[: m.start] + " " + rest[m.end :]
    return count_words(rest) <= 6


def _is_byline(line: Line) -> bool:
    return line.words <= 8 and bool(_BYLINE.match(line.text))


def _is_template(line: Line, template: set[int]) -> bool:
    """A recurring line of the source that is not a sentence: stock phrases in prose stay body."""
    return line.index in template and not (line.ends_sentence and line.words >= 6)


def _prose_score(line: Line, dates: dict[int, list[DateMatch]], template: set[int]) -> float:
    """How much a line looks like article text (positive) or page furniture (negative)."""
    if caption_media(line.text, line.words):
        return 0.0  # photo/video captions sit between paragraphs: neither body nor a boundary
    if _is_template(line, template):
        return -2.0
    if is_site_block_line(line.key, line.words, line.text):
        return -3.0
    if _is_dateline(line, dates):
        return -1.0
    length = len(line.text)
    long_enough = line.words >= 8 or (length >= 60 and line.words >= 3) or (length >= 30 and line.words <= 2)
    if line.bullet and not long_enough:
        return -1.5
    if long_enough:
        score = min(length, 400) / 80
        if line.ends_sentence:
            score += 0.5
        if line.bullet:
            score -= 0.75
        return score
    if line.ends_sentence and line.words >= 3:
        return 0.2
    return -0.6


def _best_region(content: list[Line], scores: dict[int, float]) -> tuple[int, int]:
    """Positions [start, end] in `content` of the highest-scoring run of lines (maximum subarray)."""
    best_sum, best = float("-inf"), (0, 0)
    run_sum, run_start = 0.0, 0
    for position, line in enumerate(content):
        if run_sum <= 0:
            run_sum, run_start = 0.0, position
        run_sum += scores[line.index]
        if run_sum > best_sum:
            best_sum, best = run_sum, (run_start, position)
    return best


def _trim_tail(content: list[Line], region: tuple[int, int]) -> tuple[int, int]:
    """Drop short unpunctuated lines that close the region: footers ('Official site of ...'), not prose."""
    start, end = region
    while end > start and not content[end].ends_sentence and content[end].words < 15:
        end -= 1
    return start, end


def _title_parts(line: Line) -> list[str]:
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(line.text) if p.strip()]
    return parts if len(parts) > 1 else []


def _choose_title(
    content: list[Line],
    title_keys: dict[int, str],
    dates: dict[int, list[DateMatch]],
    template: set[int],
    region: tuple[int, int],
    hints: PageHints,
) -> tuple[int | None, str | None]:
    region_start, region_end = region
    keys: dict[str, list[int]] = {}
    part_keys: dict[str, int] = {}
    menu_keys = {line.key for line in content if line.bullet}
    for position, line in enumerate(content):
        if line.bullet:
            continue  # a menu item that repeats a heading is no evidence of a headline
        keys.setdefault(title_keys[line.index], []).append(position)
        for part in _title_parts(line):
            part_keys.setdefault(normalise_key(strip_title_markers(part)[0]), position)
    hint_key = normalise_key(hints.title) if hints.title else None
    dateline_positions = [p for p, line in enumerate(content) if _is_dateline(line, dates)]

    best_score, best_position = 0.5, None
    window_end = min(len(content), region_start + 4)
    for position, line in enumerate(content[:window_end]):
        if _is_dateline(line, dates) or _is_byline(line):
            continue
        length = len(line.text)
        if not (2 <= line.words <= 40 and 8 <= length <= 300) and not (line.words == 1 and length >= 8):
            continue
        if is_site_block_line(line.key, line.words, line.text):
            continue
        key = title_keys[line.index]
        score = 1.0
        if line.index in template:
            # Site furniture, or this page's headline listed under 'related' on other pages:
            # only in-page evidence (repetition, dateline) can still make it the title.
            score -= 2.5
        if len(key) >= 12 and (len(keys.get(key, ())) > 1 or (key in part_keys and part_keys[key] != position)):
            score += 4.0
        if hint_key and (key == hint_key or key in hint_key):
            score += 3.0
        for dateline in dateline_positions:
            if 0 < dateline - position <= 3:
                score += 2.0 - 0.3 * (dateline - position)
                break
            if 0 < position - dateline <= 2:
                score += 1.2
                break
        if any(normalise_key(part) in menu_keys for part in _title_parts(line)):
            score -= 2.0  # a breadcrumb: 'Home » Section'
        distance = region_start - position
        if 0 <= distance <= 4:
            # A long headline can open the region itself, so distance 0 counts as adjacent.
            score += 1.5 - 0.25 * max(distance, 1)
        elif distance > 4:
            score -= min(2.0, 0.1 * distance)
        elif position > region_start:
            score -= 2.0
        if line.ends_sentence and line.text.endswith("."):
            score -= 1.5
        if line.words < 3:
            score -= 1.5
        if line.bullet:
            score -= 2.0
        if 25 <= length <= 160:
            score += 0.5
        if line.text[:1].islower():
            score -= 1.0
        if score > best_score:
            best_score, best_position = score, position
    if best_position is None:
        return None, None
    line = content[best_position]
    text = line.text
    parts = _title_parts(line)
    if parts:
        # 'Site | Title': keep the part that another line (or the hint) repeats, else the longest.
        repeated = [p for p in parts if len(keys.get(normalise_key(strip_title_markers(p)[0]), ())) > 0]
        text = max(repeated or parts, key=len)
    return line.index, text


def _clean_title(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip()


def _body_paragraphs(
    content: list[Line],
    title_keys: dict[int, str],
    region: tuple[int, int],
    title_line: int | None,
    title: str,
    dates: dict[int, list[DateMatch]],
    template: set[int],
) -> tuple[list[str], list[bool], set[str]]:
    """Body paragraphs, whether each is prose (not a list item), and media named by captions."""
    start, end = region
    title_key = normalise_key(title)
    paragraphs: list[str] = []
    prose: list[bool] = []
    media: set[str] = set()
    for line in content[start : end + 1]:
        if title_line is not None and line.index <= title_line:
            continue
        kinds = caption_media(line.text, line.words)
        if kinds:
            media |= kinds
            continue
        if _is_template(line, template) or _is_dateline(line, dates):
            continue
        key = title_keys[line.index]
        if key == title_key or any(normalise_key(strip_title_markers(p)[0]) == title_key for p in _title_parts(line)):
            continue
        if _is_byline(line):
            continue
        if is_site_block_line(line.key, line.words, line.text):
            continue
        if line.bullet and line.words < 6:
            continue
        paragraphs.append(re.sub(r"\s+", " ", line.text))
        prose.append(not line.bullet)
    # Captions just outside the region (between headline and body, or after the last paragraph).
    for line in content[max(0, start - 6) : start] + content[end + 1 : end + 4]:
        if title_line is None or line.index > title_line:
            media |= caption_media(line.text, line.words)
    return paragraphs, prose, media


def _choose_published(
    dates: dict[int, list[DateMatch]], title_line: int | None, region: tuple[int, int]
) -> DateMatch | None:
    """The dateline nearest the title wins over dates in related lists and comments."""
    best, best_score = None, float("-inf")
    for line_index, matches in dates.items():
        for m in matches:
            if m.year is None:
                continue
            distance = abs(line_index - title_line) if title_line is not None else line_index
            score = -float(distance)
            if title_line is not None and line_index > title_line:
                score += 1.5
            if m.has_time:
                score += 0.5
            if m.is_update:
                score -= 4.0
            if m.weekday is not None and title_line is not None and line_index < title_line:
                score -= 3.0  # a 'today is ...' header, not the article's date
            if score > best_score:
                best, best_score = m, score
    return best


def _choose_crawled(
    dates: dict[int, list[DateMatch]], title_line: int | None, published: DateMatch | None
) -> DateMatch | None:
    """A 'today' header above the headline: a date with a weekday (often without a year)."""
    if title_line is None:
        return None
    for line_index in sorted(dates):
        if line_index >= title_line:
            break
        for m in dates[line_index]:
            if m is not published and m.weekday is not None:
                return m
    return None


def _to_local_time(m: DateMatch, year: int | None, hints: PageHints) -> LocalTime:
    local = m.local_iso(year)
    if not m.has_time:
        return LocalTime(local=local, utc=None, tz=None, tz_source=None)
    naive = dt.datetime(year or m.year, m.month, m.day, m.hour, m.minute, m.second or 0)
    if m.utc_offset_minutes is not None:
        offset = dt.timedelta(minutes=m.utc_offset_minutes)
        sign = "+" if m.utc_offset_minutes >= 0 else "-"
        minutes = abs(m.utc_offset_minutes)
        tz_name, source, tzinfo = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}", "page", dt.timezone(offset)
    elif hints.timezone:
        tz_name, source, tzinfo = hints.timezone, "config", zoneinfo.ZoneInfo(hints.timezone)
    else:
        tz_name, source = hints.default_timezone, "default"
        tzinfo = zoneinfo.ZoneInfo(hints.default_timezone)
    utc = naive.replace(tzinfo=tzinfo).astimezone(dt.timezone.utc)
    return LocalTime(local=local, utc=utc, tz=tz_name, tz_source=source)
