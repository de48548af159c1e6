"""HTML input: laid out as a text dump (inscriptis), with the hints its markup gives."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from corpus_lib.parse import PageHints, parse_page
from corpus_lib.parse.html import html_to_page
from corpus_lib.parse.published import markup_time

ARTICLE = """<!DOCTYPE html><html lang="en-GB"><head>
<title>Council approves budget | Daily Example</title>
<meta property="og:title" content="Council approves budget">
<meta property="article:published_time" content="2021-05-18T20:06:00+01:00">
<link rel="canonical" href="https://news.example/council-budget">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li></ul></nav>
<h1>Council approves budget</h1>
<p>The city council approved next year's budget on Tuesday after a long debate about school funding.</p>
<p>The plan raises spending on schools and libraries, and it cuts the road repair fund by a tenth.</p>
<ul><li>Schools: more teachers<ul><li>in the north district first</li></ul></li><li>Libraries: longer hours</li></ul>
<p>The mayor said the budget was the fairest the city had passed in a decade, and the opposition disagreed.</p>
<footer>Copyright Daily Example</footer>
</body></html>"""


def test_headings_and_paragraphs_are_set_apart_and_list_items_keep_bullets_and_depth():
    lines = html_to_page(ARTICLE).text.split("\n")
    heading = lines.index("Council approves budget")
    assert lines[heading - 1] == "" and lines[heading + 1] == ""  # a blank line on each side, as text dumps show headings
    first = next(i for i, line in enumerate(lines) if line.startswith("The city council"))
    assert lines[first + 1] == ""  # paragraphs are blocks of their own
    schools = next(line for line in lines if "Schools" in line)
    north = next(line for line in lines if "north district" in line)
    assert schools.lstrip().startswith("* ") and north.lstrip()[0] in "+o*"  # bullets, and another for the nested list
    assert len(north) - len(north.lstrip()) > len(schools) - len(schools.lstrip())  # the nested item is indented deeper
    assert "\n\n\n" not in html_to_page(ARTICLE).text and all(line == line.rstrip() for line in lines)


def test_the_markup_gives_title_url_language_and_publication_hints():
    page = html_to_page(ARTICLE)
    assert (page.title, page.url, page.language, page.published) == (
        "Council approves budget", "https://news.example/council-budget", "en", "2021-05-18T20:06:00+01:00"
    )
    page = html_to_page('<html><head><title>  Two\n words </title><meta property="og:url" content="javascript:x"></head>'
                        '<body><svg><title>An icon</title></svg><p>Text.</p></body></html>')
    assert (page.title, page.url, page.language) == ("Two words", None, None)  # an SVG image's title is no page title


def test_an_html_article_parses_to_its_title_and_text_without_the_menu_or_the_footer():
    page = html_to_page(ARTICLE)
    article = parse_page(page.text, PageHints(title=page.title, url=page.url, language=page.language))
    assert article.title == "Council approves budget"
    body = "\n\n".join(article.paragraphs)
    assert body.startswith("The city council approved") and "fairest the city had passed" in body
    assert "Home" not in body and "Copyright" not in body


def test_deep_nesting_keeps_its_text_and_what_follows_it():
    # libxml2 drops what is nested more than 255 elements deep, and the rest of the page with it: the plain renderer
    # takes a page nested deeper than _MAX_DEPTH, one line per block
    page = html_to_page("<p>Before the boxes.</p>" + "<div>" * 300 + "<p>Deep inside.</p>" + "</div>" * 300 + "<p>After them.</p>")
    assert page.text == "Before the boxes.\nDeep inside.\nAfter them.\n"
    page = html_to_page("<title>T</title><p>Before.</p>" + "<div>" * 5000 + "Deep." + "</div>" * 5000 + "<p>After.</p>")
    assert page.text == "Before.\nDeep.\nAfter.\n" and page.title == "T"
    page = html_to_page("<p>Before.</p>" + "<div>" * 60 + "<p>Deep.</p>" + "</div>" * 60 + "<p>After.</p>")
    assert page.text.split("\n")[:2] == ["Before.", ""]  # as deep as real pages nest: laid out


def test_inline_spacing_styles_are_ignored_and_hidden_elements_stay_hidden():
    html = ('<p style="display: none">Hidden teaser.</p><div style="padding-left: 9999em; margin-top: 500em">'
            + "<p>A paragraph of the text.</p>" * 50 + '</div><pre style="white-space: pre">a   b</pre>')
    text = html_to_page(html).text
    assert "Hidden teaser" not in text and "a   b" in text
    assert max(len(line) for line in text.split("\n")) < 40 and "\n\n\n" not in text  # no 9999em of spaces, no 500em of lines


def test_a_layout_that_would_outgrow_its_page_is_rendered_plainly():
    # inscriptis pads every cell to its column's width: 2,000 rows under a 100,000-character cell would take 200 MB
    wide = "<table><tr><td>" + "w" * 100_000 + "</td><td>b</td></tr>" + "<tr><td>a</td><td>b</td></tr>" * 2000 + "</table>"
    text = html_to_page(wide).text
    assert len(text) < 2 * len(wide) and text.split("\n")[:3] == ["w" * 100_000, "b", "a"]
    deep_list = "<ul><li>menu" * 30 + "<li>item" * 1000  # lists nested deeper than menus nest
    text = html_to_page(deep_list).text
    assert text.count("item") == 1000 and len(text) < 2 * len(deep_list)
    table = "<table><tr><td>Name</td><td>Price</td></tr><tr><td>Tea</td><td>3 EUR</td></tr></table>"
    assert html_to_page(table).text.split("\n")[:2] == ["Name  Price", "Tea   3 EUR"]  # a table that fits keeps its columns


def test_scripts_and_styles_show_nothing_and_their_tails_stay():
    html = "<p>One <script>var x = '<p>no</p>';</script>two <style>p { color: red }</style>three.</p>"
    assert html_to_page(html).text == "One two three.\n"


def test_markup_lxml_refuses_is_read_all_the_same():
    declared = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Grüße aus Köln.</p></body></html>'
    assert html_to_page(declared).text == "Grüße aus Köln.\n"  # a str may not declare its encoding to lxml
    assert html_to_page("<p>a\x00b\x01c\x0bd</p>").text == "a b c d\n"  # controls no tree may hold
    for empty in ("", "   \n", "<!-- only a comment -->", "<html></html>"):
        assert html_to_page(empty).text == "\n"
    assert html_to_page("no markup at all").text == "no markup at all\n"


def test_the_publication_time_comes_from_the_markup_in_its_order_of_trust():
    body = "<body><h1>Council approves budget</h1><p>The city council approved the budget on Tuesday.</p></body>"
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"},'
          ' {"@type": "NewsArticle", "datePublished": "2021-05-18T20:06:00+03:00"}]}</script>')
    assert html_to_page(f"<html><head>{ld}</head>{body}</html>").published == "2021-05-18T20:06:00+03:00"
    time_element = '<p>Posted <time itemprop="datePublished" datetime="2021-05-17">yesterday</time></p>'
    assert html_to_page(f"<html>{body}{time_element}</html>").published == "2021-05-17"
    meta = '<meta property="article:published_time" content="2021-05-16T09:00:00Z"><meta name="date" content="2020-01-01">'
    assert html_to_page(f"<html><head>{meta}{ld}</head>{body}</html>").published == "2021-05-16T09:00:00Z"
    assert html_to_page(f'<html><head><meta name="date" content="2020-01-01">{ld}</head>{body}</html>').published.startswith("2021-05-18")
    broken = '<script type="application/ld+json">{"datePublished": </script><script type="application/ld+json">' + "[" * 100_000 + "</script>"
    assert html_to_page(f"<html><head>{broken}</head>{body}</html>").published is None  # not JSON, too deep: no date


def test_a_time_the_markup_states_wins_over_the_text_s_dateline():
    text = "Council approves budget\n\n18 May 2022\n\n" + "The city council approved the budget on Tuesday after a long debate. " * 3 + "\n"
    article = parse_page(text, PageHints(published="2021-05-18T20:06:00+03:00"))
    assert (article.published.local, article.published.tz, article.published.tz_source) == ("2021-05-18T20:06:00", "+03:00", "page")
    assert article.published.utc.isoformat() == "2021-05-18T17:06:00+00:00"
    article = parse_page(text, PageHints(published="2021-05-18 20:06", timezone="Europe/Moscow"))
    assert (article.published.tz, article.published.tz_source, article.published.utc.hour) == ("Europe/Moscow", "config", 17)
    assert parse_page(text, PageHints(published="2021-05-18")).published.local == "2021-05-18"
    for not_a_time in ("18.05.2021", "2021-02-31", "2021-05-18T25:00", "2190-01-01", "yesterday"):
        assert parse_page(text, PageHints(published=not_a_time)).published.local == "2022-05-18"  # the text's dateline


# --- any markup -----------------------------------------------------------------------------------

_TAGS = ["div", "p", "ul", "ol", "li", "table", "tr", "td", "th", "pre", "h1", "span", "a", "br", "blockquote", "script", "style"]
_ATTRIBUTES = st.sampled_from([
    "", ' style="display:none"', ' style="padding-left: 99em; margin-top: -3em"', ' style="white-space: pre"', ' colspan="3"',
    ' colspan="x"', ' rowspan="-1"', ' itemprop="datePublished" datetime="2021-05-18T20:06:00+03:00"', ' style=";;:;"',
])
_TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(["word " * 40, "\t  \n", "&amp;", "&#0;"])


@st.composite
def markup(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 6 and draw(st.booleans()):
            tag = draw(st.sampled_from(_TAGS))
            inner = draw(markup(depth + 1))
            closing = f"</{tag}>" if draw(st.integers(0, 4)) else ""  # some left open
            parts.append(f"<{tag}{draw(_ATTRIBUTES)}>{inner}{closing}")
        else:
            parts.append(draw(_TEXTS))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(markup(), st.sampled_from(["", "<!DOCTYPE html>", '<?xml version="1.0" encoding="utf-8"?>']),
       st.sampled_from(["", '<meta property="article:published_time" content="2021-05-18">',
                        '<script type="application/ld+json">{"datePublished": 5}</script>']))
def test_any_markup_lays_out_as_a_text_dump_with_hints_the_parser_takes(body, prolog, head):
    page = html_to_page(f"{prolog}<html><head>{head}</head><body>{body}</body></html>")
    assert page.text.endswith("\n") and "\r" not in page.text and "\n\n\n" not in page.text
    assert all(line == line.rstrip() for line in page.text.split("\n"))
    result = parse_page(page.text, PageHints(title=page.title, url=page.url, language=page.language, published=page.published))
    assert result.title.strip() if hasattr(result, "title") else result.reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.from_regex(r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:?\d\d)?)?", fullmatch=True))
def test_a_markup_time_is_a_real_day_or_time_or_nothing(value):
    found = markup_time(value, None, "UTC")
    if found is not None:
        assert found.local[:4].isdigit() and 1900 <= int(found.local[:4]) <= 2099
        assert (found.utc is None) == ("T" not in found.local)
