"""Exact duplicates: records whose normalised body is the same.

The kept record of a group is chosen by a rule that does not depend on input order:
earliest publication (undated last), then smallest id.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any, Iterable, Mapping


def body_fingerprint(body: str) -> str:
    """sha256 of the body after NFC, case folding and whitespace collapsing."""
    normal = " ".join(unicodedata.normalize("NFC", body).casefold().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _keep_order(record: Mapping[str, Any]) -> tuple:
    published = record.get("published_local")
    return (published is None, published or "", record["id"])


def exact_duplicates(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Map id of each dropped duplicate -> id of the record kept in its place."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(body_fingerprint(record["body"]), []).append(record)
    dropped = {}
    for members in groups.values():
        if len(members) > 1:
            members = sorted(members, key=_keep_order)
            for member in members[1:]:
                dropped[member["id"]] = members[0]["id"]
    return dropped
