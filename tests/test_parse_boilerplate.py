"""Site blocks that end an article, inline furniture, photo credits."""

import pytest

from corpus_lib.parse.boilerplate import (
    comments_quote, is_call_to_action, is_credit_line, is_end_block_heading, is_newsletter_pitch, is_site_block_line, is_widget_line,
    may_hold_title_markers, strip_title_markers,
)
from corpus_lib.parse.lines import normalise_key


def heading(text):
    return is_end_block_heading(normalise_key(text), len(text.split()), text)


def block(text):
    return is_site_block_line(normalise_key(text), len(text.split()), text)


@pytest.mark.parametrize(
    "text",
    ["Related articles", "Comments (3)", "Leave a reply", "Share this article:", "Die meistgelesenen Artikel",
     "Weitere Informationen", "Lire aussi", "Noticias relacionadas", "Czytaj także", "Другие новости раздела",
     "Читайте также:", "Oxşar xəbərlər", "© 2021 Example Media", "Tags: council, budget", "Материалы по теме",
     "Новости по теме:", "Статті за темою", "References", "Article Sources:", "Quellen", "Источники",
     "More Stories", "MORE STORIES LIKE THIS ONE", "All news", "Alle Meldungen", "Alle Artikel anzeigen", "все новости »"],
)
def test_headings_that_end_an_article(text):
    assert heading(text) and block(text)


@pytest.mark.parametrize("text", ["Read more: Council to vote on the budget", "Advertisement", "Anzeige", "Реклама", "Новость по теме"])
def test_inline_furniture_is_a_block_line_but_not_an_end(text):
    assert block(text) and not heading(text)


@pytest.mark.parametrize(
    "text",
    ["Vorheriger Beitrag", "Deine E-Mail-Adresse wird nicht veröffentlicht.", "Diese Website verwendet Akismet, um Spam zu reduzieren.",
     "Hinterlasse eine Antwort", "War der Artikel nützlich?", "Mit Freunden teilen", "Jetzt zum kostenlosen Newsletter anmelden",
     "Your email address will not be published.", "Was this article helpful?", "Podziel się", "Dowiedz się więcej",
     "Le puede interesar", "Suscríbete", "Abonnez-vous", "Hinterlasse jetzt einen Kommentar", "Die neuesten Kommentare",
     "Recent Comments", "Close this search box."],
)
def test_comment_forms_share_and_newsletter_widgets_in_several_languages(text):
    assert block(text)


@pytest.mark.parametrize(
    "text",
    ["Lea más: El gobierno presenta un nuevo plan de infraestructuras para las regiones del norte del país",
     "Read more: The council will hold another vote on the budget next week after the opposition asked for a delay",
     "Czytaj także: Rząd przedstawił nowy plan budżetu na przyszły rok i zapowiada dalsze zmiany w podatkach",
     "Читайте также: Правительство утвердило новый план строительства дорог в регионах страны до 2030 года",
     "Bild anzeigen", "Pressemitteilung als PDF", "Official websites use .gov", "Check Price at Example Store",
     "Check Example Outdoors (on sale!)", "Dein Browser ist leider veraltet.", "Was möchtest du suchen?", "Kontrast ändern",
     "Mitglied seit 3. Mai 2019 Beiträge 120", "Member since 2019", "Erstellt von anna", "Abb.: Collage", "Photograph by Jane Roe",
     "Читать далее→", "Читать полностью", "Czytaj dalej »", "Continua a leggere", "Seguir leyendo", "Read the full story"],
)
def test_read_more_links_of_any_length_and_inline_buttons(text):
    assert block(text) and not heading(text)


@pytest.mark.parametrize(
    "text", ["Reply", "ReplyDelete", "Reply to This Share", "Antworten", "Responder", "Ответить", "Відповісти", "Antworten · Gefällt mir · Melden",
             "Antwort ↓", "Reply →"]
)
def test_the_reply_link_under_a_comment_is_a_block_line_but_not_an_end(text):
    assert block(text) and not heading(text)


def test_a_sentence_that_starts_with_reply_is_prose():
    assert not block("Reply to the mayor came within hours.") and not block("Antworten gab es keine.")


@pytest.mark.parametrize(
    "text",
    ["Sie sind hier:", "You are here: Home", "Vous êtes ici : Accueil > Actualités",
     "Sie sind hier: Home » Europa » Deutschland » Niedersachsen » Ostfriesland » Emden » Hafen und Altstadt"],
)
def test_a_breadcrumb_under_its_label_is_a_block_line_however_long_but_not_an_end(text):
    assert block(text) and not heading(text)


