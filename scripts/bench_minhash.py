#!/usr/bin/env python3
"""Benchmark near-duplicate detection: corpus_lib.neardup vs rensa vs datasketch (issue 4).

Usage::

    python scripts/bench_minhash.py [--n 100000] [--sizes 10000,30000,100000] [--threshold 0.8]
                                    [--num-perm 128] [--dup-rate 0.03] [--json OUT.json]
                                    [--libs corpus_lib,rensa,datasketch] [--max-n-datasketch 30000]

What it does:

1. Generates a deterministic synthetic news corpus (``random.Random(seed)``) of ``--n`` articles,
   2-10 KB each (300-1500 words, log-uniform), words drawn from a Zipf-Mandelbrot law over ~50k
   invented words, so unrelated articles share common words (and a few common 5-word phrases)
   like real text. Sentences are capitalised and end in a full stop, paragraphs are separated by
   blank lines. ``--dup-rate`` of the articles are derived from a random *earlier* article (so every
   prefix of the corpus is self-contained and the sizes in ``--sizes`` are prefixes): 20% exact
   copies, 64% near-duplicates aimed at a true 5-word-shingle Jaccard uniform in
   [threshold, 0.98] (a few words substituted / inserted / deleted, a paragraph appended,
   the tail cut, or a mix), and 16% "hard negatives" aimed at [threshold - 0.2, threshold), which
   are edited copies that must *not* be reported. The ground truth is the exact Jaccard of the
   shingle sets of every pair inside a family (an article and everything derived from it).

2. Runs each library at each size in a fresh subprocess pinned to one CPU (``sched_setaffinity``,
   ``RAYON_NUM_THREADS=1``, a different ``PYTHONHASHSEED`` per process), and times the stages
   separately, per article:

   * ``sig``     texts -> MinHash signatures (casefold, whitespace split, 5-word shingles, hashing,
                 MinHash), in batches of ``--batch`` texts (64 = corpus_lib.build's batch);
   * ``lsh``     LSH index build + query (banding) -> candidate pairs;
   * ``verify``  candidates -> pairs whose similarity on the full signature is >= threshold;
   * ``cluster`` ``corpus_lib.dedup.cluster_records`` over the verified pairs (the same clustering
                 for every library; it also computes the sha256 body fingerprints used for exact
                 duplicates, whose cost is printed on its own as a baseline);
   * ``total``   the sum.

   Memory: ``ru_maxrss`` high-water mark minus the RSS after the texts were loaded (peak RSS delta)
   and RSS retained at the end (signatures + index + clusters); then a second pass of the pipeline
   under ``tracemalloc`` for peak Python-visible allocations (Rust allocations in rensa are not
   traced; the RSS numbers include them), at sizes up to ``--tracemalloc-max-n`` (default 30000:
   tracing makes a pass ~10x slower). The peak RSS is the process's own VmHWM (reset through
   /proc/self/clear_refs at each stage) minus the RSS with the texts loaded: ``ru_maxrss`` is kept
   in the JSON, but on Linux it starts at the spawning parent's high-water mark, so it misses
   everything below that. Bytes per article at several sizes (and the marginal bytes per article
   between sizes) show whether memory grows linearly.

   Quality: recall = share of ground-truth pairs (exact Jaccard >= threshold) that end up in one
   cluster of the found pairs (corpus_lib reports a star per group of identical signatures, so a
   pairwise recall would penalise it for a representation choice); ``direct recall`` = share found
   as a pair. Precision = share of reported pairs whose exact Jaccard >= threshold.

   Determinism: a sha256 of the first min(--sizes) signature rows is compared across the
   processes (different sizes, different hash seeds); signatures of single texts are compared with
   the same texts' rows from a batch.

   Libraries (same shingles, num_perm, threshold; every candidate verified on the full signature):

   * ``corpus_lib``  ``neardup.signatures`` + ``neardup.similar_pairs`` (banding from
                     ``optimal_bands``: 18 bands x 7 rows at 0.8/128); ``verify`` is the time spent in
                     ``estimated_similarity`` (measured with a wrapper), ``lsh`` the rest.
   * ``rensa``       ``RMinHash.from_token_sets`` on shingle strings + ``RMinHashLSH`` ``insert_many`` +
                     ``query_all`` + ``RMinHash.jaccard``. rensa needs num_perm divisible by the band
                     count, so its bands are chosen by corpus_lib's rule among divisors (32 x 4 at
                     0.8/128; 16 x 8 would catch only ~95% of pairs at 0.8). ``--rensa-bands`` overrides.
   * ``datasketch``  ``MinHash.bulk`` (update_batch, shared permutations) on utf-8 shingles +
                     ``MinHashLSH(params=corpus_lib's bands)`` insertion session + ``query`` +
                     ``MinHash.jaccard``. Sizes above ``--max-n-datasketch`` are extrapolated
                     linearly from the largest measured size and labelled as such.

3. Prints a table (library x size) and the baselines (tokenize = casefold + split; sha256 body
   fingerprint; building shingle strings), writes everything to ``--json``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import hashlib
import io
import itertools
import json
import os
import platform
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from corpus_lib.dedup import _UnionFind  # the same union-find the build uses

LIBS = ("corpus_lib", "rensa", "datasketch")
BUDGET_US = 300.0  # issue 4: near-dup stage <= ~300 us per article on one core at 100k articles
CORPUS_VERSION = 1  # bump when the generator changes (cached corpora are keyed on it)
BUILD_BATCH = 64  # corpus_lib.build._BATCH: signatures are computed per worker batch of this size

# --------------------------------------------------------------------------------------------
# Synthetic corpus
# --------------------------------------------------------------------------------------------

_ONSETS = ("", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
           "br", "ch", "cl", "dr", "fr", "gr", "pl", "pr", "sh", "sk", "st", "tr", "th", "qu")
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "io", "ou", "ie")
_CODAS = ("", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "rk", "ng")
_TABLE_BITS = 22  # word sampling table of 2**22 slots (Zipf probabilities quantised to 2**-22)


def make_vocab(rng: random.Random, size: int) -> list[str]:
    """`size` distinct invented words, ranked so that short words tend to be the frequent ones."""
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 2, 3, 3, 3, 4, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))
        if word not in seen:
            seen.add(word)
            words.append(word)
    keyed = sorted(words, key=lambda w: len(w) + 10 * rng.random())
    return keyed


class WordSampler:
    """Zipf-Mandelbrot word draws, p(rank) ~ 1 / (rank + 2.7) ** 1.05, deterministic from the rng.

    Uses a 2**22-slot table indexed by random bytes from random.Random (fast and reproducible)."""

    def __init__(self, rng: random.Random, vocab: list[str]):
        weights = np.array([1.0 / (r + 2.7) ** 1.05 for r in range(len(vocab))])
        counts = np.maximum(1, np.round(weights / weights.sum() * (1 << _TABLE_BITS))).astype(np.int64)
        order = np.repeat(np.arange(len(vocab)), counts)
        table = np.resize(order, 1 << _TABLE_BITS)  # trims / pads the few slots lost to rounding
        self.table = np.asarray(vocab, dtype=object)[table]
        self.rng = rng

    def draw(self, k: int) -> list[str]:
        raw = np.frombuffer(self.rng.randbytes(4 * k), dtype="<u4") >> np.uint32(32 - _TABLE_BITS)
        return self.table[raw].tolist()


def _sentences(rng: random.Random, words: list[str]) -> list[list[str]]:
    """Cut a word list into paragraphs of capitalised sentences ending in a full stop."""
    paragraphs: list[list[str]] = []
    pos = 0
    while pos < len(words):
        paragraph: list[str] = []
        for _ in range(2 + int(rng.random() * 4)):  # 2-5 sentences of 6-28 words
            if pos >= len(words):
                break
            length = min(6 + int(rng.random() * 23), len(words) - pos)
            sentence = words[pos : pos + length]
            pos += length
            sentence[0] = sentence[0].capitalize()
            if length > 8 and rng.random() < 0.5:
                comma = 2 + int(rng.random() * (length - 4))
                sentence[comma] += ","
            sentence[-1] += "."
            paragraph.extend(sentence)
        paragraphs.append(paragraph)
    return paragraphs


def _join(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def make_article(rng: random.Random, sampler: WordSampler) -> str:
    n_words = int(340 * 4.5 ** rng.random())  # log-uniform 340..1530 words, about 2-9 KB
    return _join(_sentences(rng, sampler.draw(n_words)))


def shingles(text: str, k: int) -> list[str]:
    """Casefolded whitespace tokens joined into k-word shingles; a text of <= k words is one shingle.

    The same shingles corpus_lib.neardup hashes (it combines word hashes instead of joining)."""
    w = text.casefold().split()
    if len(w) <= k:
        return [" ".join(w)]
    return list(map(" ".join, zip(*(w[i:] for i in range(k)))))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_duplicate(rng: random.Random, sampler: WordSampler, text: str, target: float, k: int) -> str:
    """An edited copy of `text` whose k-shingle Jaccard with it is roughly `target`."""
    paragraphs = [p.split(" ") for p in text.split("\n\n")]
    n_tokens = sum(len(p) for p in paragraphs)
    s = max(1, n_tokens - k + 1)
    op = rng.choice(("edit", "edit", "append", "truncate", "mixed"))
    edit_share = {"edit": 1.0, "append": 0.0, "truncate": 0.0, "mixed": 0.5}[op]
    # The Jaccard target split between word edits (J_e) and a paragraph change (J_p), J ~ J_e * J_p.
    j_edit = target ** edit_share
    j_para = target / j_edit
    if j_para < 0.999:
        if op == "truncate":  # cut the tail (a shorter syndicated version)
            drop = round(s * (1 - j_para))
            flat = [w for p in paragraphs for w in p][: max(k + 1, n_tokens - drop)]
            flat[-1] = flat[-1].rstrip(".,") + "."
            paragraphs = [flat[i : i + 60] for i in range(0, len(flat), 60)]
        else:  # a paragraph added at the end or in the middle
            add = max(1, round(s * (1 - j_para) / j_para))
            extra = _sentences(rng, sampler.draw(add))
            at = rng.randint(1, len(paragraphs)) if rng.random() < 0.5 else len(paragraphs)
            paragraphs[at:at] = extra
    if j_edit < 0.999:  # scattered word substitutions, insertions and deletions
        total = sum(len(p) for p in paragraphs)
        edits = max(1, round(total * (1 - j_edit) / (k * (1 + j_edit))))
        for _ in range(edits):
            pos = rng.randrange(sum(len(p) for p in paragraphs))
            for paragraph in paragraphs:
                if pos < len(paragraph):
                    break
                pos -= len(paragraph)
            kind = rng.random()
            if kind < 0.6:
                paragraph[pos] = sampler.draw(1)[0]
            elif kind < 0.8:
                paragraph.insert(pos, sampler.draw(1)[0])
            elif len(paragraph) > 1:
                del paragraph[pos]
    return _join(paragraphs)


def generate_corpus(n: int, dup_rate: float, threshold: float, shingle: int, seed: int, vocab_size: int = 50_000):
    """(texts, events, family_pairs): events[i] = (kind, source, target) for derived articles;
    family_pairs = {(i, j): exact Jaccard} for every pair inside a family (i < j)."""
    rng = random.Random(seed)
    sampler = WordSampler(rng, make_vocab(rng, vocab_size))
    texts: list[str] = []
    events: dict[int, tuple[str, int, float]] = {}
    families = _UnionFind(n)
    for i in range(n):
        if i > 0 and rng.random() < dup_rate:
            source = rng.randrange(i)
            roll = rng.random()
            if roll < 0.2:
                kind, target, text = "exact", 1.0, texts[source]
            else:
                if roll < 0.84:
                    kind, target = "near", rng.uniform(threshold, 0.98)
                else:
                    kind, target = "hard_negative", rng.uniform(max(0.0, threshold - 0.2), threshold)
                text = near_duplicate(rng, sampler, texts[source], target, shingle)
            events[i] = (kind, source, round(target, 4))
            families.union(source, i)
        else:
            text = make_article(rng, sampler)
        texts.append(text)
    members: dict[int, list[int]] = {families.find(i): [] for i in events}
    for i in range(n):
        root = families.find(i)
        if root in members:
            members[root].append(i)
    family_pairs: dict[tuple[int, int], float] = {}
    for group in members.values():
        sets = {i: set(shingles(texts[i], shingle)) for i in group}
        for a, b in itertools.combinations(sorted(group), 2):
            family_pairs[(a, b)] = jaccard(sets[a], sets[b])
    return texts, events, family_pairs


def load_or_make_corpus(args, directory: Path):
    """Write the corpus to directory (JSON lines, read by the children) or reuse a cached one."""
    key = f"v{CORPUS_VERSION}_seed{args.seed}_n{args.n}_dup{args.dup_rate}_t{args.threshold}_k{args.shingle}_v{args.vocab_size}"
    corpus_file = directory / f"corpus_{key}.jsonl"
    truth_file = directory / f"truth_{key}.json"
    if corpus_file.is_file() and truth_file.is_file():
        with open(corpus_file, encoding="utf-8") as f:
            texts = [json.loads(line) for line in f]
        truth = json.loads(truth_file.read_text())
        events = {int(i): tuple(e) for i, e in truth["events"].items()}
        family_pairs = {(a, b): j for a, b, j in truth["family_pairs"]}
        return corpus_file, texts, events, family_pairs, 0.0
    t0 = time.perf_counter()
    texts, events, family_pairs = generate_corpus(args.n, args.dup_rate, args.threshold, args.shingle, args.seed, args.vocab_size)
    seconds = time.perf_counter() - t0
    with open(corpus_file, "w", encoding="utf-8") as f:
        for text in texts:
            f.write(json.dumps(text) + "\n")
    truth_file.write_text(
        json.dumps({"events": events, "family_pairs": [[a, b, j] for (a, b), j in sorted(family_pairs.items())]})
    )
    return corpus_file, texts, events, family_pairs, seconds


# --------------------------------------------------------------------------------------------
# Child process: one library at one size
# --------------------------------------------------------------------------------------------

def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _hwm() -> int | None:
    """This process's own peak RSS (VmHWM). Unlike ru_maxrss it is not inherited from the parent:
    on Linux ru_maxrss starts at the spawning process's high-water mark (it survives fork/vfork +
    exec), so a child of a parent holding the corpus would report the parent's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_hwm() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Stages:
    """Per stage: wall and CPU seconds, peak RSS (VmHWM, reset at the stage start), ru_maxrss at the
    end, and with `trace` the tracemalloc peak."""

    def __init__(self, trace: bool):
        self.trace = trace
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.hwm: dict[str, int] = {}
        self.maxrss: dict[str, int] = {}
        self.traced_peak: dict[str, int] = {}

    @contextlib.contextmanager
    def stage(self, name: str):
        if self.trace:
            tracemalloc.reset_peak()
        reset = _reset_hwm()
        start, cpu = time.perf_counter(), time.process_time()
        yield
        self.cpu[name] = time.process_time() - cpu
        self.wall[name] = time.perf_counter() - start
        hwm = _hwm()
        if reset and hwm is not None:
            self.hwm[name] = hwm
        self.maxrss[name] = _maxrss()
        if self.trace:
            self.traced_peak[name] = tracemalloc.get_traced_memory()[1]


