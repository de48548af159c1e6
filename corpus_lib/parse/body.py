"""Where the article text is: line prose scores, the best run of lines after a headline, its paragraphs."""

from __future__ import annotations

import collections
import dataclasses
import itertools
import math
import re
from typing import Final

from corpus_lib.parse.boilerplate import is_button_or_widget, is_social_word
from corpus_lib.parse.lines import Line
from corpus_lib.parse.page import PageView, byline_names, is_author_note

# A run of furniture costs more per line the longer it gets: a caption or an ad label inside the
# article is cheap to cross, a menu or a list of related links is not.
_GAP_GROWTH: Final = 0.25
_GAP_MAX_FACTOR: Final = 3.0
# Items of a list cost the same each: an article's list of short items is one thing, not a growing run of
# furniture; items that recur on the page or across the source are menus and grow dearer as other furniture.
_LIST_GAP_MAX_FACTOR: Final = 1.0
# The heading of a related/comments/share block: text after it belongs to the site, not the article.
_END_BLOCK_SCORE: Final = -6.0
# Dates on lines of their own head an article once; inside a run of text they mark a list of
# teasers or comments.
_DATELINE_SCORE: Final = -2.0
_TEMPLATE_SCORE: Final = -2.0
_BLOCK_SCORE: Final = -3.0
# A paragraph that looks like a teaser in a list of other stories keeps this share of its score.
_TEASER_FACTOR: Final = 0.4
_SHORT_LINE_SCORE: Final = -0.6  # a short line that is no sentence: a label, a link, a menu item
_PLAIN_GAP_COST: Final = 2.0
_TEASER_GAP: Final = 4  # lines from one teaser to the next: label or date, headline, lede
_TEASER_RUN: Final = 3
_TEASER_RUN_SCORE: Final = 0.0
# A line ending with a colon and at least this many words introduces the list after it; a shorter one
# ('Key features:', at least _MIN_LABEL_INTRO_WORDS) only a list that the text goes on after.
_MIN_INTRO_WORDS: Final = 4
_MIN_LABEL_INTRO_WORDS: Final = 2
# Windows for comparing the text above a line with the text below it.
_ABOVE_LINES: Final = 30
_BELOW_LINES: Final = 60
# Second pass: prose at the article's indentation, and elsewhere (lists, quotes, boxes, teasers).
_MAIN_INDENT_FACTOR: Final = 1.5
_OTHER_INDENT_FACTOR: Final = 0.3
_OFF_INDENT_SCORE: Final = -0.3
_MIN_MAIN_INDENT_MASS: Final = 10.0
_MIN_REPEATED_TAIL: Final = 5  # paragraphs
# An FAQ after the text (_questions_and_answers): how far after the column's last line it starts, how many questions.
_QA_REACH: Final = 6  # lines: a box with a button or two and the FAQ's heading may stand between
_MIN_QUESTIONS: Final = 2
_MAX_QUESTION_WORDS: Final = 25
_SECOND_COLUMN_SHARE: Final = 0.5
_LIST_STEP: Final = 2  # how much deeper than the paragraphs a renderer indents a list inside them
_MARKUP_TAGS: Final = 3
_MIN_GLUED_PARAGRAPHS: Final = 3
# A table of contents (_drop_contents_lists): at least this many items of up to _MAX_CONTENTS_WORDS words.
_MIN_CONTENTS_ITEMS: Final = 3
_MAX_CONTENTS_WORDS: Final = 15
_GLUED_SHARE: Final = 0.5
_DECORATION_CHARS: Final = 60
_ANY_WORD_CHAR: Final = re.compile(r"\w")
_ANY_LETTER: Final = re.compile(r"[^\W\d_]")
_CODE_CHARS: Final = re.compile(r"[{}()\[\];=]")
_MIN_RUN_WORDS: Final = 12
_RUN_CAPITALISED_SHARE: Final = 0.8
# 'Все материалы (324)', 'October (31)', 'emacs (76)': a label with the count of the posts or comments behind it (an
# archive, a tag cloud, a section's link), no text. A year in brackets is no count ('BMW 2er Active Tourer (2022)').
_COUNTED_LABEL: Final = re.compile(r"[^.!?:()]{1,60}\s\((?!(?:1[89]|20)\d\d\))\d{1,5}\)")
_COUNTED_LABEL_WORDS: Final = 8
_LEADING_TIME: Final = re.compile(r"[0-2]?\d:[0-5]\d(?!\d)")
_WHITESPACE: Final = re.compile(r"\s+")
# The label over a recipe's ingredients, alone or for a number of servings ('Zutaten für 4 Personen').
_INGREDIENTS: Final = re.compile(
    r"(?:ingredients|zutaten|ingrédients|ingredientes|ingredienti|ingrediënten|składniki|ингредиенты|інгредієнти|"
    r"(?:what )?you(?:'ll| will)? need|das brauchst du|du brauchst|sie brauchen)(?:\W+(?:for|für|pour|para|per|voor|na|на)\W.*)?"
)
_MAX_INGREDIENT_WORDS: Final = 8
# '350 g Zucker', '1/2 cup flour', '2,5 kg': a quantity and a unit in lower case, an ingredient or a spec
_QUANTITY: Final = re.compile(r"\d+(?:[.,/]\d+)?\s?[^\W\d_A-Z]")


