"""Build hook: the page parser (corpus_lib/parse) compiled to C with mypyc, the compiler that ships with mypy.

The same modules stay importable as Python source, and both run the same code: mypyc compiles the
type-annotated source as it is. Compiled, parse_page ran 1.37x faster on the dev pages at stop 24
(scripts/bench_parse.py times the installed copy against the tree's source).
`CORPUS_LIB_PURE=1 pip install .` installs the source only, for machines without a C compiler.
Everything else about the package is declared in pyproject.toml.
"""

import os

from setuptools import setup

# The modules parse_page runs through, in dependency order. html.py (inscriptis) and language.py
# (py3langid) spend their time in other packages and stay Python.
COMPILED = [
    "corpus_lib/parse/dates.py",
    "corpus_lib/parse/lines.py",
    "corpus_lib/parse/boilerplate.py",
    "corpus_lib/parse/page.py",
    "corpus_lib/parse/title.py",
    "corpus_lib/parse/body.py",
    "corpus_lib/parse/anchor.py",
    "corpus_lib/parse/published.py",
    "corpus_lib/parse/article.py",
]


def ext_modules() -> list:
    if os.environ.get("CORPUS_LIB_PURE", "") not in ("", "0"):
        return []
    from mypyc.build import mypycify

    # The rest of the package and its dependencies are imported, not compiled: checked silently, and
    # packages without type information (pyarrow, datasets) are taken as untyped.
    flags = ["--follow-imports=silent", "--ignore-missing-imports"]
    return mypycify([*flags, *COMPILED], opt_level="3", group_name="corpus_lib_parse")


setup(ext_modules=ext_modules())
