"""Page text -> article: lines with features, dates, title, boilerplate, language, HTML."""

from corpus_lib.parse.article import (
    PARSER,
    LocalTime,
    PageHints,
    ParsedArticle,
    ParseFailure,
    RejectReason,
    parse_page,
)

__all__ = ["PARSER", "LocalTime", "PageHints", "ParsedArticle", "ParseFailure", "RejectReason", "parse_page"]