def prose_scores(view: PageView) -> list[float]:
    """Per position: how much the line looks like article text (positive) or page furniture (negative)."""
    scores = [_prose_score(view, position) for position in range(len(view.content))]
    content = view.content
    # A lone paragraph under a headline that follows a label or a date, with another item after it, is a
    # teaser in a list of other stories; a listicle's sections follow paragraphs, not labels. Runs of teasers
    # under the source's section labels or under dates add nothing (_zero_teaser_runs).
    raw = scores[:]
    teasers: list[int] = []
    for position in range(2, len(scores) - 1):
        if (
            raw[position] > 0
            and _is_heading(content[position - 1])
            and raw[position - 2] <= 0
            and (raw[position + 1] < 0 or _is_heading(content[position + 1]))
        ):
            scores[position] *= _TEASER_FACTOR
            if view.template[position - 2] or view.dateline[position - 2]:  # under a section label or a date
                teasers.append(position)
    _zero_teaser_runs(scores, teasers)
    # Items of a list that a line of the text announces ('You will need:') are the article's list, not a menu:
    # with a longer announcement, or when the text goes on after the list.
    introduced = 0  # words of the line that announces the current list (0: none)
    items: list[int] = []
    waiting: list[int] = []  # items of short-announced lists, until a line with a score says whether text follows
    for position, line in enumerate(content):
        score = scores[position]
        if line.bullet:
            if introduced and _DATELINE_SCORE < score < 0:
                items.append(position)
            continue
        if items and introduced >= _MIN_INTRO_WORDS:
            for item in items:
                scores[item] = 0.0
        else:
            waiting += items
        items = []
        if score > 0:
            for item in waiting:
                scores[item] = 0.0
        if score != 0:  # a subheading or a caption between a list and the text says nothing either way
            waiting = []
        introduced = line.words if line.text[-1] == ":" and line.words >= _MIN_LABEL_INTRO_WORDS and score >= 0 else 0
    if items and introduced >= _MIN_INTRO_WORDS:
        for item in items:
            scores[item] = 0.0
    # A recipe's ingredients under their label: short lines (quantities, names, a table) that cost nothing.
    under_label = False
    for position, line in enumerate(content):
        if not line.bullet and scores[position] <= 0 and _INGREDIENTS.fullmatch(line.key):
            scores[position], under_label = 0.0, True
        elif under_label and line.words <= _MAX_INGREDIENT_WORDS and scores[position] > _DATELINE_SCORE:
            scores[position] = max(0.0, scores[position])
        else:
            under_label = False
    repeats = collections.Counter(line.key for line in content if line.bullet)
    run = 0
    for position, score in enumerate(scores):
        if score < 0:
            run += 1
            line = content[position]
            cap = _LIST_GAP_MAX_FACTOR if line.bullet and repeats[line.key] < 2 else _GAP_MAX_FACTOR
            scores[position] = score * min(cap, 1.0 + _GAP_GROWTH * (run - 1))
        elif score > 0:
            run = 0
    _cap_plain_gaps(scores, raw, content)
    return scores


