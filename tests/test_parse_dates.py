"""Date formats added for real pages, relative dates, and what marks a publication date."""

import pytest

from corpus_lib.parse import PageHints, parse_page
from corpus_lib.parse.dates import find_dates, find_relative_date
from tests.pages import PARA, page


@pytest.mark.parametrize(
    "text, local",
    [
        ("4 de mayo de 2022", "2022-05-04"),  # Spanish
        ("Miércoles, 4 de Mayo de 2022 a las 07:46hrs.", "2022-05-04T07:46:00"),
        ("Fri, 19th Dec 2025", "2025-12-19"),
        ("By: Jane Roe on 04-ago-2021 5:11:10", "2021-08-04T05:11:10"),
        ("12/30/2019 05:03 AM EST", "2019-12-30T05:03:00"),  # cannot be day-first
        ("Veröffentlicht am 19. Dezember 202219. Dezember 2022", "2022-12-19"),  # printed twice, glued
        ("Von Max Muster 4. 2. 2022.", "2022-02-04"),  # spaces after the dots
        ("26 | 01 | 2022", "2022-01-26"),
        ("29 / Dezember / 2022", "2022-12-29"),
        ("2025•01•08", "2025-01-08"),
        ("15/01/201614/01/2016", "2016-01-15"),  # printed twice, glued
        ("Posted on Freitag, 15. April 2016Samstag, 4. März 2017 by LD", "2016-04-15"),
        ("01.21.2020 07:00 AM", "2020-01-21T07:00:00"),  # cannot be day-first, whatever the separator
        ("Post time: 21-04-2024", "2024-04-21"),
        ("Jane RoeAugust 5, 2024", "2024-08-05"),  # glued to the author's name
        ("Max Muster22. Februar 2020", "2020-02-22"),
        ("veröffentlicht am 14 Feb ’20", "2020-02-14"),  # apostrophe year
        ("Feb 14, ’20", "2020-02-14"),
        ("Published on 25.Jun.2019 in Vol 7", "2019-06-25"),
        ("Jul. 11. 2025", "2025-07-11"),
        (". 2023 Jan 7;15(1):e33475.", "2023-01-07"),  # year first, as citations write it
        ("31 Donnerstag Okt 2019", "2019-10-31"),  # the weekday between day and month
        ("07 Monday Dec 2020 Posted by Jane Roe", "2020-12-07"),
        ("Autor: Max Muster, Datum: 03.Mär.19", "2019-03-03"),  # a two-digit year glued by dots
    ],
)
def test_more_formats(text, local):
    found = find_dates(text, 0)
    assert found and found[0].local_iso() == local


@pytest.mark.parametrize(
    "text, dates",
    [
        ("May 21, 2025April 24, 2025 by Jane Roe", [("2025-05-21", True), ("2025-04-24", False)]),  # glued after the year
        ("Posted on Freitag, 15. April 2016Samstag, 4. März 2017 by LD", [("2016-04-15", False), ("2017-03-04", True)]),
        ("1. November 20231. November 2023", [("2023-11-01", False)]),  # the same day twice: nothing changed
        ("vom 12.03.2020 bis 14.03.2020", [("2020-03-12", False), ("2020-03-14", False)]),  # words between: a range
    ],
)
def test_the_later_of_two_dates_printed_together_is_the_change(text, dates):
    assert [(m.local_iso(), m.is_update) for m in find_dates(text, 0)] == dates


def test_a_short_year_needs_the_dots():
    assert [m.year for m in find_dates("am 3. Mai 20 Leute", 0)] == [None]
    assert [m.year for m in find_dates("15. Jan. 19 Teilnehmer", 0)] == [None]


def test_impossible_month_is_not_a_date():
    assert find_dates("31.13.2020", 0) == []


def test_day_month_order_on_hyphens_and_slashes_follows_the_page_language():
    assert find_dates("01-04-2024", 0)[0].local_iso() == "2024-04-01"
    assert find_dates("01-04-2024", 0, month_first=True)[0].local_iso() == "2024-01-04"
    assert find_dates("01-04-2024", 0)[0].day_month_ambiguous
    assert not find_dates("13-04-2024", 0)[0].day_month_ambiguous


def test_a_day_glued_to_a_word_needs_its_year():
    assert [m.year for m in find_dates("Mai22 Mai", 0)] == []
    assert find_dates("Ticket 030-12-2021", 0) == []  # a phone or order number, not a date


