"""Each extraction heuristic on small pages written here."""

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.parse import PageHints, ParsedArticle, ParseFailure, parse_page
from corpus_lib.parse.boilerplate import caption_media, is_disclosure, is_site_block_line, strip_title_markers
from corpus_lib.parse.lines import normalise_key, split_lines
from corpus_lib.parse.page import view_page
from tests.pages import PARA, page


def test_repeated_title_wins_over_navigation():
    text = page("* Home", "* World", "* Sport", "", "Council approves budget after long debate", "",
                "May 18, 2021", "Council approves budget after long debate", *PARA, "", "Read more", "* Other story")
    result = parse_page(text, PageHints(language="en"))
    assert isinstance(result, ParsedArticle)
    assert result.title == "Council approves budget after long debate"
    assert result.paragraphs == tuple(PARA)
    assert result.published.local == "2021-05-18"


def test_site_pipe_title_loses_the_site_name():
    text = page("Daily Example | Council approves budget after long debate", "",
                "Council approves budget after long debate", "By Jane Roe", "Published: May 18, 2021 8:06 PM", *PARA)
    result = parse_page(text, PageHints(language="en", timezone="Europe/London"))
    assert result.title == "Council approves budget after long debate"
    assert result.paragraphs == tuple(PARA)  # byline and dateline are not body
    assert result.published.local == "2021-05-18T20:06:00"
    assert result.published.tz_source == "config"


def test_title_next_to_dateline_without_repetition():
    text = page("+ News", "+ Markets", "Council approves budget after long debate", "18.05.2021 20:06", *PARA, "© 2021 Example")
    result = parse_page(text)
    assert result.title == "Council approves budget after long debate"
    assert result.paragraphs == tuple(PARA)
    assert result.published.tz_source == "default" and result.published.tz == "UTC"


def test_related_list_dates_do_not_win():
    text = page("Council approves budget after long debate", "18.05.2021", *PARA, "Related articles",
                "* 17.05.2021 Another story about the council", "* 16.05.2021 Yet another story")
    assert parse_page(text).published.local == "2021-05-18"


def test_page_offset_beats_config():
    text = page("Council approves budget after long debate", "2021-05-18T20:06:00+03:00", *PARA)
    result = parse_page(text, PageHints(timezone="Asia/Baku"))
    assert result.published.tz == "+03:00" and result.published.tz_source == "page"
    assert result.published.utc.hour == 17


def test_template_lines_from_the_corpus_are_removed():
    footer = "Official portal of the Example Ministry of Roads and Bridges"
    stock = "As the press service reported, all participants showed a high level of skill."
    text = page("Council approves budget after long debate", "18.05.2021", PARA[0], footer, PARA[1], PARA[2], stock)
    template = frozenset({normalise_key(footer), normalise_key(stock)})
    with_template = parse_page(text, PageHints(template_keys=template))
    without = parse_page(text)
    assert footer in without.paragraphs
    assert footer not in with_template.paragraphs
    # A recurring sentence is a stock phrase of the prose, not site furniture: it stays.
    assert stock in with_template.paragraphs


def _review_page() -> tuple[str, list[str]]:
    """A review whose every product has 'Pros' and 'Cons' labels, as all reviews of its site do."""
    lines = ["* Home", "* Reviews", "* Deals", "", "The best city bikes of the year, tested on real commutes", "18.05.2021", "",
             "We rode every bike below to work and back for a month, in rain and in traffic, before ranking it here."]
    texts = [lines[-1]]
    for name in ("Alpha Urban 3", "Beta Commuter", "Gamma Fold"):
        verdict = (f"The {name} is light and quick, and its gears shifted cleanly on every hill of the route we rode, "
                   "even on the wet mornings when most of the other bikes in this test slipped and rattled.")
        caveat = (f"Its saddle was hard on long rides, so riders of the {name} may want a softer one after a week, "
                  "and the missing lights mean a second purchase for anyone who commutes in the dark.")
        lines += ["", f"{name}: our verdict", "", "Pros", "", f"* The {name} frame is light", f"* The {name} brakes are good",
                  "", "Cons", "", f"* The {name} saddle is hard", f"* The {name} comes without lights", "", verdict, "", caveat]
        texts += [verdict, caveat]
    lines += ["", "About us", "Contact us"]
    return page(*lines), texts


