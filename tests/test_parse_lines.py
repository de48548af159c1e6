"""Line features: table layouts split into columns, numbered items vs dates, word counts."""

import pytest

from corpus_lib.parse.lines import line_words, split_lines

STORY = "The council approved the new budget on Tuesday after a long debate about road repairs and schools."
MORE = "Opposition members said the plan ignored rising rents, but the mayor promised a review in the autumn."


def texts(text):
    return [line.text for line in split_lines(text) if line.text]


def test_a_layout_table_reads_column_by_column():
    # A text column beside a sidebar, rendered side by side on the same lines, cells padded to width.
    page = "\n".join([
        "Daily Example",
        f"    {STORY.ljust(110)}* Weather",
        f"    {MORE.ljust(110)}* Sport",
        "Footer",
    ])
    assert texts(page) == ["Daily Example", STORY, MORE, "Weather", "Sport", "Footer"]
    sidebar = [line for line in split_lines(page) if line.text == "Weather"][0]
    assert sidebar.bullet and sidebar.indent > 4  # the column's position is its indentation


def test_rows_of_a_data_table_stay_whole():
    page = "Model      Range    Price\nCompact    250 mi   $27,000\nCrossover  300 mi   $45,000\n"
    assert texts(page) == ["Model      Range    Price", "Compact    250 mi   $27,000", "Crossover  300 mi   $45,000"]


def test_a_day_of_the_month_is_not_a_numbered_item():
    dated, numbered = split_lines("4. Februar 2022\n4. Check the brakes\n")[:2]
    assert not dated.bullet and dated.text == "4. Februar 2022"
    assert numbered.bullet and numbered.text == "Check the brakes"


def test_sentence_end_and_words():
    line = split_lines("  * Officials expect the first repairs to start next month.")[0]
    assert line.bullet and line.ends_sentence and line.words == 9 and line.indent == 2


@pytest.mark.parametrize("text, words", [
    ("Council approves the budget", 4),
    ("Привет, мир – снова", 4),  # spaced scripts: tokens between spaces (a dash too)
    ("市议会批准预算", 4),  # seven Han characters: about two a word
    ("今日は公園へ散歩に行きました。", 7),  # kana and Han: 14 letters, the full stop ends the run
    ("สวัสดีครับ", 3),  # Thai: about four letters a word
    ("iPhone 新型を発表", 4),  # a spaced word, then a run of five letters
    ("益阳：“数字”是优长", 4),  # runs between punctuation: each counts, the punctuation does not
    ("오늘 날씨가 좋다", 3),  # Korean is written with spaces
])
def test_words_of_scripts_written_without_spaces_are_estimated(text, words):
    assert line_words(text) == words
    [line] = [line for line in split_lines(text + "\n") if line.text]
    assert line.words == words


@pytest.mark.parametrize(
    "text",
    ["Council Approves Budget!", "  * Home  |\tNews \x1f Sport  ", "4. Februar 2022", "12) Item twelve", "(c) 2024 Example",
     "Совет утвердил бюджет", "Ünïcödé — Heading…", "x" * 450, "a " * 250],
)
def test_line_fields_are_key_and_words(text):
    from corpus_lib.parse.lines import _fields, line_words, normalise_key

    content, _, words, key, _ = _fields(text.strip())
    assert words == line_words(content)
    assert key == (normalise_key(content) if len(content) <= 400 else "")


@pytest.mark.parametrize("text, ends", [
    ("Man fühlt sich danach wie neu und das gefällt mir 😉", True),
    ("We finally made it to the top ❤️", True),  # a heart with its variation selector
    ("Thanks to everyone who came 👍🏽", True),  # a skin-tone modifier closes the emoji
    ("Example Corp™", False),  # a trade mark ends a name, not a sentence
    ("Read the full report", False),
])
def test_an_emoji_ends_a_sentence(text, ends):
    assert split_lines(text)[0].ends_sentence is ends
