"""Which dates on a page are its publication and its crawl, and the instants they denote.

Dates come from short lines (datelines); the publication date is the one near the headline that
the page marks as such, not a date inside the text, a caption, a link, a comment or a related list.
A relative date ('today, 10:20', '3 hours ago') is resolved only against a crawl time the page shows;
without one it stays unknown. Nothing here reads today's clock.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import re
import zoneinfo
from typing import Final

from corpus_lib.parse.body import Region
from corpus_lib.parse.dates import DateMatch, RelativeDate
from corpus_lib.parse.lines import count_words
from corpus_lib.parse.page import PageView

# Publication dates: each content line between headline and date costs this much, up to a cap;
# then evidence for (dateline under the headline, 'Published:', a time) and against (updates,
# dates inside the text, in comments and related lists below it).
_DATE_DISTANCE_COST: Final = 0.5
_DATE_MAX_DISTANCE: Final = 30
_BELOW_HEADLINE: Final = 1.5
_ON_A_DATELINE: Final = 1.5
_MARKED_PUBLISHED: Final = 3.0
# A date marked 'published' above the end of the text is the page's own: it outweighs any distance from the
# headline (the headline may be misread) and is not an event inside the text ('originally published on ...').
# Below the text the same words label the dates of a related list ('... veröffentlicht am Januar 20, 2022').
_MARKED_PUBLISHED_ABOVE_THE_END: Final = 18.0
_WITH_TIME: Final = 0.5
_MARKED_UPDATE: Final = -4.0
_IN_THE_TEXT: Final = -6.0
# ... and more when it follows more than a few words of its line: part of a sentence ('Die Kommission hat am
# 26. September 2018 ...', a caption's 'Satellitenbild vom 31.05.2021'), not a dateline the text region took in.
_IN_A_SENTENCE: Final = -6.0
_SENTENCE_WORDS_BEFORE: Final = 6
_META_SEPARATORS: Final = "|•·"
_AFTER_THE_TEXT: Final = -2.0
_TODAY_HEADER: Final = -3.0
# A machine stamp ('2022-12-07T10:10:52') beside a date written for readers is usually the last change.
_STAMP_BESIDE_A_DATE: Final = -1.0
# A date with a weekday in the first lines of a page is its 'today is ...' header.
_HEADER_LINES: Final = 8
# A relative dateline belongs to the headline when it follows within this many lines.
_RELATIVE_REACH: Final = 4


@dataclasses.dataclass(frozen=True)
class LocalTime:
    """A date-time as the page shows it, and the instant it denotes when the zone is known."""

    local: str
    utc: dt.datetime | None
    tz: str | None
    tz_source: str | None


def choose_published(view: PageView, dates: dict[int, list[DateMatch]], title: int, region: Region) -> DateMatch | None:
    """The publication date: a dateline near the headline, marked 'published' if the page says so; not a date
    inside the text, a caption, a link, a comment or a related list."""
    best, best_score = None, float("-inf")
    content = view.content
    relative_below = relative_dateline(view, title) is not None
    # The page marks one day as its publication; several days marked above the end of the text are a list's labels.
    marked_days = {(m.year, m.month, m.day) for p, ms in dates.items() if p <= region.end for m in ms if m.is_published}
    own_mark = len(marked_days) == 1
    for position, matches in dates.items():
        if "://" in content[position].text:
            continue
        if view.credit[position]:
            # A photo credit ('Foto: dpa, 12.03.2020') dates the photo; one with a time is a dateline the credit shares.
            matches = [m for m in matches if m.has_time]
        inside_text = region.start <= position <= region.end and not view.dateline[position]
        human = any(not m.is_iso for m in matches)
        for m in matches:
            if m.year is None:
                continue
            score = -_DATE_DISTANCE_COST * min(abs(position - title), _DATE_MAX_DISTANCE)
            if position > title:
                score += _BELOW_HEADLINE
            if view.dateline[position] or view.byline[position]:
                score += _ON_A_DATELINE
            after_text = position > region.end
            if m.is_published:
                # Inside the text a short 'Posted by Jane Roe on 7 February 2022' is as likely an embedded post.
                embedded = region.start < position and (view.dateline[position] or view.byline[position])
                score += _MARKED_PUBLISHED_ABOVE_THE_END if own_mark and not (after_text or embedded) else _MARKED_PUBLISHED
            if m.has_time:
                score += _WITH_TIME
            if m.is_update:
                score += _MARKED_UPDATE
            if m.is_iso and human:
                score += _STAMP_BESIDE_A_DATE
            if inside_text and not m.is_published:
                score += _IN_THE_TEXT  # an event the article reports
                if _in_a_sentence(content[position].text, m.start):
                    score += _IN_A_SENTENCE
            elif after_text:
                score += _AFTER_THE_TEXT
            if m.weekday is not None and position < title and position < _HEADER_LINES:
                if relative_below:
                    continue  # the header is the crawl time that dates the relative dateline
                score += _TODAY_HEADER
            if score > best_score:
                best, best_score = m, score
    if best is not None and best.day_month_ambiguous:
        return _read_like_the_page(best, dates)
    return best


def _in_a_sentence(text: str, start: int) -> bool:
    """More than a few words of the line stand before the date, after its last separator: 'On Behalf of Jane Roe LLC |
    Apr 21, 2017 | Section' is a meta line, 'Die Kommission hat am 26. September 2018 ...' a sentence."""
    before = text[:start]
    cut = max(before.rfind(separator) for separator in _META_SEPARATORS)
    return count_words(before[cut + 1 :]) > _SENTENCE_WORDS_BEFORE