def test_zuletzt_geaendert_is_an_update():
    found = find_dates("Von Max Muster | Oct 24, 2023 | Zuletzt geändert: Nov 7, 2023", 0)
    assert [m.is_update for m in found] == [False, True]


@pytest.mark.parametrize(
    "text, days_back, minutes_back, hour",
    [
        ("Сегодня, 7:37", 0, None, 7),
        ("Вчера, 12:41", 1, None, 12),
        ("Today at 10:20", 0, None, 10),
        ("3 hours ago", None, 180, None),
        ("vor 3 Stunden", None, 180, None),
        ("il y a 2 heures", None, 120, None),
        ("5 минут назад", None, 5, None),
        ("10:20", None, None, 10),
    ],
)
def test_relative_dates(text, days_back, minutes_back, hour):
    found = find_relative_date(text)
    assert (found.days_back, found.minutes_back, found.hour) == (days_back, minutes_back, hour)


def test_durations_are_not_relative_dates():
    assert find_relative_date("We met 3 hours later") is None


def test_published_and_updated_markers():
    assert find_dates("Published: 2021-05-18", 0)[0].is_published
    updated = find_dates("Updated: 2021-05-19", 0)[0]
    assert updated.is_update and not updated.is_published


def test_a_relative_dateline_gives_no_publication_date_without_a_crawl_time():
    text = page("Council approves budget after long debate", "Today, 10:20", *PARA)
    assert parse_page(text).published is None


def test_published_beats_an_event_date_in_the_text():
    event = "The council will meet again on 3 June 2021 to decide on the remaining road repairs in the old town."
    text = page("Council approves budget after long debate", "Published: 18 May 2021", event, *PARA)
    assert parse_page(text, PageHints(language="en")).published.local == "2021-05-18"


def test_dates_in_links_and_captions_are_not_the_publication():
    text = page(
        "Council approves budget after long debate",
        "https://example.org/2019/01/02/council-budget",
        "The town hall on 5 January 2019. Photo: Jane Roe/Example Images",
        "18.05.2021",
        *PARA,
    )
    assert parse_page(text).published.local == "2021-05-18"


def test_a_dateline_sharing_its_line_with_a_photo_credit_counts_when_it_has_a_time():
    text = page("Council approves budget after long debate", "Stars 06.11.2023 13:30 von Jane Roe Symbolbild imago", *PARA)
    assert parse_page(text).published.local == "2023-11-06T13:30:00"
    text = page("Council approves budget after long debate", "Foto: Jane Roe / Example Images, 06.11.2023", *PARA)
    assert parse_page(text).published is None  # the photo's date


def test_a_dateline_with_published_and_updated_times_is_a_dateline_not_text():
    # The date patterns take 'Nov 19, 2019'; the times and labels left over are no words of a sentence.
    stamp = "PUBLISHED: 00:01, Tue, Nov 19, 2019 | UPDATED: 10:43, Tue, Nov 19, 2019"
    result = parse_page(page("* Home", "Council approves budget after long debate", stamp, *PARA))
    assert result.paragraphs == tuple(PARA)
    assert result.published.local.startswith("2019-11-19")


def test_a_relative_dateline_resolves_against_the_crawl_time_the_page_shows():
    text = page("Thursday, 28 March 2024, 15:06", "* Home", "Council approves budget after long debate", "Yesterday, 10:20", *PARA)
    result = parse_page(text, PageHints(language="en", timezone="Europe/London"))
    assert result.crawled.local == "2024-03-28T15:06:00"
    assert result.published.local == "2024-03-27T10:20:00"
    assert result.published.tz_source == "config"


def test_a_date_at_the_head_of_a_long_lead_is_found():
    lead = "21.11.2022 - " + PARA[0] + " " + PARA[1]
    text = page("Council approves budget after long debate", lead, *PARA)
    assert parse_page(text).published.local == "2022-11-21"


def test_a_date_inside_a_long_line_is_not_a_dateline():
    lead = "Since 4 August 2014 the city has " + PARA[0] + " " + PARA[1]
    text = page("Council approves budget after long debate", lead, *PARA)
    assert parse_page(text).published is None


def test_a_machine_stamp_beside_a_written_date_loses():
    text = page("Council approves budget after long debate", "Jane Roe 2022-12-07T10:10:52+01:00 25. Dezember 2022 |", *PARA)
    assert parse_page(text).published.local == "2022-12-25"


