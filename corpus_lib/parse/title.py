"""Headline evidence for single lines: a headline is repeated, dated, signed and short."""

from __future__ import annotations

import bisect
import collections
import dataclasses
import functools
import itertools
import re
import string
from typing import Final

from corpus_lib.parse.boilerplate import comments_quote, is_button_or_widget, strip_title_markers
from corpus_lib.parse.lines import Line, count_words, line_words, normalise_key
from corpus_lib.parse.page import META_REACH, PageView

# 'Site | Title', 'Home » Section » Title', 'Title - Site'.
TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|›|>|→|/|·|•)\s+")
# A line has a separator exactly when it has one with a single space either side. This form starts with the
# separator's (first) character, so the regex engine skips ahead to the next such character (much rarer than a
# space): a one-character separator with a space before it, or '::' with a space before it; then a space.
_HAS_SEPARATOR: Final = re.compile(r"[|\-–—:»›>→/·•](?:(?<=\s[|\-–—»›>→/·•])|(?<=\s:):)(?=\s)")
# Lines shorter than this (as keys) recur as menu items too often to count as repetitions of a headline.
_MIN_REPEAT_KEY: Final = 10


@dataclasses.dataclass(frozen=True, slots=True)
class HeadlineWeights:
    """Evidence weights, as log-odds of 'this line is the headline' (see headline_scores and layout_weight).

    A line's score is a sum of these weights, one for each feature it has: its features are its score under
    unit weights (vectors), which is how scripts/fit_title_weights.py reads them to fit the weights.
    """

    words: tuple[float, ...]  # by word count: 0 unused, then 1, 2, 3, ... and len(words) - 1 or more
    full_stop: float
    truncated: float
    question: float
    asks_reader: float  # instead of question: a short question to the reader ('Do you want more clicks?') is a call to action
    lowercase: float
    list_item: float
    date_after: float
    date_before: float
    byline_after: float
    hint: float
    subheading: float
    template: float
    breadcrumb: float
    trail_end: float  # the line repeats the last item of a breadcrumb trail ('* Home', '* Section', '* This headline')
    repeat: tuple[tuple[int, float], ...]  # (nearest other occurrence within, weight)
    repeated_far: float
    not_repeated: float
    # Renderers set headings apart by blank lines; menu items, links and table cells run on line after line.
    set_apart: float  # a blank line before and after: a block of its own
    blank_side: float  # each side with a blank line


# Set by hand. Weights fitted by scripts/fit_title_weights.py on one half of the dev set did not beat them on the
# other half in both folds (title exact .702 -> .702 and .710 -> .708 on the held-out halves), so these stay.
# byline_after went 2.0 -> 2.5 at lines/18: of single-weight steps tried on the dev set's two halves (by sha256 of
# the page id), it was the one that gained on one half (+3 titles, body F1 +.0018, with +6) and lost nothing on the
# other.
WEIGHTS = HeadlineWeights(
    words=(0.0, -2.5, -1.5, -0.5, 0.7, 0.7, 0.7, *([1.4] * 6), *([0.6] * 8), -2.7),
    full_stop=-2.5,
    truncated=-2.0,
    question=1.0,
    asks_reader=-1.0,
    lowercase=-1.4,
    list_item=-1.3,
    date_after=2.0,
    date_before=1.5,
    byline_after=2.5,
    hint=3.0,
    subheading=-2.0,
    template=-2.5,
    breadcrumb=-2.0,
    trail_end=2.0,  # lines/32: +5 titles net on the dev set (7 won, 2 lost); the same from 2.0 to 4.0, +1 at 1.0
    repeat=((3, 2.2), (20, 0.6), (100, 0.4)),
    repeated_far=-0.7,
    not_repeated=-0.3,
    set_apart=1.5,
    blank_side=0.5,
)

