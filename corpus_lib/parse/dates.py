"""Finding dates and times in page lines, in many languages, without looking at today's clock.

Month and weekday names come from CLDR (via babel) for the locales in LOCALES; names that
mean different months in different locales are dropped rather than guessed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from typing import Final

from babel.dates import get_day_names, get_month_names

# Locales whose month and weekday names are recognised.
LOCALES = ("ru", "uk", "be", "az", "en", "tr", "de", "fr", "es", "it", "pt", "pl", "nl", "kk", "ro", "cs")
MIN_YEAR, MAX_YEAR = 1990, 2100

# Abbreviations seen in datelines; offsets in minutes.
_TZ_ABBREVIATIONS: Final = {
    "utc": 0, "gmt": 0, "z": 0, "bst": 60, "cet": 60, "cest": 120, "eet": 120, "eest": 180,
    "msk": 180, "azt": 240, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420,
    "mdt": -360, "pst": -480, "pdt": -420,
}

_DIGIT: Final = re.compile(r"\d")
_DIGITS: Final = re.compile(r"\d+")
# The patterns whose every match starts a run of digits (a digit with no digit before it: each starts with its day
# or year after a lookbehind that rules out a digit). The regex engine cannot skip ahead to a pattern that starts
# with a lookbehind, it tries every position; _matches tries only the starts of runs of digits.
_STARTS_A_DIGIT_RUN: Final = frozenset({"day_month", "day_weekday_month", "year_month", "iso", "ymd", "dmy"})
# Per pattern, in the order they claim text: a cheap regex that every match of the pattern satisfies.
_PREFILTERS: Final = (
    ("iso", re.compile(r"(?:19|20)\d\d-[01]\d-")),
    ("cjk", re.compile(r"[年년]")),  # the only one whose matches do not start with a digit
    # From the day's last digit: the regex engine looks for digits much faster than for letters. A line it lets
    # through that the full test (a letter, maybe a dot, spaces before the day) would not have has no month_day
    # match: every month name ends with a letter (test_month_names_end_with_a_letter).
    ("month_day", re.compile(r"\d(?:st|nd|rd|th)?\.?,?\s+(?:(?:19|20)\d\d|['’]\d\d)")),
    ("day_month", re.compile(r"\d(?:st|nd|rd|th)?(?:\.?(?:\s+|-|\s/\s)|\.)[^\W\d_]{2}")),
    ("year_month", re.compile(r"(?:19|20)\d\d\s+[^\W\d_]{3}")),
    ("ymd", re.compile(r"(?:19|20)\d\d(?:[./•]|\s[|/]\s)[01]?\d")),
    ("dmy", re.compile(r"\d(?:[./•-]|\.\s|\s[|/]\s)[0-3]?\d(?:[./•-]|\.\s|\s[|/]\s)\d\d")),
)
_NUMERIC_PREFILTER: Final = dict(_PREFILTERS)["dmy"]
# For "day_weekday_month" ('31 Donnerstag Okt 2019'), tested only on lines that pass the day_month test (which all
# its matches do; most lines with digits do not).
_WEEKDAY_INSIDE_PREFILTER: Final = re.compile(r"\d\.?\s+[^\W\d_]{2,}\.?,?\s+[^\W\d_]{3,}\.?\s+(?:19|20)\d\d")
# Words that mark a date as the publication.
_PUBLISHED_WORDS: Final = re.compile(
    r"(?i)\b(published|posted|publication|veröffentlicht|erschienen|erstellt|publié|publicado|publicada|pubblicato|"
    r"opublikowano|gepubliceerd|опубликовано|публикация|дата публикации|опубліковано|yayınlanma|dərc|"
    r"(?:artikel|beitrag|meldung|pressemitteilung|pressemeldung)\s+vom)\b"
)
# The same, written after the date (verb-final): 'Der Beitrag wurde am 27. November 2019 um 15:21 Uhr veröffentlicht'
# ('erschienen' not: a book or a product 'ist am 3. März 2020 erschienen' is an event the text reports).
_PUBLISHED_AFTER: Final = re.compile(r"\s*(?:[Uu]hr\s+)?(?:veröffentlicht|publiziert|gepubliceerd)\b")
# Words that mark a date as an update rather than the publication.
_UPDATE_WORDS: Final = re.compile(
    r"(?i)\b(updated?|modified|last edited|revised|geändert|zuletzt|обновлен\w*|изменен\w*|оновлен\w*|aktualisiert|güncellen\w*|yeniləni\w*|mis à jour|actualizad\w*)\b"
)


@dataclasses.dataclass(frozen=True, slots=True)
class DateMatch:
    line: int
    start: int
    end: int
    year: int | None
    month: int
    day: int
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    utc_offset_minutes: int | None = None
    weekday: int | None = None  # Monday = 0, as named on the page
    is_update: bool = False
    is_published: bool = False  # 'Published:', 'Veröffentlicht am' written before it
    day_month_ambiguous: bool = False  # '02/12/2025': either number could be the month
    numeric_order: str | None = None  # a numeric date read day-first ('dm') or month-first ('md')
    is_iso: bool = False  # '2022-12-07T10:10:52+01:00': a machine stamp, often the modification time

    @property
    def has_time(self) -> bool:
        return self.hour is not None

    def local_iso(self, year: int | None = None) -> str:
        y = self.year if year is None else year
        date = f"{y:04d}-{self.month:02d}-{self.day:02d}"
        if self.hour is None:
            return date
        return f"{date}T{self.hour:02d}:{self.minute:02d}:{self.second or 0:02d}"

    def date(self, year: int | None = None) -> dt.date:
        y = self.year if year is None else year
        if y is None:
            raise ValueError("a date without a year has no calendar day")
        return dt.date(y, self.month, self.day)


def _names(getter, widths, contexts) -> dict[str, int]:
    found: dict[str, set[int]] = {}
    for locale in LOCALES:
        for width in widths:
            for context in contexts:
                for number, name in getter(width, context, locale).items():
                    key = name.casefold().rstrip(".")
                    if len(key) >= 3:
                        found.setdefault(key, set()).add(number)
    return {name: numbers.pop() for name, numbers in found.items() if len(numbers) == 1}


@functools.cache
def month_names() -> dict[str, int]:
    return _names(get_month_names, ("wide", "abbreviated"), ("format", "stand-alone"))


@functools.cache
def weekday_names() -> dict[str, int]:
    names = _names(get_day_names, ("wide", "abbreviated"), ("format", "stand-alone"))
    return {name: number for name, number in names.items() if len(name) >= 3}


def _alternation(names) -> str:
    """A regex matching any of `names`, longest first: the names as a trie ('jan(?:uary)?' for 'january|jan').

    Equivalent to the plain alternation of the names sorted longest first: the names that match at a position
    are prefixes of each other (no node has two children that match the same character case-insensitively,
    see test_name_trie_is_the_alternation), so both try them longest first. The trie is much faster: a
    case-insensitive alternative costs a full attempt in the regex engine, and there are hundreds of names.
    """
    trie: dict = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}  # a name ends here
    return _trie_pattern(trie)


def _trie_pattern(node: dict) -> str:
    branches = [re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if "" in node:  # a name ends here: longer names first, then this one
        return f"(?:{body})?" if len(branches) > 1 or len(branches[0]) > 1 else f"{body}?"
    return body


@functools.cache
def _patterns() -> dict[str, re.Pattern[str]]:
    month = f"(?P<month>{_alternation(month_names())})\\.?"
    year_suffix = r"(?:\s*(?:г\.|года|г|р\.|року|il|ildə|yılı|y\.))?"
    # '03.Mär.19': a two-digit year only when day, month and year are glued by dots.
    glued_short_year = r"(?<=\d\.[^\W\d_]{3}\.)\d\d(?![\d.,:])"
    time = (
        r"(?P<hour>[01]?\d|2[0-3])[:.h](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
        r"(?:\s*(?P<ampm>[ap]\.?\s?m\.?))?"
        r"(?:\s*(?P<tz>(?:UTC|GMT)?\s?[+-]\d{1,2}(?::?\d{2})?|UTC|GMT|BST|CEST|CET|EEST|EET|MSK|AZT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)\b)?"
    )
    return {
        # '18 мая 2021', '4 de mayo de 2022', '19th Dec 2025', '04-ago-2021'; a year may be glued to the
        # next date when a page prints it twice ('19. Dezember 202219. Dezember 2022', '15. April 2016Samstag, ...').
        "day_month": re.compile(
            rf"(?:(?<![\w.])|(?<=[^\W\d_])(?=\d\d?\.\s))(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:\.?(?:\s+(?:de\s+)?|-|\s/\s)|\.)"
            rf"(?=[^\W\d_]{{2}}){month}"
            rf"(?:(?:,?\s+(?:de\s+|del\s+)?|-|\s/\s|(?<=\.))(?P<year>(?:19|20)\d\d|['’]\d\d|{glued_short_year})(?!\d{{3}}){year_suffix})?"
            r"(?:(?![^\W\d_])|(?<=\d)(?-i:(?=[A-ZÀ-Þ])))",
            re.IGNORECASE,
        ),
        # '31 Donnerstag Okt 2019': the weekday between the day and the month (a common blog theme's dateline).
        "day_weekday_month": re.compile(
            rf"(?<![\w.])(?P<day>[0-3]?\d)\.?\s+(?:{_alternation(weekday_names())})\.?,?\s+{month}\s+(?P<year>(?:19|20)\d\d)(?!\d)",
            re.IGNORECASE,
        ),
        "month_day": re.compile(
            rf"(?:(?<!\w)|(?-i:(?:(?<=[a-zß-ÿ])|(?<=[12]\d\d\d))(?=[A-ZÀ-Þ])))(?=[^\W\d_]{{3}}){month}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\.?,?\s+"
            r"(?P<year>(?:19|20)\d\d|['’]\d\d)(?!\d)",
            re.IGNORECASE,
        ),
        # '2023 Jan 7' (citations, logs)
        "year_month": re.compile(rf"(?<![\d.])(?P<year>(?:19|20)\d\d)\s+(?=[^\W\d_]{{3}}){month}\s+(?P<day>[0-3]?\d)(?![\d:])", re.IGNORECASE),
        "iso": re.compile(
            r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)"
            r"(?:[T ](?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?(?:\.\d+)?"
            r"(?P<tz>Z|[+-]\d\d:?\d\d)?)?(?!\d)"
        ),
        "ymd": re.compile(
            r"(?<![\d.])(?P<year>(?:19|20)\d\d)(?P<sep>[./•]|\s[|/]\s)(?P<month>[01]?\d)(?P=sep)(?P<day>[0-3]?\d)(?![\d])"
        ),
        "cjk": re.compile(r"(?P<year>(?:19|20)\d\d)\s*[年년]\s*(?P<month>[01]?\d)\s*[月월]\s*(?P<day>[0-3]?\d)\s*[日일]"),
        "dmy": re.compile(
            r"(?<![\d.:/-])(?P<a>[0-3]?\d)(?P<sep>[./•]|\.\s|\s[|/]\s)(?P<b>[0-3]?\d)(?P=sep)(?P<year>(?:19|20)?\d\d)"
            r"(?:(?![\d]|\.\d)|(?=[0-3]?\d(?P=sep)[0-3]?\d(?P=sep)))"
            r"|(?<![\d.:/-])(?P<ha>[0-3]?\d)-(?P<hb>[0-3]?\d)-(?P<hyear>(?:19|20)\d\d)(?![\d-])"
        ),
        "time": re.compile(time, re.IGNORECASE),
        "weekday": re.compile(rf"(?<!\w)(?P<weekday>{_alternation(weekday_names())})\.?(?!\w)", re.IGNORECASE),
    }


def _year(text: str) -> int:
    """'2020', "’20" (a two-digit year after an apostrophe) or '19' (in '03.Mär.19')."""
    if len(text) == 4:
        return int(text)
    short = int(text[-2:])
    return short + (2000 if short < 70 else 1900)


def _parse_offset(tz: str | None) -> int | None:
    if not tz:
        return None
    tz = tz.strip()
    lowered = tz.casefold()
    if lowered in _TZ_ABBREVIATIONS:
        return _TZ_ABBREVIATIONS[lowered]
    match = re.search(r"([+-])(\d{1,2}):?(\d{2})?$", tz)
    if not match:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 14 * 60:
        return None
    return minutes if match.group(1) == "+" else -minutes


def _valid(year: int | None, month: int, day: int) -> bool:
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        return False
    try:
        dt.date(year if year is not None else 2000, month, day)  # 2000 is a leap year: 29 Feb allowed
    except ValueError:
        return False
    return True


def may_read_month_first(text: str) -> bool:
    """Whether find_dates(text, ..., month_first) can depend on month_first: it only decides how numeric
    dates ('02/12/2025') read, and a line without the shape of one gives the same dates either way."""
    return _NUMERIC_PREFILTER.search(text) is not None


def find_dates(text: str, line_index: int, month_first: bool = False) -> list[DateMatch]:
    """All dates in one line, each with the time and weekday written next to it."""
    digit = _DIGIT.search(text)
    if not digit:
        return []
    first = digit.start()
    patterns = _patterns()
    # Cheap tests first: most lines with digits are prices, counts and times, not dates. The tests that start with a
    # digit search from the line's first digit on (no match of theirs starts before it).
    kinds = [kind for kind, test in _PREFILTERS if test.search(text, 0 if kind == "cjk" else first)]
    if "day_month" in kinds and _WEEKDAY_INSIDE_PREFILTER.search(text, first):
        kinds.insert(kinds.index("day_month") + 1, "day_weekday_month")
    if not kinds:
        return []
    spans: list[tuple[int, int, int | None, int, int, int | None, int | None, int | None, int | None, bool, bool, str | None]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for kind in kinds:
        for m in _matches(kind, patterns[kind], text):
            if not free(m.start(), m.end()):
                continue
            groups = m.groupdict()
            year = _year(groups["year"]) if groups.get("year") else None
            ambiguous, order = False, None
            if kind in ("day_month", "day_weekday_month", "month_day", "year_month"):
                month = month_names()[groups["month"].casefold().rstrip(".")]
                day = int(groups["day"])
                if year is None and m.start() and text[m.start() - 1].isalpha():
                    continue  # a day glued to a word is a date only with its year ('Roe22. Mai 2020')
            elif kind == "dmy":
                if groups["hyear"]:
                    a, b, year, sep = int(groups["ha"]), int(groups["hb"]), int(groups["hyear"]), "-"
                else:
                    a, b, sep = int(groups["a"]), int(groups["b"]), groups["sep"].strip()
                if year is not None and year < 100:
                    year += 2000 if year < 70 else 1900
                # 'MM/DD/YYYY' when it cannot be D/M, or with '/' or '-' when the page reads month-first.
                order = "dm"
                if b > 12 or month_first and a <= 12 and sep in "/-":
                    a, b, order = b, a, "md"
                if b > 12:
                    continue
                day, month = a, b
                ambiguous = a != b and a <= 12
            else:
                month, day = int(groups["month"]), int(groups["day"])
            if not _valid(year, month, day):
                continue
            hour = minute = second = offset = None
            if groups.get("hour"):
                hour, minute = int(groups["hour"]), int(groups["minute"])
                second = int(groups["second"]) if groups.get("second") else None
                offset = _parse_offset(groups.get("tz"))
            taken.append((m.start(), m.end()))
            spans.append((m.start(), m.end(), year, month, day, hour, minute, second, offset, kind == "iso", ambiguous, order))

    results = []
    for start, end, year, month, day, hour, minute, second, offset, is_iso, ambiguous, order in sorted(spans):
        if hour is None:
            found = _time_near(text, start, end, taken)
            if found:
                hour, minute, second, offset, start, end = found
        weekday = _weekday_before(text, start)
        before = text[max(0, start - 40) : start]
        results.append(
            DateMatch(
                line=line_index, start=start, end=end, year=year, month=month, day=day,
                hour=hour, minute=minute, second=second, utc_offset_minutes=offset, weekday=weekday,
                is_update=bool(_UPDATE_WORDS.search(before)),
                is_published=bool(_PUBLISHED_WORDS.search(before) or _PUBLISHED_AFTER.match(text, end)), is_iso=is_iso,
                day_month_ambiguous=ambiguous, numeric_order=order,
            )
        )
    if len(results) > 1:
        _mark_the_later_of_a_pair(text, results)
    return results


def _matches(kind: str, pattern: re.Pattern[str], text: str):
    """pattern.finditer(text): for the kinds in _STARTS_A_DIGIT_RUN, the pattern matched at each start of a run of
    digits from where the last match ended (a match at a position is the one a search finds there: lookbehinds
    see the text before it), which finds the same matches as the search that tries every position."""
    if kind not in _STARTS_A_DIGIT_RUN:
        yield from pattern.finditer(text)
        return
    end = 0
    for run in _DIGITS.finditer(text):
        start = run.start()
        if start < end:
            continue
        m = pattern.match(text, start)
        if m is not None:
            end = m.end()
            yield m


def _mark_the_later_of_a_pair(text: str, results: list[DateMatch]) -> None:
    """Two different dates printed together ('May 21, 2025April 24, 2025', 'Freitag, 15. April 2016Samstag, 4. März 2017'):
    a theme writing the publication and the last change side by side, one of them hidden by its style sheet.
    The later one is the change."""
    for i in range(1, len(results)):
        a, b = results[i - 1], results[i]
        if a.year is None or b.year is None or (a.year, a.month, a.day) == (b.year, b.month, b.day):
            continue
        gap = text[a.end : b.start]
        if gap and gap.strip(" ,.").casefold() not in weekday_names():
            continue
        later = i if (b.year, b.month, b.day) > (a.year, a.month, a.day) else i - 1
        results[later] = dataclasses.replace(results[later], is_update=True)


def published_after(text: str, end: int) -> bool:
    """The date that ends at `end` is followed by a word marking it as the publication ('... 15:21 Uhr veröffentlicht')."""
    return _PUBLISHED_AFTER.match(text, end) is not None


# What may stand between a date and the time after it ('18 мая 2021 | 20:06', '4 June 2021 at 10:20'), or
# between a time and the date after it; compiled once (re.match with a string looks it up on every call).
_TIME_AFTER: Final = re.compile(r"[\s,|/\-–—·•]*(?:(?:в|at|um|o|saat|à|alle|a las|às|godz\.?)\s+)?", re.IGNORECASE)
_TIME_BEFORE_GAP: Final = re.compile(r"[\s,|/\-–—·•]*")


def _time_near(text: str, start: int, end: int, taken: list[tuple[int, int]]):
    """A time written right after (or right before) a date: '18 мая 2021 | 20:06', '20:06, 18.05.2021'."""
    pattern = _patterns()["time"]
    after = _TIME_AFTER.match(text[end:])
    if after is None:  # never: the pattern matches the empty string
        return None
    cursor = end + after.end()
    m = pattern.match(text, cursor)
    if m is None or any(s < m.end() and m.start() < e for s, e in taken if (s, e) != (start, end)):
        m = None
        window = text[max(0, start - 12) : start]
        offset_base = max(0, start - 12)
        for candidate in pattern.finditer(window):
            tail = window[candidate.end() :]
            inside_other = any(s < offset_base + candidate.end() and offset_base + candidate.start() < e for s, e in taken)
            if _TIME_BEFORE_GAP.fullmatch(tail) and not inside_other:
                m = candidate
                hour, minute, second, offset = _time_values(candidate)
                if hour is None:
                    return None
                return hour, minute, second, offset, offset_base + candidate.start(), end
        return None
    hour, minute, second, offset = _time_values(m)
    if hour is None:
        return None
    return hour, minute, second, offset, start, m.end()


def _time_values(m: re.Match[str]):
    hour, minute = int(m.group("hour")), int(m.group("minute"))
    second = int(m.group("second")) if m.group("second") else None
    ampm = (m.group("ampm") or "").replace(".", "").replace(" ", "").casefold()
    if ampm:
        if hour > 12 or hour == 0:
            return None, None, None, None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif m.group(0)[len(m.group("hour"))] == "." and m.group("tz") is None:
        # '20.06' is a time only beside a date with nothing else; '1.5' in prose is not.
        pass
    return hour, minute, second, _parse_offset(m.group("tz"))


def _weekday_before(text: str, start: int) -> int | None:
    window = text[max(0, start - 30) : start]
    found = None
    for m in _patterns()["weekday"].finditer(window):
        found = weekday_names()[m.group("weekday").casefold().rstrip(".")]
    return found


def infer_year(match: DateMatch, not_before: dt.date) -> int | None:
    """Year of a date shown without one: the first year on or after `not_before` whose
    calendar puts that day on the weekday the page names. Never from today's clock."""
    if match.weekday is None:
        return None
    for year in range(not_before.year, not_before.year + 29):
        try:
            candidate = dt.date(year, match.month, match.day)
        except ValueError:
            continue
        if candidate >= not_before and candidate.weekday() == match.weekday:
            return year
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class RelativeDate:
    """'Today, 10:20', 'вчера в 12:41', '3 hours ago': a date that only a crawl time can resolve."""

    start: int
    end: int
    days_back: int | None  # 0 today, 1 yesterday; None when only a time or an age is given
    minutes_back: int | None  # '3 hours ago' -> 180
    hour: int | None
    minute: int | None