def _cap_plain_gaps(scores: list[float], raw: list[float], content: list[Line]) -> None:
    """A run of short plain lines between two stretches of text costs at most _PLAIN_GAP_COST: a spec table
    ('Weight' / '56g'), a box of product names, a subheading's short lines inside a long guide. Their cost grows
    with the run like any furniture's, so a guide's sections, each with such a box, fell apart into its first
    section. Plain lines scored 0 or _SHORT_LINE_SCORE (labels, one-word headings, menus run together on one line);
    runs with a list item, a dateline, a site block or a template line keep their cost."""
    start = -1
    for position, score in enumerate(scores):
        if score <= 0.0:
            if start < 0:
                start = position
            continue
        if start > 0:
            gap = range(start, position)
            cost = -sum(scores[p] for p in gap)
            if cost > _PLAIN_GAP_COST and all(
                raw[p] == 0.0 or (raw[p] == _SHORT_LINE_SCORE and not content[p].bullet) for p in gap
            ):
                for p in gap:
                    scores[p] *= _PLAIN_GAP_COST / cost
        start = -1


def indent_scores(view: PageView, scores: list[float], region: Region) -> list[float]:
    """Scores again: prose at the region's main indentation (or indentations, see _SECOND_COLUMN_SHARE) is worth
    more; prose elsewhere is worth less, and after the last main-indentation line of the region it is an aside (a
    box, a teaser, a comment)."""
    # List items sit deeper than the paragraphs around them: the paragraphs tell the article's column.
    weight: dict[int, float] = {}
    for bullets in (False, True):
        for position in range(region.start, region.end + 1):
            line = view.content[position]
            if scores[position] > 0 and line.bullet == bullets:
                weight[line.indent] = weight.get(line.indent, 0.0) + scores[position]
        if weight:
            break
    if not weight:
        return scores
    main = max(weight, key=weight.__getitem__)
    # A guide's intro and its sections may sit in two containers one step apart: an indentation that close with at
    # least half as much text is the article's column too.
    mains = {main} | {
        indent for indent, mass in weight.items()
        if 0 < abs(indent - main) <= _LIST_STEP and mass >= _SECOND_COLUMN_SHARE * weight[main]
    }
    last = max(p for p in range(region.start, region.end + 1) if scores[p] > 0 and view.content[p].indent in mains)
    if weight[main] < _MIN_MAIN_INDENT_MASS:
        last = len(scores)  # too little text to tell the article's column from an aside
    faq = _questions_and_answers(view, scores, last, region.end)
    if faq is not None:
        mains = mains | faq[0]
        last = max(last, faq[1])
    # The heading of a site block after the region closes the article: text after it is not boosted back in.
    end_block, credit = view.end_block, view.credit
    closed = next((p for p in range(region.end + 1, len(scores)) if end_block[p] and not credit[p]), len(scores))
    # A list deeper than the paragraphs, after the text starts and before its last paragraph in the main column (before
    # the close), is the article's own (a guide's names, specs, steps): its short items cost nothing.
    last_text = max(
        (p for p in range(closed) if scores[p] > 0 and view.content[p].indent in mains and not view.content[p].bullet), default=-1
    )
    rescored = []
    for position, (score, line) in enumerate(zip(scores, view.content)):
        if score <= 0:
            nested = line.bullet and line.indent > main and region.start < position < last_text
            rescored.append(0.0 if nested and score > _DATELINE_SCORE else score)
        elif line.indent in mains:
            rescored.append(score * _MAIN_INDENT_FACTOR if position < closed else score)
        elif position > last and not line.bullet:
            rescored.append(_OFF_INDENT_SCORE)
        elif line.bullet and 0 < line.indent - main <= _LIST_STEP:
            rescored.append(score)  # the article's own list, one step deeper than its paragraphs
        else:
            rescored.append(score * _OTHER_INDENT_FACTOR)
    return rescored