def rensa_bands(threshold: float, num_perm: int) -> int:
    """corpus_lib's rule (>= 98.5% at the threshold, fewest candidates at half of it) restricted to
    band counts dividing num_perm, which RMinHashLSH requires."""

    def p(s: float, b: int, r: int) -> float:
        return 1 - (1 - s**r) ** b

    choices = [(b, num_perm // b) for b in range(1, num_perm + 1) if num_perm % b == 0]
    good = [c for c in choices if p(threshold, *c) >= 0.985]
    if not good:
        return max(choices, key=lambda c: p(threshold, *c))[0]
    return min(good, key=lambda c: (p(threshold / 2, *c), c))[0]


class _Rows:
    """Signature rows on demand (for cluster_records' similarity to the representative)."""

    def __init__(self, sketches, get):
        self.sketches, self.get = sketches, get

    def __len__(self):
        return len(self.sketches)

    def __getitem__(self, i):
        return self.get(self.sketches[i])


def run_pipeline(lib: str, texts: list[str], records: list[dict], fingerprints: dict, opts, stages: Stages) -> dict:
    """Run sig / lsh / verify / cluster for one library; returns pairs, counts and signature rows.

    `fingerprints` maps id(body) -> corpus_lib.dedup.body_fingerprint(body), computed beforehand:
    the sha256 fingerprints serve exact dedup, which runs with or without near-dup, so their cost
    is reported as a baseline and kept out of the cluster stage."""
    import corpus_lib.dedup as dedup
    import corpus_lib.neardup as neardup

    n, batch, k = len(texts), opts.batch, opts.shingle
    params = neardup.MinHashParams(threshold=opts.threshold, num_perm=opts.num_perm, shingle=k)
    info: dict = {}
    if lib == "corpus_lib":
        with stages.stage("sig"):
            sigs = np.concatenate([neardup.signatures(texts[i : i + batch], params) for i in range(0, n, batch)])
        spent = [0.0, 0.0, 0]
        original = neardup.estimated_similarity

        def timed_similarity(a, b):
            start, cpu = time.perf_counter(), time.process_time()
            value = original(a, b)
            spent[1] += time.process_time() - cpu
            spent[0] += time.perf_counter() - start
            spent[2] += 1
            return value

        neardup.estimated_similarity = timed_similarity
        try:
            with stages.stage("lsh"):
                pairs = neardup.similar_pairs(sigs, params)
        finally:
            neardup.estimated_similarity = original
        stages.wall["lsh"] -= spent[0]
        stages.wall["verify"] = spent[0]
        stages.cpu["lsh"] -= spent[1]
        stages.cpu["verify"] = spent[1]
        info["candidates"] = spent[2]
        info["bands"] = list(params.bands)
        rows = sigs
        info["row"] = lambda i: np.asarray(sigs[i], dtype=np.uint32)
    elif lib == "rensa":
        from rensa import RMinHash, RMinHashLSH

        with stages.stage("sig"):
            sketches: list = []
            for i in range(0, n, batch):
                sketches.extend(
                    RMinHash.from_token_sets([shingles(t, k) for t in texts[i : i + batch]], opts.num_perm, neardup._SEED)
                )
        bands = opts.rensa_bands or rensa_bands(opts.threshold, opts.num_perm)
        with stages.stage("lsh"):
            index = RMinHashLSH(threshold=opts.threshold, num_perm=opts.num_perm, num_bands=bands)
            index.insert_many(sketches)
            candidates = {(i, j) for i, keys in enumerate(index.query_all(sketches)) for j in keys if j > i}
        with stages.stage("verify"):
            t = opts.threshold
            pairs = [(i, j, s) for i, j in sorted(candidates) if (s := sketches[i].jaccard(sketches[j])) >= t]
        info["candidates"] = len(candidates)
        info["bands"] = [bands, opts.num_perm // bands]
        rows = _Rows(sketches, lambda m: np.asarray(m.digest(), dtype=np.uint32))
        info["row"] = rows.__getitem__
        info["index"] = index
    elif lib == "datasketch":
        from datasketch import MinHash, MinHashLSH

        with stages.stage("sig"):
            sketches = []
            for i in range(0, n, batch):
                encoded = [list(map(str.encode, shingles(t, k))) for t in texts[i : i + batch]]
                sketches.extend(MinHash.bulk(encoded, num_perm=opts.num_perm, seed=1))
        bands, band_rows = params.bands
        with stages.stage("lsh"):
            index = MinHashLSH(threshold=opts.threshold, num_perm=opts.num_perm, params=(bands, band_rows))
            with index.insertion_session() as session:
                for i, m in enumerate(sketches):
                    session.insert(i, m, check_duplication=False)
            candidates = {(i, j) for i, m in enumerate(sketches) for j in index.query(m) if j > i}
        with stages.stage("verify"):
            t = opts.threshold
            pairs = [(i, j, s) for i, j in sorted(candidates) if (s := sketches[i].jaccard(sketches[j])) >= t]
        info["candidates"] = len(candidates)
        info["bands"] = [bands, band_rows]
        rows = _Rows(sketches, lambda m: np.asarray(m.hashvalues))
        info["row"] = rows.__getitem__
        info["index"] = index
    else:
        raise ValueError(lib)
    found = pairs
    original_pairs, original_fingerprint = dedup.similar_pairs, dedup.body_fingerprint
    dedup.similar_pairs = lambda _signatures, _params: found  # cluster exactly these pairs
    dedup.body_fingerprint = lambda body: fingerprints[id(body)]
    try:
        with stages.stage("cluster"):
            clusters = dedup.cluster_records(records, rows, params)
    finally:
        dedup.similar_pairs, dedup.body_fingerprint = original_pairs, original_fingerprint
    info.update(pairs=pairs, clusters=clusters, rows=rows, n_clusters=len(set(clusters.representative_of.values())))
    return info


def _single_text_rows(lib: str, texts: list[str], opts) -> list[np.ndarray]:
    """Signatures of texts computed one at a time (batch-invariance check)."""
    import corpus_lib.neardup as neardup

    params = neardup.MinHashParams(threshold=opts.threshold, num_perm=opts.num_perm, shingle=opts.shingle)
    out = []
    for text in texts:
        if lib == "corpus_lib":
            out.append(neardup.signatures([text], params)[0])
        elif lib == "rensa":
            from rensa import RMinHash

            m = RMinHash(num_perm=opts.num_perm, seed=neardup._SEED)
            m.update(shingles(text, opts.shingle))
            out.append(np.asarray(m.digest(), dtype=np.uint32))
        else:
            from datasketch import MinHash

            m = MinHash(num_perm=opts.num_perm, seed=1)
            m.update_batch([s.encode() for s in shingles(text, opts.shingle)])
            out.append(np.asarray(m.hashvalues))
    return out


def child_main(opts) -> int:
    if hasattr(os, "sched_setaffinity") and opts.cpu is not None:
        os.sched_setaffinity(0, {opts.cpu})
    lib = opts.child
    # import everything before the memory baseline
    import corpus_lib.dedup  # noqa: F401
    import corpus_lib.neardup  # noqa: F401

    if lib == "rensa":
        import rensa  # noqa: F401
    elif lib == "datasketch":
        import datasketch  # noqa: F401
    texts: list[str] = []
    with open(opts.corpus_file, encoding="utf-8") as f:
        for line in f:
            if len(texts) >= opts.n:
                break
            texts.append(json.loads(line))
    records = [
        {"id": f"a{i:07d}", "body": t, "url": f"https://news.example/{i}", "published_local": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00"}
        for i, t in enumerate(texts)
    ]
    n = len(texts)
    from corpus_lib.dedup import body_fingerprint

    start = time.process_time()
    fingerprints = {id(t): body_fingerprint(t) for t in texts}
    fingerprint_seconds = time.process_time() - start
    gc.collect()
    rss_start, maxrss_start = _rss(), _maxrss()
    hwm_reset = _reset_hwm()

    # 1. timed pass (no tracemalloc)
    stages = Stages(trace=False)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    info = run_pipeline(lib, texts, records, fingerprints, opts, stages)
    cpu_total, wall_total = time.process_time() - cpu0, time.perf_counter() - wall0
    gc.collect()
    rss_retained = _rss() - rss_start
    maxrss_end = _maxrss()
    peak_delta = (max(stages.hwm.values()) - rss_start) if hwm_reset and stages.hwm else None
    digest_rows = min(opts.digest_rows, n)
    digest = hashlib.sha256(
        b"".join(np.ascontiguousarray(info["row"](i)).tobytes() for i in range(digest_rows))
    ).hexdigest()
    probe = list(range(0, min(n, 8)))
    singles = _single_text_rows(lib, [texts[i] for i in probe], opts)
    batch_invariant = all(np.array_equal(info["row"](i), s) for i, s in zip(probe, singles))
    result = {
        "lib": lib,
        "n": n,
        "pid": os.getpid(),
        "pythonhashseed": os.environ.get("PYTHONHASHSEED"),
        "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "bands": info["bands"],
        "candidates": info["candidates"],
        "pairs": [[i, j] for i, j, _ in info["pairs"]],
        "n_clusters": info["n_clusters"],
        "stage_seconds": stages.wall,
        "stage_cpu_seconds": stages.cpu,
        "wall_seconds": wall_total,
        "cpu_seconds": cpu_total,
        "rss_start_bytes": rss_start,
        "peak_rss_delta_bytes": peak_delta,
        "peak_rss_by_stage_bytes": {k: v - rss_start for k, v in stages.hwm.items()},
        "retained_rss_delta_bytes": rss_retained,
        "ru_maxrss_start_bytes": maxrss_start,
        "ru_maxrss_end_bytes": maxrss_end,
        "ru_maxrss_delta_bytes": maxrss_end - maxrss_start,
        "signature_digest": digest,
        "digest_rows": digest_rows,
        "batch_invariant": batch_invariant,
    }
    del info, stages
    gc.collect()

    # 2. baselines (after the measured pass, so their temporaries do not raise the RSS high-water mark first)
    start = time.process_time()
    for i in range(0, n, opts.batch):
        tokens = [t.casefold().split() for t in texts[i : i + opts.batch]]
    del tokens
    result["tokenize_seconds"] = time.process_time() - start
    result["fingerprint_seconds"] = fingerprint_seconds
    if lib == "rensa":
        start = time.process_time()
        for i in range(0, n, opts.batch):
            sh = [shingles(t, opts.shingle) for t in texts[i : i + opts.batch]]
        del sh
        result["shingle_strings_seconds"] = time.process_time() - start

    # 3. optional profile pass
    if opts.profile == lib:
        profiler = cProfile.Profile()
        profiler.enable()
        info = run_pipeline(lib, texts, records, fingerprints, opts, Stages(trace=False))
        profiler.disable()
        del info
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(25)
        result["profile"] = buf.getvalue()
        gc.collect()

    # 4. tracemalloc pass
    if opts.tracemalloc:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        stages = Stages(trace=True)
        info = run_pipeline(lib, texts, records, fingerprints, opts, stages)
        result["traced_peak_bytes"] = max(stages.traced_peak.values()) - base
        result["traced_peak_by_stage_bytes"] = {k: v - base for k, v in stages.traced_peak.items()}
        result["traced_retained_bytes"] = tracemalloc.get_traced_memory()[0] - base
        result["traced_pass_seconds"] = sum(stages.wall.values())
        tracemalloc.stop()
        del info
    Path(opts.out).write_text(json.dumps(result))
    return 0


# --------------------------------------------------------------------------------------------
# Parent: generate, run children, evaluate, report
# --------------------------------------------------------------------------------------------

STAGES = ("sig", "lsh", "verify", "cluster")


def evaluate(pairs: list[list[int]], n: int, texts: list[str], family_pairs: dict, threshold: float, k: int) -> dict:
    truth = {p for p, j in family_pairs.items() if p[1] < n and j >= threshold}
    found = {(min(i, j), max(i, j)) for i, j in pairs}
    uf = _UnionFind(n)
    for i, j in found:
        uf.union(i, j)
    connected = sum(1 for i, j in truth if uf.find(i) == uf.find(j))
    exact: dict[tuple[int, int], float] = {}
    for p in found:
        if p in family_pairs:
            exact[p] = family_pairs[p]
        else:
            exact[p] = jaccard(set(shingles(texts[p[0]], k)), set(shingles(texts[p[1]], k)))
    true_found = sum(1 for p in found if exact[p] >= threshold)
    false_pos = sorted(exact[p] for p in found if exact[p] < threshold)
    missed = sorted(family_pairs[p] for p in truth if uf.find(p[0]) != uf.find(p[1]))
    return {
        "truth_pairs": len(truth),
        "found_pairs": len(found),
        "recall": connected / len(truth) if truth else 1.0,
        "direct_recall": len(truth & found) / len(truth) if truth else 1.0,
        "precision": true_found / len(found) if found else 1.0,
        "false_positives": len(false_pos),
        "false_positive_jaccards_lowest": [round(x, 4) for x in false_pos[:20]],
        "missed": len(missed),
        "missed_jaccards_highest": [round(x, 4) for x in missed[-20:]],
        "recall_above_threshold_plus_0.05": _recall_above(truth, family_pairs, uf, threshold + 0.05),
    }


def _recall_above(truth, family_pairs, uf, level):
    sub = [p for p in truth if family_pairs[p] >= level]
    return sum(1 for i, j in sub if uf.find(i) == uf.find(j)) / len(sub) if sub else 1.0


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in ("corpus_lib", "rensa", "datasketch", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    try:
        import rensa

        out["rensa_algorithm_version"] = rensa.RMinHash.ALGORITHM_VERSION
    except Exception:  # noqa: BLE001
        pass
    try:
        with open("/proc/cpuinfo") as f:
            out["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:
        pass
    out["cpus"] = os.cpu_count()
    return out


def run_child(lib: str, n: int, corpus_file: Path, args, cpu: int | None, hash_seed: int, workdir: Path, profile: bool) -> dict:
    out = workdir / f"result_{lib}_{n}.json"
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--child", lib, "--n", str(n),
        "--corpus-file", str(corpus_file), "--out", str(out), "--threshold", str(args.threshold),
        "--num-perm", str(args.num_perm), "--shingle", str(args.shingle), "--batch", str(args.batch),
        "--digest-rows", str(min(args.sizes)),
    ]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    if args.rensa_bands:
        cmd += ["--rensa-bands", str(args.rensa_bands)]
    if not args.tracemalloc or n > args.tracemalloc_max_n:
        cmd.append("--no-tracemalloc")
    if profile:
        cmd += ["--profile", lib]
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed), RAYON_NUM_THREADS="1", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.read_text())
    result["child_cpu_seconds"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
    return result


def _fmt(x, spec):
    if x is None:
        width = "".join(itertools.takewhile(lambda c: c in "<>^" or c.isdigit(), spec))
        return format("-", width)
    return format(x, spec)


def print_table(rows: list[dict], budget: float) -> None:
    header = (
        f"{'library':<11}{'N':>7} {'sig':>7}{'lsh':>6}{'verify':>7}{'cluster':>8}{'total':>7}{'wall':>7}{'x tok':>6}"
        f"{'peakMB':>8}{'peak B/a':>9}{'kept B/a':>9}{'trc B/a':>8}{'cand':>7}{'pairs':>6}{'recall':>7}{'rec+.05':>8}{'dirRec':>7}{'prec':>7}  note"
    )
    print("\nCPU microseconds per article on one pinned core: sig / lsh (index + query) / verify / cluster"
          " (cluster_records, sha256 fingerprints excluded) / total; wall = wall-clock total;"
          " x tok = total / tokenize baseline")
    print("recall = truth pairs (exact Jaccard >= threshold) joined by the reported pairs; rec+.05 = the same for"
          " pairs with Jaccard >= threshold + 0.05; dirRec = reported directly as a pair; prec = reported pairs"
          " with exact Jaccard >= threshold")
    print("peak = VmHWM - RSS with the texts loaded (MB, bytes/article); kept = RSS still held at the end"
          " (signatures, index, clusters); trc = tracemalloc peak (Python-visible allocations) per article")
    print(header)
    print("-" * len(header))
    for r in rows:
        us = r["us"]
        print(
            f"{r['lib']:<11}{r['n']:>7} {us['sig']:>7.1f}{us['lsh']:>6.1f}{us['verify']:>7.1f}{us['cluster']:>8.1f}"
            f"{us['total']:>7.1f}{r['wall_us']['total']:>7.1f}{_fmt(r.get('x_tokenize'), '>6.1f')}"
            f"{_fmt(r.get('peak_rss_mb'), '>8.1f')}{_fmt(r.get('rss_bytes_per_article'), '>9.0f')}"
            f"{_fmt(r.get('retained_rss_bytes_per_article'), '>9.0f')}"
            f"{_fmt(r.get('traced_bytes_per_article'), '>8.0f')}{_fmt(r.get('candidates'), '>7d')}{_fmt(r.get('found_pairs'), '>6d')}"
            f"{_fmt(r.get('recall'), '>7.4f')}{_fmt(r.get('recall_plus_0.05'), '>8.4f')}{_fmt(r.get('direct_recall'), '>7.4f')}{_fmt(r.get('precision'), '>7.4f')}  {r.get('note', '')}"
        )
    print(f"(budget: corpus_lib total <= {budget:.0f} us/article at the largest size)")


def parent_main(args) -> int:
    libs = [x for x in args.libs.split(",") if x]
    for lib in libs:
        if lib not in LIBS:
            raise SystemExit(f"unknown library {lib!r}; choose from {', '.join(LIBS)}")
    if max(args.sizes) > args.n:
        raise SystemExit("--sizes must not exceed --n")
    workdir = Path(tempfile.mkdtemp(prefix="bench_minhash_"))
    corpus_dir = Path(args.corpus_dir) if args.corpus_dir else workdir
    corpus_dir.mkdir(parents=True, exist_ok=True)
    cpu = None
    if hasattr(os, "sched_getaffinity"):
        cpu = max(os.sched_getaffinity(0)) if args.cpu is None else args.cpu
    run_start = time.perf_counter()
    try:
        print(f"generating corpus: n={args.n} dup_rate={args.dup_rate} seed={args.seed} ...", file=sys.stderr, flush=True)
        corpus_file, texts, events, family_pairs, gen_seconds = load_or_make_corpus(args, corpus_dir)
        words = [len(t.split()) for t in texts]
        sizes_b = [len(t.encode()) for t in texts]
        kinds = {kind: sum(1 for e in events.values() if e[0] == kind) for kind in ("exact", "near", "hard_negative")}
        corpus_info = {
            "n": args.n,
            "generate_seconds": round(gen_seconds, 1),
            "words_mean": round(sum(words) / len(words), 1),
            "words_min": min(words),
            "words_max": max(words),
            "bytes_mean": round(sum(sizes_b) / len(sizes_b), 1),
            "bytes_min": min(sizes_b),
            "bytes_max": max(sizes_b),
            "derived": kinds,
            "family_pairs": len(family_pairs),
            "truth_pairs_by_size": {
                n: sum(1 for p, j in family_pairs.items() if p[1] < n and j >= args.threshold) for n in args.sizes
            },
        }
        near_j = sorted(family_pairs[(min(s, i), max(s, i))] for i, (kind, s, _) in events.items() if kind == "near")
        if near_j:
            corpus_info["near_jaccard_quantiles"] = [round(near_j[int(q * (len(near_j) - 1))], 3) for q in (0, 0.1, 0.5, 0.9, 1)]
        print(f"corpus: {json.dumps(corpus_info)}", file=sys.stderr, flush=True)

        rows: list[dict] = []
        raw: list[dict] = []
        hash_seed = 1
        for n in sorted(args.sizes):
            for lib in libs:
                if lib == "datasketch" and n > args.max_n_datasketch:
                    continue
                hash_seed += 1
                profile = args.profile == lib and n == max(args.sizes)
                print(f"running {lib} at n={n} ...", file=sys.stderr, flush=True)
                t0 = time.perf_counter()
                res = run_child(lib, n, corpus_file, args, cpu, hash_seed, workdir, profile)
                res["child_wall_seconds"] = round(time.perf_counter() - t0, 1)
                res["quality"] = evaluate(res.pop("pairs"), n, texts, family_pairs, args.threshold, args.shingle)
                raw.append(res)
                print(f"  done in {res['child_wall_seconds']} s wall, {res['child_cpu_seconds']} s CPU", file=sys.stderr, flush=True)
        for res in raw:
            n = res["n"]
            us = {s: res["stage_cpu_seconds"].get(s, 0.0) / n * 1e6 for s in STAGES}
            us["total"] = sum(us[s] for s in STAGES)
            wall_us = {s: res["stage_seconds"].get(s, 0.0) / n * 1e6 for s in STAGES}
            wall_us["total"] = sum(wall_us[s] for s in STAGES)
            tok = res["tokenize_seconds"] / n * 1e6
            peak = res["peak_rss_delta_bytes"]
            row = {
                "lib": res["lib"], "n": n, "us": us, "wall_us": wall_us, "tokenize_us": tok,
                "fingerprint_us": res["fingerprint_seconds"] / n * 1e6,
                "x_tokenize": us["total"] / tok if tok else None,
                "cpu_over_wall": res["cpu_seconds"] / res["wall_seconds"] if res["wall_seconds"] else None,
                "peak_rss_mb": peak / 2**20 if peak is not None else None,
                "rss_bytes_per_article": peak / n if peak is not None else None,
                "ru_maxrss_delta_mb": res["ru_maxrss_delta_bytes"] / 2**20,
                "retained_rss_bytes_per_article": res["retained_rss_delta_bytes"] / n,
                "traced_bytes_per_article": res["traced_peak_bytes"] / n if "traced_peak_bytes" in res else None,
                "traced_retained_bytes_per_article": res["traced_retained_bytes"] / n if "traced_retained_bytes" in res else None,
                "candidates": res["candidates"], "bands": res["bands"],
                "found_pairs": res["quality"]["found_pairs"], "recall": res["quality"]["recall"],
                "direct_recall": res["quality"]["direct_recall"], "precision": res["quality"]["precision"],
                "recall_plus_0.05": res["quality"]["recall_above_threshold_plus_0.05"],
                "batch_invariant": res["batch_invariant"], "signature_digest": res["signature_digest"],
                "measured": True,
                "note": "" if "traced_peak_bytes" in res else "no tracemalloc pass (--tracemalloc-max-n)",
            }
            if "shingle_strings_seconds" in res:
                row["shingle_strings_us"] = res["shingle_strings_seconds"] / n * 1e6
            rows.append(row)
        # datasketch beyond its cap: linear extrapolation from the largest measured size
        if "datasketch" in libs:
            measured = [r for r in rows if r["lib"] == "datasketch"]
            if measured:
                ref = max(measured, key=lambda r: r["n"])
                for n in sorted(args.sizes):
                    if n > args.max_n_datasketch:
                        rows.append({
                            "lib": "datasketch", "n": n, "us": dict(ref["us"]), "wall_us": dict(ref["wall_us"]),
                            "measured": False, "x_tokenize": None, "cpu_over_wall": None,
                            "peak_rss_mb": ref["rss_bytes_per_article"] * n / 2**20 if ref["rss_bytes_per_article"] else None,
                            "rss_bytes_per_article": ref["rss_bytes_per_article"],
                            "retained_rss_bytes_per_article": ref["retained_rss_bytes_per_article"],
                            "traced_bytes_per_article": ref["traced_bytes_per_article"],
                            "note": f"EXTRAPOLATED linearly from n={ref['n']} (not run; --max-n-datasketch)",
                        })
        order = {lib: i for i, lib in enumerate(libs)}
        rows.sort(key=lambda r: (r["n"], order[r["lib"]]))
        print_table(rows, BUDGET_US)

        # baselines, scaling, determinism, verdict
        print("\nbaselines (us/article, same processes):")
        for n in sorted(args.sizes):
            measured = [r for r in rows if r["n"] == n and r["measured"]]
            if not measured:
                continue
            tok = sorted(r["tokenize_us"] for r in measured)
            fp = sorted(r["fingerprint_us"] for r in measured)
            sh = [r["shingle_strings_us"] for r in measured if "shingle_strings_us" in r]
            print(f"  n={n:>7}: tokenize (casefold+split) {tok[len(tok) // 2]:.1f}   exact-dup sha256 body fingerprint"
                  f" {fp[len(fp) // 2]:.1f}" + (f"   5-word shingle strings {sh[0]:.1f}" if sh else "")
                  + f"   (median over {len(measured)} processes)")
        summary: dict = {"libs": {}}
        for lib in libs:
            mine = sorted((r for r in rows if r["lib"] == lib and r["measured"]), key=lambda r: r["n"])
            if not mine:
                continue
            digests = {r["signature_digest"] for r in mine}
            slopes = []
            raws = {res["n"]: res for res in raw if res["lib"] == lib}
            for a, b in zip(mine, mine[1:]):
                ra, rb = raws[a["n"]], raws[b["n"]]
                slopes.append({
                    "from": a["n"], "to": b["n"],
                    "peak_rss_marginal_bytes_per_article": (
                        (rb["peak_rss_delta_bytes"] - ra["peak_rss_delta_bytes"]) / (b["n"] - a["n"])
                        if rb["peak_rss_delta_bytes"] is not None and ra["peak_rss_delta_bytes"] is not None else None
                    ),
                    "retained_rss_marginal_bytes_per_article": (rb["retained_rss_delta_bytes"] - ra["retained_rss_delta_bytes"]) / (b["n"] - a["n"]),
                    "traced_peak_marginal_bytes_per_article": (
                        (rb["traced_peak_bytes"] - ra["traced_peak_bytes"]) / (b["n"] - a["n"]) if "traced_peak_bytes" in rb else None
                    ),
                    "total_us_ratio": b["us"]["total"] / a["us"]["total"],
                })
            largest = mine[-1]
            summary["libs"][lib] = {
                "deterministic_across_processes": len(digests) == 1,
                "batch_invariant": all(r["batch_invariant"] for r in mine),
                "largest_measured_n": largest["n"],
                "total_us_at_largest": largest["us"]["total"],
                "scaling": slopes,
            }
            print(f"\n{lib}: signatures identical across {len(mine)} processes (different PYTHONHASHSEED):"
                  f" {len(digests) == 1}; one-text == in-batch: {all(r['batch_invariant'] for r in mine)};"
                  f" bands x rows {largest['bands']}")
            for s in slopes:
                traced = s["traced_peak_marginal_bytes_per_article"]
                print(f"  {s['from']}->{s['to']}: marginal peak RSS {_fmt(s['peak_rss_marginal_bytes_per_article'], '.0f')} B/article,"
                      f" retained {s['retained_rss_marginal_bytes_per_article']:.0f} B/article,"
                      f" traced peak {_fmt(traced, '.0f')} B/article; total us/article x{s['total_us_ratio']:.2f}")
        if "corpus_lib" in summary["libs"]:
            c = summary["libs"]["corpus_lib"]
            verdict = "within" if c["total_us_at_largest"] <= BUDGET_US else "OVER"
            print(f"\ncorpus_lib at n={c['largest_measured_n']}: {c['total_us_at_largest']:.1f} us/article -> {verdict} the"
                  f" {BUDGET_US:.0f} us budget")
            summary["corpus_lib_within_budget"] = c["total_us_at_largest"] <= BUDGET_US
        for res in raw:
            if "profile" in res:
                print(f"\ncProfile of {res['lib']} at n={res['n']} (extra pass, sorted by tottime):\n{res['profile']}")
        child_cpu = sum(res["child_cpu_seconds"] for res in raw)
        print(f"\nrun time: {time.perf_counter() - run_start:.0f} s wall; measuring processes used {child_cpu:.0f} s CPU"
              f" (corpus generation {gen_seconds:.0f} s)")
        report = {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "config": {k: v for k, v in vars(args).items() if k not in ("child", "out", "corpus_file")},
            "versions": _versions(),
            "cpu_pinned": cpu,
            "corpus": corpus_info,
            "rows": rows,
            "raw": raw,
            "summary": summary,
        }
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1, default=str))
            print(f"\nwrote {args.json}", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _sizes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000, help="articles in the generated corpus (sizes are prefixes)")
    p.add_argument("--sizes", type=_sizes, default=None, help="comma-separated corpus sizes (default 10000,30000,100000 capped at --n)")
    p.add_argument("--threshold", type=float, default=0.8)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--shingle", type=int, default=5)
    p.add_argument("--dup-rate", type=float, default=0.03)
    p.add_argument("--seed", type=int, default=20240328)
    p.add_argument("--vocab-size", type=int, default=50_000, help="invented words in the Zipf vocabulary")
    p.add_argument("--batch", type=int, default=BUILD_BATCH, help="texts per signature call (corpus_lib.build uses 64)")
    p.add_argument("--libs", default=",".join(LIBS))
    p.add_argument("--max-n-datasketch", type=int, default=30_000, help="larger sizes are extrapolated for datasketch")
    p.add_argument("--rensa-bands", type=int, default=None, help="RMinHashLSH num_bands (must divide --num-perm)")
    p.add_argument("--no-tracemalloc", dest="tracemalloc", action="store_false", help="skip the tracemalloc pass")
    p.add_argument("--tracemalloc-max-n", type=int, default=30_000,
                   help="no tracemalloc pass above this size (tracing every small allocation makes the pass ~10x"
                        " slower than the pipeline; VmHWM covers all sizes)")
    p.add_argument("--profile", choices=LIBS, default=None, help="add a cProfile pass for this library at the largest size")
    p.add_argument("--cpu", type=int, default=None, help="CPU to pin the measuring processes to (default: the last allowed one)")
    p.add_argument("--corpus-dir", default=None, help="cache the generated corpus here (reused when the parameters match)")
    p.add_argument("--json", default=None, help="write the full report here")
    # internal: child mode
    p.add_argument("--child", choices=LIBS, help=argparse.SUPPRESS)
    p.add_argument("--corpus-file", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--digest-rows", type=int, default=1000, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.sizes is None:
        args.sizes = sorted({min(s, args.n) for s in (10_000, 30_000, 100_000)})
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
