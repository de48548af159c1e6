"""The installed parser, compiled by mypyc (setup.py), gives the same output as the Python source in this tree.

`pip install .` compiles corpus_lib/parse to C extension modules; the tests import the package from the source
tree, so this test runs the installed copy in a separate interpreter (isolated mode: the tree is not on its
path) on the same pages and compares every parse result.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import corpus_lib.parse
from corpus_lib.parse import parse_page

ROOT = Path(__file__).resolve().parents[1]

# Runs in the other interpreter: parse every text of a JSON list, print whether the parser is compiled and the
# repr of each result (dataclass reprs show every field, floats included).
_RUN_INSTALLED = """
import json, sys
import corpus_lib.parse as parse
texts = json.load(open(sys.argv[1], encoding="utf-8"))
json.dump({"compiled": parse.compiled(), "file": parse.__file__, "results": [repr(parse.parse_page(t)) for t in texts]}, sys.stdout)
"""

_EDGE_TEXTS = [
    "",
    "\n\n\n",
    "   \t  \n",
    "Headline only",
    "北京时间周二，新型电动汽车发布会在上海举行\n\n" + "这家公司表示，新车将在明年春季上市，价格比上一代更低。" * 4,
    "Name        Price        Stock\nApples      1.20         12\nPears       0.90         40\n",
    "* Home\n* News\nTitle of the story\n18 мая 2021 | 20:06\nTitle of the story\n" + "Long sentence of text here. " * 20,
]


def _pages(tmp_path: Path) -> list[str]:
    """The sample corpus's pages, pages stitched from their lines in random order, and edge cases."""
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample_corpus.py"), str(corpus), "--force"],
        check=True, capture_output=True,
    )
    texts = [path.read_bytes().decode("utf-8", "replace") for path in sorted(corpus.rglob("*.txt"))]
    rng = random.Random(7)
    lines = [line for text in texts for line in text.split("\n")]
    stitched = ["\n".join(rng.choice(lines) for _ in range(rng.randint(5, 120))) for _ in range(150)]
    return texts + stitched + _EDGE_TEXTS


def test_the_compiled_parser_gives_the_same_results_as_the_source(tmp_path):
    assert not corpus_lib.parse.compiled(), (
        f"compiled modules in the source tree ({corpus_lib.parse.__file__}) shadow the .py files the tests mean to"
        " run: remove corpus_lib/parse/*.so (an editable install builds them; use CORPUS_LIB_PURE=1 pip install -e .)"
    )
    texts = _pages(tmp_path)
    assert len(texts) > 400
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-I", "-c", _RUN_INSTALLED, str(texts_file)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    if run.returncode != 0 and "No module named 'corpus_lib'" in run.stderr:
        pytest.skip("corpus_lib is not installed in this environment: no compiled parser to compare")
    assert run.returncode == 0, run.stderr
    installed = json.loads(run.stdout)
    if not installed["compiled"]:
        pytest.skip(f"the installed corpus_lib ({installed['file']}) runs its parser as Python source"
                    " (CORPUS_LIB_PURE=1 or an editable install): nothing compiled to compare")
    source = [repr(parse_page(text)) for text in texts]
    differing = [i for i, (a, b) in enumerate(zip(source, installed["results"])) if a != b]
    assert len(installed["results"]) == len(texts)
    assert not differing, (
        f"{len(differing)} of {len(texts)} pages parse differently when compiled (reinstall with `pip install .` if the"
        f" tree changed since); first: source {source[differing[0]][:300]} / compiled {installed['results'][differing[0]][:300]}"
    )
    # The pages exercise the parser: most give articles, and some are rejected.
    articles = sum(1 for result in source if result.startswith("ParsedArticle("))
    assert articles > 300 and articles < len(texts)
