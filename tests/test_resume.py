"""A build killed at any moment resumes to the same bytes; a grown corpus re-parses only new pages."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from corpus_lib import build


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


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


def test_killed_builds_resume_to_identical_output(sample_corpus, tmp_path):
    reference = tmp_path / "reference"
    build(sample_corpus, reference, cache=False)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "corpus_lib.cli", "build", str(sample_corpus), str(out), "--workers", "2", "--quiet"]
    rnd = random.Random(7)
    for _ in range(3):
        process = subprocess.Popen(command, start_new_session=True)
        time.sleep(rnd.uniform(0.5, 4.0))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    subprocess.run(command, check=True)
    assert tree_digest(out) == tree_digest(reference)