@pytest.mark.parametrize(
    "text",
    ["This entry was posted in News and tagged budget, council, roads, schools. Bookmark the permalink.",
     "Dieser Eintrag wurde veröffentlicht in Politik und verschlagwortet mit Haushalt, Stadtrat von Jane Roe. Permanentlink.",
     "Comments are closed.", "Die Kommentarfunktion ist geschlossen."],
)
def test_a_blogs_row_under_a_post_ends_the_article_however_long(text):
    assert heading(text) and block(text)


def test_a_sentence_that_starts_like_a_breadcrumb_label_is_prose():
    assert not block("You are hereby invited to the opening of the new library on Monday.")
    assert not block("Sie sind hierzulande die größte Gruppe unter den Pendlern.")


@pytest.mark.parametrize("text", ["Search for survivors continues after the earthquake", "Suche nach Vermissten geht weiter"])
def test_headlines_that_start_like_a_search_widget_are_no_block(text):
    assert not block(text)


def test_a_sentence_that_starts_like_a_read_more_link_is_prose():
    text = "Read more carefully, the report shows that the council spent less on roads than it had promised in May."
    assert not block(text)


def test_a_sentence_that_starts_with_an_apparatus_word_is_prose():
    assert not block("Sources say the minister will resign.") and not heading("References to the war were removed.")


def test_prose_that_mentions_a_block_word_is_neither():
    text = "Related reports suggest the council will vote on the budget again next week, officials said."
    assert not heading(text) and not block(text)


@pytest.mark.parametrize(
    "text",
    ["(© Example/Jane Roe)", "Foto: Max Muster", "Quelle: Stadtverwaltung", "Image credit: NASA", "Photo by Jane Roe",
     "Источник: пресс-служба", "Volunteers plant trees near the river on Sunday. Photo: Jane Roe/Example Images",
     "The refurbished library © Example Agency"],
)
def test_credits_and_captions_with_credits(text):
    assert is_credit_line(text, len(text.split()))


@pytest.mark.parametrize(
    "text",
    ["Photographers gathered outside the court on Monday", "Sources say the council will vote again.",
     "The photo: a lie, the mayor said on Monday."],
)
def test_prose_is_not_a_credit(text):
    assert not is_credit_line(text, len(text.split()))


@pytest.mark.parametrize("text", ["Facebook Twitter WhatsApp E-Mail", "Teilen Twittern Pinnen", "Face\xadbook, Twit\xadter, Mail"])
def test_share_bars(text):
    assert block(text)


def test_a_sentence_naming_a_network_is_no_share_bar():
    assert not block("The mayor announced the plan on Facebook")


def test_credit_tail_needles_cover_the_pattern():
    """Every ASCII word the credit-tail pattern can start a match with holds one of the needles that let ASCII lines
    skip the search (a word added to the pattern needs its needle)."""
    import re

    from corpus_lib.parse.boilerplate import _CREDIT_TAIL, _CREDIT_TAIL_NEEDLES

    followers = {"von", "images", "alliance", "photo"}  # only after a needle word ('getty images', 'ap photo')
    words = set(re.findall(r"[a-z]{3,}", _CREDIT_TAIL.pattern)) - followers
    assert all(any(needle in word for needle in _CREDIT_TAIL_NEEDLES) for word in words), words


@pytest.mark.parametrize(
    "text",
    ["Mayor Jane Roe on Monday. PHOTO: Example", "The old bridge. Picture Alliance", "Crowds at the fair. (C) Example",
     "Crowds at the fair. AFP", "A street in Kyiv. iStockPhoto/Example", "Jane Roe speaks. Getty Images",
     "Nothing to see here today", "Prices rose. Analysts expect more", "Ярмарка в центре. Фото example.ru",
     "Street fair on Sunday. Bild: Max Muster", "Mayor Jane Roe. Credit: Example", "Мэр на площади. ФОТО: пресс-служба",
     "Мэр на площади. © Пресс-служба", "Мэр на площади. Фото city.example.ru"],
)
def test_credit_tail_fast_path_is_the_search(text):
    from corpus_lib.parse.boilerplate import _CREDIT_TAIL, _CREDIT_TAIL_CHARS, _has_credit_needle, _last_stop

    start = max(0, len(text) - _CREDIT_TAIL_CHARS, _last_stop(text) + 1)
    if _CREDIT_TAIL.search(text, start):
        assert _has_credit_needle(text[start:].lower())
    assert is_credit_line(text, len(text.split())) == (not text.startswith(("Nothing", "Prices")))


