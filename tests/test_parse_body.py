"""Where the article text is: anchored to its headline, bounded by site blocks, one column of the page."""

from corpus_lib.parse import PageHints, ParsedArticle, parse_page
from tests.pages import HEADLINE, PARA, page

COMMENTS = [
    "I have lived here for twenty years and the roads have never been this bad, so this is welcome news.",
    "Another budget, another promise. We will see whether anything actually changes before the election.",
    "The schools in our district need the money more than the roads do, and everyone knows that already.",
    "Great reporting as always, thank you for covering the council meetings in such detail every week.",
]


def parse(text, **hints):
    result = parse_page(text, PageHints(**hints))
    assert isinstance(result, ParsedArticle), result
    return result


def test_comments_after_a_comments_heading_are_not_the_article():
    thread = []
    for number, comment in enumerate(COMMENTS, 1):
        thread += [f"Reader {number}", f"1{number}.05.2021 at 10:0{number}", comment, "Reply"]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *PARA, "Comments (4)", *thread))
    assert result.paragraphs == tuple(PARA)


def test_a_short_dated_article_beats_a_long_notice_at_the_end_of_the_page():
    notice = [
        f"Rule {n}: users agree that comments which break the house rules may be removed without notice, "
        "and that repeated breaches of these rules can lead to the account being blocked." for n in range(1, 9)
    ]
    nav = [f"* Section {n}" for n in range(12)]
    result = parse(page(*nav, HEADLINE, "18.05.2021 10:20", PARA[0], PARA[1], *nav, "Commenting rules", *notice))
    assert result.title == HEADLINE
    assert result.paragraphs == (PARA[0], PARA[1])


def test_a_list_of_teasers_after_the_article_is_not_body():
    teasers = []
    for n in range(5):
        teasers += [f"1{n}.05.2021 09:3{n}", f"Another story headline number {n}",
                    f"A teaser sentence about another story number {n} that links to the rest of it elsewhere."]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *PARA, "* Print version", *teasers))
    assert result.paragraphs == tuple(PARA)


def test_a_run_of_teasers_under_dates_adds_no_text_but_a_lone_teaser_still_counts():
    from corpus_lib.parse.article import page_lines
    from corpus_lib.parse.body import prose_scores
    from corpus_lib.parse.page import view_page

    lede = ("In a report published on Monday, officials from the transport office said that story number {n} "
            "would change how people travel between the districts, and that the work would take two years.")

    def teaser_scores(count):
        lines = [line for n in range(count) for line in (f"1{n}.05.2021 09:3{n}", f"Another story headline number {n}", lede.format(n=n))]
        content = [line for line in page_lines(page(*PARA, *lines, "* Contact")) if line.text]
        scores = prose_scores(view_page(content, frozenset(), True))
        return [scores[len(PARA) + 3 * n + 2] for n in range(count)]

    assert teaser_scores(4) == [0.0] * 4  # a list of other stories
    lone = teaser_scores(1)
    assert 0.0 < lone[0] < 2.0  # one teaser: less than a paragraph, but something


def test_a_listicle_keeps_its_sections():
    items = []
    for name, paragraph in zip(["Walking", "Cycling", "Buses"], PARA):
        items += [name, paragraph]
    result = parse(page("* Home", "Three ways to cross the city", "18.05.2021", PARA[2], *items))
    assert result.paragraphs == (PARA[2], *items)


def test_a_list_that_the_text_announces_is_part_of_the_article():
    # Short capitalised items look like a menu, unless a line of the text ending with a colon introduces them.
    tools = ["* Shovels", "* Asphalt", "* Road rollers", "* Traffic cones", "* Warning signs", "* Paint"]
    intro = "The council will buy the following for the repairs:"
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], intro, *tools, PARA[1], PARA[2]))
    assert result.paragraphs[-2:] == (PARA[1], PARA[2])


def test_a_list_under_a_short_label_is_the_article_s_when_the_text_goes_on_after_it():
    tools = ["* Shovels", "* Asphalt", "* Road rollers", "* Traffic cones", "* Warning signs", "* Paint"]
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], "Repair materials:", *tools, PARA[1], PARA[2]))
    assert result.paragraphs[-2:] == (PARA[1], PARA[2])