_MAX_REPEATS: Final = 3  # a label on every teaser ('See price at ...') is no headline
_MIN_TOC_ITEMS: Final = 3  # list items that recur as lines of their own before the list is a table of contents
# A sentence break: end punctuation after a word (not a number or an initial), then a word. The mark comes first
# and the two letters before it are looked behind from after it: the regex engine skips ahead to the next mark (a
# pattern that starts with a lookbehind is tried at every position).
_SENTENCE_BREAK: Final = re.compile(r"([.!?…])(?<=[^\W\d_]{2}[.!?…])[\"'”»)]*\s+[\"'“«„(]*(?=[^\W\d_])")
_BREAK_MARKS: Final = ".!?…"  # every sentence break holds one of these
# Prose, not a headline (headlines of the dev set: none closed by a full stop has 25 words, none with
# three sentences and a full stop has 16): a long sentence closed by a full stop, or several sentences.
_PROSE_SENTENCE_WORDS: Final = 25
_PROSE_SENTENCES: Final = 3
_PROSE_SENTENCES_WORDS: Final = 16
_PROSE_MIN_WORDS: Final = min(_PROSE_SENTENCE_WORDS, _PROSE_SENTENCES_WORDS)  # shorter lines read as no paragraph
# A line closed by a full stop with this many words, followed at once by the text, is the text's first paragraph.
_LEAD_WORDS: Final = 12
# Deletes the ASCII letters: counting what is left counts them (see _count_letters).
_DROP_ASCII_LETTERS: Final = str.maketrans("", "", string.ascii_letters)
_MENU_ITEMS: Final = 3  # 'Home | News | Sport': this many one-word parts or more is a menu
_MENU_PHRASES, _MENU_PHRASE_WORDS = 4, 3  # and this many parts of at most this many words
_CAPITALISED_RUN_WORDS: Final = 6
_CAPITALISED_RUN_SHARE: Final = 0.85
_CYRILLIC_LETTER: Final = re.compile("[\u0400-\u04ff]")
_MAX_HEADLINE_WORDS: Final = 40  # longer lines are no headlines
# A link to the previous or next post: '« Older title', 'Newer title →' (a French quote closes what it opens).
_BACK_MARKS, _ON_MARKS = "←‹«", "→›»"
# Lines that name no page: a web address ('The Wayback Machine - https://...'), a PHP error message ('Warning: ...
# in /var/www/index.php on line 12'), a Creative Commons licence notice.
_NO_HEADLINE: Final = re.compile(
    r"(?:https?://|(?:deprecated|warning|notice|strict standards|fatal error|parse error):.* on line \d+|"
    r"creative[ -]commons.*(?:lizenz|licen)|(?:lizenz|licen).*creative[ -]commons)",
    re.IGNORECASE,
)
# A site named by its address in a 'Title | Site' line: 'example.net', 'www.Example-News.co.uk' (letters in the last part).
_SITE_ADDRESS: Final = re.compile(r"(?:[^\W_]|-)+(?:\.(?:[^\W_]|-)+)*\.[^\W\d_]{2,12}")
# A blog's name, as its header shows it on every page: 'Example Data Blog', "Jane Roe's blog". It names the site,
# not the page: no headline.
_BLOG_NAME: Final = re.compile(r"(?:[\w.'’&-]+\s+){1,3}(?:blog|weblog|блог)", re.IGNORECASE)
_BLOG_NAME_LAST: Final = frozenset("gGгГ")  # the last letters a _BLOG_NAME can end with (none other matches case-insensitively)


# Parts are asked for several times per line (eligibility, breadcrumbs, repetitions, the title itself):
# they are cached for this many distinct lines up to headline length.
_PARTS_CACHE_LINES: Final = 1 << 16
_CACHED_PARTS_CHARS: Final = 300


def title_parts(text: str) -> tuple[str, ...]:
    """The parts of a 'Site | Title' line, or () when it has no separator."""
    return _cached_parts(text) if len(text) <= _CACHED_PARTS_CHARS else _parts(text)