def test_a_label_the_page_repeats_section_after_section_is_no_template_line():
    text, texts = _review_page()
    template = frozenset({"home", "reviews", "deals", "pros", "cons", "about us", "contact us"})
    result = parse_page(text, PageHints(language="en", template_keys=template))
    assert isinstance(result, ParsedArticle)
    assert result.title == "The best city bikes of the year, tested on real commutes"
    assert [p for p in result.paragraphs if p in texts] == texts  # every product's text, not the first one's only
    assert "About us" not in result.paragraphs and "Contact us" not in result.paragraphs


def _content(*lines: str):
    """The content (non-blank) lines of a page, as parse_page gives them to view_page."""
    return [line for line in split_lines(page(*lines)) if line.text]


def test_a_repeated_label_that_the_menu_also_shows_stays_template():
    # Each teaser of a list of other stories is labelled with its section, which the site's menu lists.
    content = _content("* Politics", "* Economy", "Headline of the story", *PARA,
                       *[item for n in range(3) for item in ("// Politics", f"Another story number {n}")])
    flags = view_page(content, frozenset({"politics", "economy"}), True).template
    assert [line.text for line, flag in zip(content, flags) if flag] == ["Politics", "Economy", *["// Politics"] * 3]
    # The same label three times and never in a menu run heads sections: it is not template.
    alone = _content("Headline", *[item for _ in range(3) for item in ("Pros", PARA[0])])
    assert not any(view_page(alone, frozenset({"pros"}), True).template)
    twice = _content("Headline", *[item for _ in range(2) for item in ("Pros", PARA[0])])
    assert sum(view_page(twice, frozenset({"pros"}), True).template) == 2


def test_a_line_without_letters_is_no_template_line():
    # Ranks, counters and ratings ('#1', '4', '2/5') recur on many pages of a mixed corpus: not as its furniture.
    content = _content("Headline of the story", "#1", "Menu", *PARA, "2/5")
    flags = view_page(content, frozenset({"1", "menu", "2/5"}), True).template
    assert [line.text for line, flag in zip(content, flags) if flag] == ["Menu"]


def test_media_markers_and_captions():
    assert strip_title_markers("Big news (Фото-Видео)") == ("Big news", {"photo", "video"})
    assert strip_title_markers("[VIDEO] Big news") == ("Big news", {"video"})
    assert strip_title_markers("Big news - FOTO") == ("Big news", {"photo"})
    assert strip_title_markers("Big news (2021)") == ("Big news (2021)", set())
    assert caption_media("Photo: Reuters", 2) == {"photo"}
    assert caption_media("Watch: the mayor speaks", 4) == {"video"}
    assert caption_media("Photographers gathered outside the court on Monday", 7) == set()


def test_a_gallery_counter_is_a_caption_but_a_rating_or_a_count_is_not():
    for line in ("Image 1 of 8", "Image 1 of / 8", "Bild 2 von 10", "Foto 1 de 3", "12 of 20",
                 "1 of 4 A shopper looks at extension cords at a hardware store in Grass Valley on Tuesday"):
        assert caption_media(line, len(line.split())) == {"gallery"}, line
    for line in ("5 von 5 Sternen", "3 of 13 comments", "42 of 150 (28%)", "2 of the best ways to cook rice"):
        assert caption_media(line, len(line.split())) == set(), line


def test_an_affiliate_disclosure_is_furniture_but_a_sentence_about_affiliate_marketing_is_not():
    for line in ("This post may contain affiliate links. Please see my disclosure page.",
                 "As an Amazon Associate I earn from qualifying purchases.",
                 "We may earn commission from links on this page, but we only recommend products we back.",
                 "Dieser Artikel enthält Affiliate-Links und/oder werbende Inhalte."):
        assert is_disclosure(line, len(line.split())), line
    for line in ("Affiliate programs: streamers earn a commission when viewers buy games via affiliate links.",
                 "The council approved the new budget on Tuesday after a long debate about road repairs."):
        assert not is_disclosure(line, len(line.split())), line


