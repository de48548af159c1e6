"""HTML -> page text plus metadata hints.

The text is laid out by inscriptis (on lxml's HTML parser), the renderer that made the text dumps the parser's
heuristics are measured on: headings and paragraphs set apart by blank lines, list items with bullets and
indentation, table cells in columns. The text then takes the same line-based path as a text dump, so HTML and
text inputs give records of the same shape. Nothing is fetched and no entity is expanded beyond HTML's own named
characters (lxml's HTML parser reads no DTD and resolves no external reference); scripts and styles are dropped,
and of inline styles only `display` and `white-space` are read.

A page whose layout could outgrow its text (nested deeper than _MAX_DEPTH, lists nested deeper than _MAX_LIST_DEPTH,
or more indentation and table padding than _MAX_LAYOUT_CHARS) is rendered by a plain renderer on the standard
library's tokenizer instead: one line per block element, no blank lines or indentation. Both take time linear in
the page.
"""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser
from typing import Any, Final

_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tr", "ul", "td", "th", "time", "title",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas", "select", "button"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "base", "col", "embed", "param", "track"}


@dataclasses.dataclass(frozen=True)
class HtmlPage:
    text: str
    title: str | None
    url: str | None
    language: str | None
    published: str | None


class _Renderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.language: str | None = None

    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        if tag in _SKIP and tag not in _VOID:
            self.skip_depth += 1
            return
        if tag == "html" and attributes.get("lang"):
            self.language = attributes["lang"].split("-")[0].lower()[:2] or None
        if tag == "meta":
            key = (attributes.get("property") or attributes.get("name") or attributes.get("itemprop") or "").lower()
            if key and attributes.get("content"):
                self.meta.setdefault(key, attributes["content"].strip())
        if tag == "link" and "canonical" in attributes.get("rel", "").lower().split() and attributes.get("href"):
            self.canonical = attributes["href"].strip()
        if tag == "title":
            self.in_title = True
            return
        if tag in _BLOCK:
            self._flush()
            if tag == "li":
                self.current.append("* ")

    def handle_endtag(self, tag):
        if tag in _SKIP and tag not in _VOID:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag == "title":
            self.in_title = False
            return
        if tag in _BLOCK:
            self._flush()

    def handle_data(self, data):
        if self.skip_depth:
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        self.current.append(data)


def html_to_page(html: str) -> HtmlPage:
    """The page's text, laid out as a text dump, and the hints its markup gives (title, canonical URL, language,
    publication time). Never raises on any text."""
    tree = _parse(html)
    if tree is None:
        return _plain_page(html)
    hints = _metadata(tree)
    _tame(tree)
    if not _fits_layout(tree):
        return _plain_page(html)
    try:
        text = _layout(tree)
    except RecursionError:  # not expected under _MAX_DEPTH; a page must never fail for its layout
        return _plain_page(html)
    return dataclasses.replace(hints, text=text)


