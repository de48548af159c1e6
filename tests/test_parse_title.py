"""Choosing the headline: evidence around a line, its shape, and what its text is about."""

import collections
import dataclasses

import pytest

from corpus_lib.parse import PageHints, ParsedArticle, ParseFailure, RejectReason, parse_page
from corpus_lib.parse.boilerplate import is_credit_line, is_site_block_line
from corpus_lib.parse.lines import normalise_key, short_keys, split_lines
from corpus_lib.parse.page import view_page
from corpus_lib.parse.title import WEIGHTS, headline_scores, headline_text, reads_as_prose
from tests.pages import HEADLINE, PARA, page


def parse(*lines, **hints):
    result = parse_page(page(*lines), PageHints(**hints))
    assert isinstance(result, ParsedArticle), result
    return result


def test_a_signed_and_dated_headline_beats_the_section_label_above_it():
    result = parse("* Home", "* Politics", "City Politics", HEADLINE, "By Jane Roe", "18 May 2021", *PARA, language="en")
    assert result.title == HEADLINE


def test_the_headline_shares_words_with_its_text():
    # A promo line sits between the headline and the text; only the headline is about the text.
    result = parse("* Home", "* World", HEADLINE, "Subscribe for unlimited access today", *PARA)
    assert result.title == HEADLINE


def test_a_subheading_inside_the_text_is_not_the_headline():
    section = "What the budget means for schools"
    more = [p.replace("council", "board") for p in PARA]
    result = parse("* Home", HEADLINE, "18.05.2021", *PARA, section, *more)
    assert result.title == HEADLINE
    assert section in result.paragraphs  # it stays in the body as a subheading


def test_subheadings_listed_in_a_table_of_contents_do_not_win():
    sections = ["What the budget means for schools", "Roads and bridges in the new plan", "What happens next week"]
    result = parse(
        "* Home", HEADLINE, "Contents", *[f"* {s}" for s in sections],
        sections[0], PARA[0], sections[1], PARA[1], sections[2], PARA[2],
    )
    assert result.title == HEADLINE


def test_a_site_name_that_stands_alone_elsewhere_is_cut_from_the_headline():
    result = parse("Daily Example", "* Home", f"Daily Example | {HEADLINE}", "18.05.2021", *PARA)
    assert result.title == HEADLINE


def test_a_dash_inside_a_headline_is_kept():
    title = "Budget 2021 - what changes for families"
    assert parse("* Home", title, "18.05.2021", *PARA).title == title


def test_labels_and_share_bars_are_not_headlines():
    result = parse(HEADLINE, "Share this article:", "18.05.2021", *PARA)
    assert result.title == HEADLINE


def test_a_page_of_paragraphs_only_is_rejected_as_no_title():
    # No headline: the paragraphs themselves must not become one.
    result = parse_page(page("18.05.2021 20:06", *[" ".join([p] * 2) for p in PARA]), PageHints(language="en"))
    assert isinstance(result, ParseFailure) and result.reason == RejectReason.NO_TITLE, result


def test_a_menu_is_not_the_headline():
    result = parse_page(page("Home | World | Sport", "18.05.2021 20:06", *PARA), PageHints(language="en"))
    assert isinstance(result, ParseFailure) and result.reason == RejectReason.NO_TITLE, result


@pytest.mark.parametrize(
    "menu",
    [
        "Экономика | Политика | Наука и образование | Новости Сибири",  # four items of a few words
        "Главная Новости Справочник предприятий Шоппинг Работа Авто Досуг",  # Cyrillic words capitalised, run together
    ],
)
def test_menus_of_phrases_or_of_capitalised_cyrillic_words_are_not_headlines(menu):
    result = parse_page(page(menu, "", "18.05.2021 20:06", *PARA), PageHints(language="ru"))
    assert isinstance(result, ParseFailure) and result.reason == RejectReason.NO_TITLE, result


