"""Time corpus_lib.parse_page as installed (compiled by mypyc, see setup.py) against the Python source of this tree.

    python scripts/bench_parse.py ../shared/eval/dev/pages --rounds 2 [--by-size]

Each round runs both in fresh interpreters, one after the other and in alternating order, on the same pages,
so the ratio holds on a noisy machine. It reports pages per CPU second, the ratio, and whether the two gave the
same result (the repr of every ParsedArticle or ParseFailure) on every page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs in the child: argv = (folder, tree or ""). With a tree, its source is imported ahead of the installed copy.
_CHILD = """
import hashlib, json, sys, time
if sys.argv[2]:
    sys.path.insert(0, sys.argv[2])
import corpus_lib.parse as parse
from pathlib import Path
raws = [p.read_bytes() for p in sorted(Path(sys.argv[1]).rglob("*.txt"))]
texts = [raw.decode("utf-8", "replace") for raw in raws]
parse.parse_page(texts[0])  # imports and caches made once, as in a build
results, cpus = [], []
clock = time.process_time
for t in texts:
    c0 = clock()
    results.append(repr(parse.parse_page(t)))
    cpus.append(clock() - c0)
digest = hashlib.sha256("\\n".join(results).encode()).hexdigest()
print(json.dumps({"pages": len(texts), "cpu": sum(cpus), "compiled": parse.compiled(), "file": parse.__file__, "sha256": digest,
                  "sizes": [len(raw) for raw in raws], "cpus": cpus}))
"""


def run(folder: Path, tree: str) -> dict:
    with tempfile.TemporaryDirectory() as cwd:  # not the tree: the installed copy is found only through site-packages
        out = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(folder.resolve()), tree], capture_output=True, text=True, cwd=cwd)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", type=Path, help="folder of page texts (*.txt, in its subfolders too)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--by-size", action="store_true", help="also print pages/s per core by page size (of the installed copy)")
    args = ap.parse_args(argv)
    rates: dict[str, list[float]] = {"installed": [], "source": []}
    installed_runs: list[dict] = []
    digests: dict[str, set[str]] = {"installed": set(), "source": set()}
    for round_ in range(args.rounds):
        order = ("installed", "source") if round_ % 2 == 0 else ("source", "installed")
        for kind in order:
            r = run(args.pages, str(ROOT) if kind == "source" else "")
            rate = r["pages"] / r["cpu"]
            rates[kind].append(rate)
            digests[kind].add(r["sha256"])
            if kind == "installed":
                installed_runs.append(r)
            print(f"round {round_ + 1} {kind:9s}: {rate:7.1f} pages/s per core  compiled={r['compiled']}  {r['file']}")
    inst, src = statistics.median(rates["installed"]), statistics.median(rates["source"])
    print(f"median: installed {inst:.1f}, source {src:.1f} pages/s per core; installed/source {inst / src:.2f}x")
    if args.by_size:
        print_by_size(installed_runs)
    same = len(digests["installed"] | digests["source"]) == 1
    print("results: identical on every page" if same else "results: DIFFER between installed and source")
    return 0 if same else 1


# Page sizes (bytes of the file) the speed is reported for: parsing cost grows with the lines of a page.
SIZE_BINS = ((0, 4 << 10), (4 << 10, 8 << 10), (8 << 10, 16 << 10), (16 << 10, 32 << 10), (32 << 10, None))


def print_by_size(runs: list[dict]) -> None:
    """Pages/s per core and MB/s for each size bin, over all rounds of the installed copy (each page's
    fastest round, so a busy moment of the machine counts once at most)."""
    sizes = runs[0]["sizes"]
    best = [min(r["cpus"][i] for r in runs) for i in range(len(sizes))]
    print(f"by page size (installed, each page's fastest of {len(runs)} round(s)):")
    for low, high in SIZE_BINS:
        chosen = [i for i, size in enumerate(sizes) if size >= low and (high is None or size < high)]
        if not chosen:
            continue
        cpu = sum(best[i] for i in chosen)
        total = sum(sizes[i] for i in chosen)
        label = f"{low >> 10}-{high >> 10} KB" if high is not None else f">= {low >> 10} KB"
        print(f"  {label:>10}: {len(chosen):5d} pages, {len(chosen) / cpu:7.1f} pages/s per core, {total / cpu / 1e6:5.2f} MB/s,"
              f" {total / len(chosen) / 1024:5.1f} KB on average")
    print(f"  {'all':>10}: {len(sizes):5d} pages, {len(sizes) / sum(best):7.1f} pages/s per core")


if __name__ == "__main__":
    sys.exit(main())
