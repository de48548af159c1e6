#!/usr/bin/env python3
"""The scale benchmark (issue 7): corpus build against the I/O floor and a plain `datasets` script.

    python scripts/bench.py [--pages 100000] [--workers-list 1,2] [--json OUT.json] [--keep DIR]
                            [--skip-datasets] [--profile-pages 20000] [--only NAMES] [--seed S]

Generates a synthetic corpus (scripts/make_synthetic_corpus.py; reused from --keep DIR when it is
there), then measures, in this order and each in a fresh subprocess (so peak RSS and CPU time are
per measurement, from wait4's rusage of that process and the workers it reaped):

  floor        list, read and decode every file, write the same text to zstd Parquet; nothing else
  core         corpus build with [dedup] near = "off", 1 worker, --no-cache
  full-wN      corpus build with the defaults, N workers: the first with a fresh page cache folder
               (the same work as --no-cache, whose throwaway cache is written all the same), so that
               the rebuild below has a warm cache; the others --no-cache
  rebuild      corpus build again over that warm page cache, 1 worker
  dask         corpus build --engine dask with the most workers of --workers-list (a local Dask
               cluster of that many single-threaded worker processes, started and stopped by the
               build), --no-cache; its output joins the byte-identity check
  datasets     what a user would write instead: load_dataset("text", sample_by="document") per
               source -> map(corpus_lib.parse.parse_page) -> filter -> train_test_split -> to_parquet
  identical    sha256 of every output file of the full builds: the same whatever the worker count
  langid       identify_language timed alone on the core build's bodies (language id cannot be
               switched off by config, so its share of the core build is measured here)
  profile      one full 1-worker build() under cProfile on the first --profile-pages pages (a
               prefix of the same corpus): time per stage and the top functions
  memory       (only with --only memory) a full build() with the most workers of --workers-list,
               recording the main process's RSS high-water mark around each step: what grows

Every measurement runs a copy of corpus_lib/ and schema/ taken at the start (--no-snapshot: the
working tree), so edits made during a long run cannot change what is measured mid-way. That copy
is the parser as Python source; --installed measures the installed package instead, whose parser
`pip install .` compiles (setup.py). The report says which one ran.

Prints a table (seconds, CPU seconds, pages/s, ratio to the floor and to the datasets script, peak
RSS of the largest process (each process's own high-water mark, sampled) and sampled peak of the
whole process tree), then the peak of each kind of process (main, fork server, worker), and
writes --json. The load average is recorded with each measurement: on a shared machine compare
the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
MEASUREMENTS = ("floor", "core", "full", "rebuild", "dask", "datasets", "identical", "langid", "profile", "memory")
DEFAULT_MEASUREMENTS = MEASUREMENTS[:-1]  # memory: one more full build, for the scaling runs (--only memory)
# build() steps whose entry and exit the memory child records (names in corpus_lib.build's namespace).
MEMORY_STEPS = (
    "discover", "learn_templates", "_sketches", "plan_release", "_write_data", "_bucket_plan", "write_split_stream",
    "write_ledger_table", "_plot_columns_file", "render_plots", "write_croissant", "render_card",
)
# The same inside plan_release and for the plan's methods that read whole light columns.
RELEASE_STEPS = (
    "link_rows", "clusters_of", "_assign_singletons", "_moves", "count_leakage", "ReleasePlan.ledger_table", "ReleasePlan.kept_columns",
)
TARGETS = {
    "core_vs_floor": 0.5,
    "core_vs_floor_cpu": 0.5,
    "core_without_langid_vs_floor": 0.5,
    "full_vs_floor": 0.2,
    "full_vs_floor_cpu": 0.2,
    "full_vs_datasets": 5.0,
    "full_vs_datasets_cpu": 5.0,
    "speedup_2_workers": 1.8,
    "peak_rss_mb": 1024.0,
}
LANGID_SAMPLE = 3000
TOP_FUNCTIONS = 20


# --------------------------------------------------------------------------- running and metering


class TreeRssSampler(threading.Thread):
    """Samples the summed RSS of a process and its descendants (a build's workers included), and
    each process's own high-water mark (VmHWM) with its role. wait4's ru_maxrss cannot stand in
    for the latter: it only counts descendants that were waited for (the pool's workers are
    children of the fork server, which nobody waits for), and it counts the parent's image the
    child was forked from before it ran exec."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        # (pid, role) -> the largest VmHWM seen, bytes. The role is read again at every sample: a child
        # caught between its fork and its exec still runs the parent's command line (the fork server
        # starts so, as a fork of main), and becomes what it is only after the exec, which also
        # starts a new high-water mark.
        self.hwm: dict[tuple[int, str], int] = {}
        self._halt = threading.Event()
        self.command = _command(pid)  # main's command line: what a child of main shows until it runs its exec

    def run(self) -> None:
        while not self._halt.is_set():
            total = 0
            roles: dict[int, str] = {}  # this sample's: a parent is visited before its children
            for pid, parent in _descendants(self.pid):
                rss, hwm = _rss_and_hwm(pid)
                total += rss
                role = _role(pid, parent, self.pid, self.command, roles) if hwm else None  # None: gone, or not exec'd yet
                if role is not None:
                    roles[pid] = role
                    self.hwm[pid, role] = max(self.hwm.get((pid, role), 0), hwm)
            self.peak = max(self.peak, total)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def largest(self) -> dict[str, float]:
        """The peak of each role's largest process, MB: main, fork server, worker, ..."""
        by_role: dict[str, float] = {}
        for (_, role), hwm in self.hwm.items():
            by_role[role] = max(by_role.get(role, 0.0), round(hwm / 2**20, 1))
        return dict(sorted(by_role.items()))


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _role(pid: int, parent: int | None, root: int, root_command: str, known: dict[int, str]) -> str | None:
    """main, fork server, worker, resource tracker or other; None for a child of main that has not run its exec
    yet: it still shows main's pages (shared with main until written), which are not its own."""
    if pid == root:
        return "main"
    command = _command(pid)
    if parent == root and command == root_command:
        return None
    if "resource_tracker" in command:
        return "resource tracker"
    if "forkserver" in command:
        # The fork server's children run the same command line: they are the pool's workers.
        return "worker" if known.get(parent) == "fork server" else "fork server"
    return "worker" if parent == root else "other"  # a Dask worker is spawned by its nanny in main


def _descendants(root: int) -> list[tuple[int, int | None]]:
    """(pid, parent pid) of root and everything below it."""
    found, todo = [], [(root, None)]
    while todo:
        pid, parent = todo.pop()
        found.append((pid, parent))
        # Each thread lists the children it started (Dask's nanny starts its worker from a thread of its own).
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue  # gone
        for task in tasks:
            try:
                todo.extend((int(child), pid) for child in (task / "children").read_text().split())
            except OSError:
                pass  # the thread has ended
    return found


def _rss_and_hwm(pid: int) -> tuple[int, int]:
    """A process's resident set and its high-water mark, bytes (0, 0 once it is gone)."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024
    except (OSError, KeyError, IndexError, ValueError):
        return 0, 0


# Set by snapshot_code: every measurement imports the same copy of corpus_lib, even while the
# working tree is being edited during a long run.
CHILD_ENV: dict[str, str] | None = None
# Set by run_benchmark: children start in this folder, outside the tree, so they import the snapshot
# (or, with --installed, the installed corpus_lib) rather than the tree they were started from.
CHILD_CWD: Path | None = None


def snapshot_code(root: Path) -> dict[str, Any]:
    """Copy corpus_lib/ and schema/ under root/code; children import that copy."""
    global CHILD_ENV
    repo = SCRIPTS.parent
    code = root / "code"
    shutil.rmtree(code, ignore_errors=True)
    code.mkdir(parents=True)
    shutil.copytree(repo / "corpus_lib", code / "corpus_lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(repo / "schema", code / "schema")
    digest = hashlib.sha256()
    for path in sorted(p for p in code.rglob("*") if p.is_file()):
        digest.update(path.relative_to(code).as_posix().encode() + b"\0" + path.read_bytes())
    CHILD_ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")])))
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "corpus_lib", "schema"], capture_output=True, text=True).stdout
    return {"git_head": head or None, "dirty_files": len(dirty.splitlines()), "code_sha256": digest.hexdigest()}


def parser_build() -> dict[str, Any]:
    """Which corpus_lib the children import, and whether its parser is compiled (mypyc) or Python source."""
    probe = "import json, corpus_lib.parse as p; print(json.dumps({'file': p.__file__, 'compiled': p.compiled()}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=CHILD_ENV, cwd=CHILD_CWD)
    return json.loads(out.stdout) if out.returncode == 0 else {"file": None, "compiled": None}


def run_measured(name: str, command: list[str], pages: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `command`; wall and CPU seconds, peak RSS (largest process; sampled tree), its JSON output."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or CHILD_ENV, cwd=CHILD_CWD)
    sampler = TreeRssSampler(process.pid)
    sampler.start()
    stdout, stderr = _drain(process)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    sampler.stop()
    by_role = sampler.largest()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{name}: {' '.join(command)} exited {process.returncode}\n{stderr[-4000:]}")
    detail = {}
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            detail = json.loads(line)
            break
    return {
        "name": name,
        "pages": pages,
        "seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "pages_per_s": round(pages / wall, 1) if wall else None,
        # The largest single process: its own VmHWM sampled every 0.2 s. wait4's ru_maxrss (KiB) only
        # where nothing was sampled: it counts the image the child was forked from before its exec,
        # that is this script's own RSS at the fork (a 500 MB parent gives a 500 MB `python -c pass`).
        "peak_rss_mb": max(by_role.values(), default=round(usage.ru_maxrss / 1024, 1)),
        "peak_rss_by_role_mb": by_role,
        "peak_tree_rss_mb": round(sampler.peak / 2**20, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "detail": detail,
    }


def _drain(process: subprocess.Popen) -> tuple[str, str]:
    """Read both pipes to the end without reaping the process (wait4 does that, for its rusage)."""
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def pump(stream, key):
        for block in iter(lambda: stream.read(65536), b""):
            chunks[key].append(block)

    threads = [threading.Thread(target=pump, args=(process.stdout, "out")), threading.Thread(target=pump, args=(process.stderr, "err"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return b"".join(chunks["out"]).decode("utf-8", "replace"), b"".join(chunks["err"]).decode("utf-8", "replace")


def child_command(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


def corpus_build_command(src: Path, out: Path, workers: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "corpus_lib.cli", "build", str(src), str(out), "--workers", str(workers), "--quiet", *extra]


# --------------------------------------------------------------------------- the children


def child_floor(src: str, out: str) -> dict[str, Any]:
    """List, read and decode every page file, write the texts to one zstd Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    stages = {}
    t0 = time.perf_counter()
    root = Path(src)
    paths = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        paths += [os.path.join(folder, n) for n in sorted(names) if n.endswith(".txt") and not n.startswith(".")]
    paths.sort()
    stages["list"] = time.perf_counter() - t0
    schema = pa.schema([("source_file", pa.string()), ("text", pa.string())])
    read = write = 0.0
    start = len(str(root)) + 1
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for first in range(0, len(paths), 10_000):
            t1 = time.perf_counter()
            names, texts = [], []
            for path in paths[first : first + 10_000]:
                with open(path, "rb") as handle:
                    raw = handle.read()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = raw.decode("cp1251", errors="replace")
                names.append(path[start:])
                texts.append(text)
            t2 = time.perf_counter()
            writer.write_table(pa.table({"source_file": names, "text": texts}, schema=schema))
            t3 = time.perf_counter()
            read, write = read + t2 - t1, write + t3 - t2
    stages["read_decode"], stages["write_parquet"] = read, write
    return {"files": len(paths), "stages": {k: round(v, 3) for k, v in stages.items()}, "bytes_out": os.path.getsize(out)}


def child_datasets(src: str, out: str, cache: str, num_proc: str) -> dict[str, Any]:
    """The script a user would write with `datasets`, parsing with corpus_lib's own parse_page."""
    os.environ["HF_DATASETS_CACHE"] = cache
    os.environ["HF_HUB_OFFLINE"] = "1"
    import datasets
    from datasets import Features, Sequence, Value, concatenate_datasets, load_dataset

    from corpus_lib.config import load_config
    from corpus_lib.parse import PageHints, ParseFailure, parse_page

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    procs = int(num_proc) if int(num_proc) > 1 else None
    cfg = load_config(Path(src) / "corpus.toml")
    features = Features(
        {
            "ok": Value("bool"), "reason": Value("string"), "title": Value("string"), "body": Value("string"),
            "language": Value("string"), "source": Value("string"), "url": Value("string"),
            "media": Sequence(Value("string")), "published_local": Value("string"), "published_at": Value("string"),
            "crawled_local": Value("string"),
        }
    )

    def parse(example, language, timezone, source):
        article = parse_page(example["text"], PageHints(language=language, timezone=timezone, default_timezone=cfg.default_timezone))
        if isinstance(article, ParseFailure):
            return {"ok": False, "reason": article.reason, "title": None, "body": None, "language": None, "source": source,
                    "url": None, "media": [], "published_local": None, "published_at": None, "crawled_local": None}
        published, crawled = article.published, article.crawled
        return {
            "ok": True, "reason": None, "title": article.title, "body": article.body, "language": article.language or language,
            "source": source, "url": article.url, "media": list(article.media),
            "published_local": published.local if published else None,
            "published_at": published.utc.isoformat() if published and published.utc else None,
            "crawled_local": crawled.local if crawled else None,
        }

    stages = dict.fromkeys(("list", "load", "map", "filter_split", "write"), 0.0)
    t0 = time.perf_counter()
    groups = {}
    claimed: set[str] = set()
    for source in cfg.sources:
        files = sorted(str(p) for p in (Path(src) / source.path).rglob("*.txt"))
        groups[source.key] = (source, files)
        claimed.update(files)
    rest = sorted(str(p) for p in Path(src).rglob("*.txt") if str(p) not in claimed)
    # load_dataset sniffs magic numbers and tries to extract a file that starts like gzip (a broken
    # page here), failing the whole load; the user's script has to leave such files out first.
    skipped = 0
    for key, (source, files) in list(groups.items()) + [("_rest", (None, rest))]:
        kept = [f for f in files if not _compressed_magic(f)]
        skipped += len(files) - len(kept)
        if key == "_rest":
            rest = kept
        else:
            groups[key] = (source, kept)
    stages["list"] = time.perf_counter() - t0
    parts = []
    for key, (source, files) in sorted(groups.items()) + [("_rest", (None, rest))]:
        if not files:
            continue
        t1 = time.perf_counter()
        # encoding_errors: a single cp1251 page otherwise stops the whole load with UnicodeDecodeError.
        ds = load_dataset("text", data_files=files, sample_by="document", split="train", cache_dir=cache, encoding_errors="replace")
        t2 = time.perf_counter()
        kwargs = {"language": source.language, "timezone": source.timezone, "source": source.name} if source else {
            "language": cfg.default_language, "timezone": None, "source": "unknown"}
        ds = ds.map(parse, fn_kwargs=kwargs, remove_columns=["text"], features=features, num_proc=procs)
        t3 = time.perf_counter()
        stages["load"] += t2 - t1
        stages["map"] += t3 - t2
        parts.append(ds)
    t4 = time.perf_counter()
    dataset = concatenate_datasets(parts).filter(lambda ok: ok, input_columns=["ok"])
    splits = dataset.train_test_split(test_size=0.1, seed=0)
    t5 = time.perf_counter()
    Path(out).mkdir(parents=True, exist_ok=True)
    for name, split in splits.items():
        split.to_parquet(str(Path(out) / f"{name}.parquet"))  # datasets picks the codec (snappy)
    stages["filter_split"], stages["write"] = t5 - t4, time.perf_counter() - t5
    return {"records": len(dataset), "skipped_compressed": skipped, "stages": {k: round(v, 3) for k, v in stages.items()}}


_MAGIC = (b"\x1f\x8b", b"PK\x03\x04", b"BZh", b"\xfd7zXZ", b"\x28\xb5\x2f\xfd", b"7z\xbc\xaf", b"\x04\x22\x4d\x18", b"Rar!")


def _compressed_magic(path: str) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(8)
    return head.startswith(_MAGIC)


def child_langid(out: str, sample: str) -> dict[str, Any]:
    """identify_language alone on the bodies of a built dataset: microseconds per record."""
    import pyarrow.parquet as pq

    from corpus_lib.parse.language import identify_language

    files = sorted((Path(out) / "data").glob("*.parquet"))
    records = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    rows = []
    for f in files:
        table = pq.read_table(f, columns=["body", "language"])
        rows += list(zip(table.column("body").to_pylist(), table.column("language").to_pylist()))
        if len(rows) >= int(sample):
            break
    rows = rows[: int(sample)]
    identify_language("warm up the model " * 10)
    t0, c0 = time.perf_counter(), time.process_time()
    for body, language in rows:
        identify_language(body, language)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    per, per_cpu = seconds / max(len(rows), 1), cpu / max(len(rows), 1)
    return {
        "timed": len(rows), "us_per_record": round(per * 1e6, 1), "cpu_us_per_record": round(per_cpu * 1e6, 1),
        "records": records, "estimated_seconds": round(per * records, 2), "estimated_cpu_seconds": round(per_cpu * records, 2),
    }


# Stage rows of the profile: (label, [(file suffix, function)], only-when-called-by function or None).
PROFILE_STAGES: list[tuple[str, list[tuple[str, str]], str | None]] = [
    ("discover (list files)", [("corpus_lib/inputs.py", "discover")], None),
    ("pass 1: scan + learn templates", [("corpus_lib/templates.py", "learn_templates")], None),
    ("pass 2: extract (all of it)", [("corpus_lib/extract.py", "extract_batch")], None),
    ("  read + decode", [("corpus_lib/inputs.py", "read_page")], "extract_batch"),
    ("  template keys of the page", [("corpus_lib/templates.py", "page_template_keys")], "extract_batch"),
    ("  parse_page (all)", [("corpus_lib/parse/article.py", "parse_page")], None),
    ("    language id", [("corpus_lib/parse/language.py", "identify_language")], None),
    ("  make_record", [("corpus_lib/records.py", "make_record")], None),
    ("  schema validation", [("corpus_lib/schema.py", "record_errors")], None),
    ("  exact fingerprints + MinHash", [("corpus_lib/dedup.py", "fingerprints_and_signatures")], "extract_batch"),
    ("    MinHash sketches", [("corpus_lib/neardup.py", "word_signatures")], "fingerprints_and_signatures"),
    ("  page cache write", [("corpus_lib/cache.py", "write_segment")], None),
    ("global (all of it)", [("corpus_lib/release.py", "plan_release")], None),
    ("  clustering", [("corpus_lib/dedup.py", "link_rows"), ("corpus_lib/dedup.py", "clusters_of")], None),
    ("  splits", [("corpus_lib/splits.py", "assign_cluster_splits"), ("corpus_lib/release.py", "_assign_singletons")], None),
    ("  leakage check", [("corpus_lib/release.py", "count_leakage")], None),
    ("writing shards (from the cache)", [("corpus_lib/build.py", "_write_data")], None),
    ("ledger", [("corpus_lib/splits.py", "write_ledger_table")], None),
    ("plots", [("corpus_lib/plots.py", "render_plots")], None),
    ("croissant", [("corpus_lib/croissant.py", "croissant_metadata"), ("corpus_lib/croissant.py", "write_croissant")], None),
    ("card", [("corpus_lib/card.py", "render_card")], None),
    ("checksums", [("corpus_lib/build.py", "fingerprint_file")], None),
]


def profiled_as(key: tuple[str, int, str], suffix: str, name: str) -> bool:
    """Whether a cProfile key (file, line, function) is `name` of the module file ending in `suffix`. A module
    compiled with mypyc (the installed parser) is profiled as a built-in: ('~', 0, '<built-in method mod.name>')."""
    path, _, function = key
    if path.endswith(suffix) and function == name:
        return True
    return path == "~" and function == f"<built-in method {suffix.removesuffix('.py').replace('/', '.')}.{name}>"


def is_corpus_lib(key: tuple[str, int, str]) -> bool:
    """Whether a cProfile key is corpus_lib's own code: the tree's, the installed copy's or a compiled function."""
    path, _, function = key
    if path == "~":
        return function.startswith("<built-in method corpus_lib.")
    return _short_path(path).startswith("corpus_lib/")


def _short_path(path: str) -> str:
    """A profiled file's path inside site-packages or inside this repository."""
    return path.split("/site-packages/")[-1].replace(str(Path(__file__).resolve().parents[1]) + "/", "")


def child_profile(src: str, out: str, prof: str) -> dict[str, Any]:
    import cProfile
    import pstats

    t0 = time.perf_counter()
    from corpus_lib.build import build

    imports = time.perf_counter() - t0
    profiler = cProfile.Profile()
    t1 = time.perf_counter()
    profiler.enable()
    report = build(src, out, workers=1, cache=False)
    profiler.disable()
    wall = time.perf_counter() - t1
    profiler.dump_stats(prof)
    stats = pstats.Stats(prof).stats  # (file, line, function) -> (cc, nc, tottime, cumtime, callers)
    total = max(v[3] for k, v in stats.items() if k[2] == "build" and k[0].endswith("corpus_lib/build.py"))

    def seconds(targets, caller):
        found, value = False, 0.0
        for key, (_, _, _, cumtime, callers) in stats.items():
            if not any(profiled_as(key, suffix, name) for suffix, name in targets):
                continue
            found = True
            if caller is None:
                value += cumtime
            else:
                value += sum(c[3] for k, c in callers.items() if k[2] == caller)
        return round(value, 3) if found else None

    stages = []
    for label, targets, caller in PROFILE_STAGES:
        value = seconds(targets, caller)
        stages.append({"stage": label, "seconds": value, "share": round(value / total, 4) if value is not None else None})

    def row(key, value):
        path, line, function = key
        return {"function": f"{_short_path(path)}:{line}({function})", "calls": value[1], "tottime": round(value[2], 3), "cumtime": round(value[3], 3)}

    by_self = sorted(stats.items(), key=lambda kv: -kv[1][2])[:TOP_FUNCTIONS]
    ours = [kv for kv in stats.items() if is_corpus_lib(kv[0])]
    by_cum = sorted(ours, key=lambda kv: -kv[1][3])[:TOP_FUNCTIONS]
    return {
        "pages": report.inputs,
        "records": report.records,
        "wall_under_profile": round(wall, 3),
        "profiled_build_seconds": round(total, 3),
        "imports_seconds": round(imports, 3),
        "stages": stages,
        "top_self": [row(k, v) for k, v in by_self],
        "top_corpus_lib_cumulative": [row(k, v) for k, v in by_cum],
    }


def _memory_status() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    rss, hwm = _rss_and_hwm(os.getpid())
    return rss / 2**20, hwm / 2**20


def child_memory(src: str, out: str, workers: str) -> dict[str, Any]:
    """A full build() that records this process's RSS and high-water mark around each step.

    The steps between two marks (e.g. pass 2, the loop between learn_templates and _sketch_matrix)
    show up as the rise of the high-water mark from one mark to the next.
    """
    import importlib

    build_module = importlib.import_module("corpus_lib.build")  # the package exports a build() that shadows the module
    marks: list[dict[str, Any]] = []
    started = time.perf_counter()

    # The marks also go to a file as they are taken, so that a long run's progress can be read
    # (and is not lost if the run is stopped).
    log = Path(out).parent / f"{Path(out).name}.marks.jsonl"

    def mark(event: str, step: str) -> None:
        rss, hwm = _memory_status()
        marks.append({"t": round(time.perf_counter() - started, 2), "event": event, "step": step, "rss_mb": round(rss, 1), "hwm_mb": round(hwm, 1)})
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(marks[-1]) + "\n")

    def wrap(name: str, fn):
        def wrapped(*args, **kwargs):
            mark("enter", name)
            try:
                return fn(*args, **kwargs)
            finally:
                mark("exit", name)

        return wrapped

    # With more than one worker the plots are drawn in a side process, which is handed render_plots by name:
    # a wrapper defined here could not be pickled to it, and the side process's memory is not this one's.
    steps = [name for name in MEMORY_STEPS if not (name == "render_plots" and int(workers) > 1)]
    for name in steps:
        if hasattr(build_module, name):
            setattr(build_module, name, wrap(name, getattr(build_module, name)))
    release_module = importlib.import_module("corpus_lib.release")
    for name in RELEASE_STEPS:
        owner_name, _, attribute = name.rpartition(".")
        owner = getattr(release_module, owner_name) if owner_name else release_module
        if hasattr(owner, attribute):
            setattr(owner, attribute, wrap(name, getattr(owner, attribute)))
    mark("start", "build")
    report = build_module.build(src, out, workers=int(workers), cache=False)
    mark("end", "build")
    rises = []
    for before, after in zip(marks, marks[1:]):
        if after["hwm_mb"] > before["hwm_mb"] + 1:
            rises.append({"between": f"{before['event']} {before['step']} -> {after['event']} {after['step']}", "hwm_rise_mb": round(after["hwm_mb"] - before["hwm_mb"], 1)})
    return {"pages": report.inputs, "records": report.records, "peak_mb": marks[-1]["hwm_mb"], "marks": marks, "hwm_rises": rises}


