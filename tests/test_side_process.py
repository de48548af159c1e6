"""engine.in_side_process: one call in a process of its own, waited for on leaving the block."""

import os
import time

import pytest

from corpus_lib.engine import in_side_process


def write_after(path, delay, text):
    time.sleep(delay)
    path.write_text(text, encoding="utf-8")
    return os.getpid(), text.upper()


def fail(message):
    raise ValueError(message)


def test_the_call_runs_in_another_process_and_returns_its_result(tmp_path):
    with in_side_process(write_after, tmp_path / "a.txt", 0.0, "drawn") as result:
        pid, value = result()
    assert pid != os.getpid()
    assert value == "DRAWN"
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "drawn"


def test_the_block_waits_for_the_call_when_it_raises(tmp_path):
    # The build removes its temporary folder when the shard write fails: the plots must not be written into
    # it after that, so leaving the block waits for the call.
    with pytest.raises(RuntimeError, match="shard write failed"):
        with in_side_process(write_after, tmp_path / "late.txt", 0.5, "late"):
            raise RuntimeError("shard write failed")
    assert (tmp_path / "late.txt").read_text(encoding="utf-8") == "late"


def test_an_error_in_the_call_reaches_the_caller():
    with in_side_process(fail, "no matplotlib backend") as result:
        with pytest.raises(ValueError, match="no matplotlib backend"):
            result()