@pytest.mark.parametrize(
    "headline",
    [
        "Politik | Inland | Die Regierung will das Rentenalter anheben",  # the last part is a headline's length
        "Дмитрий Медведев и Владимир Путин",  # names, five words
        "ВЛАДИМИР ПУТИН ПРИЕХАЛ В НОВОСИБИРСК С РАБОЧИМ ВИЗИТОМ",  # capitals throughout
        "How The Valley Votes Differently This Year",  # English headlines may capitalise every word
    ],
)
def test_headlines_that_only_resemble_those_menus_stay_headlines(headline):
    result = parse_page(page("* Home", headline, "18.05.2021 20:06", *PARA), PageHints())
    assert isinstance(result, ParsedArticle) and headline.endswith(result.title), result


OTHER_HEADLINE = "Why the valley votes differently this year"  # shares no words with PARA
TEASERS = ["Mayor opens the new riverside park", "Bus fares rise again from next month"]


def test_a_line_set_apart_by_blank_lines_beats_teasers_that_run_on():
    # Renderers put a heading in a block of its own; links of a teaser list follow each other line by line.
    text = "\n".join(["* Home", "* News", "", OTHER_HEADLINE, "", *TEASERS, "", "\n\n".join(PARA)])
    assert parse_page(text, PageHints()).title == OTHER_HEADLINE


def test_a_subheading_set_apart_inside_the_text_does_not_win():
    section = "What the budget means for schools"
    more = [p.replace("council", "board") for p in PARA]
    result = parse("* Home", OTHER_HEADLINE, "18.05.2021", *PARA, "", section, "", *more)
    assert result.title == OTHER_HEADLINE
    assert section in result.paragraphs


def test_a_line_indented_deeper_than_the_text_is_not_its_headline():
    # A sidebar teaser sits in another container than the text: deeper indented.
    result = parse("* Home", OTHER_HEADLINE, "        " + TEASERS[1], *PARA)
    assert result.title == OTHER_HEADLINE


def test_a_headline_wins_over_its_longer_deck_before_the_same_text():
    headline, deck = "The valley votes differently", "Farmers and commuters explain the choices that split their towns"
    assert parse("* Home", "* News", headline, deck, *PARA).title == headline


@pytest.mark.parametrize("text", [
    " ".join(PARA[:2]),  # several sentences
    PARA[0][:-1] + " and about the costs of the new bridge over the river.",  # one long sentence
    "Prices rose again. Shops closed early. Few people came to the market on Sunday to buy bread.",
])
def test_paragraphs_read_as_prose(text):
    assert reads_as_prose(text)


@pytest.mark.parametrize("text", [
    HEADLINE,
    "Ravenous wild goats ruled this island for over a century. Now, it's being reborn.",
    "What is Catering? What is a Caterer? Types of Catering",
    "Dr. Oetker and Co. open a new plant in Bielefeld",
    "Tagung: Institutionen revolutionärer Macht in den europäischen Revolutionen des 19. Jahrhunderts (26. und 27. 2. 2015)",
    "Things to Know Before Travelling to Japan for the First Time.",
    "The mayor said the council had approved the new budget after a long debate about roads and schools ...",
])
def test_headlines_do_not_read_as_prose(text):
    assert not reads_as_prose(text)


def test_a_breadcrumb_set_apart_by_blank_lines_does_not_beat_the_dated_headline():
    # The breadcrumb stands alone between blank lines; the headline runs into its dateline.
    result = parse(
        "* Home", "* Politics", "* Sport", "", "Home » Politics", "", HEADLINE, "18.05.2021 20:06", "", *PARA,
        "", "Home » Politics",
    )
    assert result.title == HEADLINE


def test_a_headline_the_source_lists_under_related_is_still_cut_from_site_and_title():
    # Other pages of the source list this headline in their 'related' blocks, so it is a template
    # line; it stands alone on this page, so it is the title part of 'Site | Title', not the site name.
    key = normalise_key(HEADLINE)
    [line] = [l for l in split_lines("Daily Courier | " + HEADLINE + "\n") if l.text]
    keys = collections.Counter({key: 1})
    assert headline_text(line, keys, frozenset({key}), None) == HEADLINE
    # A short part that recurs is the site name, whichever side it is on.
    [line] = [l for l in split_lines(HEADLINE + " - Daily Courier\n") if l.text]
    keys = collections.Counter({key: 1, "daily courier": 1})
    assert headline_text(line, keys, frozenset({"daily courier"}), None) == HEADLINE