def run_child(argv: list[str]) -> int:
    kind, args = argv[0], argv[1:]
    children = {"floor": child_floor, "datasets": child_datasets, "langid": child_langid, "profile": child_profile, "memory": child_memory}
    result = children[kind](*args)
    print(json.dumps(result, ensure_ascii=False))
    return 0


# --------------------------------------------------------------------------- the benchmark


def load_generator():
    path = SCRIPTS / "make_synthetic_corpus.py"
    spec = importlib.util.spec_from_file_location("make_synthetic_corpus_for_bench", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ensure_corpus(root: Path, pages: int, seed: int) -> tuple[Path, float | None]:
    """The corpus of `pages` pages under root (reused when a finished one is there)."""
    corpus = root / f"corpus-{pages}-s{seed}"
    done = root / f"corpus-{pages}-s{seed}.done"
    if done.is_file() and corpus.is_dir():
        return corpus, None
    if corpus.exists():
        shutil.rmtree(corpus)
    started = time.perf_counter()
    load_generator().write_corpus(corpus, pages, seed, jobs=os.cpu_count() or 1)
    done.write_text("ok\n")
    return corpus, time.perf_counter() - started


def tree_digest(root: Path) -> dict[str, str]:
    digests = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digests[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def core_config(corpus: Path, where: Path) -> Path:
    text = (corpus / "corpus.toml").read_text(encoding="utf-8")
    path = where / "core.toml"
    path.write_text(text + '\n[dedup]\nnear = "off"\n', encoding="utf-8")
    return path


def clear(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
        for extra in path.parent.glob(f".{path.name}.*"):
            shutil.rmtree(extra, ignore_errors=True)


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    global CHILD_CWD
    wanted = set(args.only.split(",")) if args.only else set(DEFAULT_MEASUREMENTS)
    if args.skip_datasets:
        wanted.discard("datasets")
    workers_list = [int(w) for w in args.workers_list.split(",") if w.strip()]
    with contextlib.ExitStack() as stack:
        if args.keep:
            root = Path(args.keep).resolve()  # children may start elsewhere (--installed)
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="corpus-bench-")))
        runs = root / "runs"
        runs.mkdir(exist_ok=True)
        if args.installed or args.snapshot:
            # Outside the tree: `python -m` puts the working folder first on the path, ahead of the snapshot
            # on PYTHONPATH (with --installed there is none, so the installed package is imported).
            CHILD_CWD = runs
        code = snapshot_code(runs) if args.snapshot and not args.installed else None
        corpus, generated = ensure_corpus(root, args.pages, args.seed)
        pages = args.pages
        result: dict[str, Any] = {
            "pages": pages,
            "seed": args.seed,
            "cpus": os.cpu_count(),
            "generate_seconds": round(generated, 2) if generated is not None else "reused",
            "corpus_mb": round(sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6, 1),
            "code": code,
            "parser": parser_build(),
            "load_at_start": [round(x, 2) for x in os.getloadavg()],
            "measurements": {},
        }
        measured = result["measurements"]

        def save() -> None:
            if args.json:
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

        def note(entry: dict[str, Any] | None) -> None:
            if entry is None:
                return
            measured[entry["name"]] = entry
            print(f"  {entry['name']}: {entry['seconds']:.1f} s, {entry['pages_per_s']} pages/s, "
                  f"peak RSS {entry['peak_rss_mb']} MB (load {entry['load_before']})", file=sys.stderr, flush=True)
            save()

        def attempt(name: str, command: list[str], count: int) -> dict[str, Any] | None:
            """One measurement; a failure is recorded and the benchmark goes on."""
            try:
                return run_measured(name, command, count)
            except RuntimeError as exc:
                result.setdefault("errors", {})[name] = str(exc)[-3000:]
                print(f"  {name}: FAILED\n{str(exc)[-1500:]}", file=sys.stderr, flush=True)
                save()
                return None

        if "floor" in wanted:
            out = runs / "floor.parquet"
            note(attempt("floor", child_command("floor", str(corpus), str(out)), pages))
            out.unlink(missing_ok=True)
        core_out = runs / "core"
        if "core" in wanted or "langid" in wanted:
            clear(core_out)
            note(attempt("core-w1", corpus_build_command(corpus, core_out, 1, "--no-cache", "--config", str(core_config(corpus, runs))), pages))
        full_outs = {}
        cache = runs / "page-cache"
        if "full" in wanted or "rebuild" in wanted or "identical" in wanted:
            for index, workers in enumerate(workers_list):
                out = runs / f"full-w{workers}"
                clear(out)
                extra = ("--cache", str(cache)) if index == 0 else ("--no-cache",)
                if index == 0:
                    clear(cache)
                entry = attempt(f"full-w{workers}", corpus_build_command(corpus, out, workers, *extra), pages)
                note(entry)
                if entry is not None:
                    full_outs[workers] = out
        if "rebuild" in wanted and workers_list and workers_list[0] in full_outs:
            out = runs / "rebuild"
            clear(out)
            note(attempt("rebuild-warm-w1", corpus_build_command(corpus, out, 1, "--cache", str(cache)), pages))
            clear(out)
        clear(cache)
        if "dask" in wanted and workers_list:
            workers = max(workers_list)
            out = runs / f"dask-w{workers}"
            clear(out)
            entry = attempt(f"dask-w{workers}", corpus_build_command(corpus, out, workers, "--no-cache", "--engine", "dask"), pages)
            note(entry)
            if entry is not None and full_outs:
                full_outs[f"dask-w{workers}"] = out
        if "datasets" in wanted:
            out, hf_cache = runs / "datasets", runs / "hf-cache"
            clear(out, hf_cache)
            note(attempt("datasets", child_command("datasets", str(corpus), str(out), str(hf_cache), str(args.datasets_num_proc)), pages))
            clear(out, hf_cache)
        if len(full_outs) >= 2:
            digests = {workers: tree_digest(out) for workers, out in full_outs.items()}
            first = next(iter(digests.values()))
            differing = sorted({name for d in digests.values() for name in set(d) | set(first) if d.get(name) != first.get(name)})
            result["identical"] = {"workers": sorted(map(str, digests)), "files": len(first), "identical": not differing, "differing": differing}
            print(f"  identical outputs for workers {sorted(map(str, digests))}: {not differing} ({len(first)} files)", file=sys.stderr)
        if "langid" in wanted and core_out.is_dir():
            entry = attempt("langid", child_command("langid", str(core_out), str(LANGID_SAMPLE)), pages)
            if entry is not None:
                result["langid"] = entry["detail"]
        if result.get("identical", {}).get("identical", True):
            clear(*full_outs.values())
        else:
            result["identical"]["kept_outputs"] = [str(out) for out in full_outs.values()]  # to find out why
        clear(core_out)
        if "profile" in wanted:
            profile_pages = min(args.profile_pages, pages)
            profile_corpus = corpus if profile_pages == pages else ensure_corpus(root, profile_pages, args.seed)[0]
            out = runs / "profile"
            clear(out)
            prof = root / "profile.prof"
            entry = attempt("profile", child_command("profile", str(profile_corpus), str(out), str(prof)), profile_pages)
            if entry is not None:
                result["profile"] = dict(entry["detail"], seconds=entry["seconds"], prof_file=str(prof) if args.keep else None)
            clear(out)
        if "memory" in wanted:
            out = runs / "memory"
            clear(out)
            workers = str(max(workers_list))
            entry = attempt(f"memory-w{workers}", child_command("memory", str(corpus), str(out), workers), pages)
            if entry is not None:
                result["memory"] = entry.pop("detail")
                note(entry)
            clear(out)
        result["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
        summarise(result)
        save()
        return result


def summarise(result: dict[str, Any]) -> None:
    """Ratios to the floor and to the datasets script, and the targets of issue 7."""
    measured = result["measurements"]
    floor = measured.get("floor", {}).get("pages_per_s")
    script = measured.get("datasets", {}).get("pages_per_s")
    floor_cpu = measured.get("floor", {}).get("cpu_seconds")
    script_cpu = measured.get("datasets", {}).get("cpu_seconds")
    for entry in measured.values():
        pps, cpu = entry["pages_per_s"], entry["cpu_seconds"]
        entry["vs_floor"] = round(pps / floor, 4) if floor and pps else None
        entry["vs_datasets"] = round(pps / script, 3) if script and pps else None
        # Pages per CPU-second against the same: steadier than wall time on a shared machine.
        entry["cpu_vs_floor"] = round(floor_cpu / cpu, 4) if floor_cpu and cpu else None
        entry["cpu_vs_datasets"] = round(script_cpu / cpu, 3) if script_cpu and cpu else None
    checks = {}
    langid = result.get("langid")
    if "core-w1" in measured:
        checks["core_vs_floor"] = measured["core-w1"]["vs_floor"]
        if langid and floor_cpu and "estimated_cpu_seconds" in langid:
            # The core build as if language id were switched off, in CPU time (both timed alone).
            cpu = measured["core-w1"]["cpu_seconds"] - langid["estimated_cpu_seconds"]
            checks["core_without_langid_vs_floor"] = round(floor_cpu / cpu, 4) if cpu > 0 else None
    if "core-w1" in measured:
        checks["core_vs_floor_cpu"] = measured["core-w1"]["cpu_vs_floor"]
    if "full-w1" in measured:
        checks["full_vs_floor"] = measured["full-w1"]["vs_floor"]
        checks["full_vs_floor_cpu"] = measured["full-w1"]["cpu_vs_floor"]
        checks["full_vs_datasets"] = measured["full-w1"]["vs_datasets"]
        checks["full_vs_datasets_cpu"] = measured["full-w1"]["cpu_vs_datasets"]
        if "full-w2" in measured:
            checks["speedup_2_workers"] = round(measured["full-w1"]["seconds"] / measured["full-w2"]["seconds"], 3)
    for name, entry in measured.items():
        if name.startswith("dask-") and "full-w1" in measured:
            checks["dask_speedup_vs_local_w1"] = round(measured["full-w1"]["seconds"] / entry["seconds"], 3)
    rss = [e["peak_rss_mb"] for n, e in measured.items() if n.startswith(("core", "full", "rebuild", "memory", "dask"))]
    if rss:
        checks["peak_rss_mb"] = max(rss)
    result["targets"] = {
        name: {"value": value, "target": TARGETS.get(name), "met": (value <= TARGETS[name] if name == "peak_rss_mb" else value >= TARGETS[name])
               if value is not None and name in TARGETS else None}
        for name, value in checks.items()
    }


def print_report(result: dict[str, Any]) -> None:
    print(f"\n{result['pages']} pages ({result['corpus_mb']} MB), {result['cpus']} CPUs, "
          f"load average at start {result['load_at_start']}, at end {result['load_at_end']}")
    parser = result.get("parser") or {}
    if parser:
        kind = {True: "compiled with mypyc", False: "Python source"}.get(parser.get("compiled"), "unknown")
        print(f"parser: {kind} ({parser.get('file')})")
    header = (f"{'measurement':<18}{'seconds':>9}{'cpu s':>9}{'pages/s':>10}{'vs floor':>10}{'vs datasets':>13}"
              f"{'cpu vs floor':>14}{'cpu vs ds':>11}{'peak RSS MB':>13}{'tree RSS MB':>13}{'load':>7}")
    print(header)
    print("-" * len(header))

    def fmt(value, pattern):
        width = int(pattern.lstrip(">").split(".")[0])
        return format(value, pattern) if value is not None else "-".rjust(width)

    for entry in result["measurements"].values():
        print(f"{entry['name']:<18}{entry['seconds']:>9.1f}{entry['cpu_seconds']:>9.1f}{entry['pages_per_s']:>10.0f}"
              f"{fmt(entry.get('vs_floor'), '>10.3f')}{fmt(entry.get('vs_datasets'), '>13.2f')}"
              f"{fmt(entry.get('cpu_vs_floor'), '>14.3f')}{fmt(entry.get('cpu_vs_datasets'), '>11.2f')}"
              f"{entry['peak_rss_mb']:>13.0f}{entry['peak_tree_rss_mb']:>13.0f}{entry['load_before']:>7.1f}")
    for entry in result["measurements"].values():
        roles = entry.get("peak_rss_by_role_mb")
        if roles and len(roles) > 1:
            print(f"{entry['name']}: peak RSS by process, MB: " + ", ".join(f"{role} {mb:.1f}" for role, mb in roles.items()))
    if "identical" in result:
        same = result["identical"]
        print(f"\noutputs of workers {same['workers']}: {'byte-identical' if same['identical'] else 'DIFFERENT: ' + ', '.join(same['differing'][:5])} ({same['files']} files)")
    if "langid" in result:
        lang = result["langid"]
        print(f"language id alone: {lang['us_per_record']} us a record ({lang.get('cpu_us_per_record')} us CPU) -> "
              f"~{lang['estimated_seconds']} s ({lang.get('estimated_cpu_seconds')} s CPU) of the core build")
    for name, error in result.get("errors", {}).items():
        print(f"\n{name} FAILED: {error.splitlines()[-1] if error else ''}")
    print("\ntargets (issue 7):")
    for name, check in result["targets"].items():
        met = {True: "met", False: "NOT met", None: ""}[check["met"]]
        print(f"  {name:<30} {check['value']!s:>10}  target {check['target']!s:>6}  {met}")
    profile = result.get("profile")
    if profile:
        print(f"\nprofile: full build, 1 worker, {profile['pages']} pages under cProfile, "
              f"{profile['profiled_build_seconds']} s in build() (+{profile['imports_seconds']} s imports)")
        for stage in profile["stages"]:
            if stage["seconds"] is not None:
                print(f"  {stage['stage']:<36}{stage['seconds']:>9.2f} s {100 * stage['share']:>6.1f}%")
        print("top functions by own time:")
        for row in profile["top_self"][:15]:
            print(f"  {row['tottime']:>8.2f} s own {row['cumtime']:>8.2f} s cum {row['calls']:>9}  {row['function']}")
        print("top corpus_lib functions by cumulative time:")
        for row in profile["top_corpus_lib_cumulative"][:15]:
            print(f"  {row['cumtime']:>8.2f} s cum {row['tottime']:>8.2f} s own {row['calls']:>9}  {row['function']}")
    memory = result.get("memory")
    if memory:
        print(f"\nmemory of the build's main process ({memory['pages']} pages): {memory['marks'][0]['hwm_mb']} MB after imports, "
              f"peak {memory['peak_mb']} MB; the high-water mark rose")
        for rise in memory["hwm_rises"]:
            print(f"  {rise['hwm_rise_mb']:>8.1f} MB  {rise['between']}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000, help="pages in the synthetic corpus (default 100000)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument("--workers-list", default="1,2", help="worker counts of the full build (default 1,2)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep (and reuse) the corpus and the profile here")
    parser.add_argument("--skip-datasets", action="store_true", help="do not run the datasets script")
    parser.add_argument("--datasets-num-proc", type=int, default=1, help="num_proc of the datasets script's map (default 1)")
    parser.add_argument("--profile-pages", type=int, default=20_000, help="pages of the profiled build (default 20000)")
    parser.add_argument("--no-snapshot", dest="snapshot", action="store_false",
                        help="measure the working tree's corpus_lib as it is at each step, not a copy taken at the start")
    parser.add_argument("--installed", action="store_true",
                        help="measure the installed corpus_lib (compiled by pip install .), not a copy of the tree's source")
    parser.add_argument("--report", type=Path, metavar="JSON", help="print the report of an earlier --json file and exit")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(MEASUREMENTS)} (default: all but memory)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return run_child(argv[1:])
    args = parse_args(argv)
    if args.report:
        result = json.loads(args.report.read_text(encoding="utf-8"))
        summarise(result)
        print_report(result)
        return 0
    if args.only and not set(args.only.split(",")) <= set(MEASUREMENTS):
        print(f"bench: --only takes {', '.join(MEASUREMENTS)}", file=sys.stderr)
        return 2
    result = run_benchmark(args)
    print_report(result)
    return 1 if result.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
