"""The headline and its text, chosen together.

Every eligible headline is paired with the best run of text that starts within reach after it; the
pair's score adds the headline's own evidence, the value of the text (with diminishing returns, so a
long comment thread or legal notice does not outweigh a shorter text under a well-evidenced headline)
and the words the two share, and subtracts the lines between them.
"""

from __future__ import annotations

import collections
import itertools
import re
from typing import Final

from corpus_lib.parse.body import Region, RegionFinder, region_value, trim_tail
from corpus_lib.parse.page import META_REACH, PageView
from corpus_lib.parse.title import WEIGHTS, HeadlineWeights, layout_weight

# Words of three letters or more (whole \w+ runs: a shorter run has no part this long).
_LONG_WORD: Final = re.compile(r"\w{3,}")
# The text may start this many content lines after its headline (share buttons, lead photo, teaser).
_BODY_REACH: Final = 40
# Each non-meta line between headline and text costs this much; as evidence about the headline
# (rather than about where the text starts) the distance counts for this share.
_DISTANCE_COST: Final = 0.3
_DISTANCE_WEIGHT: Final = 0.5
# Text running up to a candidate headline makes it a subheading.
_BEFORE_COST: Final = 0.25
_BEFORE_MAX_COST: Final = 4.0
_PROSE_ABOVE_COST: Final = 4.0
# Headlines sit in the upper part of a page; the last part holds comments, lists and legal notices.
_LATE_START: Final = 0.6
_LATE_COST: Final = 2.0
# Word overlap between headline and text re-ranks this many best pairs, over this much text.
_OVERLAP_PAIRS: Final = 8
_OVERLAP_WEIGHT: Final = 3.0
_OVERLAP_LINES: Final = 12
_OVERLAP_CHARS: Final = 2000
# Of two headlines of the same text with equal scores (to rounding), the nearer the text wins: a blog's name or tagline
# stands above the post's title with the same evidence. Of other equals, the first.
_TIE: Final = 1e-9
_STEM_CHARS: Final = 5
# A headline deeper indented than its text sits in another container (a sidebar, a teaser list).
_DEEPER_COST: Final = 1.5
# A longer candidate this close after a headline, before the same text, is its deck.
_DECK_REACH: Final = 2
_DECK_MIN_WORDS: Final = 2
_DECK_BONUS: Final = 1.0


def choose_headline_and_text(view: PageView, finder: RegionFinder, headlines: dict[int, float]) -> tuple[int, Region] | None:
    """The (headline, text) pair with the best headline evidence plus text value, minus the distance between them."""
    pairs = pair_scores(view, finder, headlines)
    if not pairs:
        return None
    # A headline names what its text is about: among the best pairs, shared words decide.
    pairs.sort(key=lambda pair: -pair[0])
    text_stems: dict[int, set[str]] = {}
    best, best_score = pairs[0], float("-inf")
    for pair in pairs[:_OVERLAP_PAIRS]:
        if pair[0] + _OVERLAP_WEIGHT < best_score:
            break  # not even full overlap (1.0) reaches the best, nor for the lower pairs after it: no words to compare
        score = pair[0] + _OVERLAP_WEIGHT * word_overlap(view, pair[1], pair[2], text_stems)
        if score > best_score or (score > best_score - _TIE and pair[2].start == best[2].start and pair[1] > best[1]):
            best, best_score = pair, score
    return best[1], trim_tail(view.content, best[2])


def pair_scores(
    view: PageView, finder: RegionFinder, headlines: dict[int, float], weights: HeadlineWeights = WEIGHTS
) -> list[tuple[float, int, Region]]:
    """(score, headline position, its text) of every headline that has text after it, in the order of `headlines`:
    the headline's evidence in its place on the page plus the text's value (before word overlap re-ranks them)."""
    n = len(view.content)
    after = texts_after(view, finder)
    pairs: list[tuple[float, int, Region]] = []
    texts: dict[int, tuple[Region, float]] = {}  # start -> (region, its value): many headlines share a text
    for position, headline in headlines.items():
        value, start = after[position]
        if start < 0:
            continue
        # A line inside running text is a subheading, not the headline: text runs up to it, or the
        # lines above hold much text compared with the lines below.
        prose_above = finder.prose_above_ratio(position)
        headline -= min(_BEFORE_MAX_COST, _BEFORE_COST * max(0.0, finder.run_before[position]))
        headline -= _PROSE_ABOVE_COST * prose_above
        # Blank lines mark a heading, the headline's or a subheading's: they count as much as no text runs above.
        if finder.run_before[position] <= 0.0:
            headline += layout_weight(view, position, weights) * (1.0 - prose_above)
        headline -= _LATE_COST * max(0.0, position / n - _LATE_START) / (1.0 - _LATE_START)
        if view.content[position].indent > view.content[start].indent:
            headline -= _DEEPER_COST
        if start not in texts:
            region = finder.from_start(start)
            texts[start] = region, region_value(region.mass)
        region, text_value = texts[start]
        # The distance chose where the text starts; as evidence about the headline it counts for less.
        pairs.append((headline + text_value + _DISTANCE_WEIGHT * (value - text_value), position, region))
    _prefer_over_deck(view, pairs)
    return pairs


