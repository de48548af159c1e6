"""HTML -> page text plus metadata hints, with the standard library's tokenizer.

Nothing is fetched and no entities are resolved beyond HTML's own named characters; scripts,
styles and templates are dropped. The text then takes the same line-based path as a text dump,
so HTML and text inputs give records of the same shape.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

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
    renderer = _Renderer()
    try:
        renderer.feed(html)
        renderer.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was rendered so far
        pass
    renderer._flush()
    meta = renderer.meta
    title = meta.get("og:title") or " ".join("".join(renderer.title_parts).split()) or None
    url = renderer.canonical or meta.get("og:url")
    if url and not url.startswith(("http://", "https://")):
        url = None
    published = meta.get("article:published_time") or meta.get("datepublished") or meta.get("date")
    return HtmlPage(
        text="\n".join(renderer.lines) + "\n",
        title=title,
        url=url,
        language=renderer.language,
        published=published,
    )