@pytest.mark.parametrize("site", ["EXAMPLE-NEWS.NET", "www.daily-courier.co.uk", "courier.de"])
def test_a_part_that_is_a_site_address_is_cut_though_nothing_repeats_it(site):
    [line] = [l for l in split_lines(f"{HEADLINE} | {site}\n") if l.text]
    assert headline_text(line, collections.Counter(), frozenset(), None) == HEADLINE
    # A title that only names a dotted thing in a part that is no address stays whole.
    [line] = [l for l in split_lines(f"{HEADLINE} | U.S.\n") if l.text]
    assert headline_text(line, collections.Counter(), frozenset(), None) == f"{HEADLINE} | U.S."


def _view(*lines, month_first=False):
    return view_page([line for line in split_lines(page(*lines)) if line.text], frozenset(), month_first)


def test_a_line_scores_the_sum_of_the_weights_of_its_features():
    # Only the full stop weighs: lines closed by one score its weight, the others nothing.
    zero = dataclasses.replace(
        WEIGHTS, **{f.name: 0.0 for f in dataclasses.fields(WEIGHTS) if f.name not in ("words", "repeat")},
        words=(0.0,) * len(WEIGHTS.words), repeat=tuple((reach, 0.0) for reach, _ in WEIGHTS.repeat),
    )
    view = _view("* Home", HEADLINE, "Markets closed early.", *PARA)
    scores = headline_scores(view, None, dataclasses.replace(zero, full_stop=1.0))
    texts = {view.content[p].text: score for p, score in scores.items()}
    assert texts[HEADLINE] == 0.0 and texts["Markets closed early."] == 1.0
    assert headline_scores(view, None, zero) == dict.fromkeys(scores, 0.0)
    assert headline_scores(view, None) == headline_scores(view, None, WEIGHTS)


def test_a_kicker_before_a_spaced_colon_is_cut_from_the_headline():
    result = parse("* Home", f"City budget : {HEADLINE}", "18.05.2021", *PARA)
    assert result.title == HEADLINE


def test_a_spaced_colon_stays_in_a_french_headline():
    from corpus_lib.parse.title import drop_kicker

    assert drop_kicker("Libre cours : Raoult et moi", "fr") == "Libre cours : Raoult et moi"
    assert drop_kicker("Libre cours : Raoult et moi", "de") == "Raoult et moi"
    assert drop_kicker("Budget : 2021", "en") == "Budget : 2021"  # too short for a headline after it


def test_a_caption_credited_with_a_bare_photo_word_is_not_the_headline():
    # Russian captions credit their source after a bare 'Фото', often a domain name (its dots end no sentence).
    title = "Совет утвердил бюджет после долгих споров"
    text = [
        "Депутаты городского совета во вторник одобрили новый бюджет после долгого обсуждения ремонта дорог и школ.",
        "Оппозиция заявила, что план не учитывает рост аренды, но мэр пообещал пересмотреть его осенью.",
        "Чиновники ожидают, что первые ремонтные работы начнутся в следующем месяце и закончатся до зимы.",
    ]
    caption = "Мэр выступает перед депутатами. Фото city.example.ua"
    assert is_credit_line(caption, len(caption.split()))
    assert is_credit_line("Мэр выступает перед депутатами. Фото с сайта example.ru", 8)
    assert not is_credit_line("Цены на фото выросли", 4)  # a bare word inside a headline is no credit
    result = parse("* Главная", "", caption, "", title, "", "08 декабря 2011 | 17:05", *text)
    assert result.title == title