_TODAY: Final = r"today|heute|aujourd'hui|hoy|oggi|hoje|dzisiaj|dziś|vandaag|tänään|сегодня|сьогодні|bugün|bu gün"
_YESTERDAY: Final = re.compile(r"yesterday|gestern|hier|ayer|ieri|ontem|wczoraj|gisteren|eilen|вчера|вчора|dünən|dün", re.IGNORECASE)
# Age units in minutes, and the words around a number that make it an age: '3 hours ago', 'vor 3 Stunden'.
_UNITS: Final = (
    (1, r"minutes?|mins?|minuten|minutos?|minuti|minut[ey]?|минут[уы]?|хвилин[иу]?|dakika|dəqiqə"),
    (60, r"hours?|hrs?|stunden?|heures?|horas?|ore|godzin[ya]?|uur|часа?|часов|годин[иу]?|saat"),
    (1440, r"days?|tagen?|jours?|días?|giorni|dias?|dni|dagen|дн(?:я|ей)|день|дні|днів|gün"),
)
_AGO_BEFORE: Final = r"vor|il y a|hace|há"
_AGO_AFTER: Final = r"ago|fa|temu|geleden|назад|тому|önce|əvvəl"


# Every relative date holds a time ('10:20', '12.41') or a number before a unit ('3 hours'): a cheap test first.
_RELATIVE_PREFILTER: Final = re.compile(r"\d(?:[:.][0-5]\d|\s)")


