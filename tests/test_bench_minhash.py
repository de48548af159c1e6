"""Smoke test of scripts/bench_minhash.py at a tiny size (the real run is documented in the script)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO, load_script


def test_corpus_generator_is_deterministic_and_has_planted_duplicates():
    bench = load_script("bench_minhash")
    texts, events, family_pairs = bench.generate_corpus(300, 0.1, 0.8, 5, seed=7, vocab_size=5_000)
    again, events_again, _ = bench.generate_corpus(300, 0.1, 0.8, 5, seed=7, vocab_size=5_000)
    assert texts == again and events == events_again
    assert all(1_000 < len(t.encode()) < 12_000 for t in texts)
    kinds = {kind for kind, _, _ in events.values()}
    assert "near" in kinds and "exact" in kinds
    near = [family_pairs[(source, i)] for i, (kind, source, _) in events.items() if kind == "near"]
    assert near and min(near) > 0.7 and max(near) < 1.0
    assert bench.shingles("A b c d e F", 5) == ["a b c d e", "b c d e f"]
    assert bench.shingles("one two", 5) == ["one two"]


def test_bench_runs_all_libraries_at_tiny_size(tmp_path):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(REPO / "scripts" / "bench_minhash.py"), "--n", "150", "--sizes", "150",
           "--dup-rate", "0.1", "--vocab-size", "5000", "--json", str(out), "--no-tracemalloc"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "corpus_lib" in run.stdout and "datasketch" in run.stdout
    report = json.loads(out.read_text())
    rows = {row["lib"]: row for row in report["rows"]}
    assert set(rows) == {"corpus_lib", "rensa", "datasketch"}
    for row in rows.values():
        assert row["measured"] and row["us"]["total"] > 0
        assert row["recall"] >= 0.7 and row["precision"] >= 0.7
        assert row["batch_invariant"]