def test_an_ambiguous_numeric_date_is_read_as_the_page_writes_it_elsewhere():
    related = "* Council approves budget after long debate - 2 December 2025"
    text = page("Council approves budget after long debate", "02/12/2025", *PARA, "Related", related)
    assert parse_page(text, PageHints(language="en")).published.local == "2025-12-02"
    text = page("Council approves budget after long debate", "02/12/2025", *PARA)
    assert parse_page(text, PageHints(language="en")).published.local == "2025-02-12"


def test_an_ambiguous_numeric_date_follows_the_order_of_the_pages_other_numeric_dates():
    comments = ["Jane Roe 14/04/2020", "Good point, thanks for sharing this.", "Max Muster 17/04/2020", "I agree with Jane."]
    text = page("Council approves budget after long debate", "12/04/2020", *PARA, "Comments", *comments)
    assert parse_page(text, PageHints(language="en")).published.local == "2020-04-12"
    assert find_dates("12/04/2020", 0, month_first=True)[0].numeric_order == "md"


def test_a_date_marked_published_above_the_text_outweighs_its_distance_from_the_headline():
    # The page's own 'Published:' line sits high above the headline (menus in between); a plain dateline
    # under the headline belongs to a teaser.
    menu = [f"* Section {i}" for i in range(40)]
    text = page("Veröffentlicht: 05.01.2020 | Autor: Jane Roe", *menu, "Council approves budget after long debate", "12.01.2020 um 12:49", *PARA)
    assert parse_page(text).published.local == "2020-01-05"


def test_several_days_marked_published_above_the_text_are_a_list():
    sidebar = [f"* Teaser number {i} veröffentlicht am Januar {i + 1}, 2022" for i in range(3)]
    menu = [f"* Section {i}" for i in range(30)]
    text = page(*sidebar, *menu, "Council approves budget after long debate", "26.01.2022", *PARA)
    assert parse_page(text).published.local == "2022-01-26"


def test_a_post_embedded_in_the_text_is_not_the_page_s_publication():
    embed = "Posted by Jane Roe on Monday, February 7, 2022"
    text = page("Council approves budget after long debate", "18.05.2021", *PARA, PARA[0], PARA[1], embed, PARA[2], *PARA)
    assert parse_page(text).published.local == "2021-05-18"


def test_published_below_the_text_labels_a_related_list():
    related = [f"* Teaser number {i} veröffentlicht am Januar {i + 1}, 2022" for i in range(5)]
    text = page("Council approves budget after long debate", "26.01.2022", *PARA, "Related", *related)
    assert parse_page(text).published.local == "2022-01-26"


def test_an_article_saying_when_it_was_first_published_is_not_an_event_in_its_text():
    note = "This article was originally published on 26 Sep 2019 at 4:12pm but has been regularly updated since then by us."
    text = page("Council approves budget after long debate", "Jane Roe", "30 Sep 2022, 11:07am", *PARA, note, *PARA)
    assert parse_page(text, PageHints(language="en")).published.local == "2019-09-26T16:12:00"


def test_a_date_inside_the_text_loses_to_a_dateline_below_it():
    caption = "The figure shows the snow cover near the lake on 31.05.2021 (left) and the classified map (right)."
    text = page("Council approves budget after long debate", PARA[0], caption, *PARA, *PARA, "Jane Roe", "14.01.2022 um 09:25")
    assert parse_page(text).published.local == "2022-01-14T09:25:00"


def test_a_date_in_a_sentence_of_the_text_loses_to_a_dateline_far_below():
    sentence = "Bundesminister Max Muster hat das Forum nach langer Vorbereitung am 26. September 2018 eröffnet, sagte sie."
    text = page("Council approves budget after long debate", PARA[0], sentence, *(PARA * 4), "Jane Roe", "14.01.2022 um 09:25")
    assert parse_page(text).published.local == "2022-01-14T09:25:00"


def test_a_date_in_the_first_sentence_of_the_text_is_inside_the_text():
    sentence = "Bundesminister Max Muster hat das Forum nach langer Vorbereitung am 26. September 2018 eröffnet, sagte sie."
    text = page("Council approves budget after long debate", sentence, *(PARA * 4), "Jane Roe", "14.01.2022 um 09:25")
    assert parse_page(text).published.local == "2022-01-14T09:25:00"


def test_a_publication_word_after_the_date():
    assert find_dates("Der Beitrag wurde am 27. November 2019 um 15:21 Uhr veröffentlicht", 0)[0].is_published
    assert not find_dates("Das Buch ist am 3. März 2020 erschienen", 0)[0].is_published  # an event, not this page
    lead = "Am 27.11.2019 veröffentlicht: " + PARA[0] + " " + PARA[1]
    assert find_datelines_of(lead)[0].is_published


