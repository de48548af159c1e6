"""Split assignment: a threshold on a salted hash of a stable key.

A record's split depends only on its key, the salt and the fractions, never on which other
records exist or in which order they come, so adding or removing files moves nobody.
"""

from __future__ import annotations

import hashlib

SPLIT_RULE = "corpus_lib.split/1"
SPLITS = ("train", "validation", "test")
_SCALE = float(1 << 64)


def split_point(key: str, salt: str) -> float:
    """Where a key falls in [0, 1): the first 8 bytes of sha256(salt NUL key), big-endian."""
    digest = hashlib.sha256(f"{salt}\0{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign_split(key: str, salt: str = "v1", test: float = 0.1, validation: float = 0.0) -> str:
    """'test' below `test`, then 'validation', else 'train'.

    Growing `test` only moves records from validation/train into test, never the reverse.
    """
    if not (0 <= test <= 1 and 0 <= validation <= 1 and test + validation <= 1):
        raise ValueError(f"bad split fractions test={test} validation={validation}")
    point = split_point(key, salt)
    if point < test:
        return "test"
    if point < test + validation:
        return "validation"
    return "train"