def test_a_comment_form_is_not_the_headline():
    form = "Du kommentierst mit Deinem WordPress.com-Konto. ( Abmelden / Ändern )"
    comments = [
        "Thanks for this post, I enjoyed reading about the council and the budget debate a lot.",
        "Great summary of the meeting, the part about the repairs and the schools was very useful.",
    ]
    assert is_site_block_line(normalise_key(form), len(form.split()), form)
    result = parse("* Home", HEADLINE, "18.05.2021", *PARA, "Leave a Reply", "", form, "", *comments)
    assert result.title == HEADLINE


def test_a_byline_split_over_two_lines_signs_the_headline_above_it():
    # 'By' alone on its line, the name on the next: the name is no headline, and the headline above is signed.
    lines = ["* Home", "* Garden", "", HEADLINE, "", "By", "", "Jane Marlowe Roe", "", "Jane Marlowe Roe",
             "Published on March 02, 2021", *PARA]
    view = view_page([line for line in split_lines(page(*lines)) if line.text], frozenset(), True)
    texts = [line.text for line in view.content]
    by, name, headline = texts.index("By"), texts.index("Jane Marlowe Roe"), texts.index(HEADLINE)
    assert view.meta[by] and view.meta[name] and view.byline[name]
    scores = headline_scores(view, None)
    assert name not in scores and headline in scores
    assert parse(*lines, language="en").title == HEADLINE


def test_a_bylines_name_again_under_it_is_byline_too():
    # An author box: the name under the byline again, then a line about the author. The repeated name is a short
    # line shown twice with a dateline under it, so it won over the headline before it counted as byline.
    headline = "Perfect your budget: here are the five best ways the council could save money"
    for byline in (["By", "Jane Marlowe Roe"], ["By Jane Marlowe Roe"]):
        lines = ["* Home", "* Garden", "We independently evaluate all of our recommendations. If you click on links we "
                 "provide, we may receive compensation.", headline, *byline, "Jane Marlowe Roe",
                 "Jane writes about the city's budget and its schools.", "Updated on 09/11/25", *PARA]
        view = view_page([line for line in split_lines(page(*lines)) if line.text], frozenset(), True)
        again = len(view.content) - len(PARA) - 3
        assert view.content[again].text == "Jane Marlowe Roe" and view.byline[again] and view.meta[again]
        assert parse(*lines, language="en").title == headline


@pytest.mark.parametrize("byline", [["Edited by", "Lauren Mastbaum"], ["Fact checked by: Vita Stevens"],
                                    ["Medically reviewed by Jane Roe, MD"], ["Reviewed by", "Jane Roe"]])
def test_editors_and_fact_checkers_sign_the_heading_like_authors(byline):
    view = _view("* Home", HEADLINE, *byline, *PARA, month_first=True)
    assert all(view.byline[p] and view.meta[p] for p in range(2, 2 + len(byline)))
    assert parse("* Home", HEADLINE, *byline, *PARA).paragraphs == tuple(PARA)


def test_a_split_byline_after_a_menu_is_no_headline_but_signs_nothing():
    lines = ["* Account", "* Sign Out", "By", "Jane Roe", "", HEADLINE, "18.05.2021", *PARA]
    view = view_page([line for line in split_lines(page(*lines)) if line.text], frozenset(), True)
    texts = [line.text for line in view.content]
    assert view.meta[texts.index("Jane Roe")] and not view.byline[texts.index("Jane Roe")]


def test_a_kicker_joined_to_the_headline_is_cut_when_another_line_separates_them():
    kicker = "Town hall news"
    result = parse("* Home", f"* {HEADLINE} - {kicker}", "", f"{kicker} {HEADLINE}", "18.05.2021", *PARA)
    assert result.title == HEADLINE


def test_a_headline_joined_to_a_kicker_is_the_last_part_of_the_breadcrumb():
    result = parse("* Home", "* Politics", "Home / Politics / " + HEADLINE, "", f"Town hall news {HEADLINE}", "18.05.2021", *PARA)
    assert result.title == HEADLINE