def test_short_list_items_inside_the_text_are_kept_but_a_list_ending_it_is_not():
    steps = ["* Close the old lanes", "* Remove the asphalt", "* Lay new drains"]
    links = ["* More council news", "* Road works map"]
    intro = "The work on each street follows the same plan, agreed with the residents in spring:"
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], intro, *steps, PARA[1], PARA[2], *links))
    assert result.paragraphs == (PARA[0], intro, *(step[2:] for step in steps), PARA[1], PARA[2])


def test_one_word_items_inside_the_text_are_kept_but_share_buttons_repeats_and_numbers_are_not():
    intro = "Each crew brings the same tools to every street, and the list is posted on the site office door:"
    tools = ["* Shovels", "* Rakes", "* Compactors", "* Twitter", "* 4", "* Cones", "* Cones"]
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], intro, *tools, PARA[1], PARA[2], "* Facebook"))
    assert result.paragraphs == (PARA[0], intro, "Shovels", "Rakes", "Compactors", PARA[1], PARA[2])


def test_teasers_after_a_site_block_heading_are_not_boosted_back_into_the_article():
    teasers = []
    for n in range(16):
        teasers += ["  Politics", f"  Another story headline number {n}",
                    f"    A teaser sentence about another story number {n}, which links to the rest of that story elsewhere on the site."]
    result = parse(page("* Home", "* News", HEADLINE, "18.05.2021", *(f"    {p}" for p in PARA), "  Related articles", *teasers))
    assert result.paragraphs == tuple(PARA)


def test_a_long_list_inside_the_text_costs_per_item_not_more_and_more():
    items = [f"* {name} street" for name in ("Mill", "Church", "Station", "Bridge", "Market", "Castle")]
    after = [f"{p} (Part {n}.)" for n in range(2) for p in PARA][:5]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *PARA, "The streets", *items, *after))
    assert result.paragraphs[-len(after):] == tuple(after)


def test_html_markup_shown_as_text_is_no_paragraph():
    embed = '<div class="embed"><a href="https://example.org/budget">Council approves budget</a> <span>Copy this code</span></div>'
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], embed, PARA[1], PARA[2]))
    assert result.paragraphs == tuple(PARA)


def test_a_menu_run_together_in_capitals_is_no_paragraph():
    menu = "NEWS POLITICS BUSINESS SPORT CULTURE WEATHER OPINION VIDEO PHOTO TRAVEL SCIENCE HEALTH AUTO"
    result = parse(page("* Home", HEADLINE, "18.05.2021", menu, *PARA))
    assert result.paragraphs == tuple(PARA)


def test_a_menu_or_form_choices_run_together_in_title_case_are_no_paragraph():
    choices = "Select Country United States Canada Afghanistan Albania Algeria Andorra Angola Argentina Armenia Aruba Australia Austria"
    result = parse(page("* Home", HEADLINE, "18.05.2021", *PARA, choices))
    assert result.paragraphs == tuple(PARA)


def test_a_long_line_with_many_names_but_lower_case_words_between_them_is_prose():
    names = ("Mayor Anna Berg said on Monday that the Council, the Water Board and the Harbour Authority of "
             "Northport would share the costs")
    result = parse(page("* Home", HEADLINE, "18.05.2021", *PARA, names))
    assert result.paragraphs == (*PARA, names)


def test_lines_without_a_letter_or_digit_are_no_paragraphs_but_code_punctuation_stays():
    code = ["Call it like this:", "    const total = add(2, 3);", "    };"]
    lines = ["* Home", HEADLINE, "18.05.2021", PARA[0], "*", "★ ★ ★ ★ ★", "\u200d", PARA[1], *code, PARA[2]]
    result = parse(page(*lines))
    assert result.paragraphs == (PARA[0], PARA[1], "Call it like this:", "const total = add(2, 3);", "};", PARA[2])


def test_a_label_with_a_count_of_posts_is_no_paragraph_but_a_year_in_brackets_stays():
    counted = ["Все материалы (324)", "October (31)", "emacs (76)"]
    kept = ["BMW 2er Active Tourer (2022)", "The Ministry of Finance (MoF)"]
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], *counted, PARA[1], *kept, PARA[2]))
    assert result.paragraphs == (PARA[0], PARA[1], *kept, PARA[2])