# lxml's parser refuses a str that declares its encoding; the text is decoded already.
_XML_DECLARATION: Final = re.compile(r"\s*<\?xml[^>]*\?>")
# Characters no XML or HTML tree may hold (lxml refuses the text): C0 controls other than tab and newlines.
_NOT_IN_TREE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BLANK_RUN: Final = re.compile(r"\n{3,}")
# Of an element's inline style inscriptis reads display (none hides it), white-space (pre keeps its spaces), margins
# and padding-left: a page's own '9999em' would give lines thousands of spaces or blank lines long, so only the first
# two are kept.
_KEPT_STYLES: Final = frozenset({"display", "white-space"})
# A page nested deeper than this is rendered plainly (the dev set's 312 HTML pages nest 51 deep at most, half of them 17).
# inscriptis recurses once per element, and each level of a list indents its lines by 4 spaces (of a div, by 2): a
# deeper tree would make a line's indentation outgrow its text.
_MAX_DEPTH: Final = 120
_DEEPER: Final = "boolean(/" + "/*" * (_MAX_DEPTH + 1) + ")"  # child steps: the elements of each depth once, O(n)
_INDENT_PER_LEVEL: Final = 4
# inscriptis lists number and indent their items slowly when lists nest deep; menus nest a few levels.
_MAX_LIST_DEPTH: Final = 12
_DEEP_LIST: Final = f"boolean(//*[self::ul or self::ol][count(ancestor::ul | ancestor::ol) >= {_MAX_LIST_DEPTH}])"
# Every element may start a line of its own: most do not, but the bound costs one walk of the tree.
_PAGE_LINES: Final = "count(//*) + 1"
# The elements that start a line of their own, for the tighter estimate of a table's lines (a union of paths walks
# the subtree once for each, which is still faster than one walk testing each element's name sixteen times).
_LINE_TAGS: Final = ("tr", "br", "p", "div", "li", "ul", "ol", "table", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6")
_TABLE_LINES: Final = "count(" + "|".join(f".//{tag}" for tag in _LINE_TAGS) + ") + 1"
# The most characters the layout may add to a page's text: its lines' indentation (at most _INDENT_PER_LEVEL x
# _MAX_DEPTH each), and the padding of table cells to their column's width and their row's height, about (a table's
# lines) x (its width), quadratic in the page (one 158 KB test page of a long cell in a table of 2,000 rows would take
# 200 MB). A page that could take more is rendered plainly; of the dev set's 312 HTML pages the most any table
# estimate reaches is 11.8 million.
_MAX_LAYOUT_CHARS: Final = 24_000_000


def _parse(html: str) -> Any:
    """The lxml tree of the page, or None when there is none to read (no element, or markup lxml refuses)."""
    from lxml.etree import ParserError
    from lxml.html import document_fromstring

    html = _NOT_IN_TREE.sub(" ", _XML_DECLARATION.sub("", html, count=1)).strip()
    if not html:
        return None
    try:
        # libxml2 keeps its limits: it drops what is nested more than 255 deep, but such a page is rendered plainly
        return document_fromstring(html)
    except (ParserError, ValueError):
        return None


def _tame(tree: Any) -> None:
    """Scripts and styles out of the tree (inscriptis shows neither; the table estimate would count their text), and
    the inline styles that set spacing (see _KEPT_STYLES) out of every element's style."""
    for element in tree.xpath("//script|//style"):
        element.drop_tree()  # lxml.html: the text after the element stays
    for element in tree.xpath("//*[@style]"):
        kept = [d for d in element.get("style").split(";") if d.split(":", 1)[0].strip().lower() in _KEPT_STYLES]
        element.set("style", ";".join(kept))


def _fits_layout(tree: Any) -> bool:
    """Whether inscriptis can lay the page out in about the size of its text (see _MAX_DEPTH, _MAX_LIST_DEPTH and
    _MAX_LAYOUT_CHARS). A table's estimate is (its lines) x (its characters and cell separators), for the tables
    outside any other; every query here walks the tree a bounded number of times."""
    if tree.xpath(_DEEPER) or tree.xpath(_DEEP_LIST):
        return False
    total = tree.xpath(_PAGE_LINES) * _INDENT_PER_LEVEL * _MAX_DEPTH
    if total <= _MAX_LAYOUT_CHARS:  # what indentation may add; tables come on top
        for table in tree.xpath("//table[not(ancestor::table)]"):
            total += table.xpath(_TABLE_LINES) * (table.xpath("string-length(string(.))") + 2 * table.xpath("count(.//td|.//th)"))
            if total > _MAX_LAYOUT_CHARS:
                break
    return total <= _MAX_LAYOUT_CHARS


def _layout(tree: Any) -> str:
    """The tree as inscriptis lays it out (no link targets or image texts), trailing spaces stripped and runs of blank
    lines made one, as text dumps are."""
    from inscriptis import Inscriptis
    from inscriptis.model.config import ParserConfig

    text = Inscriptis(tree, ParserConfig(display_links=False, display_images=False)).get_text()
    # rstrip line by line: a regex for the spaces before a line's end retries every space of a run that does not end
    # the line (a padded table cell, a deep list's indentation), which is quadratic in the run
    text = _BLANK_RUN.sub("\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()
    return text + "\n" if text else "\n"


def _metadata(tree: Any) -> HtmlPage:
    """The hints of the page's markup: `og:title` else the `<title>` (not an SVG image's), the canonical URL else
    `og:url` (http and https only), `<html lang>`'s language, and the publication time the markup states (see
    _page for the order)."""
    meta: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        content = (element.get("content") or "").strip()
        if key and content:
            meta.setdefault(key, content)
    canonical = next(
        (link.get("href").strip() for link in tree.iter("link")
         if "canonical" in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip()),
        None,
    )
    titles = [element.text_content() for element in tree.iter("title") if not any(a.tag in _SKIP for a in element.iterancestors())]
    title = meta.get("og:title") or " ".join(" ".join(titles).split()) or None
    language = (tree.get("lang") or "").split("-")[0].lower()[:2] or None
    if "article:published_time" not in meta and "datepublished" not in meta:  # else the JSON-LD need not be read
        stated = _linked_data_published(tree) or next(iter(tree.xpath("//*[@itemprop='datePublished']/@datetime")), None)
        if stated and stated.strip():
            meta[_STATED_PUBLISHED] = stated.strip()
    return _page("", title, canonical or meta.get("og:url"), language, meta)


_STATED_PUBLISHED: Final = " datepublished"  # not a <meta> name: from JSON-LD or a <time itemprop="datePublished">
# Nodes of a page's JSON-LD looked at for its datePublished, at most.
_MAX_LINKED_DATA_NODES: Final = 10_000


def _linked_data_published(tree: Any) -> str | None:
    """The first `datePublished` of the page's JSON-LD (schema.org), in document order, or None."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the decoder recurses
            continue
        stack, seen = [data], 0
        while stack and seen < _MAX_LINKED_DATA_NODES:
            node = stack.pop()
            seen += 1
            if isinstance(node, dict):
                value = node.get("datePublished")
                if isinstance(value, str) and value.strip():
                    return value
                stack.extend(reversed(list(node.values())))
            elif isinstance(node, list):
                stack.extend(reversed(node))
    return None


def _page(text: str, title: str | None, url: str | None, language: str | None, meta: dict[str, str]) -> HtmlPage:
    """The hints as HtmlPage: a URL only when http(s); the publication time from `article:published_time`, else a
    `datePublished` (a <meta>, then JSON-LD or a <time>), else `<meta name="date">`."""
    if url and not url.startswith(("http://", "https://")):
        url = None
    published = meta.get("article:published_time") or meta.get("datepublished") or meta.get(_STATED_PUBLISHED) or meta.get("date")
    return HtmlPage(text=text, title=title, url=url, language=language, published=published)


def _plain_page(html: str) -> HtmlPage:
    """The page as the standard library's tokenizer renders it: one line per block element."""
    renderer = _Renderer()
    try:
        renderer.feed(html)
        renderer.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was rendered so far
        pass
    renderer._flush()
    title = renderer.meta.get("og:title") or " ".join("".join(renderer.title_parts).split()) or None
    text = "\n".join(renderer.lines) + "\n"
    return _page(text, title, renderer.canonical or renderer.meta.get("og:url"), renderer.language, renderer.meta)
