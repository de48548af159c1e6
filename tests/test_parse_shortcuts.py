"""The parser's shortcuts give what the longer way gives: one text start, dates reread, letters counted, short
line keys without the lines."""

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.parse.anchor import text_start_after, texts_after
from corpus_lib.parse.body import RegionFinder, prose_scores
from corpus_lib.parse.article import page_lines, page_short_keys
from corpus_lib.parse.lines import normalise_key, split_lines
from corpus_lib.templates import TEMPLATE_MAX_WORDS, short_line_keys
from corpus_lib.parse.page import find_datelines, reread_datelines, view_page
from corpus_lib.parse.title import _count_letters
from tests.pages import HEADLINE, PARA, page

DATED = page(
    "Home | News | Sport",
    "",
    HEADLINE,
    "02/12/2025 10:20",
    "",
    *PARA,
    "",
    "Related articles",
    "Prices rise again - 04.05.2024",
    "5 people hurt on 3 June 2024",
)


def _view(text: str):
    return view_page([line for line in split_lines(text) if line.text], frozenset(), False)


def test_text_start_after_is_texts_after_for_every_line():
    view = _view(DATED)
    finder = RegionFinder(prose_scores(view))
    starts = [start for _, start in texts_after(view, finder)]
    assert [text_start_after(view, finder, p) for p in range(len(view.content))] == starts
    assert any(start >= 0 for start in starts)


def test_reread_datelines_is_find_datelines_with_the_other_reading():
    view = _view(DATED)
    for month_first in (False, True):
        dates = find_datelines(view.content, not month_first)
        assert reread_datelines(view.content, dates, month_first) == find_datelines(view.content, month_first)


def test_count_letters_counts_what_isalpha_counts():
    for text in ("Council approves budget", "2024: 3 hurt", "Совет утвердил бюджет", "Ǆ ª º ß", "", "x" * 80):
        assert _count_letters(text) == sum(map(str.isalpha, text))
    assert all(_count_letters(chr(c)) == chr(c).isalpha() for c in range(256))


def test_reread_datelines_on_numeric_dates_of_every_shape():
    view = _view(page(
        "05/31/2025", "31/05/2025", "02/30/2025", "00/05/2025", "05/00/2025", "04-05-2024 10:20", "12.11.2023",
        "Posted 13/02/25", HEADLINE, "", *PARA, "", "3/4/2022 and 4/3/2022", "Tickets 10/12 at 18.30",
    ))
    for month_first in (False, True):
        dates = find_datelines(view.content, not month_first)
        assert reread_datelines(view.content, dates, month_first) == find_datelines(view.content, month_first)


def _keys_of_lines(text: str, max_words: int = TEMPLATE_MAX_WORDS) -> list[str]:
    return sorted({line.key for line in page_lines(text) if line.key and line.words <= max_words})


def test_short_keys_without_the_lines_are_the_keys_of_the_lines():
    cjk = "。 ".join(["東京"] * 6) + " — | — | — | — | — | — | — | — | — | —"  # 21 tokens, fewer words
    long_words = " ".join(["word"] * 16)  # 16 words: too many; with a bullet ('* word ...') 17 tokens
    table = page("Name   Price   Stock", "Apple   1.20   40", "Pear   0.90   12", HEADLINE, *PARA)
    sidebar = page(HEADLINE + "      Most read", PARA[0] + "      Other story today", *PARA[1:])
    for text in (DATED, page(cjk, f"* {long_words}", f"* {' '.join(['word'] * 15)}", long_words, "- 4. Februar 2022"),
                 table, sidebar, "", "\n\n", page("  * Home  ", "*", "1.", "-- --", "© 2024")):
        assert page_short_keys(text, TEMPLATE_MAX_WORDS) == _keys_of_lines(text) == short_line_keys(page_lines(text))
    assert page_short_keys(page(cjk), TEMPLATE_MAX_WORDS) == [normalise_key(cjk)]  # 6 words in 21 tokens
    for max_words in (0, 1, 3):
        assert page_short_keys(DATED, max_words) == _keys_of_lines(DATED, max_words)


_PIECES = ["word", "Wort", "слово", "東京", "ไทย", "*", "-", "•", "1.", "12)", "4.", "Februar", "—", "|", ".", "«a»", "©"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from([" ", "  ", "   ", "\t", "      "])),
                         max_size=20), max_size=12))
def test_short_keys_of_any_lines_are_the_keys_of_the_lines(rows):
    text = "\n".join("".join(piece + gap for piece, gap in row) for row in rows)
    assert page_short_keys(text, TEMPLATE_MAX_WORDS) == _keys_of_lines(text)