def test_a_kicker_joined_to_the_headline_is_cut_when_the_headline_stands_alone_just_above():
    # The breadcrumb's last item is the headline; the heading block shows the kicker and the headline on one line.
    result = parse("* Home", "* Politics", f"* {HEADLINE}", f"Town hall news {HEADLINE}", "18.05.2021", *PARA)
    assert result.title == HEADLINE


@pytest.mark.parametrize("title, elsewhere", [
    (f"Town hall: {HEADLINE}", HEADLINE),  # a colon: the headline is written with its label
    ("7 Healthy Budget Recipes for Families", "Healthy Budget Recipes for Families"),  # a number starts it
    ("Interview with Jane Roe", "Jane Roe"),  # too short to be a headline on its own
])
def test_a_headline_stays_whole_when_its_end_stands_alone_nearby_but_no_kicker_is_cut(title, elsewhere):
    result = parse("* Home", f"* {elsewhere}", title, "18.05.2021", *PARA)
    assert result.title == title


def test_a_headline_that_ends_with_the_day_it_names_is_a_headline_not_a_dateline():
    title = "Minutes of the board meeting of 10 October 2019"
    result = parse("* Home", "* Minutes", "", title, "", *PARA, language="en")
    assert result.title == title


@pytest.mark.parametrize("dateline", ["Blog Home Budget News • October 18, 2019", "Published on October 18, 2019 at 10:20"])
def test_a_line_that_sets_its_date_apart_or_labels_it_stays_a_dateline(dateline):
    result = parse("* Home", "", dateline, "", HEADLINE, *PARA, language="en")
    assert result.title == HEADLINE


@pytest.mark.parametrize("reading", ["5 min read", "Editorial Team | 11 min read", "Lesezeit: 3 Minuten", "6 minutos de lectura",
                                     "Read time: 14 min"])
def test_a_reading_time_is_no_headline_and_signs_the_heading_above_it(reading):
    signed = _view("* Home", HEADLINE, reading, *PARA, month_first=True)
    plain = _view("* Home", HEADLINE, "Listen to this story", *PARA, month_first=True)
    assert signed.byline[2] and not plain.byline[2]
    assert 2 not in headline_scores(signed, None)
    assert headline_scores(signed, None)[1] == pytest.approx(headline_scores(plain, None)[1] + WEIGHTS.byline_after)
    assert parse("* Home", HEADLINE, reading, *PARA).title == HEADLINE


def _question_weight(text):
    """What the question mark adds to the line's headline score."""
    def score(line):
        return headline_scores(_view(line, month_first=True), None)[0]

    return score(text) - score(text.removesuffix("?"))


@pytest.mark.parametrize("cta", ["Are you checking us out?", "Sie haben Fragen oder ein Anliegen?", "Kennst du unsere Videos?"])
def test_a_short_question_to_the_reader_is_a_call_to_action_not_a_headline(cta):
    assert _question_weight(cta) == pytest.approx(WEIGHTS.asks_reader)
    assert parse("* Home", "", cta, "", HEADLINE, "", "18.05.2021", *PARA, language="en").title == HEADLINE


@pytest.mark.parametrize("title", ["Consulting: Is It a Good Fit for You?", "Do you need fourteen ports on a small computer board?"])
def test_a_headline_that_asks_the_reader_names_its_topic_first_or_is_longer(title):
    assert _question_weight(title) == pytest.approx(WEIGHTS.question)
    assert parse("* Home", "", title, "", "18.05.2021", *PARA, language="en").title == title


def test_a_long_byline_naming_titles_and_outlet_is_a_byline_and_a_long_headline_starting_with_von_is_not():
    byline = "By Jane Roe, Executive Editor, Example City Health and Budget Watch"
    headline = "Von der Leyen besucht Kiew und verspricht der Ukraine weitere Hilfe"
    view = _view(HEADLINE, byline, headline, month_first=True)
    assert view.byline == [False, True, False]
    assert parse("* Home", HEADLINE, byline, *PARA, language="en").title == HEADLINE