def _questions_and_answers(view: PageView, scores: list[float], last: int, end: int) -> tuple[set[int], int] | None:
    """(indentations, last position) of a run of questions and their answers that starts within _QA_REACH lines after
    the last line of the article's column (or the list after it), inside the first-pass region: an FAQ the page
    renders in a box of its own ('How long does it take?' / 'Most filings take two days.' ...), at least
    _MIN_QUESTIONS questions, each a line of its own followed by one or more paragraphs, the questions at one
    indentation and the answers at one (the same or deeper, as accordions show them). Comments ask questions too,
    but names and dates stand between them."""
    content = view.content
    position = last + 1
    while position <= end and content[position].bullet:
        position += 1  # the list that ends the text
    reach = min(end, position + _QA_REACH - 1)
    while position <= reach and not _is_question(content[position]):
        position += 1
    if position > reach:
        return None
    asked = content[position].indent
    answers = -1  # the answers' indentation, once one is seen
    questions, answered, last_answer = 0, False, -1
    while position <= end:
        line = content[position]
        if _is_question(line) and line.indent == asked:
            if questions and not answered:
                break
            questions, answered = questions + 1, False
        elif questions and scores[position] > 0 and not line.bullet and (answers < 0 or line.indent == answers):
            answers, answered, last_answer = line.indent, True, position
        else:
            break
        position += 1
    return ({asked, answers}, last_answer) if questions >= _MIN_QUESTIONS and answers >= 0 else None


def _is_question(line: Line) -> bool:
    return line.text[-1] == "?" and not line.bullet and 2 <= line.words <= _MAX_QUESTION_WORDS


def _prose_score(view: PageView, position: int) -> float:
    line = view.content[position]
    if view.caption[position] or view.credit[position]:
        return 0.0  # photo captions and credits sit between paragraphs: neither body nor a boundary
    if view.template[position] and not (line.ends_sentence and line.words >= 6):
        return _TEMPLATE_SCORE  # a recurring sentence is a stock phrase of the prose, not furniture
    if view.end_block[position]:
        return _END_BLOCK_SCORE
    if view.block[position]:
        return _BLOCK_SCORE
    if view.dateline[position]:
        return _DATELINE_SCORE
    if view.figures[position]:
        return 0.0  # a table of figures in the text: short lines, but no furniture
    length = len(line.text)
    if line.bullet:
        return _list_item_score(line, length)
    if _is_markup(line):
        return -1.0  # HTML markup shown as text: an embed or 'copy this code' widget, not prose
    if line.text[0].isdigit() and _LEADING_TIME.match(line.text):
        return -1.0  # '12:20 / Headline of another story': a news feed item
    if _is_heading(line):
        return 0.0 if line.words >= 2 else _SHORT_LINE_SCORE  # a heading: inside the text it costs nothing, outside it adds nothing
    if line.words >= 8 or length >= 60:
        if not line.ends_sentence and (line.text.isupper() or _is_title_case_run(line.text)):
            return _SHORT_LINE_SCORE  # 'NEWS POLITICS BUSINESS SPORT ...': a menu run together on one line, not a sentence
        score = min(length, 400) / 80 + (0.5 if line.ends_sentence else 0.0)  # longer prose weighs more, up to a cap
        truncated = line.text[-1] == "…" or line.text.endswith("...")
        return score * _TEASER_FACTOR if truncated else score  # a teaser cut short, linking to another story
    if line.ends_sentence and line.words >= 3:
        return 0.2
    return _SHORT_LINE_SCORE


def _is_title_case_run(text: str) -> bool:
    """'Select Country United States Canada Afghanistan ...': a menu or a form's choices run together, nearly every
    word capitalised (a long sentence has lower-case words between its names)."""
    words = text.split()
    if len(words) < _MIN_RUN_WORDS:
        return False
    capitalised = sum(1 for word in words if word[0].isupper())
    return capitalised >= _RUN_CAPITALISED_SHARE * len(words)


def _is_markup(line: Line) -> bool:
    text = line.text
    return text[0] == "<" and text[-1] == ">" and text.count("<") >= _MARKUP_TAGS