def _parts(text: str) -> tuple[str, ...]:
    if not _HAS_SEPARATOR.search(text):
        return ()
    parts = tuple(p.strip() for p in TITLE_SEPARATORS.split(text) if p.strip())
    return parts if len(parts) > 1 else ()


_cached_parts = functools.lru_cache(maxsize=_PARTS_CACHE_LINES)(_parts)


def headline_scores(view: PageView, hint_title: str | None, weights: HeadlineWeights = WEIGHTS) -> dict[int, float]:
    """Position -> how much the line looks like this page's headline, for every eligible line.

    The weights are log-odds: how much more often a feature marks a headline than another short line
    (measured on real pages; evidence adds up as if independent).
    """
    content = view.content
    keys = view.title_keys
    where: dict[str, list[int]] = collections.defaultdict(list)
    for position, key in enumerate(keys):
        if len(key) >= _MIN_REPEAT_KEY:
            where[key].append(position)
    plain = collections.Counter(key for key, line in zip(keys, content) if not line.bullet)
    parts = view_parts(view)
    part_keys: dict[str, int] = {}
    for position, line in enumerate(content):
        if parts[position] and not line.ends_sentence:
            for part in parts[position]:
                part_keys.setdefault(normalise_key(strip_title_markers(part)[0]), position)
    subheadings = _table_of_contents(content, keys)
    hint_key = normalise_key(hint_title) if hint_title else None
    named = named_by_comments(content)
    trail_ends = _trail_ends(content, keys)
    dateline, meta, block, template = view.dateline, view.meta, view.block, view.template
    date_after = _soon_after(dateline, META_REACH)
    byline_after = _soon_after(view.byline, META_REACH)

    scores: dict[int, float] = {}
    for position, line in enumerate(content):
        if (meta[position] and not _dated_headline(view, position)) or block[position]:
            continue
        if not _eligible(line, parts[position]) or _names_no_headline(line.text):
            continue
        if is_button_or_widget(line.text, line.key, line.words):
            continue
        key = keys[position]
        score = _shape(line, weights)
        if key in subheadings:
            score += weights.subheading
        elif len(key) >= _MIN_REPEAT_KEY and plain[key] <= _MAX_REPEATS:
            score += _repeat_weight(position, where[key], part_keys.get(key, position), weights)
        if (hint_key and (key == hint_key or (len(key) >= _MIN_REPEAT_KEY and key in hint_key))) or key in named:
            score += weights.hint
        if date_after[position]:
            score += weights.date_after
        elif position > 0 and dateline[position - 1]:
            score += weights.date_before
        if byline_after[position]:
            score += weights.byline_after
        if template[position]:
            score += weights.template
        if parts[position] and _names_menu_item(parts[position], view.menu):
            score += weights.breadcrumb  # 'Home » Section'
        if key in trail_ends and not line.bullet:
            score += weights.trail_end
        scores[position] = score
    return scores


# A headline may name a day ('Tag des Zweinutzungshuhns am 22. Januar', 'Protokoll der Sitzung vom 10. Oktober
# 2019'): the date comes after this many words, which it completes. A dateline starts with its date, or with a
# label ('Stand:', 'Published on'), a weekday or a place, or it sets the date apart as a part of its own.
_DATED_HEADLINE_WORDS: Final = 3
_DATE_PART_MARKS: Final = frozenset("|•·-–—/»›")  # 'Blog • Section • October 18, 2019': the date is a part of its own


def _dated_headline(view: PageView, position: int) -> bool:
    """A dateline (only: no byline, caption or credit) whose date ends a headline's words (see _DATED_HEADLINE_WORDS)."""
    if view.byline[position] or view.caption[position] or view.credit[position] or position not in view.dates:
        return False
    matches = view.dates[position]
    text = view.content[position].text
    first = min(m.start for m in matches)
    return (
        not any(m.is_published or m.is_update or m.hour is not None for m in matches)
        and text[0].isupper()
        and count_words(text[:first]) >= _DATED_HEADLINE_WORDS
        and text[:first].rstrip()[-1:] not in _DATE_PART_MARKS
    )