@pytest.mark.parametrize("counter", ["Комментарии: 45", " Comments (3)", " Kommentare: 2"])
def test_a_comment_counter_on_the_headlines_line_is_cut(counter):
    assert parse("* Home", HEADLINE + counter, "18.05.2021", *PARA).title == HEADLINE


def test_a_headline_that_ends_with_a_number_keeps_it():
    title = "Council approves budget for 2022"
    assert parse("* Home", title, "18.05.2021", *PARA).title == title


def test_invisible_characters_inside_words_do_not_split_them():
    shy = HEADLINE.replace("approves", "ap\u00adproves").replace("debate", "de\u00adbate\u200b")
    result = parse("* Home", shy, "18.05.2021", *PARA)
    assert result.title == HEADLINE
    assert [line.key for line in split_lines(shy)] == [normalise_key(HEADLINE)]
    assert short_keys(shy, 10) == [normalise_key(HEADLINE)]  # the template scan reads the same keys


def test_a_line_that_merely_starts_with_a_menu_item_stays_whole():
    title = "Best Electric Cars for the Money in 2021"  # no kicker: the rest starts in lower case
    result = parse("* Home", title, "18.05.2021", *PARA, "", "More: Best Electric Trucks | Best Electric SUVs | Best Electric Cars")
    assert result.title == title


@pytest.mark.parametrize("banner", [
    "An official website of the United States government",
    "What are you looking for?",
    "Follow publication",
    "Learn about our editorial policies",
])
def test_site_banners_and_widgets_are_site_blocks_not_headlines(banner):
    assert is_site_block_line(normalise_key(banner), len(banner.split()), banner)
    result = parse("* Home", "", banner, "", OTHER_HEADLINE, "", *PARA)
    assert result.title == OTHER_HEADLINE


@pytest.mark.parametrize("heading", ["2 thoughts on “{}”", "Ein Gedanke zu „{}“", "3 Kommentare zu “{}”", "One response to \"{}\""])
def test_the_headline_a_comment_heading_quotes_wins_over_the_blog_name(heading):
    title = "Harbour notes"
    lines = ("The Quiet Corner Journal", "Sharing thoughts on everyday life", title, *PARA, heading.format(title), "Anna says:")
    assert parse(*lines).title == title


def test_shop_buttons_and_site_banners_are_not_headlines():
    # Affiliate buttons repeat close by (a near repetition is headline evidence) and sit right above the text.
    title = "The best rain jackets"
    lines = ("Official websites use .gov", title, "A short guide to staying dry.", "", "Check Price at Example Store",
             "Check Example Outdoors (on sale!)", "Check Example Outdoors (on sale!)", *PARA)
    assert parse(*lines).title == title


@pytest.mark.parametrize("name, title", [("City Council Blog", "Notes from a long Tuesday"), ("Jane Roe's council blog", "What happened on Tuesday")])
def test_a_blog_name_above_the_post_is_not_its_headline(name, title):
    # The blog's name shares more words with the text than the post's headline does.
    assert parse(name, title, *PARA).title == title


@pytest.mark.parametrize("mark", ["|", "[>", "›"])
def test_a_separator_left_before_the_headline_is_cut(mark):
    assert parse("* Home", f"{mark} {HEADLINE}", "18.05.2021", *PARA).title == HEADLINE


def test_a_part_in_lower_case_after_a_short_repeated_part_goes_on_from_it():
    # 'Become a tester' stands alone elsewhere (a menu item, so a site part), but what follows the dash is no headline.
    text = "Become a tester - here is how it works"
    [line] = [l for l in split_lines(text + "\n") if l.text]
    keys = collections.Counter({"become a tester": 1, normalise_key(text): 1})
    assert headline_text(line, keys, frozenset(), None) == text


@pytest.mark.parametrize("link", ["« The council approved the new budget", "‹ Council budget: the long debate"])
def test_a_link_to_the_previous_post_is_not_the_headline(link):
    title = "Notes from a long Tuesday"
    assert parse(link, "", title, "", *PARA).title == title


def test_a_headline_in_french_quotes_stays_a_candidate():
    title = "« Le budget est voté »"
    assert parse("* Accueil", title, "18.05.2021", *PARA).title == title