def _zero_teaser_runs(scores: list[float], teasers: list[int]) -> None:
    """Teasers _TEASER_RUN or more in a row, each within _TEASER_GAP lines of the one before, are a list of other
    stories: they add no text. One teaser still counts for a little (a deck, a section's one paragraph), but ten
    long ledes would outweigh a short article and carry its text into the list."""
    run: list[int] = []
    for position in [*teasers, len(scores) + _TEASER_GAP + 1]:
        if run and position - run[-1] > _TEASER_GAP:
            if len(run) >= _TEASER_RUN:
                for p in run:
                    scores[p] = _TEASER_RUN_SCORE
            run = []
        run.append(position)


def _is_heading(line: Line) -> bool:
    """A short line without sentence punctuation: a subheading, a headline, a label."""
    return not line.ends_sentence and line.words < 12 and len(line.text) < 120


def _list_item_score(line: Line, length: int) -> float:
    """Menus and link lists are short capitalised items; lists inside an article read like phrases."""
    text = line.text
    phrase = line.ends_sentence or ", " in text or ": " in text or text[0].islower() or (text[0].isdigit() and _QUANTITY.match(text) is not None)
    if phrase and (line.words >= 8 or length >= 60):
        return min(length, 400) / 80 - 0.25
    if phrase and line.words >= 3:
        return 0.1
    return -1.0 if line.words >= 4 else -1.5  # a link to another story, or a menu item


@dataclasses.dataclass(frozen=True, slots=True)
class Region:
    start: int  # positions in view.content, inclusive
    end: int
    mass: float  # sum of prose scores