def _names_no_headline(text: str) -> bool:
    """A blog's name (see _BLOG_NAME), a link to the previous or next post (see _BACK_MARKS), a web address, an
    error message or a licence notice (see _NO_HEADLINE)."""
    if text[0] in _BACK_MARKS:
        return text[0] != "«" or "»" not in text
    if text[-1] in _ON_MARKS:
        return text[-1] != "»" or "«" not in text
    if text[-1] in _BLOG_NAME_LAST and _BLOG_NAME.fullmatch(text) is not None:
        return True
    return _may_name_no_headline(text) and _NO_HEADLINE.search(text) is not None


def _may_name_no_headline(text: str) -> bool:
    """Whether _NO_HEADLINE can match: a cheap test for what each of its branches holds ('://'; ':' and ' on line';
    'creative commons'), as the case-insensitive search would try every position of every line. Only 'C' and 'c'
    match 'c' case-insensitively, and so on for 'o', 'm', 'n', 'l' (unlike 'i', 's' and 'k'): text.lower() finds them."""
    if "://" in text:
        return True
    lower = text.lower()
    return (":" in text and " on l" in lower) or "comm" in lower


def named_by_comments(content: list[Line]) -> set[str]:
    """Keys of the headlines that comment headings quote ('4 thoughts on “Title”'): the page names its headline as
    an HTML title does (the hint)."""
    named = set()
    for line in content:
        quoted = comments_quote(line.text, line.words)
        if quoted:
            named.add(normalise_key(quoted))
    named.discard("")
    return named


def view_parts(view: PageView) -> list[tuple[str, ...]]:
    """_lines_parts of the view's lines, computed once per page (the headline and its kicker both ask)."""
    if view.parts is None:
        view.parts = _lines_parts(view.content)
    return view.parts


def _lines_parts(content: list[Line]) -> list[tuple[str, ...]]:
    """title_parts of each line of up to 40 words (longer lines are no headlines), () for the others: once per
    line, as eligibility, breadcrumbs and repetitions all ask.

    One separator search over the page's lines joined by NUL (neither a space nor a separator, so no match
    spans two lines) finds the few lines that have parts.
    """
    parts: list[tuple[str, ...]] = [()] * len(content)
    texts = [line.text if line.words <= _MAX_HEADLINE_WORDS else "" for line in content]  # long lines (most of the text) unsearched
    starts = list(itertools.accumulate((len(text) + 1 for text in texts), initial=0))
    for m in _HAS_SEPARATOR.finditer("\0".join(texts)):
        position = bisect.bisect_right(starts, m.start()) - 1
        if not parts[position]:
            parts[position] = title_parts(texts[position])
    return parts


def is_breadcrumb(line: Line, menu: frozenset[str]) -> bool:
    return _names_menu_item(title_parts(line.text), menu)


def _names_menu_item(parts: tuple[str, ...], menu: frozenset[str]) -> bool:
    """A part of the line is an item of the page's menus."""
    return any(normalise_key(part) in menu for part in parts)


def layout_weight(view: PageView, position: int, weights: HeadlineWeights = WEIGHTS) -> float:
    """How much blank lines set the line apart as a heading (log-odds, see headline_scores).

    A dateline or byline right under the line belongs to the same heading block, so it counts as the
    blank line after it. A breadcrumb ('Home » Section') is set apart on every page alike: layout is
    no evidence for it."""
    content = view.content
    line = content[position]
    parts = view_parts(view)[position] if line.words <= _MAX_HEADLINE_WORDS else title_parts(line.text)
    if parts and _names_menu_item(parts, view.menu):  # is_breadcrumb, with the parts the page has already
        return 0.0
    index = content[position].index
    before = position == 0 or index - content[position - 1].index > 1
    following = position + 1
    after = (
        following == len(content)
        or content[following].index - index > 1
        or view.dateline[following]
        or view.byline[following]
    )
    return weights.set_apart * (before and after) + weights.blank_side * (before + after)