def _prefer_over_deck(view: PageView, pairs: list[tuple[float, int, Region]]) -> None:
    """A headline is followed by its longer deck (a standfirst, a teaser) before the same text: the first of
    the two is the headline."""
    starts = {position: region.start for _, position, region in pairs}
    content = view.content
    for i, (score, position, region) in enumerate(pairs):
        words = content[position].words
        if words < _DECK_MIN_WORDS:
            continue
        for deck in range(position + 1, position + _DECK_REACH + 1):
            if starts.get(deck) == region.start and content[deck].words > words:
                pairs[i] = (score + _DECK_BONUS, position, region)
                break


def texts_after(view: PageView, finder: RegionFinder) -> list[tuple[float, int]]:
    """For every line: the best run of text starting within reach after it, valued net of the lines between
    (value, start; start -1 when there is none). One pass with a sliding-window maximum."""
    scores, dateline = finder.scores, view.dateline
    n = len(scores)
    distance = _distances(view)
    first_date_refund = [0.0] * n
    next_date = n
    for i in range(n - 1, -1, -1):
        if next_date - i <= META_REACH:
            first_date_refund[i] = _DISTANCE_COST
        if dateline[i]:
            next_date = i
    weight = _start_weights(finder, distance, range(n))
    result: list[tuple[float, int]] = [(float("-inf"), -1)] * n
    window: collections.deque[int] = collections.deque()  # starts in (i, i + reach], weights decreasing
    for i in range(n - 1, -1, -1):
        start = i + 1
        if start < n:
            while window and weight[window[-1]] <= weight[start]:
                window.pop()
            window.append(start)
        while window and window[0] > i + _BODY_REACH:
            window.popleft()
        if window and weight[window[0]] > float("-inf"):
            best = window[0]
            result[i] = (weight[best] + distance[i + 1] + min(first_date_refund[i], distance[best] - distance[i + 1]), best)
    return result


def text_start_after(view: PageView, finder: RegionFinder, position: int) -> int:
    """texts_after(view, finder)[position][1], weighing only the starts within reach of this one line."""
    starts = range(position + 1, min(len(finder.scores), position + _BODY_REACH + 1))
    if not starts:
        return -1
    weight = _start_weights(finder, _distances(view), starts)
    best = max(starts, key=lambda start: weight[start - starts.start])  # the first of equals, as in texts_after
    return best if weight[best - starts.start] > float("-inf") else -1


def _distances(view: PageView) -> list[float]:
    """distance[i]: cost of the lines before i; meta lines (dateline, byline, caption) are free, except that
    a second date is another item of a list, not this headline's."""
    costs = (_DISTANCE_COST if not meta or dateline else 0.0 for meta, dateline in zip(view.meta, view.dateline))
    return list(itertools.accumulate(costs, initial=0.0))


def _start_weights(finder: RegionFinder, distance: list[float], starts: range) -> list[float]:
    """For each start: the value of the best run of text from it, net of the distance to it (-inf: no text starts there)."""
    # finder.from_start(s).mass, without building a Region per line
    scores, prefix, best_end = finder.scores, finder.prefix, finder.best_end
    return [
        region_value(prefix[best_end[s] + 1] - prefix[s]) - distance[s] if scores[s] > 0 else float("-inf") for s in starts
    ]


def _stems(text: str) -> set[str]:
    """Word stems cheap enough for any language: the first letters of each longer word."""
    return {word[:_STEM_CHARS] for word in _LONG_WORD.findall(text.casefold()) if not word.isdigit()}


def word_overlap(view: PageView, position: int, region: Region, cache: dict[int, set[str]]) -> float:
    """Share of the headline's words that occur in the first lines of the text."""
    headline = _stems(view.content[position].text)
    if len(headline) < 2:
        return 0.0
    if region.start not in cache:
        lines = range(region.start, min(region.end + 1, region.start + _OVERLAP_LINES))
        cache[region.start] = _stems(" ".join(view.content[p].text for p in lines)[:_OVERLAP_CHARS])
    return len(headline & cache[region.start]) / len(headline)