def test_a_gallery_caption_the_page_shows_again_is_no_paragraph():
    caption = "The mayor, left, and the treasurer present the new budget at the town hall on Tuesday, May 18, 2021."
    gallery = [caption, caption + " more", "Image 1 of 5", "Caption", caption]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *gallery, *PARA))
    assert result.paragraphs == tuple(PARA)
    assert "gallery" in result.media


def test_a_recipe_step_after_its_photo_counter_stays_in_the_text():
    steps = []
    for n, p in enumerate(PARA, 1):
        steps += [f"{n} von 3", p]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *steps))
    assert result.paragraphs == tuple(PARA)


def test_an_affiliate_disclosure_under_the_headline_or_between_paragraphs_is_no_paragraph():
    disclosure = "This post may contain affiliate links. If you buy through them, we may earn a small commission."
    result = parse(page("* Home", HEADLINE, "18.05.2021", disclosure, PARA[0], disclosure, PARA[1], PARA[2]))
    assert result.paragraphs == tuple(PARA)


def test_a_digit_glued_to_the_first_word_of_most_paragraphs_is_dropped_but_a_lone_3d_is_not():
    result = parse(page("* Home", HEADLINE, "18.05.2021", *(f"0{p}" for p in PARA), "0 Reporting by Jane Roe; editing by John Doe."))
    assert result.paragraphs == (*PARA, "Reporting by Jane Roe; editing by John Doe.")
    steps = [f"1 {p[0].lower()}{p[1:]}" for p in PARA]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *steps))
    assert result.paragraphs == tuple(steps)
    printers = "3D printers in the new library are free to use for every student of the city's schools from June."
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], printers, PARA[1], PARA[2]))
    assert printers in result.paragraphs


def test_long_list_items_do_not_move_the_article_column():
    # Renderers indent list items deeper than paragraphs: a list holding most of the text is still inside the article.
    items = [f"      * Measure {n}: the council will repair the roads of district {n} and publish the costs, "
             f"the schedule and the names of the contractors on its website before the work starts." for n in range(1, 7)]
    lines = ["* Home", HEADLINE, "18.05.2021", f"    {PARA[0]}", *items, f"    {PARA[1]}"]
    result = parse(page(*lines))
    assert result.paragraphs[0] == PARA[0] and result.paragraphs[-1] == PARA[1]


def test_prose_at_another_indentation_is_an_aside():
    # Once the article's column is clear, prose after it at another indentation is a box, not the article.
    article = PARA + [p.replace("council", "board") for p in PARA]
    aside = "        Sign up for the evening newsletter and get the most important local stories in your inbox every day."
    lines = ["* Home", HEADLINE, "18.05.2021", *[f"    {p}" for p in article], aside, aside, aside]
    result = parse(page(*lines))
    assert result.paragraphs == tuple(article)


def test_questions_and_answers_after_the_text_at_their_own_indentation_are_the_article_s():
    # An FAQ box: questions at one indentation, answers deeper (an accordion), right after the article's column.
    article = PARA + [p.replace("council", "board") for p in PARA]
    faq = [
        ("When do the repairs start?", "The first crews start next month on the main roads, as the council announced."),
        ("Who pays for the new drains?", "The city pays for the drains from the budget, with a grant from the region."),
        ("Will the schools close during the works?", "No school closes, but two bus stops move for the summer months."),
    ]
    lines = ["* Home", HEADLINE, "18.05.2021", *[f"    {p}" for p in article], "  Frequently asked questions"]
    for question, answer in faq:
        lines += [f"      {question}", f"        {answer}"]
    result = parse(page(*lines, "  © 2021 Example"))
    assert result.paragraphs == (*article, "Frequently asked questions", *(line for pair in faq for line in pair))
    # A list ending the text and a box with a button before the FAQ's heading leave it the article's.
    steps = ["      * Close the old lanes for two weeks", "      * Lay the new drains under the road"]
    box = ["  Plan your trip around the works", "  See the map"]
    lines = ["* Home", HEADLINE, "18.05.2021", *[f"    {p}" for p in article], *steps, *box, "  Frequently asked questions"]
    for question, answer in faq:
        lines += [f"      {question}", f"        {answer}"]
    result = parse(page(*lines, "  © 2021 Example"))
    assert result.paragraphs[-len(faq) * 2:] == tuple(line for pair in faq for line in pair)
    # Comments ask questions too, but names and dates stand between them: they stay an aside.
    thread = []
    for number, (question, answer) in enumerate(faq, 1):
        thread += [f"      Reader {number}", f"      1{number}.05.2021 10:0{number}", f"      {question}", f"        {answer}"]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *[f"    {p}" for p in article], *thread, "  © 2021 Example"))
    assert result.paragraphs == tuple(article)