def _read_like_the_page(m: DateMatch, dates: dict[int, list[DateMatch]]) -> DateMatch:
    """'02/12/2025' read the other way round when the page says so: only that reading is written
    unambiguously on it ('December 2, 2025'), or its unambiguous numeric dates ('14/04/2020') mostly
    use the other order."""
    others = [o for matches in dates.values() for o in matches if not o.day_month_ambiguous]
    written = {(o.year, o.month, o.day) for o in others}
    swap = (m.year, m.day, m.month) in written and (m.year, m.month, m.day) not in written
    if not swap and (m.year, m.month, m.day) not in written:
        orders = collections.Counter(o.numeric_order for o in others if o.numeric_order)
        other = "md" if m.numeric_order == "dm" else "dm"
        swap = orders[other] > orders[m.numeric_order or ""]
    if swap:
        order = "md" if m.numeric_order == "dm" else "dm"
        return dataclasses.replace(m, month=m.day, day=m.month, day_month_ambiguous=False, numeric_order=order)
    return m


def choose_crawled(dates: dict[int, list[DateMatch]], title: int, published: DateMatch | None) -> DateMatch | None:
    """A 'today' header above the headline: a date with a weekday (often without a year)."""
    for position in sorted(dates):
        if position >= title:
            break
        for m in dates[position]:
            if m is not published and m.weekday is not None:
                return m
    return None


def to_local_time(m: DateMatch, year: int | None, timezone: str | None, default_timezone: str) -> LocalTime:
    """The date as written, and its UTC instant when it has a time: the page's offset, else the source's
    configured zone, else the default zone."""
    local = m.local_iso(year)
    if not m.has_time:
        return LocalTime(local=local, utc=None, tz=None, tz_source=None)
    y, hour, minute = year or m.year, m.hour, m.minute
    if y is None or hour is None or minute is None:
        raise ValueError("a time without a year or minutes has no instant")
    naive = dt.datetime(y, m.month, m.day, hour, minute, m.second or 0)
    return _instant(local, naive, m.utc_offset_minutes, timezone, default_timezone)


# A time as HTML metadata writes it: ISO 8601 ('2021-05-18T20:06:00+03:00', '...Z', '2021-05-18 20:06', '2021-05-18'),
# in the years the date reader reads.
_MARKUP_TIME: Final = re.compile(
    r"(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)"
    r"(?:[T ](?P<hour>\d\d):(?P<minute>\d\d)(?::(?P<second>\d\d)(?:[.,]\d+)?)?\s*(?P<zone>Z|[+-]\d\d:?\d\d)?)?"
)


def markup_time(value: str, timezone: str | None, default_timezone: str) -> LocalTime | None:
    """The publication time an HTML page's markup states (`article:published_time`, `datePublished`), as written,
    with its instant: the offset it states (the page's own zone), else the source's configured zone, else the
    default. None when it is no ISO 8601 day or time, or no real one (a 31 February, a 25th hour)."""
    found = _MARKUP_TIME.fullmatch(value.strip())
    if found is None:
        return None
    year, month, day = int(found["year"]), int(found["month"]), int(found["day"])
    try:
        if found["hour"] is None:
            return LocalTime(local=dt.date(year, month, day).isoformat(), utc=None, tz=None, tz_source=None)
        naive = dt.datetime(year, month, day, int(found["hour"]), int(found["minute"]), int(found["second"] or 0))
    except ValueError:
        return None
    offset = None
    zone = found["zone"]
    if zone == "Z":
        offset = 0
    elif zone:
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        if hours > 18 or minutes > 59:
            return None
        offset = (hours * 60 + minutes) * (1 if zone[0] == "+" else -1)
    return _instant(naive.isoformat(timespec="seconds"), naive, offset, timezone, default_timezone)


def relative_dateline(view: PageView, title: int) -> RelativeDate | None:
    """A relative dateline right under the headline ('today, 10:20', '3 hours ago')."""
    for position in range(title + 1, min(len(view.content), title + 1 + _RELATIVE_REACH)):
        if position in view.relative:
            return view.relative[position]
    return None


def resolve_relative(view: PageView, title: int, crawled: LocalTime | None, timezone: str | None, default_timezone: str) -> LocalTime | None:
    """The relative dateline under the headline, resolved against the crawl time the page shows."""
    found = relative_dateline(view, title)
    if found is None or crawled is None or "T" not in crawled.local:
        return None
    return _resolve(found, dt.datetime.fromisoformat(crawled.local), timezone, default_timezone)


def _resolve(found: RelativeDate, crawl: dt.datetime, timezone: str | None, default_timezone: str) -> LocalTime | None:
    if found.minutes_back is not None:
        moment = crawl - dt.timedelta(minutes=found.minutes_back)
    elif found.days_back is not None and found.hour is not None:
        day = crawl.date() - dt.timedelta(days=found.days_back)
        moment = dt.datetime(day.year, day.month, day.day, found.hour, found.minute or 0)
    else:
        return None  # a bare time: today's or yesterday's, the page does not say
    return _instant(moment.isoformat(timespec="seconds"), moment, None, timezone, default_timezone)


def _instant(local: str, naive: dt.datetime, offset_minutes: int | None, timezone: str | None, default_timezone: str) -> LocalTime:
    if offset_minutes is not None:
        sign = "+" if offset_minutes >= 0 else "-"
        minutes = abs(offset_minutes)
        tz_name, source = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}", "page"
        tzinfo: dt.tzinfo = dt.timezone(dt.timedelta(minutes=offset_minutes))
    elif timezone:
        tz_name, source, tzinfo = timezone, "config", zoneinfo.ZoneInfo(timezone)
    else:
        tz_name, source, tzinfo = default_timezone, "default", zoneinfo.ZoneInfo(default_timezone)
    utc = naive.replace(tzinfo=tzinfo).astimezone(dt.timezone.utc)
    return LocalTime(local=local, utc=utc, tz=tz_name, tz_source=source)
