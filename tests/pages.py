"""Small page texts written here, shared by the parser and input tests."""

PARA = [
    "The city council approved the new budget on Tuesday after a long debate about road repairs and schools.",
    "Opposition members said the plan ignored rising rents, but the mayor promised a review in the autumn.",
    "Officials expect the first repairs to start next month, with most work finished before the winter.",
]
HEADLINE = "Council approves budget after long debate"


def page(*lines: str) -> str:
    """A page dump: one line per argument ('' for a blank line)."""
    return "\n".join(lines) + "\n"


def misread(text: str, codec: str) -> str:
    """Mojibake as a scraper makes it: the text's UTF-8 bytes read as a code page, as a browser reads it (a byte the code
    page leaves undefined becomes the C1 control of its number). Saved again, it is valid UTF-8 of other characters."""
    return "".join(bytes([byte]).decode(codec, errors="ignore") or chr(byte) for byte in text.encode("utf-8"))
