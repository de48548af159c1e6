#!/usr/bin/env python3
"""Kill `corpus build` at random moments and check that it resumes to the same bytes.

    python scripts/kill_test.py SRC [--runs 20] [--workers 2] [--seed 0] [--work DIR]
    python scripts/kill_test.py SRC --incremental [--workers 2] [--seed 0] [--share 0.01]

Kill mode. First an uninterrupted reference build (`--no-cache`), timed. Then a "previous release"
P is built from SRC minus one page, so that the state before a kill and the state after a finished
build differ. Each run then:

1. puts P in OUT and empties the page cache (so every kill lands in a full build),
2. starts `python -m corpus_lib.cli build SRC OUT --quiet` in its own process group and SIGKILLs
   the group after a delay drawn uniformly from [0.05, 1.0] x the reference duration (stratified:
   one delay in each of RUNS equal slices, so every test covers early and late kills),
3. checks OUT: it must be P or the finished build, byte for byte (or, only between the two renames
   of the swap, absent with P intact in .OUT.previous), and must validate; never half-written,
4. runs the build again to completion and compares the sha256 of every file of OUT with the
   reference, reading how many pages the resumed build took from the page cache.

The stage a kill landed in is read from the files the build leaves, polled while it runs: no page
cache yet (startup, pass 1: templates), cache segments appearing (pass 2: extract, N segments),
.OUT.partial present (writing the release), or the build finished before the kill.

Incremental mode: a full build, then 1% new files (copies of existing pages under new names with a
changed body line, so they are new pages), then a rebuild through the page cache and a fresh full
build of the grown corpus; prints seconds and pages parsed for each and checks the two grown builds
are byte-identical and that the rebuild parsed the new files and nothing else it need not have.

Template learning may legitimately force re-parsing: a page's cache key includes its own template
lines (lines that recur on at least max(4, 2% of its source's pages) pages of the source), and adding
pages can change them, as the added pages raise a line's count over the threshold or the source's
page count raises the threshold over a line's count. Such a page is a different input to the parser,
so it is parsed again. The check learns the templates of the corpus before and after growing it, as
pass 1 does, and allows exactly those pages besides the new ones; any other re-parsed page fails it.

Exits 1 on any mismatch (bytes, or pages parsed beyond the new ones and those whose template lines changed), and flags runs during which corpus_lib's source changed (in a checkout
others are editing, run it on a copy: `PYTHONPATH=COPY python COPY/scripts/kill_test.py ...`).
Not run in CI (it takes minutes); tests/test_resume.py runs a small version.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLL_SECONDS = 0.01


def tree_digest(root: Path) -> dict[str, str] | None:
    if not root.exists():
        return None
    digests = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digests[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def code_fingerprint() -> str:
    """sha256 of corpus_lib's source, to notice the code changing under a long test (a shared checkout)."""
    import corpus_lib

    digest = hashlib.sha256()
    for path in sorted(Path(corpus_lib.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_command(src: Path, out: Path, workers: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "corpus_lib.cli", "build", str(src), str(out), "--workers", str(workers), *extra]


def run_build(src: Path, out: Path, workers: int, *extra: str) -> tuple[float, str]:
    """Run a build to completion; (seconds, stdout). Raises on failure."""
    started = time.perf_counter()
    done = subprocess.run(build_command(src, out, workers, *extra), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}): {done.stderr.strip()}")
    return seconds, done.stdout


def reused_pages(stdout: str) -> tuple[int | None, int | None]:
    m = re.search(r"pages parsed: (\d+), reused from the page cache: (\d+)", stdout)
    return (int(m[1]), int(m[2])) if m else (None, None)


def cache_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.cache"


def observe(out: Path) -> tuple[int, str]:
    """(rank, label) of the furthest stage the files beside OUT show."""
    partial = out.parent / f".{out.name}.partial"
    if partial.exists():
        return 3, "writing the release"
    segments = cache_dir(out) / "segments"
    if segments.is_dir():
        count = sum(1 for p in segments.iterdir() if p.suffix == ".parquet")
        return 2, f"pass 2: extract ({count} segments)"
    return 1, "startup / pass 1: templates"


def kill_after(src: Path, out: Path, workers: int, delay: float) -> str:
    """Start a build, SIGKILL its process group after `delay` seconds; the furthest stage seen."""
    process = subprocess.Popen(build_command(src, out, workers, "--quiet"), start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.perf_counter() + delay
    seen = (0, "not started")
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            return "finished before the kill" if process.returncode == 0 else f"failed ({process.returncode})"
        now = observe(out)
        seen = now if now[0] >= seen[0] else seen
        time.sleep(POLL_SECONDS)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    if process.returncode == 0:
        return "finished before the kill"
    now = observe(out)
    return (now if now[0] >= seen[0] else seen)[1]


def check_after_kill(out: Path, previous: dict[str, str], finished: dict[str, str]) -> str:
    """'' if OUT is a complete release (P or the new build), else what is wrong."""
    from corpus_lib import validate

    state = tree_digest(out)
    if state is None:
        kept = tree_digest(out.parent / f".{out.name}.previous")
        return "" if kept == previous else "OUT is missing and the previous release is not intact beside it"
    if state not in (previous, finished):
        changed = sorted(set(state.items()) ^ set(previous.items()))[:3]
        return f"OUT is neither the previous release nor the finished build: {changed}"
    report = validate(out)
    return "" if report.ok else f"OUT does not validate: {report.errors[0]}"


def kill_mode(args: argparse.Namespace, work: Path) -> int:
    src = args.src.resolve()
    code = code_fingerprint()
    reference = work / "reference"
    print(f"reference build of {src} ({args.workers} workers, --no-cache) ...", flush=True)
    duration, _ = run_build(src, reference, args.workers, "--no-cache", "--quiet")
    finished = tree_digest(reference)
    print(f"  {duration:.1f} s, {len(finished)} files; kills at [0.05, 1.0] x {duration:.1f} s")

    # The previous release: SRC without its first page, so that "before" and "after" differ.
    smaller = work / "src-previous"
    shutil.copytree(src, smaller, symlinks=True)
    first = sorted(p for p in smaller.rglob("*.txt") if p.is_file())[0]
    first.unlink()
    release = work / "previous-release"
    run_build(smaller, release, args.workers, "--no-cache", "--quiet")
    previous = tree_digest(release)
    assert previous != finished

    out = work / "out"
    rnd = random.Random(args.seed)
    # Stratified: one delay drawn uniformly in each of `runs` equal slices of [0.05, 1.0], in random
    # order, so that the kills are uniform overall and yet land early and late in every test.
    width = 0.95 / args.runs
    shares = [0.05 + width * (i + rnd.random()) for i in range(args.runs)]
    rnd.shuffle(shares)
    rows, failures = [], 0
    for run in range(1, args.runs + 1):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(release, out)
        shutil.rmtree(cache_dir(out), ignore_errors=True)
        delay = shares[run - 1] * duration
        stage = kill_after(src, out, args.workers, delay)
        problem = check_after_kill(out, previous, finished)
        state = "absent" if not out.exists() else ("previous" if tree_digest(out) == previous else "new")
        if state == "new" and not stage.startswith("finished"):
            stage = "swapped into place, before exit"
        seconds, stdout = run_build(src, out, args.workers)
        parsed, reused = reused_pages(stdout)
        identical = tree_digest(out) == finished
        leftovers = sorted(p.name for p in work.iterdir() if p.name.startswith(f".{out.name}.") and p.name != cache_dir(out).name)
        if leftovers:
            problem = (problem + "; " if problem else "") + f"left behind: {leftovers}"
        if code_fingerprint() != code:
            problem = (problem + "; " if problem else "") + "corpus_lib's source changed during the test: run it on a frozen copy"
        failures += (not identical) or bool(problem)
        rows.append((run, delay, stage, state, "yes" if identical else "NO", parsed, reused, seconds, problem))
        print(f"  run {run:2d}: killed at {delay:5.1f} s in {stage}; OUT {state}; resumed in {seconds:.1f} s "
              f"(parsed {parsed}, reused {reused}); identical: {'yes' if identical else 'NO'} {problem}", flush=True)

    print()
    print("| run | kill at (s) | share | stage reached | OUT after kill | identical | parsed on resume | reused from cache | resume (s) |")
    print("|---:|---:|---:|---|---|---|---:|---:|---:|")
    for run, delay, stage, state, identical, parsed, reused, seconds, problem in rows:
        print(f"| {run} | {delay:.2f} | {delay / duration:.2f} | {stage} | {state} | {identical}{' ' + problem if problem else ''} "
              f"| {parsed} | {reused} | {seconds:.1f} |")
    print(f"\nreference build: {duration:.1f} s; {args.runs - failures}/{args.runs} runs resumed to identical bytes "
          f"with OUT never half-written")
    return 1 if failures else 0


def grow(src: Path, share: float, seed: int) -> list[Path]:
    """Copy `share` of the UTF-8 text pages under new names, each with one body line changed."""
    rnd = random.Random(seed)
    candidates = []
    for path in sorted(p for p in src.rglob("*.txt") if p.is_file() and not p.is_symlink()):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len([line for line in text.splitlines() if len(line) > 80]) >= 1:
            candidates.append((path, text))
    total = sum(1 for p in src.rglob("*") if p.is_file() and p.name != "corpus.toml")
    count = max(1, math.ceil(share * total))
    added = []
    for number, (path, text) in enumerate(rnd.sample(candidates, count)):
        lines = text.split("\n")
        longest = max(range(len(lines)), key=lambda i: len(lines[i]))
        lines[longest] = f"Дополнение {number}: {rnd.randrange(10**9)} {lines[longest]}"
        new = path.with_name(f"{path.stem}-added-{number}{path.suffix}")
        new.write_text("\n".join(lines), encoding="utf-8")
        added.append(new)
    return added


def template_lines_by_page(src: Path) -> dict[str, frozenset[str]]:
    """source_file -> the page's own template lines, as pass 1 of a build of SRC learns them (part of its cache key)."""
    from corpus_lib.config import find_config, load_config
    from corpus_lib.inputs import discover
    from corpus_lib.parse.article import page_lines
    from corpus_lib.templates import learn_templates, page_template_keys, readable_page_texts, scan_batch

    cfg = load_config(find_config(src, None))
    items, _ = discover(src)
    templates = learn_templates(scan_batch(items, cfg))
    return {
        item.source_file: page_template_keys(page_lines(text), templates.get(cfg.source_for(item.source_file).key))
        for item, text in readable_page_texts(items, cfg)
    }


def incremental_mode(args: argparse.Namespace, work: Path) -> int:
    from corpus_lib import build

    src = work / "src"
    shutil.copytree(args.src.resolve(), src, symlinks=True)
    out = work / "out"
    started = time.perf_counter()
    first = build(src, out, workers=args.workers)
    full = time.perf_counter() - started
    templates_before = template_lines_by_page(src)
    added = grow(src, args.share, args.seed)
    templates_after = template_lines_by_page(src)
    retemplated = sorted(f for f, lines in templates_before.items() if templates_after.get(f, lines) != lines)
    started = time.perf_counter()
    grown = build(src, out, workers=args.workers)
    incremental = time.perf_counter() - started
    started = time.perf_counter()
    fresh = build(src, work / "fresh", workers=args.workers, cache=False)
    full_grown = time.perf_counter() - started
    identical = tree_digest(out) == tree_digest(work / "fresh")
    print("| build | inputs | seconds | pages parsed | pages from cache |")
    print("|---|---:|---:|---:|---:|")
    print(f"| full build (empty cache) | {first.inputs} | {full:.1f} | {first.parsed} | {first.cached} |")
    print(f"| rebuild after adding {len(added)} files ({args.share:.0%}) | {grown.inputs} | {incremental:.1f} | {grown.parsed} | {grown.cached} |")
    print(f"| full build of the grown corpus (--no-cache) | {fresh.inputs} | {full_grown:.1f} | {fresh.parsed} | {fresh.cached} |")
    print(f"\nincremental / full: {incremental / full_grown:.0%} of the time; parsed {grown.parsed} pages for {len(added)} new files; "
          f"output identical to the fresh build: {'yes' if identical else 'NO'}")
    allowed = len(added) + len(retemplated)
    if retemplated:
        print(f"{len(retemplated)} existing pages have other template lines in the grown corpus (parsed again by design): "
              + ", ".join(retemplated[:5]) + (" ..." if len(retemplated) > 5 else ""))
    reparsed_ok = grown.parsed <= allowed
    if not reparsed_ok:
        print(f"FAIL: the rebuild parsed {grown.parsed} pages, more than the {len(added)} new files"
              + (f" and {len(retemplated)} pages whose template lines changed" if retemplated else ""))
    return 0 if identical and reparsed_ok else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path, help="corpus folder (e.g. one written by scripts/make_sample_corpus.py)")
    parser.add_argument("--runs", type=int, default=20, help="kills (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="build workers (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the kill delays and the added files")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed at the end)")
    parser.add_argument("--incremental", action="store_true", help="time a rebuild after adding --share new files instead")
    parser.add_argument("--share", type=float, default=0.01, help="share of new files in --incremental (default 0.01)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.src.is_dir():
        print(f"kill_test: {args.src}: not a folder", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kill-test-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        return incremental_mode(args, work) if args.incremental else kill_mode(args, work)


if __name__ == "__main__":
    sys.exit(main())