def test_site_block_lines_in_many_languages():
    for line in ("Читайте также", "Советуем почитать", "Digər xəbərlər", "Read more", "Lesen Sie auch",
                 "© 2021 Example", "We use cookies to improve your experience",
                 "При использовании материала ссылка на агентство обязательна!", "Оцените, пожалуйста, статью.",
                 "Зарегистрируйтесь или войдите, чтобы оставить комментарий"):
        key = normalise_key(line)
        assert is_site_block_line(key, len(key.split()), line), line
    assert not is_site_block_line(normalise_key(PARA[0]), 20)


def test_bullets_and_indentation_are_features():
    lines = split_lines("  • Baku 16°C\n* Home\n+ World\no Sport\n- Short\nPlain text line")
    assert [l.bullet for l in lines] == [True, True, True, True, True, False]
    assert lines[0].indent == 2 and lines[0].text == "Baku 16°C"


def test_rejects_say_why():
    assert parse_page("").reason == "empty"
    assert parse_page("   \n\n  ").reason == "empty"
    nav_only = page("* Home", "* World", "* Sport", "* Contact")
    assert isinstance(parse_page(nav_only), ParseFailure)
    short = parse_page(page("Council approves budget after long debate", "18.05.2021", "More soon."))
    assert isinstance(short, ParseFailure) and short.reason in ("body_too_short", "no_body")



def test_a_list_item_that_is_a_paragraph_is_text_not_a_link():
    # A blog post whose one paragraph the page renders as a list item: prose, so a record, not 'only list items'.
    item = ("A nearly wordless film intercuts two stories. A woman brings forth her baby to a crowd of intrusive "
            "photographers; she tries to flee them. Two men marry and are arrested by the powers that be.")
    post = parse_page(page("* Home", "* About", "", "    The Garden, a film of 1990", "", "17. Januar 2014 · 02:16",
                           "", "      * The Garden (1990)", f"      * {item}", "", "* Share on Facebook"))
    assert isinstance(post, ParsedArticle), post
    assert post.title == "The Garden, a film of 1990" and item in post.paragraphs
    # Items that read as no paragraph are links to other pages still.
    links = parse_page(page("* Home", "", "    The Garden, a film of 1990", "", "17. Januar 2014 · 02:16", "",
                            "      * Our review of the new cut of the film", "      * Interview with the lead actress about it",
                            "      * Ten films to watch this winter at home"))
    assert isinstance(links, ParseFailure) and links.reason == "no_body", links

page_lines = st.lists(
    st.one_of(
        st.text(max_size=200),
        st.sampled_from(["* Home", "• четверг, 28 Марта, 15:06", "18 мая 2021 | 20:06", "Read more", "", "(Фото)",
                         "May 18, 2021 8:06 PM", "31.02.2021", "© 2021", "Title | Site", *PARA]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(page_lines, st.sampled_from([None, "en", "ru"]), st.sampled_from([None, "Asia/Baku", "America/New_York"]))
def test_parser_never_raises(lines, language, timezone):
    result = parse_page("\n".join(lines), PageHints(language=language, timezone=timezone))
    assert isinstance(result, (ParsedArticle, ParseFailure))
    if isinstance(result, ParsedArticle):
        assert result.title.strip() and result.body.strip()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_decoder_and_parser_never_raise_on_bytes(raw):
    from corpus_lib.inputs import InputReject, decode_bytes

    try:
        text, _ = decode_bytes(raw)
    except InputReject as exc:
        assert exc.reason in ("binary", "undecodable")
        return
    assert isinstance(parse_page(text), (ParsedArticle, ParseFailure))


CHINESE_PARA = [
    "市议会周二在就道路维修和学校问题进行长时间辩论后批准了新的预算，反对派议员表示该计划忽视了不断上涨的房租。",
    "市长承诺将在秋季进行审查，官员们预计第一批维修工程将于下个月开始，大部分工程将在冬季之前完成。",
    "居民们对这项决定反应不一，一些人欢迎更多的资金用于学校，另一些人则担心交通在施工期间会受到影响。",
]


def test_a_chinese_page_has_its_headline_and_text():
    # Without spaces a paragraph is one space-separated token: counted so, it read as a one-word label, not text.
    headline = "市议会在长时间辩论后批准预算"
    result = parse_page(page("* 首页", "* 新闻", "", "本地新闻", "", headline, "", *CHINESE_PARA), PageHints())
    assert isinstance(result, ParsedArticle), result
    assert result.title == headline
    assert result.paragraphs == tuple(CHINESE_PARA)
