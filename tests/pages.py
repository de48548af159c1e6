"""Small page texts written here, shared by the parser tests."""

PARA = [
    "The city council approved the new budget on Tuesday after a long debate about road repairs and schools.",
    "Opposition members said the plan ignored rising rents, but the mayor promised a review in the autumn.",
    "Officials expect the first repairs to start next month, with most work finished before the winter.",
]
HEADLINE = "Council approves budget after long debate"


def page(*lines: str) -> str:
    """A page dump: one line per argument ('' for a blank line)."""
    return "\n".join(lines) + "\n"
