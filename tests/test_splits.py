from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_lib.records import record_id
from corpus_lib.splits import assign_split, split_point

paths = st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=60, unique=True)


@settings(max_examples=200, deadline=None)
@given(paths, paths, st.randoms(use_true_random=False))
def test_split_never_depends_on_other_records(existing, added, rnd):
    """Adding, removing or reordering other records never changes a record's split."""
    before = {p: assign_split(record_id(p), "v1", 0.2) for p in existing}
    grown = existing + [p for p in added if p not in before]
    rnd.shuffle(grown)
    shrunk = grown[: len(grown) // 2]
    after_grow = {p: assign_split(record_id(p), "v1", 0.2) for p in grown}
    after_shrink = {p: assign_split(record_id(p), "v1", 0.2) for p in shrunk}
    assert all(after_grow[p] == before[p] for p in existing)
    assert all(after_shrink[p] == after_grow[p] for p in shrunk)


def test_fractions_are_close_on_many_keys():
    counts = Counter(assign_split(str(i), "v1", 0.1, 0.05) for i in range(20000))
    assert abs(counts["test"] / 20000 - 0.10) < 0.01
    assert abs(counts["validation"] / 20000 - 0.05) < 0.01


def test_salt_changes_the_assignment_and_growing_test_only_moves_into_test():
    keys = [str(i) for i in range(2000)]
    assert [assign_split(k, "a") for k in keys] != [assign_split(k, "b") for k in keys]
    small = {k: assign_split(k, "v1", 0.1) for k in keys}
    large = {k: assign_split(k, "v1", 0.2) for k in keys}
    assert all(large[k] == "test" for k in keys if small[k] == "test")


def test_split_point_is_a_pure_function():
    assert split_point("abc", "v1") == split_point("abc", "v1")
    assert 0 <= split_point("abc", "v1") < 1


def test_bad_fractions():
    with pytest.raises(ValueError):
        assign_split("a", "v1", 0.7, 0.5)
