"""scripts/make_synthetic_corpus.py and scripts/bench.py at a tiny size: every measurement is made,
and the full build's output is the same bytes with 1 and 2 workers and on the Dask engine."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import REPO, load_script

MEASURED = {"floor", "core-w1", "full-w1", "full-w2", "rebuild-warm-w1", "dask-w2"}


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_synthetic_corpus_is_deterministic_and_a_prefix_of_larger_ones(tmp_path):
    generator = load_script("make_synthetic_corpus")
    generator.write_corpus(tmp_path / "a", 150, seed=3, jobs=1)
    generator.write_corpus(tmp_path / "b", 150, seed=3, jobs=2)
    generator.write_corpus(tmp_path / "c", 90, seed=3, jobs=1)
    a, b, c = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert a == b
    assert {name: digest for name, digest in a.items() if name in c} == c  # page i is the same in any size
    assert "corpus.toml" in a
    sizes = [(tmp_path / "a" / name).stat().st_size for name in a if not name.startswith(("misc/", "corpus.toml"))]
    assert 1500 < sorted(sizes)[len(sizes) // 2] < 10_500
    assert {name.split("/")[0] for name in a} >= {"mil", "azxeber", "dailywire", "ruportal"}


def test_bench_makes_every_measurement_and_identical_outputs(tmp_path):
    out = tmp_path / "bench.json"
    command = [
        sys.executable, str(REPO / "scripts" / "bench.py"), "--pages", "120", "--profile-pages", "120",
        "--skip-datasets", "--keep", str(tmp_path / "work"), "--json", str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert MEASURED <= set(result["measurements"])
    for entry in result["measurements"].values():
        assert entry["seconds"] > 0 and entry["peak_rss_mb"] > 0
        assert entry["pages"] == 120
    # The pool's workers are children of the fork server, which wait4's ru_maxrss never counts: each
    # process's own high-water mark is sampled, the workers' included.
    roles = result["measurements"]["full-w2"]["peak_rss_by_role_mb"]
    assert {"main", "fork server", "worker"} <= set(roles), roles
    assert result["measurements"]["full-w2"]["peak_rss_mb"] == max(roles.values())
    if "dask-w2" in result["measurements"]:  # Dask's nanny starts its worker from a thread other than main's
        assert "worker" in result["measurements"]["dask-w2"]["peak_rss_by_role_mb"]
    assert result["identical"]["identical"] is True, result["identical"]["differing"]
    assert result["identical"]["workers"] == ["1", "2", "dask-w2"]  # the Dask engine's output is compared too
    assert result["langid"]["timed"] > 0
    stages = {stage["stage"].strip(): stage for stage in result["profile"]["stages"]}
    assert stages["parse_page (all)"]["seconds"] > 0
    assert {"core_vs_floor", "full_vs_floor", "speedup_2_workers", "dask_speedup_vs_local_w1", "peak_rss_mb"} <= set(result["targets"])
    assert "vs floor" in done.stdout


def test_the_memory_sampler_finds_children_of_every_thread_and_skips_forks_before_their_exec():
    bench = load_script("bench")
    me = os.getpid()
    command = bench._command(me)
    started: list[subprocess.Popen] = []
    ready, done = threading.Event(), threading.Event()

    def start_child() -> None:  # the thread lives on while the tree is read: the child is listed under it
        started.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))
        ready.set()
        done.wait(30)

    thread = threading.Thread(target=start_child)
    thread.start()
    ready.wait(30)
    child = started[0]
    forked = os.fork()
    if forked == 0:  # the fork runs this process's command line until it would exec
        time.sleep(30)
        os._exit(0)
    try:
        found = dict(bench._descendants(me))
        assert found[child.pid] == me and found[forked] == me  # the thread's child is listed with main's
        assert bench._role(me, None, me, command, {}) == "main"
        assert bench._role(child.pid, me, me, command, {}) == "worker"
        assert bench._role(forked, me, me, command, {}) is None  # main's pages, not its own
    finally:
        done.set()
        thread.join()
        child.kill()
        child.wait()
        os.kill(forked, 9)
        os.waitpid(forked, 0)


def test_bench_memory_run_marks_the_build_s_steps(tmp_path):
    # The memory run wraps build() steps to record RSS around them; with 2 workers it must still build
    # (the plots go to a side process, which cannot be handed a wrapper).
    out = tmp_path / "bench.json"
    command = [
        sys.executable, str(REPO / "scripts" / "bench.py"), "--pages", "120", "--only", "memory",
        "--workers-list", "1,2", "--keep", str(tmp_path / "work"), "--json", str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    memory = json.loads(out.read_text(encoding="utf-8"))["memory"]
    assert memory["pages"] == 120 and memory["peak_mb"] > 0
    steps = {mark["step"] for mark in memory["marks"]}
    assert {"learn_templates", "plan_release", "_write_data", "write_split_stream"} <= steps
    assert "render_plots" not in steps  # drawn in the side process


def test_the_profile_finds_compiled_functions_and_the_installed_copy():
    # With --installed the parser is compiled: cProfile lists its functions as built-ins, and the rest of
    # corpus_lib under site-packages.
    bench = load_script("bench")
    compiled = ("~", 0, "<built-in method corpus_lib.parse.article.parse_page>")
    assert bench.profiled_as(compiled, "corpus_lib/parse/article.py", "parse_page")
    assert not bench.profiled_as(compiled, "corpus_lib/parse/title.py", "parse_page")
    source = (str(REPO / "corpus_lib" / "parse" / "article.py"), 105, "parse_page")
    assert bench.profiled_as(source, "corpus_lib/parse/article.py", "parse_page")
    assert not bench.profiled_as(source, "corpus_lib/parse/article.py", "page_lines")
    installed = ("/venv/lib/python3.11/site-packages/corpus_lib/extract.py", 114, "extract_batch")
    assert bench.is_corpus_lib(installed) and bench.is_corpus_lib(compiled) and bench.is_corpus_lib(source)
    assert not bench.is_corpus_lib(("/venv/lib/python3.11/site-packages/pyarrow/parquet/core.py", 1200, "write_table"))
    assert not bench.is_corpus_lib(("~", 0, "<method 'read' of '_io.BufferedReader' objects>"))