def test_a_text_column_beside_a_sidebar():
    sidebar = ["* Weather", "* Sport", "* Markets"]
    rows = [f"    {p.ljust(110)}{s}" for p, s in zip(PARA, sidebar)]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *rows, "© 2021 Example"))
    assert result.paragraphs == tuple(PARA)


def test_a_label_between_paragraphs_is_not_text_but_a_subheading_is():
    # 'Buy the print' heads no paragraph (a photo credit follows it); 'What happens next' heads one.
    lines = ["* Home", HEADLINE, "18.05.2021", PARA[0], "Buy the print", "Photo: Jane Roe", PARA[1], "What happens next", PARA[2]]
    result = parse(page(*lines))
    assert result.paragraphs == (PARA[0], PARA[1], "What happens next", PARA[2])


def test_a_call_to_action_between_paragraphs_is_no_text():
    # 'Book a demo' would pass as the subheading of the paragraph after it; it is a button.
    lines = ["* Home", HEADLINE, "18.05.2021", PARA[0], "Book a demo", PARA[1], "What happens next", PARA[2]]
    result = parse(page(*lines))
    assert result.paragraphs == (PARA[0], PARA[1], "What happens next", PARA[2])


def test_a_newsletter_pitch_between_or_after_the_paragraphs_is_no_text():
    pitch = "Get the council's weekly briefing delivered to your inbox every Friday morning."
    lines = ["* Home", HEADLINE, "18.05.2021", PARA[0], pitch, PARA[1], PARA[2], "Thanks for reading City Weekly! Subscribe for free."]
    result = parse(page(*lines))
    assert result.paragraphs == tuple(PARA)


def test_a_table_of_contents_is_dropped_and_its_headings_stay_where_the_text_has_them():
    sections = ["Why the roads need repairs", "What the new drains cost", "When the works end"]
    intro = "The council has published a guide to the works, which answers the questions residents asked most often."
    lines = ["* Home", HEADLINE, "18.05.2021", intro, *sections]
    for heading, text in zip(sections, PARA):
        lines += [heading, text]
    result = parse(page(*lines))
    assert result.paragraphs == (intro, *(line for pair in zip(sections, PARA) for line in pair))
    # Two short paragraphs repeated are no table of contents: a guide's repeated items stay.
    steps = ["Close the lanes for a week.", "Lay the new drains."]
    lines = ["* Home", HEADLINE, "18.05.2021", PARA[0], *steps, PARA[1], *steps, PARA[2]]
    assert parse(page(*lines)).paragraphs == (PARA[0], *steps, PARA[1], *steps, PARA[2])


def test_a_note_on_the_byline_s_author_is_no_text_but_an_interview_answer_is():
    note = "Jane Roe is a city reporter who has covered the council and its budgets for ten years."
    result = parse(page("* Home", HEADLINE, "By Jane Roe", "18.05.2021", *PARA, note))
    assert result.paragraphs == tuple(PARA)
    answer = "Jane Roe: What will the council do first, now that the budget has passed at last?"
    result = parse(page("* Home", HEADLINE, "By Jane Roe", "18.05.2021", PARA[0], answer, PARA[1], PARA[2]))
    assert result.paragraphs == (PARA[0], answer, PARA[1], PARA[2])