class RegionFinder:
    """Best runs of lines by prose score, answered in O(1) per start position after O(n) setup."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = scores
        n = len(scores)
        # Running sums, added in the same order as a loop would (the same floats, faster).
        prefix = list(itertools.accumulate(scores, initial=0.0))
        self.prefix = prefix
        # best_end[i]: the end e >= i that maximises prefix[e + 1]
        best_end = [0] * n
        best = n - 1
        for i in range(n - 1, -1, -1):
            if prefix[i + 1] > prefix[best + 1]:
                best = i
            best_end[i] = best
        self.best_end = best_end
        # run_before[i]: mass of the best run of lines that ends just before i (Kadane's running sum)
        run_before = [0.0] * n
        run = 0.0
        for i, s in enumerate(scores):
            run_before[i] = run
            run = (run if run > 0.0 else 0.0) + s
        self.run_before = run_before
        self.positive = list(itertools.accumulate((s if s > 0.0 else 0.0 for s in scores), initial=0.0))

    def prose_above_ratio(self, position: int) -> float:
        """Text in the lines above a position relative to the text below it, capped at 1."""
        positive = self.positive
        above = positive[position] - positive[max(0, position - _ABOVE_LINES)]
        below = positive[min(len(positive) - 1, position + _BELOW_LINES)] - positive[position]
        return min(1.0, above / (1.0 + below))

    def from_start(self, start: int) -> Region:
        end = self.best_end[start]
        return Region(start, end, self.prefix[end + 1] - self.prefix[start])


def region_value(mass: float) -> float:
    """Diminishing returns on text mass, so a long comment thread or legal notice does not outweigh
    a shorter text under a well-evidenced headline."""
    return 3.0 * math.log1p(max(mass, 0.0) / 4.0)


def trim_tail(content: list[Line], region: Region) -> Region:
    """Drop short unpunctuated lines that close the region: footers ('Official site of ...'), not prose."""
    start, end = region.start, region.end
    while end > start and not content[end].ends_sentence and content[end].words < 15:
        end -= 1
    return Region(start, end, region.mass)


def _single_spaced(text: str) -> str:
    """Whitespace runs as single spaces. Most paragraphs have nothing to replace: printable text (every
    whitespace character but the space is unprintable) without a double space is returned as it is."""
    if "  " not in text and text.isprintable():
        return text
    return _WHITESPACE.sub(" ", text)


def paragraphs(view: PageView, region: Region, title_position: int, title_repeats: set[int]) -> tuple[list[str], list[bool], set[str]]:
    """Body paragraphs, whether each is prose (not a list item), and media named by captions."""
    content = view.content
    out: list[str] = []
    prose: list[bool] = []
    media: set[str] = set()
    # Short list items belong to the text when it goes on after their list (a list ending the region is links).
    text_after = False
    list_in_text = [False] * (region.end + 1 - region.start)
    authors = byline_names(view)
    bullet_keys: collections.Counter[str] | None = None
    for position in range(region.end, region.start - 1, -1):
        line = content[position]
        if not line.bullet and _is_paragraph(line):
            text_after = True
        list_in_text[position - region.start] = text_after
    for position in range(region.start, region.end + 1):
        if position <= title_position:
            continue
        line = content[position]
        if view.caption[position]:
            media |= view.caption[position]
            continue
        if view.credit[position] or view.dateline[position] or view.byline[position] or view.block[position]:
            continue
        if view.template[position] and not (line.ends_sentence and line.words >= 6):
            continue
        if position in title_repeats:
            continue
        if line.bullet and line.words < 6 and not list_in_text[position - region.start]:
            continue
        # A one-word item inside the text is an ingredient, a tool, a name ('Shovels', '3. Splunk'); one the page
        # lists twice is a menu's, and a network's name or a bare number is a share button or a pager's.
        if line.bullet and line.words <= 1:
            if bullet_keys is None:
                bullet_keys = collections.Counter(other.key for other in content if other.bullet and other.words == 1)
            if bullet_keys[line.key] > 1 or is_social_word(line.key) or not _ANY_LETTER.search(line.text):
                continue
        if _is_markup(line) or is_button_or_widget(line.text, line.key, line.words) or is_author_note(line.text, line.words, authors):
            continue
        if _is_decoration(line.text):
            continue  # '*', '★ ★ ★ ★ ★', a lone joiner: an empty list item, a rating widget, a rule
        if line.text[-1] == ")" and line.words <= _COUNTED_LABEL_WORDS and _COUNTED_LABEL.fullmatch(line.text):
            continue
        if _is_label(line) and not _label_belongs(content, position, region.end):
            continue  # 'Buy poster', 'Posts by tags': a label among paragraphs, heading none of them
        out.append(_single_spaced(_item_text(line)))
        prose.append(not line.bullet)
    kept = _without_repeated_tail(out)
    del out[kept:], prose[kept:]
    _drop_contents_lists(out, prose)
    _drop_glued_counter(out)
    # Captions just outside the region (between headline and body, or after the last paragraph).
    for position in [*range(max(0, region.start - 6), region.start), *range(region.end + 1, min(len(content), region.end + 4))]:
        if position > title_position:
            media |= view.caption[position]
    return out, prose, media


def _drop_contents_lists(paragraphs: list[str], prose: list[bool]) -> None:
    """A table of contents: _MIN_CONTENTS_ITEMS or more short paragraphs in a row, there for the first time, each of them
    shown again later, in the same order, as the heading of a section of its own (text stands between each two). The
    headings stay where the text has them. Items repeated as a run (the same meals on the first and the last day of a
    plan) are the text's own."""
    if len(set(paragraphs)) == len(paragraphs):
        return  # nothing shown twice
    first: dict[str, int] = {}  # a paragraph's first position
    later: dict[str, int] = {}  # and its second
    for i, text in enumerate(paragraphs):
        if text not in first:
            first[text] = i
        elif text not in later:
            later[text] = i
    drop: list[int] = []
    run: list[int] = []
    for i, text in enumerate([*paragraphs, ""]):
        item = text in later and first[text] == i and len(text.split()) <= _MAX_CONTENTS_WORDS
        if item and run and later[text] > later[paragraphs[run[-1]]] + 1:
            run.append(i)
            continue
        if len(run) >= _MIN_CONTENTS_ITEMS:
            drop += run
        run = [i] if item else []
    for i in reversed(drop):
        del paragraphs[i], prose[i]