@pytest.mark.parametrize("notice", [
    "The Example Archive - https://archive.example.org/web/2007/http://www.example.org/council-budget-debate",
    "Warning: Cannot modify header information in /var/www/council/budget.php on line 12",
    "This council budget report is licensed under a Creative Commons licence",
])
def test_web_addresses_error_messages_and_licence_notices_are_not_headlines(notice):
    # Set apart right above the text and sharing its words, each would beat the headline.
    title = "Notes from a long Tuesday"
    assert parse("* Home", title, "", notice, "", *PARA).title == title



@pytest.mark.parametrize(
    "text",
    [
        "The Wayback Machine - https://example.org/news",
        "Warning: include(x.php): failed to open stream in /var/www/index.php on line 12",
        "FATAL ERROR: Allowed memory size exhausted in /srv/app.php ON LINE 7",
        "Dieser Text steht unter einer Creative Commons Lizenz",
        "Licensed under a CREATIVE-COMMONS licence",
        "Licensed under a creative commons licenſe",  # long s: matches 's' case-insensitively
        "Lizenz: Creatıve Commons BY-SA",  # dotless i: matches 'i' case-insensitively
        "Example Data Blog",
        "JANE ROE'S WEBLOG",
    ],
)
def test_the_cheap_tests_before_the_no_headline_patterns_let_every_match_through(text):
    from corpus_lib.parse import title

    assert title._NO_HEADLINE.search(text) or title._BLOG_NAME.fullmatch(text)
    assert title._names_no_headline(text)
    if title._NO_HEADLINE.search(text):
        assert title._may_name_no_headline(text)
    if title._BLOG_NAME.fullmatch(text):
        assert text[-1] in title._BLOG_NAME_LAST


def test_lines_that_name_a_page_pass_the_no_headline_tests():
    from corpus_lib.parse import title

    for text in ("Commons sense: the city council votes on line 5", "Blog posts about the city", "Notice: roads closed"):
        assert not title._names_no_headline(text)


def test_the_separator_test_finds_what_a_separator_between_spaces_is():
    import itertools
    import re

    from corpus_lib.parse import title

    between_spaces = re.compile(r"\s(?:\||-|–|—|::|»|›|>|→|/|·|•)\s")  # the plain form
    marks = ["|", "-", "–", "—", "::", ":", "»", "›", ">", "→", "/", "·", "•", "x", ":::"]
    spaces = ["", " ", "\t", "\u00a0", "\0"]
    for before, mark, after in itertools.product(spaces, marks, spaces):
        for text in (f"a{before}{mark}{after}b", f"{before}{mark}{after}", f"Site{before}{mark}{after}Title - x"):
            assert bool(title._HAS_SEPARATOR.search(text)) == bool(between_spaces.search(text)), repr(text)
    lines = ["Home", "Site | Title", "e-mail", "x", "News :: Sport", "10:20", "a / b"]
    joined = "\0".join(lines)
    found = {joined.count("\0", 0, m.start()) for m in title._HAS_SEPARATOR.finditer(joined)}
    assert found == {p for p, line in enumerate(lines) if between_spaces.search(line)} == {1, 4, 6}


def test_the_sentence_break_pattern_finds_what_its_lookbehind_first_form_finds():
    import re

    from corpus_lib.parse import title

    lookbehind_first = re.compile(r"(?<=[^\W\d_]{2})([.!?…])[\"'”»)]*\s+[\"'“«„(]*(?=[^\W\d_])")
    texts = [
        "It rained. Then it stopped! Did it? Yes… «Quote» ends.» Next", "Dr. Roe came. 3. Mai. St. Louis.",
        "ab.\u00a0Cd", ".. x. Y", "Он пришёл. Она ушла.» (Потом) всё", "a. B", "ab.\"“Cd", "ab 2.5. Cd", "ab_. Cd",
    ]
    for text in texts:
        expected = [(m.span(), m[1]) for m in lookbehind_first.finditer(text)]
        assert [(m.span(), m[1]) for m in title._SENTENCE_BREAK.finditer(text)] == expected
    assert len(list(title._SENTENCE_BREAK.finditer(texts[0]))) == 5