def test_a_paragraph_about_a_product_is_text_when_the_byline_names_a_team():
    product = "Example is a budgeting tool that councils use to plan road repairs and school buildings."
    result = parse(page("* Home", HEADLINE, "By Example Team", "18.05.2021", PARA[0], product, PARA[1], PARA[2]))
    assert result.paragraphs == (PARA[0], product, PARA[1], PARA[2])


def test_a_run_of_short_lines_stays_whole():
    # A code block, a recipe or an address: short lines in a row are content, not labels.
    code = ["import json", "data = load()", "print(data)"]
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], *code, PARA[1], PARA[2]))
    assert result.paragraphs == (PARA[0], *code, PARA[1], PARA[2])


def test_cjk_paragraphs_are_not_labels():
    # No spaces: a CJK paragraph is one 'word', but it is long or closed by a full stop, so the
    # subheading over it stays, and a long CJK line is no label.
    from corpus_lib.parse.body import _is_label, _label_belongs
    from corpus_lib.parse.lines import split_lines

    text = "益阳如今以其良好的数字基础成为各大互联网企业关注的数字实验场。"
    lines = split_lines(page("数字发现社会", text, "当地政府表示将继续推进相关工作并在今年年底前完成第一批数字经济示范项目的规划与建设工作"))
    assert _is_label(lines[0]) and _label_belongs(lines, 0, len(lines) - 1)
    assert not _is_label(lines[1]) and not _is_label(lines[2])


def test_a_list_under_a_short_label_stays_when_a_subheading_comes_between_it_and_the_text():
    # 'You will learn:' (too short to announce a list on its own) heads it; the section's subheading after it scores nothing either way,
    # so whether the text goes on is told by the paragraph under that subheading.
    topics = ["* Typography for print", "* Colour theory", "* Layout design", "* Photography basics", "* Design systems"]
    lines = ["* Home", HEADLINE, "18.05.2021", PARA[0], "You will learn:", *topics, "The second course", PARA[1], PARA[2]]
    result = parse(page(*lines))
    assert result.paragraphs == (PARA[0], "You will learn:", *(topic[2:] for topic in topics), "The second course", PARA[1], PARA[2])


def test_a_list_under_a_short_label_ending_the_text_is_not_kept_even_after_a_subheading():
    links = ["* Council news", "* Road works map", "* School budgets", "* Election results", "* Contact us"]
    lines = ["* Home", HEADLINE, "18.05.2021", *PARA, "More from us:", *links, "Most read", "* Weather"]
    result = parse(page(*lines))
    assert result.paragraphs == tuple(PARA)


def test_list_items_just_deeper_than_the_paragraphs_are_the_article_s_list():
    # Renderers indent a list one step deeper than the paragraphs around it: its items keep their own score
    # (not an aside's share), so the list's phrases carry the text across its short items to the second part.
    short = [f"      * {word} – ask the office" for word in ("Parking", "Detours", "Noise", "Bins", "Buses", "Trams", "Taxis", "Bikes", "Vans")]
    steps = [f"      * Step {n} – the crews close the street, remove the old surface and lay the new drains" for n in range(1, 5)]
    second = [p.replace("council", "board") for p in PARA]
    lines = ["* Home", HEADLINE, "18.05.2021", *[f"    {p}" for p in PARA], *short, *steps, *[f"    {p}" for p in second]]
    result = parse(page(*lines))
    assert result.paragraphs[-len(second) - len(steps):] == (*(step.strip()[2:] for step in steps), *second)


def test_short_lists_nested_between_the_paragraphs_are_the_article_s_but_a_list_after_them_is_not():
    # A guide's sections: a subheading, a list of short names one step deeper than the text, the text again.
    tools = [f"      * {name}" for name in ("Ballpoint pens", "Felt markers", "Sharp pencils", "Paper clips", "Glue sticks", "Sticky notes")]
    menu = [f"      * {name}" for name in ("Our shop", "Gift cards", "Store finder", "Job offers", "Press room", "Contact form")]
    second = [p.replace("council", "board") for p in PARA]
    lines = ["* Home", HEADLINE, "18.05.2021", *[f"    {p}" for p in PARA], "    Writing tools", *tools, *[f"    {p}" for p in second], *menu]
    result = parse(page(*lines))
    assert result.paragraphs == (*PARA, "Writing tools", *(tool.strip()[2:] for tool in tools), *second)