def test_last_stop_from_a_start():
    from corpus_lib.parse.boilerplate import _last_stop

    text = "One. Two at example.com. Three 3.5 and four"
    assert _last_stop(text) == text.index("com.") + 3
    assert _last_stop(text, text.index("Two")) == text.index("com.") + 3
    assert _last_stop(text, text.index("Three")) == -1
    assert _last_stop("Done.", -5) == 4


def test_regex_alternatives_and_first_characters():
    from corpus_lib.parse.boilerplate import _alternatives, _first_chars

    assert _alternatives(r"a|(?:b|c)d|[|]|[]|]x|\|y") == ["a", "(?:b|c)d", "[|]", "[]|]x", r"\|y"]
    assert _first_chars("(?:à )?lire aussi") == {"à", "l"}
    assert _first_chars("(?:die )?(?:neuesten|letzten) kommentare") == {"d", "n", "l"}
    assert _first_chars("comments?") == {"c"}
    for unknown in (r"\d+ comments?", "[lt]e puede", "x?y", "(?:a)?", "(?:a|b){2}", "(?=a)b", ""):
        assert _first_chars(unknown) is None


@pytest.mark.parametrize(
    "key",
    ["related articles", "read more", "comments (3)", "3 comments", "à lire aussi", "lire aussi", "источник: тасс",
     "главное", "share this article", "lea también", "le puede interesar", "die meistgelesenen artikel",
     "neuesten kommentare", "the mayor said", "x", "", "references", "further references", "sources say", "quellen",
     "źródła", "список литературы", "99 problems", "ähnliche artikel", "advertisement"],
)
def test_first_character_dispatch_is_the_whole_pattern(key):
    from corpus_lib.parse.boilerplate import _APPARATUS_LINE, _APPARATUS_LINE_BY_FIRST, _BLOCK_START, _BLOCK_START_BY_FIRST

    for text in (key, key.upper(), key + " x", key[:4]):
        fast, slow = _BLOCK_START_BY_FIRST.match(text), _BLOCK_START.match(text)
        assert (fast and fast.span()) == (slow and slow.span())
        fast, slow = _APPARATUS_LINE_BY_FIRST.fullmatch(text), _APPARATUS_LINE.fullmatch(text)
        assert (fast and fast.span()) == (slow and slow.span())


def test_caseless_extras_are_the_characters_lower_does_not_fold_like_ignorecase():
    import re

    from corpus_lib.parse.boilerplate import _CASELESS_EXTRAS, _CREDIT_TAIL_NEEDLES

    letters = set("".join(_CREDIT_TAIL_NEEDLES))
    any_letter = re.compile("[" + re.escape("".join(letters)) + "]", re.IGNORECASE)
    candidates = [c for c in map(chr, range(0x110000)) if any_letter.fullmatch(c)]
    needed = {c for n in letters for c in candidates if re.fullmatch(re.escape(n), c, re.IGNORECASE) and c.lower() != n}
    needed |= {c for c in map(chr, range(0x110000)) if len(c.lower()) != 1}
    assert needed <= set(_CASELESS_EXTRAS.pattern[1:-1])


def test_only_titles_of_a_marker_shape_lose_markers():
    shaped = ["Flood in the valley (Photo)", "Flood in the valley [VIDEO]", "(Фото) Наводнение"]
    plain = ["Flood in the valley", "", "   ", "The EU votes", "Flood (in the valley) today"]
    for title in shaped:
        assert may_hold_title_markers(title) and strip_title_markers(title)[1], title
    for title in plain:
        assert not may_hold_title_markers(title) and strip_title_markers(title) == (title, set()), title
    assert may_hold_title_markers("Flood in the valley VIDEO")  # the shape only: searched, and no marker is found
    assert strip_title_markers("Flood in the valley VIDEO") == ("Flood in the valley VIDEO", set())


def action(text):
    return is_call_to_action(normalise_key(text), len(text.split()))


@pytest.mark.parametrize(
    "text",
    ["Book a demo", "Get started for free", "See price at Amazon", "View Deal", "Start your free trial", "Sign up for our newsletter",
     "Read Review!", "< Back", "Jump to Review", "Get a free quote today.", "Access the ebook", "Jetzt kostenlos anmelden",
     "Zum Shop", "Mehr erfahren", "S'abonner", "Comprar ahora", "Подробнее", "Learn more →", "Mehr erfahren ›",
     "Print Recipe", "Rate this Recipe", "Rezept drucken", "Rezept bewerten", "Imprimer la recette"],
)
def test_buttons_and_calls_to_action(text):
    assert action(text)