def _soon_after(flags: list[bool], reach: int) -> list[bool]:
    """For each position: whether a flagged line follows within `reach` lines."""
    result = [False] * len(flags)
    next_flag = len(flags) + reach
    for position in range(len(flags) - 1, -1, -1):
        result[position] = next_flag - position <= reach
        if flags[position]:
            next_flag = position
    return result


def _repeat_weight(position: int, occurrences: list[int], part_of: int, weights: HeadlineWeights) -> float:
    """A headline recurs close by (breadcrumb, kicker, share text); site furniture recurs far away.
    `occurrences` holds `position`."""
    if part_of == position and len(occurrences) == 1:
        return weights.not_repeated  # most lines: no other occurrence
    others = [abs(p - position) for p in occurrences if p != position]
    if part_of != position:
        others.append(abs(part_of - position))  # 'Site | Title' elsewhere on the page
    if not others:
        return weights.not_repeated
    nearest = min(others)
    for reach, weight in weights.repeat:
        if nearest <= reach:
            return weight
    return weights.repeated_far


# A breadcrumb trail as list items: its first item names the home page, its last one the page itself.
_TRAIL_STARTS: Final = frozenset(
    "home|home page|homepage|start|startseite|главная|главная страница|головна|inicio|início|portada|accueil|"
    "pagina iniziale|página inicial|strona główna|startsida|etusivu|forside|hjem|ana sayfa|anasayfa|ana səhifə".split("|")
)
_TRAIL_ITEMS: Final = (2, 6)  # a longer run that starts with 'Home' is a menu
_TRAIL_ITEM_WORDS: Final = 25
_TRAIL_END_WORDS: Final = 3  # a shorter last item is a section ('News'), not a headline


def _trail_ends(content: list[Line], keys: list[str]) -> frozenset[str]:
    """Title keys (`keys`, one per line) of the last items of the page's breadcrumb trails (see _TRAIL_STARTS)."""
    ends = set()
    position, n = 0, len(content)
    while position < n:
        line = content[position]
        if not (line.bullet and line.key in _TRAIL_STARTS):
            position += 1
            continue
        last = position
        while last + 1 < n and content[last + 1].bullet and content[last + 1].words <= _TRAIL_ITEM_WORDS:
            last += 1
        if _TRAIL_ITEMS[0] <= last - position + 1 <= _TRAIL_ITEMS[1] and content[last].words >= _TRAIL_END_WORDS:
            ends.add(keys[last])
        position = last + 1
    return frozenset(ends)


def _table_of_contents(content: list[Line], keys: list[str]) -> set[str]:
    """Keys of subheadings that a list of links repeats (a table of contents): they head sections, not the page.

    A list counts when at least three of its items recur later as lines of their own.
    """
    later: dict[str, int] = {}
    for position, (line, key) in enumerate(zip(content, keys)):
        if not line.bullet and len(key) >= _MIN_REPEAT_KEY:
            later[key] = position  # last plain occurrence
    found: set[str] = set()
    items: list[str] = []
    for position, (line, key) in enumerate(zip(content, keys)):
        if line.bullet:
            if later.get(key, -1) > position:
                items.append(key)
            continue
        if len(items) >= _MIN_TOC_ITEMS:
            found.update(items)
        items = []
    return found


