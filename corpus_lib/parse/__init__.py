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


def compiled() -> bool:
    """Whether the parser runs as C extension modules built by mypyc (setup.py), not as Python source.
    Both give the same output; the compiled one is faster."""
    from corpus_lib.parse import lines

    return not lines.__file__.endswith(".py")


__all__ = ["PARSER", "compiled", "LocalTime", "PageHints", "ParsedArticle", "ParseFailure", "RejectReason", "parse_page"]