def _drop_glued_counter(paragraphs: list[str]) -> None:
    """'0Также к смертной казни ...': a renderer glued the same digit (a hidden counter) to the first word of most
    paragraphs, _MIN_GLUED_PARAGRAPHS or more; it is dropped (also where a space follows it, '0 По сообщениям ...'), so
    the word is a word again. A single '3D printers ...' or '5G ...' stays, and so do quantities ('1 cup flour'):
    only a digit glued to a capital letter counts."""
    heads = collections.Counter(text[0] for text in paragraphs if len(text) > 1 and text[0].isdigit() and text[1].isupper())
    if not heads:
        return
    digit, count = heads.most_common(1)[0]
    if count < _MIN_GLUED_PARAGRAPHS or count < _GLUED_SHARE * len(paragraphs):
        return
    for i, text in enumerate(paragraphs):
        if len(text) > 1 and text[0] == digit and (text[1].isupper() or text[1] == " ") and text[1:].strip():
            paragraphs[i] = text[1:].lstrip()


def _without_repeated_tail(paragraphs: list[str]) -> int:
    """How many paragraphs to keep: a page that shows its text twice or more (a layout for each screen, a print
    copy) repeats it at the end, and a tail of _MIN_REPEATED_TAIL or more paragraphs equal to an earlier run is
    such a copy. A guide's repeated items (the same meal on two days, a sponsor's box under each section) are
    shorter runs, or followed by text of their own."""
    end = len(paragraphs)
    while end > _MIN_REPEATED_TAIL:
        last = paragraphs[end - 1]
        longest = 0
        for earlier in range(end - 2, -1, -1):
            if paragraphs[earlier] != last:
                continue
            # The copy is paragraphs[end - n : end], the original paragraphs[earlier + 1 - n : earlier + 1]; the
            # original ends before the copy starts (six equal paragraphs in a row are no text shown twice).
            n = 1
            while n <= earlier and end - 1 - n > earlier and paragraphs[earlier - n] == paragraphs[end - 1 - n]:
                n += 1
            longest = max(longest, n)
        if longest < _MIN_REPEATED_TAIL:
            break
        end -= longest
    return end


# A short line without sentence punctuation is a label (a button, a box title, a link) unless it heads
# a paragraph (a subheading) or belongs to a run of short lines (a code block, a recipe, an address).
_LABEL_WORDS: Final = 6
_LABEL_CHARS: Final = 40  # CJK lines have no spaces: a long one is no label
_MIN_SHORT_RUN: Final = 3


def _item_text(line: Line) -> str:
    """The line's text, with its number when it is an item of a numbered list ('3. Add the flour'): the number is the
    author's (a step, a rank), where a bullet is the renderer's."""
    if line.bullet:
        stripped = line.raw.strip()
        if stripped[0].isdigit() and stripped.endswith(line.text):
            return stripped
    return line.text


def _is_decoration(text: str) -> bool:
    """A short line without a letter or a digit that is no line of code ('};', ')'): nothing a reader reads."""
    return len(text) <= _DECORATION_CHARS and _ANY_WORD_CHAR.search(text) is None and _CODE_CHARS.search(text) is None


def _is_label(line: Line) -> bool:
    return not line.bullet and not line.ends_sentence and line.words < _LABEL_WORDS and len(line.text) < _LABEL_CHARS


def _is_paragraph(line: Line) -> bool:
    if line.bullet:
        return line.words >= 6
    return line.words >= 8 or len(line.text) >= 60 or (line.ends_sentence and (line.words >= 3 or len(line.text) >= 20))


def _label_belongs(content: list[Line], position: int, end: int) -> bool:
    """The label at `position` heads the paragraph after it, or is one of at least _MIN_SHORT_RUN short
    lines in a row (looked for within that reach only: cost stays linear on pages of short lines)."""
    if position < end and _is_paragraph(content[position + 1]):
        return True
    first = position
    while first > 0 and position - first < _MIN_SHORT_RUN and not _is_paragraph(content[first - 1]):
        first -= 1
    last = position
    while last < end and last - first + 1 < _MIN_SHORT_RUN and not _is_paragraph(content[last + 1]):
        last += 1
    return last - first + 1 >= _MIN_SHORT_RUN