def test_ingredients_are_list_items_of_the_text_but_numbered_headlines_are_not():
    from corpus_lib.parse.body import _list_item_score
    from corpus_lib.parse.lines import split_lines

    def score(text):
        (line,) = [line for line in split_lines(text) if line.text]
        return _list_item_score(line, len(line.text))

    # A quantity with a unit in lower case reads as an ingredient or a spec, not as a link.
    assert score("* 350 g Zucker") > 0 and score("* 1/2 cup flour") > 0 and score("* 2,5 kg Mehl") > 0
    # A number before a capitalised word is a listicle headline or a ranking: a link to another story.
    assert score("* 27 Oddest Medical Case Reports") < 0 and score("* 10 Strangest Medical Cases") < 0


def test_numbered_items_keep_their_numbers_and_bullets_lose_their_marks():
    steps = ["1. Beat the eggs with the sugar until the mixture is pale and thick.", "2. Fold in the flour and pour it into the tin."]
    notes = ["* Use eggs at room temperature, or the batter may curdle.", "• The cake keeps for three days in a tin."]
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], "You will need to do this:", *steps, *notes, PARA[1], PARA[2]))
    assert result.paragraphs == (PARA[0], "You will need to do this:", *steps, *[note[2:] for note in notes], PARA[1], PARA[2])


def test_a_recipe_keeps_its_ingredients_under_their_label():
    intro = "This plum cake is the one our grandmother baked every autumn, and it takes less than an hour."
    ingredients = ["Zutaten", "Für 12 Stücke", "* 1 Pck. Vanillezucker", "* 4 EL Milch", "* 500 g Pflaumen", "* 1 Prise Salz", "* 2 Eier"]
    method = "Preheat the oven, beat the eggs with the sugar, fold in the flour and spread the dough on a tray."
    result = parse(page("* Home", "Grandmother's plum cake", "18.05.2021", intro, *ingredients, "Zubereitung", method, PARA[0]))
    assert result.paragraphs == (intro, *[line.lstrip("* ") for line in ingredients], "Zubereitung", method, PARA[0])


def test_a_block_heading_repeated_over_each_section_heads_the_sections():
    # 'Recommended courses:' over each school of a review, each time with a long section under it, is the
    # article's own label; once at the end, or over every teaser of a list, it ends the text.
    def section(n):
        return [f"School {n}", *(p.replace("council", f"school board {n}") for p in PARA * 3), "Recommended courses:",
                *(p.replace("council", f"course team {n}") for p in PARA * 2)]

    article = [line for n in range(1, 4) for line in section(n)]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *article, "© 2021 Example"))
    assert result.paragraphs.count("Recommended courses:") == 3
    assert result.paragraphs[-1] == PARA[-1].replace("council", "course team 3")
    teasers = [line for n in range(1, 5) for line in (f"Another story number {n} about the town", "Read more")]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *PARA, "Read more", *teasers))
    assert result.paragraphs == tuple(PARA)


def test_a_table_of_dated_figures_inside_the_text_does_not_cut_it():
    # A statistic's series: each row has a date, so each row read as a dateline and cost as much; forty of them
    # cut the article in two and the larger half won.
    rows = [f"{month}/1/{year}   +{(month * 7 + year) % 20}.{month}%" for year in (2021, 2022, 2023) for month in range(1, 13)]
    after = [p.replace("council", "county") for p in PARA]
    result = parse(page("* Home", HEADLINE, "18.05.2021", PARA[0], "Date   Change in the median price (YoY)", *rows, *after))
    assert result.paragraphs[-len(after):] == tuple(after)
    assert result.paragraphs[0] == PARA[0]
    assert all(" ".join(row.split()) in result.paragraphs for row in rows)
    assert result.published.local == "2021-05-18"


