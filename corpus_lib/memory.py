"""Handing freed memory back to the system between a build's steps.

Arrow's pool (mimalloc) keeps the pages it frees, and glibc's heap keeps freed numpy arrays once its
mmap threshold has risen past their size; numpy and Python allocate elsewhere than Arrow, and the
next step's arrays rarely fit the holes, so without this a step's transient copies stay in the
process's RSS through the steps after it.
"""

from __future__ import annotations

import ctypes

import pyarrow as pa

__all__ = ["release_arrow_memory", "release_memory"]


def release_arrow_memory() -> None:
    """Return the pages Arrow's pool holds free (cheap: for use inside a loop)."""
    pa.default_memory_pool().release_unused()


def release_memory() -> None:
    """Return Arrow's free pages and trim glibc's heap (at 1M pages: ~90 MB after listing the files,
    160 MB after plan_release)."""
    release_arrow_memory()
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim():
    """glibc's malloc_trim, where the C library is glibc (not on macOS, Windows or musl)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):
        return None


_malloc_trim = _find_malloc_trim()
