"""Security: nothing outside SRC is read, nothing outside OUT and its page cache is written, nothing
is executed or fetched, nothing a stranger downloads needs code to load, and the Hub token never
lands in a file, a log or a message.

tests/test_inputs.py checks what `discover` makes of symlinks; here the same links go through a
whole build, and the secret they point at must appear in no output file.
"""

from __future__ import annotations

import ast
import logging
import os
import socket
import sys
import tempfile
from pathlib import Path

import pytest

import corpus_lib
from corpus_lib import build, validate
from corpus_lib.build import BuildError
from corpus_lib.config import ConfigError
from corpus_lib.inputs import InputFile, InputReject, read_page
from corpus_lib.parse.html import html_to_page
from tests.test_bad_inputs import page

SECRET = "SECRET-MARKER-3f9a1c"  # the content of files outside SRC; must never reach OUT or the cache
TOKEN = "hf_PLANTEDsecretXYZ123"
PACKAGE = Path(corpus_lib.__file__).parent

HOSTILE_HTML = """<?xml version="1.0"?>
<!DOCTYPE html SYSTEM "http://127.0.0.1:9/evil.dtd" [
  <!ENTITY xxe SYSTEM "file://{secret_file}">
  <!ENTITY remote SYSTEM "http://127.0.0.1:9/entity">
]>
<html lang="ru"><head><title>{title}</title>
<link rel="stylesheet" href="http://127.0.0.1:9/style.css"><script src="http://127.0.0.1:9/app.js"></script>
<script>new Image().src = "http://127.0.0.1:9/beacon";</script>
<meta http-equiv="refresh" content="0; url=http://127.0.0.1:9/">
</head><body><h1>{title}</h1><p>18.05.2021 20:06</p>
<p>&xxe; &remote;</p>{paragraphs}
<img src="http://127.0.0.1:9/pixel.gif"><iframe src="http://127.0.0.1:9/frame"></iframe>
<object data="http://127.0.0.1:9/x.swf"></object><svg><image href="http://127.0.0.1:9/i.svg"/></svg>
</body></html>
"""


def hostile_html(seed: str, secret_file: Path) -> str:
    p = page(seed)
    paragraphs = "".join(f"<p>{para}</p>" for para in p.body.split("\n\n"))
    return HOSTILE_HTML.format(title=p.title, paragraphs=paragraphs, secret_file=secret_file)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under root (symlinks not followed) -> (size, mtime_ns)."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            found[path.relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns)
    return found


