"""HTML -> page text plus metadata hints.

The text is laid out by inscriptis (on lxml's HTML parser), the renderer that made the text dumps the parser's
heuristics are measured on: headings and paragraphs set apart by blank lines, list items with bullets and
indentation, table cells in columns. The text then takes the same line-based path as a text dump, so HTML and
text inputs give records of the same shape. Nothing is fetched and no entity is expanded beyond HTML's own named
characters (lxml's HTML parser reads no DTD and resolves no external reference); scripts, styles and templates
are dropped.

A page too deeply nested for inscriptis (which recurses once per element) is rendered by a plain renderer on the
standard library's tokenizer instead: one line per block element, no blank lines or indentation.
"""

from __future__ import annotations

import dataclasses
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
    try:
        text = _layout(tree)
    except RecursionError:  # nested deeper than inscriptis recurses
        return _plain_page(html)
    return dataclasses.replace(_metadata(tree), text=text)


# lxml's parser refuses a str that declares its encoding; the text is decoded already.
_XML_DECLARATION: Final = re.compile(r"\s*<\?xml[^>]*\?>")
# Characters no XML or HTML tree may hold (lxml refuses the text): C0 controls other than tab and newlines.
_NOT_IN_TREE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BLANK_RUN: Final = re.compile(r"\n(?:[ \t]*\n)+")
_TRAILING_SPACE: Final = re.compile(r"[ \t]+$", re.M)


def _parse(html: str) -> Any:
    """The lxml tree of the page, or None when there is none to read (no element, or markup lxml refuses)."""
    from lxml.etree import ParserError
    from lxml.html import HTMLParser as LxmlParser, document_fromstring

    html = _NOT_IN_TREE.sub(" ", _XML_DECLARATION.sub("", html, count=1)).strip()
    if not html:
        return None
    try:
        # huge_tree: libxml2 otherwise drops everything nested more than 255 elements deep, and the rest of the page with it
        return document_fromstring(html, parser=LxmlParser(huge_tree=True))
    except (ParserError, ValueError):
        return None


def _layout(tree: Any) -> str:
    """The tree as inscriptis lays it out (no link targets or image texts), trailing spaces stripped and runs of blank
    lines made one, as text dumps are."""
    from inscriptis import Inscriptis
    from inscriptis.model.config import ParserConfig

    text = Inscriptis(tree, ParserConfig(display_links=False, display_images=False)).get_text()
    text = _BLANK_RUN.sub("\n\n", _TRAILING_SPACE.sub("", text)).strip()
    return text + "\n" if text else "\n"


def _metadata(tree: Any) -> HtmlPage:
    """The hints of the page's markup: `og:title` else the `<title>` (not an SVG image's), the canonical URL else
    `og:url` (http and https only), `<html lang>`'s language, and the publication time a `<meta>` states."""
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
    return _page("", title, canonical or meta.get("og:url"), language, meta)


def _page(text: str, title: str | None, url: str | None, language: str | None, meta: dict[str, str]) -> HtmlPage:
    if url and not url.startswith(("http://", "https://")):
        url = None
    published = meta.get("article:published_time") or meta.get("datepublished") or meta.get("date")
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
