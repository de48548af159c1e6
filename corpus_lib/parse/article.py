"""Page text -> ParsedArticle: decides which line is the headline, which run of lines is its text,
and which dates are the publication and the crawl.

No site-specific rules: every decision uses line features (length, words, bullets, sentence
punctuation, repetition, date patterns, position relative to headline and dateline) and, when the
build learned them, the source's template lines (lines that recur across many of its pages).
The headline and the body are chosen together: a well-evidenced headline followed by text beats a
longer run of text (comments, legal notices) that nothing marks as the article. A page whose only
candidates are paragraphs (of the text, or the first one it runs on from) has no headline and is rejected.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from typing import Final

from corpus_lib.parse.anchor import choose_headline_and_text, text_start_after
from corpus_lib.parse.body import Region, RegionFinder, indent_scores, paragraphs, prose_scores, trim_tail
from corpus_lib.parse.boilerplate import comments_quote, strip_title_markers
from corpus_lib.parse.dates import infer_year
from corpus_lib.parse.language import identify_language
from corpus_lib.parse.lines import Line, count_words, normalise_key, short_keys, split_lines
from corpus_lib.parse.page import PageView, reread_datelines, view_page
from corpus_lib.parse.published import LocalTime, choose_crawled, choose_published, markup_time, resolve_relative, to_local_time
from corpus_lib.parse.title import drop_kicker, headline_scores, headline_text, reads_as_lead, reads_as_prose, split_joined_kicker, title_parts

PARSER = "corpus_lib.lines/68"  # /68: an HTML page's published time from its markup (article:published_time, datePublished), HTML laid out by inscriptis; /67: of two headlines of one text with equal scores, the nearer the text wins; /66: a copy-link label alone (Link kopieren) is a widget line too; /65: more read-more links (Читать далее, Czytaj dalej, Continua a leggere, Seguir leyendo, Read the full story) are site-block lines; /64: a copy-link box's instruction is a widget line; /63: a list item that reads as a paragraph makes the text no list of links (no_body); /62: more widget lines: buttons alone (Save, Download, Print, Close, Check price, Ver más, Show more), a slideshow's counter (3 / 12), a price comparison widget, an e-mail address hidden by the CDN ([email protected]), a price button from a shop ($14 from Walmart); a bare price stays (a table's cell); /61: body and titles: buttons and counters of share, like, comment and shop widgets (12 Shares, Copied!, 3 Kommentare, In den Warenkorb, 7 min read) and link labels that say where they open (... (Opens in new window), ... (Wird in neuem Fenster geöffnet)) are widget lines; /60: titles: a newsletter's pitch and a widget's line are no headlines; Polish pitches (Zapisz się na nasz newsletter, ... do Twojej skrzynki); /59: body: a table of contents (three or more short paragraphs shown again later, in order, each heading a section of its own) is dropped, its headings stay; /58: body: a widget's line (View this post on Instagram, A post shared by ..., Table of Contents, Inhaltsverzeichnis, Pin it) and a shop button with its price ($14 at Amazon, 19,90 € bei Otto) are no paragraphs; /57: body: a newsletter's pitch (Get ... delivered to your inbox, Sign up for our newsletter ..., Thanks for reading ..., direkt in Ihr Postfach, Подпишитесь на рассылку) is no paragraph; /56: a dateline's clock times the date pattern left out (PUBLISHED: 00:01, Tue, Nov 19, 2019 | UPDATED: 10:43, ...) are no words: the line is a dateline; /55: body: an FAQ after a list that ends the text, or up to six lines after it (a box with a button, the FAQ's heading), is the article's too; /54: body: questions and their answers right after the article's column (an FAQ in a box or an accordion, questions at one indentation, answers at one) are the article's text; recipe-card buttons (Print Recipe, Rezept drucken) are calls to action; /53: body: a one-word list item inside the text (an ingredient, a tool, a name: Shovels, 3. Splunk) is kept like longer ones, unless the page lists it twice, it names a social network or share button (Twitter, Pocket) or it has no letter; /52: titles: four or more parts of up to three words (Экономика | Политика | Наука и образование | ...) and a Cyrillic line of six or more words nearly all capitalised (Главная Новости Справочник ...) are menus, no headlines; /51: body: a short label with a count in brackets (Все материалы (324), October (31), emacs (76)) is an archive's or a tag cloud's link, no paragraph; a year in brackets is no count; /50: titles: a part of 'Title | Site' that is a site's address (EXAMPLE.NET) is the site name; /49: Latin-script text misread as windows-1251 ('schГ¶n', 'fьr') and CJK pages misread as windows-1251 or -1252 are repaired before parsing (inputs.repair_mojibake); /48: Russian footers (При использовании материала ссылка ... обязательна, Перепечатка ..., Оцените, пожалуйста, статью, Зарегистрируйтесь или войдите ...) are site blocks; /47: body: a digit glued to the first word of most paragraphs (0Также ..., a hidden counter) is dropped; /46: a disclosure that links earn the site money (This post may contain affiliate links, As an Amazon Associate I earn from qualifying purchases, Dieser Artikel enthält Affiliate-Links) is furniture like a credit, unless its line holds a date; /45: bylines: editors and fact-checkers sign like authors (Edited by, Fact checked by: ..., Medically reviewed by ...), Read time: 14 min is a reading time; /44: a gallery's counter (Image 1 of 8, Bild 2 von 10, 1 of 4 A shopper looks ...) is a caption (media: gallery), and so is the line after it when the page shows it again, with every copy, cut short or not (... more); /43: body: a short line without a letter or a digit that is no code ("*", "★ ★ ★ ★ ★", a lone joiner) is no paragraph; /42: body: a long line without sentence punctuation whose words are nearly all capitalised (Select Country United States Canada ...) is a menu or a form's choices run together, no prose; /41: body: a repeated tail is a copy only when the original ends before the copy starts; /40: body: an indentation within two columns of the article's with at least half as much text is the article's column too (a guide's intro and sections in two containers); /39: body: a run of short plain lines between two stretches of text (a spec table, a box of product names) costs at most 2.0; /38: body: three or more teasers in a row under section labels or dates (a list of other stories) add no text; /37: body: the text ends before a comment thread's heading that quotes a line (59 Comments on “Title”), however much the thread outweighs it; /36: body: a page that shows its text again (five or more paragraphs at the end equal to an earlier run) gives it once; /35: body: rows of a table of figures (1/1/2013   +13.1%), three or more in a run, are part of the text and no datelines; /34: a blog's row under a post (This entry was posted in ..., Dieser Eintrag wurde veröffentlicht in ..., Comments are closed.) ends the article, however long; /33: a link arrow after a reply link or a call to action (Antwort ↓, Learn more →) keeps it furniture; /32: titles: a line that repeats the last item of a breadcrumb trail (* Home, * Section, * This headline) weighs 2.0; /31: inputs: lines of UTF-8 misread as a code page and saved again (isnâ€™t, РЎРѕРІРµС‚) are repaired with ftfy, and input_encoding says so; /30: links to all or more stories (More stories, All news, Alle Meldungen, все новости) end the article; /29: a breadcrumb trail under its label (Sie sind hier: Home » Reisen, You are here: Home) is a site-block line, however long; /28: titles: a button or call to action alone on its line (Download Now, Zurück zur Übersicht) is no headline; /27: lines without letters (#1, 4, 2/5) are no template lines, a comment's action row (Antworten · Gefällt mir · Melden) is a site-block line; /26: body: a list deeper than the paragraphs, between the start of the text and its last main-column paragraph, costs nothing (a guide's names, specs, steps); /25: body: items of a numbered list keep their number (3. Add the flour), bullets still lose their mark; /24: body: the short lines under an ingredients label (Zutaten, Ingredients, Składniki) cost nothing; /23: body: a paragraph that starts with the byline author's name and says who they are (Jane Roe is a city reporter ...) is an author's note, no text; /22: body: a button or call to action alone on its line (Book a demo, See price at Amazon, Jetzt kostenlos anmelden) is no paragraph; /21: body: a block heading the page repeats over sections of 150 words or more (Recommended courses:) is the article's label, no end of the text; /20: body: a subheading between a short-announced list and the text after it leaves the list the text's, list items one step deeper than the paragraphs keep their score, a list item that starts with a quantity in lower-case units (350 g Zucker) is a phrase; /19: titles: a comment counter rendered on the headline's line (...Комментарии: 45) is cut; /18: titles: a byline just under a line weighs 2.5, not 2.0; /17: lines: an emoji at the end of a line ends a sentence (... gefällt mir 😉), so a last paragraph closed by one is no footer; /16: titles: a short question to the reader (Are you checking us out?) is a call to action, no headline bonus; an English byline of up to 12 words (By Jane Roe, Executive Editor, Example Watch) is a byline; /15: titles: a kicker on the headline's line is cut when the headline stands alone within three lines, a dateline whose date ends three words or more of a headline (Minutes of the meeting of 10 October 2019) is a headline candidate, a reading time (5 min read, Lesezeit: 3 Minuten) is a byline, soft hyphens, zero-width spaces and word joiners are dropped from the lines; /14: titles: a byline's name again on its own line just under it (an author box) is byline, no headline; /13: body: a template line the page repeats section after section (Pros, Cons), never as a list item or next to another template line, heads the article's sections and is no template line; /12: dates: a date on the first line of the text counts as inside the text; /11: body: short list items inside the text are kept when the text goes on after the list, items of a list that are unique on the page do not grow dearer one after another, a site-block heading after the first-pass region closes the article, a comment's action link alone on its line (Reply, Antworten, Ответить) is a site-block line; /10: titles: forum member lines, created-by lines, Abb. captions and photograph credits are furniture, web addresses, PHP error messages and licence notices are no headlines, links to the previous or next post (« Title) are no headlines, no site part is cut when what is left starts in lower case, a separator left before the headline is cut, blog names (Example Data Blog) are no headlines, shop buttons, .gov banners, outdated-browser and search-box labels are no headlines, a comment heading that quotes a line (4 thoughts on “Title”) names the headline; /9: body: list items a line of the text introduces (ending with a colon; a short label only when the text goes on after the list) cost nothing, "по теме" blocks, apparatus headings (References, Quellen, Источники) end the text, list items do not choose the article's indentation, HTML markup lines and long lines in capitals without punctuation (menus) are no prose; /8: titles: a kicker before a spaced colon is cut; /7: publication dates: a date marked published above the end of the text wins, dates in sentences lose, more formats

_MIN_BODY_WORDS: Final = 12
_MIN_BODY_CHARS: Final = 60
# Pages beyond this many content lines are cut: the article is near the top, the rest is comments and lists.
_MAX_LINES: Final = 6000
_MAX_CHARS: Final = 1 << 21
_WHITESPACE: Final = re.compile(r"\s+")
# A separator or link arrow left before the headline ('| Title', '[> Title'): what remains of a breadcrumb or a link.
_LEADING_MARK: Final = re.compile(r"^\[?[|>›→<•·]+\s+(?=\w)")
# A comment counter the page renders on the headline's line ('... курильщикамКомментарии: 45', 'Title Comments (3)').
_TRAILING_COUNTER: Final = re.compile(
    r"\s*(?:comments?|kommentare?|commentaires?|comentarios?|commenti|komentarz[ey]?|комментари[йяи]|коментар[іів]+)"
    r"\s*:?\s*\(?\d+\)?$",
    re.IGNORECASE,
)
_COUNTER_FIRST: Final = frozenset("cCkKкК")  # the first letters of _TRAILING_COUNTER's words: a cheap test first
# Lead paragraphs passed over as headline candidates before a page counts as having no headline.
_MAX_LEADS: Final = 3


class RejectReason:
    """Stable reason codes written to rejects.jsonl."""

    EMPTY: Final = "empty"
    NO_TITLE: Final = "no_title"
    NO_BODY: Final = "no_body"
    BODY_TOO_SHORT: Final = "body_too_short"


@dataclasses.dataclass(frozen=True)
class PageHints:
    """What the build knows about a page beyond its text."""

    language: str | None = None
    timezone: str | None = None  # IANA name from the source's config
    default_timezone: str = "UTC"
    template_keys: frozenset[str] = frozenset()
    title: str | None = None  # e.g. an HTML <title>/og:title
    url: str | None = None
    published: str | None = None  # the publication time the markup states (an HTML article:published_time), ISO 8601


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


def page_lines(text: str) -> list[Line]:
    """The lines the parser reads of a page (its first _MAX_CHARS characters), with their features."""
    return split_lines(text[:_MAX_CHARS])


def page_short_keys(text: str, max_words: int) -> list[str]:
    """The distinct keys (sorted) of the lines of `page_lines(text)` with at most `max_words` words, without making
    the lines."""
    return short_keys(text[:_MAX_CHARS], max_words)


def parse_page(text: str, hints: PageHints | None = None, lines: list[Line] | None = None) -> ParsedArticle | ParseFailure:
    """Extract one article from a page's text. Never raises on any text.

    `lines`: `page_lines(text)`, when the caller has them already (the build reads template lines from them).
    """
    hints = hints or PageHints()
    if lines is None:
        lines = page_lines(text)
    content = [line for line in lines if line.text][:_MAX_LINES]
    if not content:
        return ParseFailure(RejectReason.EMPTY, "the page has no text")

    view = view_page(content, hints.template_keys, hints.language == "en")
    finder = RegionFinder(prose_scores(view))
    headlines = headline_scores(view, hints.title)
    if not headlines:
        return ParseFailure(RejectReason.NO_TITLE, "no line looks like a headline")
    choice = _choose_headline_and_text(view, finder, headlines)
    if isinstance(choice, ParseFailure):
        return choice
    title_position, region = choice
    # The article's paragraphs share one indentation (one container in the page); prose at other
    # indentations is teasers, comments and asides.
    rescored = RegionFinder(indent_scores(view, finder.scores, region))
    start = text_start_after(view, rescored, title_position)
    if start >= 0:
        region = trim_tail(content, rescored.from_start(start))
    region = _before_comment_thread(content, region, title_position)
    keys = view.title_keys
    line_text = headline_text(content[title_position], collections.Counter(keys), hints.template_keys, hints.title)
    if line_text == content[title_position].text and not title_parts(line_text):
        line_text = split_joined_kicker(line_text, view, title_position)
    title, media = strip_title_markers(line_text)
    if not title.strip():
        return ParseFailure(RejectReason.NO_TITLE, "the headline is only a media marker")

    key = normalise_key(title)
    repeats = {p for p in range(region.start, region.end + 1) if _repeats_title(keys[p], content[p].text, key)}
    found, prose_flags, caption_kinds = paragraphs(view, region, title_position, repeats)
    media |= caption_kinds
    if not found:
        return ParseFailure(RejectReason.NO_BODY, "no article text found after the headline")
    if not any(prose_flags) and not any(map(reads_as_prose, found)):  # a list of links, not items that are paragraphs
        return ParseFailure(RejectReason.NO_BODY, "only list items (links to other pages) after the headline")
    body = "\n\n".join(found)
    if len(body) < _MIN_BODY_CHARS and count_words(body) < _MIN_BODY_WORDS:  # length first: no count on long texts
        return ParseFailure(
            RejectReason.BODY_TOO_SHORT,
            f"article text has {count_words(body)} words, fewer than {_MIN_BODY_WORDS}",
        )

    language, confidence = identify_language(body, hints.language)
    dates = view.dates
    if (language == "en") != (hints.language == "en"):
        dates = reread_datelines(content, dates, language == "en")
    published_match = choose_published(view, dates, title_position, region)
    crawled_match = choose_crawled(dates, title_position, published_match)
    crawled = None
    if crawled_match is not None:
        year = crawled_match.year
        if year is None and published_match is not None and published_match.year is not None:
            year = infer_year(crawled_match, published_match.date())
        if year is not None:
            crawled = to_local_time(crawled_match, year, hints.timezone, hints.default_timezone)
    # A time the page's markup states is the CMS's own record of the publication; the text's datelines come second.
    published: LocalTime | None = markup_time(hints.published, hints.timezone, hints.default_timezone) if hints.published else None
    if published is None and published_match is not None:
        published = to_local_time(published_match, None, hints.timezone, hints.default_timezone)
    elif published is None:
        published = resolve_relative(view, title_position, crawled, hints.timezone, hints.default_timezone)

    return ParsedArticle(
        title=drop_kicker(_clean_title(title), language),
        paragraphs=tuple(found),
        language=language,
        language_confidence=confidence,
        media=tuple(sorted(media)),
        published=published,
        crawled=crawled,
        url=hints.url,
    )


def _choose_headline_and_text(view: PageView, finder: RegionFinder, headlines: dict[int, float]) -> tuple[int, Region] | ParseFailure:
    """The best (headline, text) pair whose headline is not the text's own first paragraph.

    A sentence closed by a full stop that the text runs on from is a lead, not a headline: the next best
    candidate is tried; a page whose best candidates are all leads has no headline.
    """
    for leads in range(_MAX_LEADS + 1):
        choice = choose_headline_and_text(view, finder, headlines)
        if choice is None:
            if leads:
                return ParseFailure(RejectReason.NO_TITLE, "no headline: every candidate is a paragraph of the text")
            return ParseFailure(RejectReason.NO_BODY, "no article text found after any headline")
        position, region = choice
        if region.start != position + 1 or not reads_as_lead(view.content[position]):
            return choice
        headlines = {p: score for p, score in headlines.items() if p != position}
    return ParseFailure(RejectReason.NO_TITLE, f"no headline: the {_MAX_LEADS + 1} best candidates are paragraphs of the text")


def _repeats_title(key: str, text: str, title: str) -> bool:
    """The line is the headline again, alone or as a part of 'Site | Title'."""
    return key == title or any(normalise_key(strip_title_markers(p)[0]) == title for p in title_parts(text))


def _before_comment_thread(content: list[Line], region: Region, title_position: int) -> Region:
    """The region up to a comment thread's heading inside it ('59 Comments on “Title”'): a long thread has more
    prose than the article, so the heading's cost does not split them, but what follows it is comments."""
    for position in range(max(region.start, title_position + 1), region.end + 1):
        line = content[position]
        if comments_quote(line.text, line.words):
            # The mass is the whole region's still: nothing after this step reads it.
            return trim_tail(content, Region(region.start, position - 1, region.mass)) if position > region.start else region
    return region


def _clean_title(title: str) -> str:
    title = _LEADING_MARK.sub("", _WHITESPACE.sub(" ", title).strip())
    if _COUNTER_FIRST.intersection(title[-40:]):
        title = _TRAILING_COUNTER.sub("", title) or title
    return title