def _eligible(line: Line, parts: tuple[str, ...]) -> bool:
    """Short enough to be a headline, mostly letters (not a price, a score or a date), and not a paragraph.
    `parts` is title_parts(line.text).

    A page whose only candidates are paragraphs or menus has no headline: it is rejected as no_title.
    """
    length = len(line.text)
    if line.words > _MAX_HEADLINE_WORDS or not 3 <= length <= 300:
        return False
    if line.text.endswith(":"):
        return False  # a label: 'Share this page:'
    # Cheap tests first: a shorter line reads as no paragraph (line.words counts what reads_as_prose
    # counts), and a line with fewer parts is no menu.
    if line.words >= _PROSE_MIN_WORDS and reads_as_prose(line.text):
        return False
    if len(parts) >= _MENU_ITEMS and _reads_as_menu(parts):
        return False
    if _capitalised_run(line):
        return False
    letters = _count_letters(line.text[:80])
    return letters >= 3 and letters >= 0.5 * min(length, 80)


def _count_letters(text: str) -> int:
    """sum(map(str.isalpha, text)), faster on ASCII text, whose letters are exactly A-Z and a-z."""
    if text.isascii():
        return len(text) - len(text.translate(_DROP_ASCII_LETTERS))
    return sum(map(str.isalpha, text))


def reads_as_prose(text: str) -> bool:
    """A paragraph, not a headline: one long sentence closed by a full stop, or three sentences or more
    (at least one of them closed by a full stop) in a line of some length."""
    text = text.strip()
    words = line_words(text)
    if words < _PROSE_MIN_WORDS:
        return False  # too short for either shape: no sentence search needed
    closed = text.endswith(".") and not text.endswith("..")  # '...' is a teaser cut short, not a full stop
    if closed and words >= _PROSE_SENTENCE_WORDS:
        return True
    if sum(map(text.count, _BREAK_MARKS)) + 1 < _PROSE_SENTENCES:
        return False  # each sentence break is one of these marks: too few of them, no search needed
    breaks = [m[1] for m in _SENTENCE_BREAK.finditer(text)]
    full_stops = breaks.count(".") + closed
    return words >= _PROSE_SENTENCES_WORDS and len(breaks) + 1 >= _PROSE_SENTENCES and full_stops >= 1


def reads_as_lead(line: Line) -> bool:
    """Sentence-length and closed by a full stop: the first paragraph, when the text runs on right after it."""
    return line.words >= _LEAD_WORDS and line.text.endswith(".") and not line.text.endswith("..")


def _reads_as_menu(parts: tuple[str, ...]) -> bool:
    """'Home | News | Sport': one-word items between separators (`parts` of title_parts), or more items of a few words
    ('Экономика | Политика | Наука и образование | Новости Сибири'): a headline's parts are a site and a title."""
    if len(parts) < _MENU_ITEMS:
        return False
    if all(len(part.split()) == 1 for part in parts):
        return True
    return len(parts) >= _MENU_PHRASES and all(len(part.split()) <= _MENU_PHRASE_WORDS for part in parts)


def _capitalised_run(line: Line) -> bool:
    """'Главная Новости Справочник предприятий Шоппинг Работа Авто Досуг': a menu run together on one line. Headlines in
    Cyrillic script capitalise their first word and names only; English ones may capitalise every word, so the test
    is for Cyrillic lines (a line in capitals may be a headline in either)."""
    text = line.text
    # isascii is O(1): most lines end here without the regex scan (every candidate line is asked).
    if line.words < _CAPITALISED_RUN_WORDS or text.isascii() or not _CYRILLIC_LETTER.search(text) or text.isupper():
        return False
    words = [word for word in text.split() if word[0].isalpha()]
    return sum(1 for word in words if word[0].isupper()) >= _CAPITALISED_RUN_SHARE * len(words)


# A call to action asks the reader a short question from its first words: 'Are you checking us out?', 'Sie haben
# Fragen oder ein Anliegen?', 'Kennst du unsere Videos?'. A headline that asks one names its topic first
# ('Consulting: Is It a Good Fit for You?') or is longer.
_READER_QUESTION: Final = re.compile(
    r"(?:\w+\s+)?(?:you|sie|du|ihr|vous|tu|usted|ustedes|ты|вы)\b", re.IGNORECASE
)
_READER_QUESTION_MAX_WORDS: Final = 8


