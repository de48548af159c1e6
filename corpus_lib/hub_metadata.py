"""Offline checks of dataset card metadata against the values the Hugging Face Hub accepts.

The allowed values are kept in the package (corpus_lib/data/): license ids, task and size
categories in hub_allowed.json, language codes in hub_languages.json (from the `datasets`
package's language resource; each file says where its values come from).
"""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import Any, Mapping


def _data(name: str) -> dict[str, Any]:
    return json.loads(resources.files("corpus_lib").joinpath(f"data/{name}").read_text(encoding="utf-8"))


@functools.cache
def allowed_values() -> dict[str, frozenset[str]]:
    return {key: frozenset(values) for key, values in _data("hub_allowed.json").items() if not key.startswith("_")}


@functools.cache
def language_codes() -> frozenset[str]:
    """ISO 639-1, 639-2 and 639-3 codes and the special values the Hub accepts in `language`."""
    return frozenset(_data("hub_languages.json")["language"])


def metadata_problems(card: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for each card metadata value the Hub would not accept."""
    allowed = allowed_values()
    problems = []
    license_id = card.get("license")
    for value in license_id if isinstance(license_id, list) else [license_id]:
        if value is not None and value not in allowed["license"]:
            problems.append(("license", f"{value!r} is not a Hub license id (e.g. cc-by-4.0, apache-2.0, other)"))
    for value in _as_list(card.get("task_categories")):
        if value not in allowed["task_categories"]:
            problems.append(("task_categories", f"{value!r} is not a Hub task category; "
                             + _suggestion(value, allowed["task_categories"], "text-generation, text-classification, summarization")))
    for value in _as_list(card.get("size_categories")):
        if value not in allowed["size_categories"]:
            problems.append(("size_categories", f"{value!r} is not a Hub size category; use one of "
                             + ", ".join(_data("hub_allowed.json")["size_categories"])))
    for value in _as_list(card.get("language")):
        if value not in language_codes():
            problems.append(("language", _language_message(value)))
    return problems


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _suggestion(value: Any, choices: frozenset[str], examples: str) -> str:
    close = difflib.get_close_matches(str(value), sorted(choices), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else f"e.g. {examples} (corpus_lib/data/hub_allowed.json has them all)"


def _language_message(value: Any) -> str:
    text = str(value)
    codes = language_codes()
    base = text.replace("_", "-").split("-")[0].lower()
    if text.lower() in codes:
        return f"{text!r} is not a Hub language code: codes are lower case ({text.lower()!r})"
    if base != text.lower() and base in codes:
        return (f"{text!r} is not a Hub language code: `language` takes ISO 639 codes such as {base!r}; "
                "a region or script variant like en-US belongs in `language_details`")
    preferred = _language_aliases().get(text.lower())
    if preferred in codes:
        return f"{text!r} is not in the Hub's language list, which has {preferred!r} for this language (its ISO 639-1 code)"
    return (f"{text!r} is not a language code in the Hub's list (ISO 639-1 where a language has one, else "
            "ISO 639-2/3; e.g. 'en', 'ru', 'az')")


@functools.cache
def _language_aliases() -> dict[str, str]:
    """Deprecated and three-letter codes -> the code CLDR prefers ('eng' -> 'en'), from babel's data."""
    from babel.core import get_global

    return {alias: code for alias, code in get_global("language_aliases").items() if code and "_" not in code}