class NetworkAttempts(list):
    """Every attempt to resolve or connect, recorded and refused."""

    def install(self, patch: pytest.MonkeyPatch) -> None:
        def refuse(what):
            def call(*args, **kwargs):
                self.append(f"{what}{args[1:] if what == 'connect' else args}")
                raise OSError(f"network access refused in this test: {what}")

            return call

        patch.setattr(socket.socket, "connect", refuse("connect"))
        patch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
        patch.setattr(socket, "create_connection", refuse("create_connection"))
        patch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A build over a SRC with links out of it and hostile HTML, with the network refused and the
    folder around it (and the temp folder) snapshotted before and after."""
    root = tmp_path_factory.mktemp("hostile")
    src, out = root / "src", root / "out"
    src.mkdir()
    secret_file = root / "secret.txt"
    secret_file.write_text(page("outside").text + SECRET + "\n", encoding="utf-8")
    (root / "secret-folder").mkdir()
    (root / "secret-folder" / "page.txt").write_text(page("outside-folder").text + SECRET + "\n", encoding="utf-8")
    for i in range(6):
        (src / f"page-{i}.txt").write_text(page(f"sec-{i}").text, encoding="utf-8")
    for i in range(3):
        (src / f"hostile-{i}.html").write_text(hostile_html(f"html-{i}", secret_file), encoding="utf-8")
    os.symlink(secret_file, src / "link-out.txt")
    os.symlink("../secret.txt", src / "relative-link-out.txt")
    os.symlink(root / "secret-folder", src / "folder-out")
    os.symlink("loop.txt", src / "loop.txt")
    temp = root / "temp"
    temp.mkdir()

    before, src_before = snapshot(root), snapshot(src)
    attempts = NetworkAttempts()
    with pytest.MonkeyPatch.context() as patch:
        attempts.install(patch)
        patch.setattr(tempfile, "tempdir", str(temp))
        report = build(src, out, workers=1)
    return {
        "root": root, "src": src, "out": out, "report": report, "attempts": attempts, "temp": temp,
        "before": before, "after": snapshot(root), "src_before": src_before, "src_after": snapshot(src),
    }


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in sorted(root.rglob("*")) if p.is_file()]


# --- reading: nothing from outside SRC ---------------------------------------------------------------


def test_links_out_of_src_are_rejected_and_never_read(hostile):
    out = hostile["out"]
    rejects = {r["source_file"]: r["reason"] for r in _jsonl(out / "rejects.jsonl")}
    assert rejects["link-out.txt"] == rejects["relative-link-out.txt"] == rejects["folder-out"] == "symlink_outside_src"
    assert rejects["loop.txt"] == "broken_symlink"
    for path in files_under(out, out.parent / f".{out.name}.cache"):
        assert SECRET.encode() not in path.read_bytes(), path


def test_a_file_swapped_for_a_symlink_after_the_listing_is_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET, encoding="utf-8")
    listed = tmp_path / "src" / "page.txt"
    listed.parent.mkdir()
    os.symlink(outside, listed)  # was a regular file when discover listed it
    with pytest.raises(InputReject) as exc:
        read_page(InputFile("page.txt", listed), 1 << 20)
    assert exc.value.reason == "unreadable" and "symlink" in exc.value.message


def test_hostile_html_fetches_nothing_and_expands_no_entity(hostile, tmp_path):
    assert list(hostile["attempts"]) == []
    import pyarrow.parquet as pq

    rows = {r["source_file"]: r for shard in sorted((hostile["out"] / "data").glob("*.parquet")) for r in pq.read_table(shard).to_pylist()}
    for i in range(3):  # the hostile pages still give their articles, with the entities left unexpanded
        assert rows[f"hostile-{i}.html"]["title"] == page(f"html-{i}").title
        assert SECRET not in rows[f"hostile-{i}.html"]["body"]
    attempts = NetworkAttempts()
    with pytest.MonkeyPatch.context() as patch:
        attempts.install(patch)
        parsed = html_to_page(hostile_html("direct", hostile["root"] / "secret.txt"))
    assert list(attempts) == []
    assert SECRET not in parsed.text and "new Image()" not in parsed.text and "evil.dtd" not in parsed.text


# --- writing: nothing outside OUT and the page cache ---------------------------------------------------


def test_nothing_is_written_outside_out_and_the_cache(hostile):
    out_name, cache_name = hostile["out"].name, f".{hostile['out'].name}.cache"
    before, after = hostile["before"], hostile["after"]
    changed = {path for path in set(before) | set(after) if before.get(path) != after.get(path)}
    outside = sorted(p for p in changed if p.split("/")[0] not in (out_name, cache_name))
    assert outside == []  # no leftover .out.partial, .out.previous, .out.dask, nothing in SRC, nothing in TMPDIR
    assert hostile["src_before"] == hostile["src_after"]
    assert not any(hostile["temp"].iterdir())


def test_out_inside_src_is_refused(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(page("a").text, encoding="utf-8")
    os.symlink(src / "sub", tmp_path / "link-into-src")
    (src / "sub").mkdir()
    for out in (src, src / "out", tmp_path / "link-into-src" / "out"):
        with pytest.raises(BuildError, match="must not be inside the corpus folder"):
            build(src, out)
    assert sorted(p.name for p in src.iterdir()) == ["a.txt", "sub"] and not any((src / "sub").iterdir())


def test_a_folder_that_is_not_a_dataset_is_never_replaced(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(page("a").text, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(BuildError, match="refusing to replace it"):
        build(src, home)
    assert (home / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(BuildError, match="not a folder"):
        build(src, tmp_path / "file")


@pytest.mark.parametrize(
    "config, key",
    [
        ('[sources.news]\npath = "../x"\n', "sources.news.path"),
        ('[sources.news]\npath = "news/../../x"\n', "sources.news.path"),
        ('[sources.news]\npath = "/etc"\n', "sources.news.path"),
        ('[sources.".."]\nname = "up"\n', "sources....path"),
        ('[sources."a/b"]\nname = "slash in a key"\n', "sources"),
        ('[dataset]\nname = "../../evil"\n', "dataset.name"),
    ],
    ids=["dotdot", "dotdot inside", "absolute", "dotdot key", "slash key", "dataset name"],
)
def test_path_traversal_in_the_config_is_refused(tmp_path, config, key):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(page("a").text, encoding="utf-8")
    (src / "corpus.toml").write_text(config, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        build(src, tmp_path / "out")
    assert key in str(exc.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_a_swap_killed_halfway_is_recovered_by_the_next_build(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for i in range(3):
        (src / f"p{i}.txt").write_text(page(f"swap-{i}").text, encoding="utf-8")
    build(src, out)
    released = snapshot(out)
    out.rename(tmp_path / ".out.previous")  # what _swap_into_place leaves when killed after its first rename

    def crash(*args, **kwargs):
        raise RuntimeError("killed while writing")

    monkeypatch.setattr(sys.modules["corpus_lib.build"], "_write_data", crash)
    with pytest.raises(RuntimeError):
        build(src, out)
    assert snapshot(out) == released  # the previous release is back in OUT, though this build failed too


def test_a_cache_inside_src_is_refused(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(page("a").text, encoding="utf-8")
    with pytest.raises(BuildError, match="cache"):
        build(src, tmp_path / "out", cache=src / "cache")


# --- nothing executed: what a stranger downloads, what the package runs -----------------------------


def test_the_dataset_is_data_only_and_loads_without_code(hostile, tmp_path):
    out = hostile["out"]
    suffixes = {p.suffix for p in files_under(out)}
    assert suffixes <= {".parquet", ".md", ".json", ".jsonl", ".png"}, suffixes
    assert not any(os.access(p, os.X_OK) for p in files_under(out))
    assert validate(out).ok
    from datasets import load_dataset

    dataset = load_dataset(str(out), cache_dir=str(tmp_path / "hf-cache"))  # no trust_remote_code, no script
    assert sum(len(split) for split in dataset.values()) == hostile["report"].records


def test_the_page_cache_holds_only_parquet(hostile):
    cache = hostile["out"].parent / f".{hostile['out'].name}.cache"
    files = files_under(cache)
    assert files and all(p.suffix == ".parquet" for p in files), files
    assert all(p.read_bytes()[:4] == b"PAR1" for p in files)


FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "marshal", "shelve", "subprocess", "pty"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "input"}
FORBIDDEN_ATTRIBUTES = {
    ("yaml", "load"), ("yaml", "load_all"), ("yaml", "unsafe_load"), ("yaml", "unsafe_load_all"), ("yaml", "full_load"),
    ("yaml", "full_load_all"), ("yaml", "Loader"), ("yaml", "UnsafeLoader"), ("yaml", "FullLoader"),
    ("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execvp"), ("os", "execl"), ("os", "spawnv"),
    ("pd", "read_pickle"), ("pandas", "read_pickle"), ("torch", "load"),
}
# Uses the package may make of something above ("file:line what" -> why). None today.
ALLOWED: dict[str, str] = {}


def _shown(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix() if path.is_relative_to(PACKAGE.parent) else path.name


def risky_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{_shown(path)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{where} from {node.module} import")
        elif isinstance(node, ast.ImportFrom) and node.module == "yaml":
            found += [f"{where} from yaml import {a.name}" for a in node.names if ("yaml", a.name) in FORBIDDEN_ATTRIBUTES]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{where} {node.func.id}()")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (node.value.id, node.attr) in FORBIDDEN_ATTRIBUTES:
            found.append(f"{where} {node.value.id}.{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg in ("trust_remote_code", "allow_pickle") and not (
            isinstance(node.value, ast.Constant) and node.value.value is False
        ):
            found.append(f"{where} {node.arg}=")
    return found


def test_the_package_loads_yaml_safely_and_never_pickles_evals_or_shells_out():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    found = [use for path in sources for use in risky_uses(path)]
    assert [use for use in found if use not in ALLOWED] == []


def test_the_scanner_catches_what_it_looks_for(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import pickle, subprocess\nfrom yaml import load\nimport yaml\nyaml.load('x')\neval('1')\n"
        "import numpy as np\nnp.load('x', allow_pickle=True)\nload_dataset('x', trust_remote_code=True)\n"
        "yaml.safe_load('x')\nre.compile('x')\n",
        encoding="utf-8",
    )
    assert sorted(use.split(" ", 1)[1] for use in risky_uses(probe)) == sorted([
        "import pickle", "import subprocess", "from yaml import load", "yaml.load", "eval()", "allow_pickle=", "trust_remote_code=",
    ])


def test_config_is_read_with_tomllib_only():
    text = (PACKAGE / "config.py").read_text(encoding="utf-8")
    assert "tomllib.loads" in text and "yaml" not in text


# --- the token -------------------------------------------------------------------------------------------


def test_a_planted_token_reaches_no_file_log_or_message(tmp_path, monkeypatch, capfd, caplog):
    from corpus_lib.cli import main
    from corpus_lib.publish import PushError, push

    caplog.set_level(logging.DEBUG)  # every logger, the HTTP stack included
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    # huggingface_hub fetches an "agent registry" from its default endpoint (read at import time) and
    # caches it in HF_HOME, whatever endpoint the push names: keep both here, and grep that cache too.
    hf_home = tmp_path / "hf-home"
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr(huggingface_hub.constants, "AGENT_HARNESSES_PATH", str(hf_home / ".agent_harnesses.json"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(hf_home / "token"))
    real_getaddrinfo = socket.getaddrinfo
    elsewhere = []

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1"):
            elsewhere.append(str(host))
            raise socket.gaierror(f"tests may not reach {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)

    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for i in range(5):
        (src / f"p{i}.txt").write_text(page(f"token-{i}").text, encoding="utf-8")
    assert main(["build", str(src), str(out), "--workers", "1"]) == 0
    assert main(["validate", str(out)]) == 0
    messages = []
    with pytest.raises(PushError) as exc:
        push(out, "someone/news", endpoint="http://127.0.0.1:9")  # nothing listens on port 9
    messages += [str(exc.value), repr(exc.value)]
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    assert main(["push", str(out), "someone/news"]) == 1
    assert main(["push", str(out), "someone/news", "--dry-run"]) == 1

    captured = capfd.readouterr()
    assert "corpus push:" in captured.err
    texts = messages + [captured.out, captured.err, caplog.text] + [r.getMessage() for r in caplog.records]
    assert all(TOKEN not in text for text in texts)
    produced = files_under(out, tmp_path / ".out.cache", hf_home)
    assert produced and all(TOKEN.encode() not in p.read_bytes() for p in produced)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "hf-home") == [".out.cache", "out", "src"]
    assert elsewhere == []


def _jsonl(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
