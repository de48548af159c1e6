"""Offline checks of dataset card metadata against the values the Hugging Face Hub accepts."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any, Mapping

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


@functools.cache
def allowed_values() -> dict[str, frozenset[str]]:
    data = json.loads(resources.files("corpus_lib").joinpath("data/hub_allowed.json").read_text(encoding="utf-8"))
    return {key: frozenset(values) for key, values in data.items() if not key.startswith("_")}


@functools.cache
def language_codes() -> frozenset[str]:
    """ISO 639 language codes CLDR knows (two- and three-letter), from babel's locale data."""
    from babel import Locale

    return frozenset(code for code in Locale("en").languages if "_" not in code and code.isalpha())


def metadata_problems(card: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for each card metadata value the Hub would not accept."""
    allowed = allowed_values()
    problems = []
    license_id = card.get("license")
    for value in license_id if isinstance(license_id, list) else [license_id]:
        if value is not None and value not in allowed["license"]:
            problems.append(("license", f"{value!r} is not a Hub license id (e.g. cc-by-4.0, apache-2.0, other)"))
    for key in ("task_categories", "size_categories"):
        for value in card.get(key) or []:
            if value not in allowed[key]:
                problems.append((key, f"{value!r} is not an allowed {key} value"))
    for value in card.get("language") or []:
        base = str(value).split("-")[0]
        if not _LANGUAGE.match(str(value)) or base not in language_codes():
            problems.append(("language", f"{value!r} is not an ISO 639 / BCP-47 language code"))
    return problems
