"""Time corpus_lib.parse_page as installed (compiled by mypyc, see setup.py) against the Python source of this tree.

    python scripts/bench_parse.py ../shared/eval/dev/pages --rounds 2

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
texts = [p.read_bytes().decode("utf-8", "replace") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
parse.parse_page(texts[0])  # imports and caches made once, as in a build
c0 = time.process_time()
results = [repr(parse.parse_page(t)) for t in texts]
cpu = time.process_time() - c0
digest = hashlib.sha256("\\n".join(results).encode()).hexdigest()
print(json.dumps({"pages": len(texts), "cpu": cpu, "compiled": parse.compiled(), "file": parse.__file__, "sha256": digest}))
"""


def run(folder: Path, tree: str) -> dict:
    with tempfile.TemporaryDirectory() as cwd:  # not the tree: the installed copy is found only through site-packages
        out = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(folder.resolve()), tree], capture_output=True, text=True, cwd=cwd)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", type=Path, help="folder of page texts (*.txt)")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    rates: dict[str, list[float]] = {"installed": [], "source": []}
    digests: dict[str, set[str]] = {"installed": set(), "source": set()}
    for round_ in range(args.rounds):
        order = ("installed", "source") if round_ % 2 == 0 else ("source", "installed")
        for kind in order:
            r = run(args.pages, str(ROOT) if kind == "source" else "")
            rate = r["pages"] / r["cpu"]
            rates[kind].append(rate)
            digests[kind].add(r["sha256"])
            print(f"round {round_ + 1} {kind:9s}: {rate:7.1f} pages/s per core  compiled={r['compiled']}  {r['file']}")
    inst, src = statistics.median(rates["installed"]), statistics.median(rates["source"])
    print(f"median: installed {inst:.1f}, source {src:.1f} pages/s per core; installed/source {inst / src:.2f}x")
    same = len(digests["installed"] | digests["source"]) == 1
    print("results: identical on every page" if same else "results: DIFFER between installed and source")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
