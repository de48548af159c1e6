"""The build's allocator: the system pool for the build's length, in the driver and its local workers."""

import pyarrow as pa
import pytest

from corpus_lib import build
from corpus_lib.engine import run_batches
from corpus_lib.memory import release_memory, system_allocator

pytestmark = pytest.mark.skipif(
    pa.default_memory_pool().backend_name == "system", reason="this pyarrow's default pool is already the system one"
)


_CONTEXT = None


def _install(context):
    global _CONTEXT
    _CONTEXT = context


def _pool_names(batch):
    return [(pa.default_memory_pool().backend_name, _CONTEXT) for _ in batch]


def test_system_allocator_is_undone_after_the_block_even_on_error():
    before = pa.default_memory_pool().backend_name
    with system_allocator():
        assert pa.default_memory_pool().backend_name == "system"
        kept = pa.array(range(10_000))  # made by the system pool, outlives the block
        release_memory()
    assert pa.default_memory_pool().backend_name == before
    assert kept.sum().as_py() == sum(range(10_000))
    with pytest.raises(RuntimeError), system_allocator():
        raise RuntimeError("stop")
    assert pa.default_memory_pool().backend_name == before


def test_local_workers_use_the_system_allocator_and_still_run_the_init():
    items = list(range(300))  # more than one batch: a real process pool
    assert set(run_batches(_pool_names, items, 2, _install, ("ctx",))) == {("system", "ctx")}


def test_build_leaves_the_callers_pool_as_it_was(sample_corpus, tmp_path):
    before = pa.default_memory_pool().backend_name
    report = build(sample_corpus, tmp_path / "out", workers=1, cache=False)
    assert report.records > 0
    assert pa.default_memory_pool().backend_name == before