@pytest.mark.parametrize(
    "text",
    ["Get Example Magazine delivered to your inbox", "The news and stories that matter, delivered weekday mornings to your inbox.",
     "Keep an eye on your inbox for the latest sports news.", "Want more? Sign up for our newsletter, The Daily, and read smarter.",
     "Subscribe to Example.com’s newsletters.", "Join our mailing list! Get a newsletter when an episode is out.",
     "Thanks for reading Example Weekly! Subscribe for free to receive new posts.",
     "Die wichtigsten Nachrichten direkt in Ihr Postfach", "Abonnieren Sie jetzt unseren Newsletter",
     "Recevez l'essentiel dans votre boîte mail", "Suscríbete a nuestro boletín", "Подпишитесь на нашу рассылку",
     "Bądź na bieżąco! Zapisz się na nasz newsletter", "Codziennie nowe analizy prosto do Twojej skrzynki mailowej."],
)
def test_newsletter_pitches(text):
    assert is_newsletter_pitch(normalise_key(text), len(text.split()))


@pytest.mark.parametrize(
    "text",
    ["The newsletter industry has never been healthier, on paper:", "CVs in your inbox within 72 hours",
     "The Guardian added 680,000 newsletter subscribers in a single year.", "I built my newsletter with two things: my voice and a system.",
     "Der Newsletter der Stadt erscheint künftig jeden Monat.", "Unser Postfach im Rathaus ist montags geschlossen."],
)
def test_sentences_about_newsletters_are_no_pitch(text):
    assert not is_newsletter_pitch(normalise_key(text), len(text.split()))


@pytest.mark.parametrize(
    ("text", "widget"),
    [("View this post on Instagram", True), ("Sieh dir diesen Beitrag auf Instagram an", True),
     ("A post shared by Jane Roe (@janeroe)", True), ("Table of Contents", True), ("Inhaltsverzeichnis", True), ("Pin it", True),
     ("$14.99 at Amazon", True), ("$58 at Amazon $78 at Wayfair $78 at Home Depot", True), ("19,90 € bei Otto", True),
     ("Click to share on Bluesky (Opens in new window) Bluesky", True), ("Klick, um über Twitter zu teilen (Wird in neuem Fenster geöffnet)", True),
     ("3 Kommentare", True), ("12 Shares", True), ("Oops! Something went wrong while submitting the form.", True), ("7 min read", True),
     ("In den Warenkorb", True), ("(16 Videos)", True), ("$14 from Walmart", True), ("Price comparison from over 24,000 stores", True),
     ("Check Price", True), ("Ver más", True), ("3 / 12", True), ("[email protected]", True), ("$14.99", False),
     ("$14.99 at Amazon is a steal", False), ("The contents of the budget", False), ("Pin the map to your wall", False),
     ("The price is $5 at most", False), ("Gefällt mir", False), ("Share the road with cyclists", False),
     ("The new bridge opens in a week", False), ("Нажмите правой клавишей мыши и выберите «Копировать ссылку»", True),
     ('Right-click and choose "Copy link"', True), ("Rechtsklick, dann Link kopieren", True), ("Link Kopieren", True),
     ("How to copy link addresses in every browser", False), ("Copy linking words from the list into your notebook", False)],
)
def test_widget_lines(text, widget):
    assert is_widget_line(text, normalise_key(text), len(text.split())) is widget


@pytest.mark.parametrize(
    "text",
    ["Getting started with the new budget", "Back pain after long flights", "Book review: The Long Winter",
     "Shop the look", "Learn more about how the council votes on the budget every year", "Подробнее о бюджете города",
     "Print recipes from the 1950s"],
)
def test_subheadings_that_start_like_a_call_to_action_are_not_one(text):
    assert not action(text)


@pytest.mark.parametrize(
    "text, quoted",
    [("59 Comments on “The December Comfort Watches 2025, Day Eighteen: Starship Troopers”",
      "The December Comfort Watches 2025, Day Eighteen: Starship Troopers"),
     ("4 thoughts on “Harbour notes”", "Harbour notes"), ("Ein Gedanke zu „Harbour notes“", "Harbour notes"),
     ("12 комментариев к «Заметки из гавани»", "Заметки из гавани"),
     ("Four thoughts on “Harbour notes” came to mind while I read it again on the train.", "")],
)
def test_the_line_a_comment_threads_heading_quotes(text, quoted):
    assert comments_quote(text, len(text.split())) == quoted