def test_only_rows_of_figures_are_a_table_of_figures():
    from corpus_lib.parse.article import page_lines
    from corpus_lib.parse.page import view_page

    def figures(*lines):
        content = [line for line in page_lines("\n".join(lines)) if line.text]
        return view_page(content, frozenset(), True).figures

    assert figures("2019   4.2   17.0", "2020   4.4   17.9", "2021   5.1   18.3") == [True] * 3
    assert figures("2019   4.2   17.0", "2020   4.4   17.9") == [False] * 2  # two rows: a date and a figure, maybe
    signatures = ["1,199  Jane Roe     Feb 16, 2013", "1,198  John Doe     Feb 16, 2013", "1,197  Max Muster   Feb 16, 2013"]
    assert figures(*signatures) == [False] * 3
    assert figures("18.05.2021", "19.05.2021", "20.05.2021") == [False] * 3  # no cells: an archive's dates


def test_a_page_that_shows_its_text_again_gives_it_once():
    text = [p.replace("council", f"council of district {n}") for n in range(1, 4) for p in PARA]  # nine paragraphs
    result = parse(page("* Home", HEADLINE, "18.05.2021", *text, "", *text, "", *text, "© 2021 Example"))
    assert result.paragraphs == tuple(text)
    # A plan that ends with the same four meals as its first day keeps them: four paragraphs are an item, not a copy.
    meals = [f"{meal}: {food}, with a glass of water and a short walk afterwards." for meal, food in
             (("Breakfast", "oats and berries"), ("Lunch", "a bean salad"), ("Snack", "an apple"), ("Dinner", "fish and rice"))]
    days = [PARA[0], "Day 1", *meals, "Day 2", *(m.replace("water", "tea") for m in meals), "Day 3", *meals]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *days))
    assert result.paragraphs == tuple(days)


def test_a_comment_thread_under_its_heading_is_not_the_article_however_long():
    # Eight long comments outweigh the three paragraphs, so no score splits them: the heading that quotes the
    # headline does.
    thread = []
    for number in range(1, 9):
        thread += [f"Reader {number}", *(c.replace("the", f"the {number}") for c in COMMENTS)]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *PARA, f"8 Comments on “{HEADLINE}”", *thread))
    assert result.paragraphs == tuple(PARA)


def test_a_guide_keeps_every_section_past_the_short_lines_of_its_boxes():
    # Each product has a box of short lines (a spec table, pros and cons): their cost grew with the run, so the
    # guide ended after its first section.
    def section(n):
        box = ["Connectivity", "Wireless", "Sensor", f"Model {n}K", "Battery life", "Up to 90 hours", "Weight", f"{50 + n}g",
               "Pros", "Light shell", "Long battery life", "Cons", "Expensive", "Larger dongle"]
        prose = [f"Mouse {n}: {p}" for p in PARA]
        return [f"Example Mouse {n}", *box, *prose]

    sections = [line for n in range(1, 5) for line in section(n)]
    result = parse(page("* Home", "The best light mice", "18.05.2021", PARA[0], *sections, "© 2021 Example"))
    assert result.paragraphs == (PARA[0], *sections)



def test_a_guide_whose_sections_sit_one_step_deeper_than_its_intro_keeps_them():
    # The intro is one container of the page, the sections another, two columns deeper: prose after the last line
    # of the article's column used to be an aside (a box, a comment), however much of it there was.
    long = [" ".join(PARA).replace("council", name) for name in ("council", "county", "city", "region")]  # 300 characters each
    intro = [f"        {p}" for p in long]
    sections = [line for n in (1, 2, 3) for line in (f"          Option {n}", f"          Option {n}: {long[n]}")]
    result = parse(page("* Home", HEADLINE, "18.05.2021", *intro, *sections, "© 2021 Example"))
    assert result.paragraphs == tuple(line.strip() for line in (*intro, *sections))


def test_the_same_line_many_times_in_a_row_is_no_copy_of_the_text():
    from corpus_lib.parse.body import _without_repeated_tail

    assert _without_repeated_tail(["Intro", *["Yes"] * 6]) == 7  # one run, not an original and its copy
    assert _without_repeated_tail(["A", "B", "C", "D", "E", "A", "B", "C", "D", "E"]) == 5
    assert _without_repeated_tail(["A", "B", "C", "D", "A", "B", "C", "D"]) == 8  # four paragraphs: kept