def _asks_reader(line: Line) -> bool:
    return line.words <= _READER_QUESTION_MAX_WORDS and _READER_QUESTION.match(line.text) is not None


def _shape(line: Line, weights: HeadlineWeights) -> float:
    """Typography of a headline: four to twelve words, no full stop, capitalised, not a list item."""
    words = weights.words
    score = words[min(line.words, len(words) - 1)]
    last = line.text[-1]
    if last == "…" or line.text.endswith("..."):
        score += weights.truncated  # a teaser cut short, linking to another story
    elif last == ".":
        score += weights.full_stop
    elif last == "?":
        score += weights.asks_reader if _asks_reader(line) else weights.question
    if line.text[0].islower():
        score += weights.lowercase
    if line.bullet:
        score += weights.list_item
    return score


def headline_text(line: Line, keys: collections.Counter[str], template_keys: frozenset[str], hint_title: str | None) -> str:
    """'Site | Title' -> the title: the part another line (or the hint) repeats, or what is left without the site name.

    A part is a site name when the source repeats it on many pages, it is short and stands alone elsewhere, or
    it is a site's address ('Title | EXAMPLE.NET').
    A headline that merely contains ' - ' stays whole.
    """
    parts = title_parts(line.text)
    if not parts:
        return line.text
    hint_key = normalise_key(hint_title) if hint_title else ""
    part_keys = [normalise_key(strip_title_markers(p)[0]) for p in parts]
    # A long part that stands alone elsewhere on this page is its headline, even when other pages of the
    # source list it (under 'related'), which makes it a template line.
    site = [
        (keys[k] > 0 and len(k.split()) <= 3)
        or (k in template_keys and not (keys[k] > 0 and len(k.split()) > 3))
        or _SITE_ADDRESS.fullmatch(p) is not None  # title_parts are stripped
        for p, k in zip(parts, part_keys)
    ]
    repeated = [p for p, k, s in zip(parts, part_keys, site) if k and not s and (keys[k] > 0 or k == hint_key)]
    if repeated:
        return max(repeated, key=len)
    if any(site) and not all(site):
        first = site.index(False)
        last = len(site) - 1 - site[::-1].index(False)
        start, end = line.text.find(parts[first]), line.text.rfind(parts[last]) + len(parts[last])
        if line.text[start].islower() and not line.text.lstrip()[0].islower():
            return line.text  # 'Werde Tester - so geht's': what follows the dash goes on from it, it starts no headline
        return line.text[start:end]
    return line.text


# 'Klimaschutz : Bohren, bis es heiß wird': a kicker (a topic label) and the headline, which pages render as two
# elements with a colon between them standing apart. French puts a space before every colon, so there the
# colon says nothing. A kicker is short; the headline after it has a few words and starts with a letter or a quote.
_KICKER: Final = re.compile(r"\s+:\s+")
_KICKER_MAX_WORDS: Final = 6
_KICKER_MIN_HEADLINE_WORDS: Final = 3
_SPACED_COLON_LANGUAGES: Final = frozenset({"fr"})


def drop_kicker(title: str, language: str | None) -> str:
    """'Kicker : Headline' -> 'Headline' (see _KICKER), unless the page's language sets every colon apart."""
    if " : " not in title or language in _SPACED_COLON_LANGUAGES:
        return title
    parts = _KICKER.split(title)
    if len(parts) != 2:
        return title
    kicker, headline = parts[0].strip(), parts[1].strip()
    if not kicker or len(kicker.split()) > _KICKER_MAX_WORDS or len(headline.split()) < _KICKER_MIN_HEADLINE_WORDS:
        return title
    first = headline[0]
    if not (first.isalpha() or first in "\"'„“«‚‘"):
        return title
    return headline


