"""A build killed at any moment resumes to the same bytes; a grown corpus re-parses only new pages."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time

from corpus_lib import build
from corpus_lib.cache import PageCache
from tests.conftest import load_script

kill_test = load_script("kill_test")
tree_digest = kill_test.tree_digest  # sha256 of every file under a folder (None when it is absent)


def new_page(i: int) -> str:
    rnd = random.Random(i)
    words = [f"слово{rnd.randrange(10**6)}" for _ in range(400)]
    sentences = [" ".join(words[k : k + 20]).capitalize() + "." for k in range(0, 400, 20)]
    return f"Совершенно новая статья номер {i} о жизни города\n18.05.2021 20:06\n" + "\n".join(sentences) + "\n"


def test_rebuild_reuses_every_page_and_gives_the_same_bytes(sample_corpus, tmp_path):
    out = tmp_path / "out"
    first = build(sample_corpus, out)
    digest = tree_digest(out)
    again = build(sample_corpus, out)
    assert again.parsed == 0 and again.cached == first.parsed
    assert tree_digest(out) == digest


def test_adding_files_parses_only_the_new_ones(sample_corpus, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(sample_corpus, src)
    out = tmp_path / "out"
    build(src, out)
    for i in range(4):
        (src / "misc" / f"new-{i}.txt").write_text(new_page(i), encoding="utf-8")
    grown = build(src, out)
    assert grown.parsed == 4
    fresh = tmp_path / "fresh"
    build(src, fresh, cache=False)
    assert tree_digest(fresh) == tree_digest(out)


def _kill_when(command: list[str], reached, timeout: float = 60.0) -> int:
    """Run a build in its own process group and SIGKILL the group once `reached()` holds; its exit code."""
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.perf_counter() + timeout
    while process.poll() is None and not reached() and time.perf_counter() < deadline:
        time.sleep(kill_test.POLL_SECONDS)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait()


def test_killed_builds_resume_to_identical_output(sample_corpus, tmp_path):
    """Kills chained through one build's stages, as a crashing machine would: at startup, after the first
    batches of pass 2, and while the release is written. After each, OUT is what scripts/kill_test.py accepts
    (the previous release, absent with it intact beside OUT between the two renames of the swap, or the
    finished build) and no finished page has left the cache; the last run reuses exactly those pages and
    gives the bytes of an uninterrupted build."""
    reference = tmp_path / "reference"
    uninterrupted = build(sample_corpus, reference, cache=False)
    finished = tree_digest(reference)
    # The previous release: one folder of the corpus, so that "before" and "after" differ.
    smaller = tmp_path / "src-previous"
    smaller.mkdir()
    shutil.copy(sample_corpus / "corpus.toml", smaller)
    shutil.copytree(sample_corpus / "misc", smaller / "misc")
    release = tmp_path / "previous-release"
    build(smaller, release, cache=False)
    previous = tree_digest(release)
    assert previous != finished

    out = tmp_path / "out"
    shutil.copytree(release, out)
    cache = kill_test.cache_dir(out)
    partial = out.parent / f".{out.name}.partial"
    command = kill_test.build_command(sample_corpus, out, 2, "--quiet")

    def segment_count() -> int:
        return sum(1 for _ in (cache / "segments").glob("*.parquet"))

    def after(seconds: float):
        started = time.perf_counter()
        return lambda: time.perf_counter() - started >= seconds

    def new_segment():
        before = segment_count()
        return lambda: segment_count() > before

    # stage -> makes the condition to kill the build at, when the build starts
    stages = {
        "startup": lambda: after(random.Random(7).uniform(0.1, 0.6)),
        "pass 2, after its first batches": new_segment,
        "writing the release": lambda: partial.exists,
    }
    cached = 0
    for stage, condition in stages.items():
        _kill_when(command, condition())
        assert kill_test.check_after_kill(out, previous, finished) == "", stage
        now = len(PageCache(cache).load_index())
        assert now >= cached, f"killed in {stage}: finished pages left the cache ({cached} -> {now})"
        assert now > 0 or stage == "startup", f"killed in {stage}: no batch had finished"
        cached = now

    resumed = subprocess.run(kill_test.build_command(sample_corpus, out, 2), capture_output=True, text=True, check=True)
    parsed, reused = kill_test.reused_pages(resumed.stdout)
    assert reused == cached > 0, resumed.stdout  # every finished page is reused, none parsed twice
    assert parsed + reused == uninterrupted.parsed
    assert tree_digest(out) == finished
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.") and p != cache]