@functools.cache
def _relative_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    units = "|".join(f"(?P<u{i}>{pattern})" for i, (_, pattern) in enumerate(_UNITS))
    age = rf"(?:(?P<before>{_AGO_BEFORE})\s+)?(?P<n>\d{{1,3}})\s+(?:{units})(?:\s+(?P<after>{_AGO_AFTER}))?"
    day = (
        rf"(?P<day>{_TODAY}|{_YESTERDAY.pattern})\s*,?\s*(?:(?:at|um|à|a las|alle|às|o|om|в|о|saat)\s+)?"
        r"(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)"
    )
    return (
        re.compile(rf"(?<!\w)(?:{day}|{age})(?!\w)", re.IGNORECASE),
        re.compile(r"\s*(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)\s*"),
    )


def find_relative_date(text: str) -> RelativeDate | None:
    """A relative date ('today, 10:20', '3 hours ago') or a bare time in a short line; None when there is none."""
    relative, bare_time = _relative_patterns()
    m = bare_time.fullmatch(text)
    if m:
        return RelativeDate(m.start(), m.end(), None, None, int(m.group("hour")), int(m.group("minute")))
    if not _RELATIVE_PREFILTER.search(text):
        return None
    m = relative.search(text)
    if m is None:
        return None
    if m.group("day"):
        days_back = 1 if _YESTERDAY.fullmatch(m.group("day")) else 0
        return RelativeDate(m.start(), m.end(), days_back, None, int(m.group("hour")), int(m.group("minute")))
    if not (m.group("before") or m.group("after")):
        return None  # '3 hours' without 'ago' is a duration, not a date
    minutes = next(size for i, (size, _) in enumerate(_UNITS) if m.group(f"u{i}"))
    return RelativeDate(m.start(), m.end(), None, int(m.group("n")) * minutes, None, None)