# A kicker rendered on the headline's own line without a separator ('Interne Unterlagen im Netz Daten von
# Rheinmetall gehackt'): the page shows the two apart elsewhere, as the parts of a 'Headline - Kicker' line, or as
# the last part of a breadcrumb ('Home / Section / Kicker'). What is left of the line beside the part needs this
# many words, and starts as a headline does (not in lower case: 'Best Electric Cars | for the Money').
_JOINED_MIN_WORDS: Final = 3
_JOINED_MIN_PART_WORDS: Final = 2
_BREADCRUMB_PARTS: Final = 3


def split_joined_kicker(text: str, view: PageView, position: int) -> str:
    """The headline of `text` (the line at `position` of the view, which has no separator) without a kicker that
    another line of the page separates from it: 'Kicker Headline' -> 'Headline' (see _JOINED_MIN_WORDS)."""
    text = " ".join(text.split())
    if len(text.split()) <= _JOINED_MIN_WORDS:
        return text
    best = _tail_line(text, view, position)
    for other, line_parts in enumerate(view_parts(view)):
        if other == position or not line_parts:
            continue
        parts = [" ".join(part.split()) for part in line_parts]
        crumb = len(parts) >= _BREADCRUMB_PARTS
        for index, part in enumerate(parts):
            n, part_words = len(part), len(part.split())
            if part_words < _JOINED_MIN_PART_WORDS or n + 1 >= len(text) or (crumb and index != len(parts) - 1):
                continue
            others = [] if crumb else [q.casefold() for q in parts if q != part and len(q.split()) >= _JOINED_MIN_PART_WORDS]
            if text[n] == " " and text[:n].casefold() == part.casefold():
                rest = text[n + 1 :]  # the kicker starts the line: the other part starts the rest
                if len(rest.split()) >= _JOINED_MIN_WORDS and not rest[0].islower() and len(rest) < len(best) and (
                    crumb or any(rest.casefold().startswith(q) for q in others)
                ):
                    best = rest
            elif part_words > _JOINED_MIN_WORDS and text[-n - 1] == " " and text[-n:].casefold() == part.casefold():
                kicker = text[: -n - 1].casefold()  # the headline ends the line: the other part is the kicker
                if n < len(best) and (crumb or kicker in others):
                    best = text[-n:]
    return best


# A kicker rendered on the headline's line, where the headline also stands alone on another line of the page (the
# last item of a breadcrumb, a share text): 'Holocaust-Gedenktag Erinnerung an die Opfer' beside 'Erinnerung an die
# Opfer'. The kicker has at most this many words and ends in no colon and is no number; the headline has at least
# _TAIL_MIN_WORDS, unless the kicker is an item of the page's menus ('Home Johannes'), and stands within _TAIL_REACH
# lines of the joined line (on a wider reach, a subheading or a tag further down cut real headlines).
_TAIL_MAX_KICKER_WORDS: Final = 6
_TAIL_MIN_WORDS: Final = 3
_TAIL_REACH: Final = 3


def _tail_line(text: str, view: PageView, position: int) -> str:
    """The longest end of `text` (whole words, at most _TAIL_MAX_KICKER_WORDS cut) that a line within _TAIL_REACH
    lines of `position` is, starting as a headline does (not in lower case); `text` when there is none."""
    words = text.split(" ")
    keys = view.title_keys
    found: set[str] | None = None
    for cut in range(1, min(_TAIL_MAX_KICKER_WORDS, len(words) - 1) + 1):
        tail = " ".join(words[cut:])
        if tail[0].islower():
            continue
        kicker = " ".join(words[:cut])
        if kicker[-1] == ":" or kicker.isdigit():
            continue  # 'Italien: Reise- und Sicherheitshinweise', '7 Healthy Recipes': the headline is written so
        key = normalise_key(tail)
        if len(key.split()) < _TAIL_MIN_WORDS and normalise_key(kicker) not in view.menu:
            continue
        if found is None:
            near = range(max(0, position - _TAIL_REACH), min(len(keys), position + _TAIL_REACH + 1))
            found = {keys[p] for p in near if p != position}
        if key in found:
            return tail
    return text