def test_a_press_release_of_a_date_is_its_publication():
    lead = "Pressemitteilung vom 25. Januar 2022 | Berlin – " + PARA[0] + " " + PARA[1]
    assert find_datelines_of(lead)[0].local_iso() == "2022-01-25"
    assert find_dates("Meldung vom 3. März 2021", 0)[0].is_published
    assert not find_datelines_of("Das Urteil vom 25. Januar 2022 hat " + PARA[0] + " " + PARA[1])


def find_datelines_of(line: str):
    from corpus_lib.parse.lines import split_lines
    from corpus_lib.parse.page import find_datelines

    return find_datelines([x for x in split_lines(line) if x.text], False).get(0, [])


def test_a_meta_line_inside_the_text_is_no_sentence():
    from corpus_lib.parse.published import _in_a_sentence

    line = "On Behalf of Jane Roe and Partners LLC | Apr 21, 2017 | Products"
    assert not _in_a_sentence(line, line.index("Apr"))
    line = "Die neue Kommission für gleichwertige Lebensverhältnisse hat am 26. September 2018 ihre Arbeit aufgenommen."
    assert _in_a_sentence(line, line.index("26."))


def _trie_nodes(names):
    trie = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}
    stack = [trie]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.values())


def test_name_trie_is_the_alternation():
    """The month and weekday tries match what the alternations of the names sorted longest first match."""
    import re

    from corpus_lib.parse.dates import _alternation, month_names, weekday_names

    assert _alternation(["jan", "january", "june", "jun", "feb"]) == "(?:feb|j(?:an(?:uary)?|une?))"
    for names in (month_names(), weekday_names()):
        # No two children of a node match the same character (case-insensitively): the names that match at a
        # position are prefixes of each other, which both forms try longest first.
        for node in _trie_nodes(names):
            chars = [c for c in node if c]
            assert not [(a, b) for a in chars for b in chars if a < b and re.fullmatch(re.escape(a), b, re.IGNORECASE)]
        plain = re.compile("(?:" + "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))) + r")\.?(?!\w)", re.I)
        trie = re.compile(f"(?:{_alternation(names)})" + r"\.?(?!\w)", re.I)
        for name in names:
            for text in (name, name.upper(), name.title(), f"3 {name}. 2020", f"{name}x {name[:-1]}", name[:3] + "."):
                assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


@pytest.mark.parametrize("text", ["Today, 10:20", "вчера в 12.41", "3 hours ago", "vor 3\tStunden", "hace 2 días", "heute 9:05 Uhr"])
def test_relative_dates_pass_their_prefilter(text):
    from corpus_lib.parse.dates import _RELATIVE_PREFILTER, _relative_patterns

    assert _relative_patterns()[0].search(text) and _RELATIVE_PREFILTER.search(text)
    assert find_relative_date(text) is not None


def test_month_names_end_with_a_letter():
    """The month_day prefilter relies on it (see dates._PREFILTERS)."""
    import re

    from corpus_lib.parse.dates import month_names

    assert all(re.fullmatch(r"[^\W\d_]", name[-1]) for name in month_names())


def test_matches_at_digit_runs_are_the_patterns_matches():
    # Dates glued to words, to each other and to numbers: the shortcut of dates._matches finds what finditer finds.
    from corpus_lib.parse import dates

    texts = [
        "19. Dezember 202219. Dezember 2022", "15. April 2016Samstag, 4. März 2017", "Roe22. Mai 2020", "12.03.2112.03.21",
        "2023 Jan 7 and 2024 Feb 12", "31 Donnerstag Okt 2019", "2022-12-07T10:10:52+01:00 / 2022-12-08", "1999.05.04 | 3/4/2022",
        "04-05-2024 10:20, 123 4 June 2021", "Ø 5 km – 03.Mär.19 – ٣ مايو 2020", "x" * 30 + "1 2 3 4 5 6 7 8 9 10 11 12 13",
    ]
    patterns = dates._patterns()
    for text in texts:
        for kind in dates._STARTS_A_DIGIT_RUN:
            expected = [(m.span(), m.groupdict()) for m in patterns[kind].finditer(text)]
            assert [(m.span(), m.groupdict()) for m in dates._matches(kind, patterns[kind], text)] == expected