@pytest.mark.parametrize(
    "button",
    ["Download Now", "Zurück zur Übersicht", "Book a demo", "Bądź na bieżąco! Zapisz się na nasz newsletter",
     "Get our weekly briefing delivered to your inbox", "View this post on Instagram", "Table of Contents"],
)
def test_a_button_set_apart_above_the_text_is_no_headline(button):
    assert 0 not in headline_scores(_view(button, "", *PARA), None)
    result = parse("* Home", "", HEADLINE, "", "Vor 2 Stunden", "", button, "", *PARA, language="en")
    assert result.title == HEADLINE


def test_a_breadcrumb_trail_under_its_label_is_no_headline():
    trail = "Sie sind hier: Home » Europa » Deutschland » Niedersachsen » Ostfriesland » Emden"
    result = parse("* Home", "", trail, "", "Emden", "", "18.05.2021", *PARA, language="de")
    assert result.title == "Emden"


def test_the_line_that_repeats_the_end_of_a_breadcrumb_trail_beats_the_section_kicker_above_it():
    # The section kicker sits right above the dateline; the headline, named again at the end of the trail, comes after the deck.
    lines = ("* Startseite", "* Politik", f"* {HEADLINE}", "", "Politik", "18.05.2021 | 20:06", "", "The mayor wants a review",
             "", HEADLINE, "", *PARA)
    assert parse(*lines, language="en").title == HEADLINE
    view = _view(*lines)
    without = dataclasses.replace(WEIGHTS, trail_end=0.0)
    position = next(p for p, line in enumerate(view.content) if line.text == HEADLINE and not line.bullet)
    gain = headline_scores(view, None)[position] - headline_scores(view, None, without)[position]
    assert gain == pytest.approx(WEIGHTS.trail_end)


def test_a_menu_that_starts_with_home_has_no_trail_end():
    lines = ("* Home", "* News", "* Sport", "* Culture", "* Travel", "* Weather", f"* {HEADLINE}", "", HEADLINE, "", *PARA)
    view = _view(*lines)
    without = dataclasses.replace(WEIGHTS, trail_end=0.0)
    assert headline_scores(view, None) == headline_scores(view, None, without)


def test_of_two_headlines_of_one_text_with_equal_scores_the_nearer_wins(monkeypatch):
    from corpus_lib.parse import anchor
    from corpus_lib.parse.body import Region, RegionFinder, prose_scores

    text = "~ Dogs & what moves me\n\nLong overdue, here again\n\n" + PARA[0] + "\n\n" + PARA[1] + "\n"
    view = view_page([line for line in split_lines(text) if line.text], frozenset(), False)
    region = Region(2, 3, 10.0)
    # a blog's tagline and the post's title, with the same evidence to rounding (the sum's order may differ)
    monkeypatch.setattr(anchor, "pair_scores", lambda *a: [(9.71 + 1e-12, 0, region), (9.71, 1, region), (3.0, 3, Region(3, 3, 1.0))])
    monkeypatch.setattr(anchor, "word_overlap", lambda *a: 0.5)
    finder = RegionFinder(prose_scores(view))
    assert anchor.choose_headline_and_text(view, finder, {0: 1.0, 1: 1.0, 3: 1.0})[0] == 1
    # equals that head different texts: the first stays
    monkeypatch.setattr(anchor, "pair_scores", lambda *a: [(9.71, 0, region), (9.71, 1, Region(3, 3, 5.0))])
    assert anchor.choose_headline_and_text(view, finder, {0: 1.0, 1: 1.0})[0] == 0
    # a clearly better earlier line stays
    monkeypatch.setattr(anchor, "pair_scores", lambda *a: [(9.9, 0, region), (9.71, 1, region)])
    assert anchor.choose_headline_and_text(view, finder, {0: 1.0, 1: 1.0})[0] == 0
