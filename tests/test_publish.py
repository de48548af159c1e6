"""Tests for corpus_lib.publish (`corpus push`), against the Hub test double in tests/hub_double.py.

The real huggingface_hub client and datasets talk HTTP to the double through HF_ENDPOINT; Xet is off
(HF_HUB_DISABLE_XET) because the double speaks the LFS protocol only. The network is fenced in: any
name lookup other than 127.0.0.1/localhost fails the test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import random
import shutil
import socket
from pathlib import Path

import pytest

from corpus_lib import BuildConfig, build
from corpus_lib.publish import PushError, add_push_parser, push, run_push, scrub

try:
    from tests.hub_double import HubDouble, HubError
except ImportError:  # tests/ is not a package
    from hub_double import HubDouble, HubError

# huggingface_hub 2.4 hands the LFS upload a file object through `data=`, which httpx2 deprecates: not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

TOKEN = "hf_PLANTEDsecret123"
USER = "tester"
REPO = f"{USER}/news"
WORDS = (
    "армия министр обороны страны провела учения в районе границы новые системы были показаны журналистам "
    "сегодня утром после заседания совета правительство заявило что работа продолжится весной"
).split()


# --- fixtures ---------------------------------------------------------------------------------


def _write_pages(src: Path, n: int = 20) -> Path:
    """n small fake news pages: a title line, a date line, three paragraphs of 20+ words."""
    src.mkdir(parents=True)
    rng = random.Random(7)
    for i in range(n):
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(24)) + "." for _ in range(3)]
        text = f"Новость дня номер {i}: учения завершены\n{1 + i % 28} мая 2021 | 20:{i:02d}\n\n" + "\n\n".join(paragraphs) + "\n"
        (src / f"page{i:02d}.txt").write_text(text, encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """Two releases of the same pages: "v1" with train in 2 shards, "v2" (the default) with 1."""
    root = tmp_path_factory.mktemp("publish")
    src = _write_pages(root / "pages")
    v1, v2 = root / "v1", root / "v2"
    build(src, v1, config=dataclasses.replace(BuildConfig(), max_rows_per_shard=10))
    build(src, v2)
    assert sorted(p.name for p in (v1 / "data").iterdir()) == [
        "test-00000-of-00001.parquet", "train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]
    assert sorted(p.name for p in (v2 / "data").iterdir()) == ["test-00000-of-00001.parquet", "train-00000-of-00001.parquet"]
    return {"v1": v1, "v2": v2}


@pytest.fixture
def out(builds, tmp_path) -> Path:
    """A private copy of the default build, free to change."""
    return Path(shutil.copytree(builds["v2"], tmp_path / "out"))


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """The Hub double, with huggingface_hub and datasets pointed at it and every cache under tmp_path."""
    import datasets
    import huggingface_hub
    from huggingface_hub import constants

    home = tmp_path / "hf"
    blocked: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1"):
            blocked.append(str(host))
            raise socket.gaierror(f"tests may not reach {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    with HubDouble({TOKEN: USER}) as double:
        env = {
            "HF_ENDPOINT": double.url, "HF_TOKEN": TOKEN, "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"),
            "HF_DATASETS_CACHE": str(home / "datasets"), "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_XET": "1",
            "HF_UPDATE_DOWNLOAD_COUNTS": "0", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
            monkeypatch.delenv(name, raising=False)
        # Both libraries read these at import time, so the environment alone is not enough.
        for name, value in {
            "ENDPOINT": double.url,
            "HUGGINGFACE_CO_URL_TEMPLATE": double.url + "/{repo_id}/resolve/{revision}/{filename}",
            "HF_HUB_DISABLE_XET": True, "HF_HUB_OFFLINE": False, "HF_HUB_DISABLE_TELEMETRY": True,
            "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"), "HUGGINGFACE_HUB_CACHE": str(home / "hub"),
            "HF_ASSETS_CACHE": str(home / "assets"), "HF_XET_CACHE": str(home / "xet"),
            "HF_TOKEN_PATH": str(home / "token"), "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
            "AGENT_HARNESSES_PATH": str(home / ".agent_harnesses.json"),
        }.items():
            monkeypatch.setattr(constants, name, value)
        for name, value in {
            "HF_ENDPOINT": double.url,
            "HUB_DATASETS_URL": double.url + "/datasets/{repo_id}/resolve/{revision}/{path}",
            "HF_CACHE_HOME": str(home), "HF_DATASETS_CACHE": home / "datasets", "HF_MODULES_CACHE": home / "modules",
            "DOWNLOADED_DATASETS_PATH": home / "datasets" / "downloads",
            "EXTRACTED_DATASETS_PATH": home / "datasets" / "downloads" / "extracted",
            "HF_HUB_OFFLINE": False, "HF_UPDATE_DOWNLOAD_COUNTS": False,
            "USE_PARQUET_EXPORT": False,  # else datasets asks datasets-server.<endpoint host> for a Parquet export
        }.items():
            monkeypatch.setattr(datasets.config, name, value)
        huggingface_hub.HfFileSystem.clear_instance_cache()
        yield double
        huggingface_hub.HfFileSystem.clear_instance_cache()
    assert blocked == [], f"something tried to leave 127.0.0.1: {blocked}"


def _local_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _diff(old: Path, new: Path) -> tuple[dict[str, str], set[str], list[str]]:
    """What pushing `new` over a repo holding `old` should do: ({path: new|changed}, unchanged, deletions)."""
    a, b = _local_files(old), _local_files(new)
    uploads = {p: ("new" if p not in a else "changed") for p in b if a.get(p) != b[p]}
    return uploads, {p for p in b if a.get(p) == b[p]}, sorted(set(a) - set(b))


def _lfs_puts(double: HubDouble) -> int:
    return sum(r.method == "PUT" and r.path.startswith("/_lfs_upload/") for r in double.requests)


def _writes(double: HubDouble) -> list[str]:
    return [f"{r.method} {r.path}" for r in double.requests if r.method not in ("GET", "HEAD")]


def _load(path: str, cache: Path, **kwargs):
    import datasets

    return datasets.load_dataset(path, cache_dir=str(cache), **kwargs)


def _assert_same_dataset(a, b) -> None:
    assert sorted(a) == sorted(b)
    for split in a:
        assert a[split].features == b[split].features, split
        assert a[split].num_rows == b[split].num_rows > 0, split
        assert a[split].to_list() == b[split].to_list(), split


# --- tests -------------------------------------------------------------------------------------


def test_push_then_load_dataset_from_the_hub(hub, out, tmp_path):
    result = push(out, REPO)

    assert not result.dry_run and not result.repo_exists
    assert len(result.commits) == 1 and result.commit_urls[0] == f"{hub.url}/datasets/{REPO}/commit/{result.head}"
    assert hub.head(REPO).oid == result.head
    remote = hub.files(REPO)
    assert remote.pop(".gitattributes")
    assert remote == _local_files(out)
    stored = hub.head(REPO).files
    assert all(stored[p].lfs_sha256 for p in remote if p.endswith(".parquet"))  # Parquet goes through LFS
    assert stored["README.md"].lfs_sha256 is None

    from_hub = _load(REPO, tmp_path / "cache-hub")
    local = _load(str(out), tmp_path / "cache-local")
    _assert_same_dataset(from_hub, local)

    from huggingface_hub import snapshot_download

    from corpus_lib.validate import validate

    snapshot = Path(snapshot_download(REPO, repo_type="dataset"))
    downloaded = _local_files(snapshot)
    downloaded.pop(".gitattributes")
    assert downloaded == _local_files(out)
    assert validate(snapshot).ok


def test_dry_run_lists_files_and_changes_nothing(hub, out):
    result = push(out, REPO, dry_run=True)

    assert result.dry_run and not result.repo_exists and result.commits and not result.commit_urls
    assert [f.path for f in result.uploads] == sorted(_local_files(out))
    assert all(f.status == "new" for f in result.uploads)
    assert hub.repos == {} and _writes(hub) == []
    text = result.render()
    assert "dry run: nothing was changed" in text and "it would be created (public)" in text
    assert "+ data/train-00000-of-00001.parquet" in text


def test_dry_run_against_an_existing_repo(hub, out, builds):
    push(builds["v1"], REPO)
    before, writes = hub.head(REPO).oid, len(_writes(hub))

    result = push(out, REPO, dry_run=True)

    assert result.repo_exists and result.head == before
    assert hub.head(REPO).oid == before and len(_writes(hub)) == writes
    uploads, unchanged, deletions = _diff(builds["v1"], out)
    assert result.deletions == deletions == ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]
    assert {f.path: f.status for f in result.uploads} == uploads
    assert uploads["data/train-00000-of-00001.parquet"] == "new" and uploads["README.md"] == "changed"
    assert {f.path for f in result.unchanged} == unchanged and "data/test-00000-of-00001.parquet" in unchanged
    assert "- data/train-00001-of-00002.parquet" in result.render()


def test_second_release_deletes_stale_shards_and_uploads_only_changes(hub, builds, tmp_path):
    first = push(builds["v1"], REPO)
    lfs_v1 = {p for p, f in hub.head(REPO).files.items() if f.lfs_sha256}
    assert {p for p in lfs_v1 if p.startswith("data/")} == {p for p in _local_files(builds["v1"]) if p.startswith("data/")}
    assert _lfs_puts(hub) == len(lfs_v1)  # every Parquet file went through LFS

    second = push(builds["v2"], REPO)

    uploads, unchanged, deletions = _diff(builds["v1"], builds["v2"])
    assert second.deletions == deletions == ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]
    assert sorted(f.path for f in second.uploads) == sorted(uploads)
    assert "data/test-00000-of-00001.parquet" not in uploads
    new_lfs = {p for p, f in hub.head(REPO).files.items() if f.lfs_sha256 and p in uploads}
    assert "data/train-00000-of-00001.parquet" in new_lfs
    assert _lfs_puts(hub) == len(lfs_v1) + len(new_lfs)  # only what changed was uploaded
    history = hub.history(REPO)
    assert [c.oid for c in history[:2]] == [second.head, first.head]
    remote = hub.files(REPO)
    remote.pop(".gitattributes")
    assert remote == _local_files(builds["v2"])
    _assert_same_dataset(_load(REPO, tmp_path / "cache-hub"), _load(str(builds["v2"]), tmp_path / "cache-local"))

    third = push(builds["v2"], REPO)
    assert third.commits == [] and hub.head(REPO).oid == second.head and "already up to date" in third.render()


def test_commits_are_bounded(hub, out):
    sizes = {path: len(data) for path, data in _local_files(out).items()}
    limit = 20_000
    result = push(out, REPO, max_commit_bytes=limit)

    assert len(result.commits) >= 3
    for commit in result.commits:
        assert commit.size <= limit or len(commit.paths) == 1
        assert commit.size == sum(sizes[p] for p in commit.paths)
    assert sorted(p for c in result.commits for p in c.paths) == sorted(sizes)
    assert result.commits[-1].paths[-1] == "README.md"  # the card goes last
    history = hub.history(REPO)
    made = history[: len(result.commits)][::-1]
    assert [c.oid for c in made] == [c.oid for c in result.commits]
    assert made[0].parent == history[len(result.commits)].oid  # a chain on top of the initial commit
    assert [c.title.endswith(f"(part {i}/{len(made)})") for i, c in enumerate(made, 1)] == [True] * len(made)
    for commit, planned in zip(made, result.commits):
        assert set(planned.paths) <= set(commit.files)

    one_file_each = push(out, "tester/tiny", max_commit_bytes=1)  # each file alone, except empty ones
    assert all(sum(sizes[p] > 0 for p in c.paths) <= 1 for c in one_file_each.commits)
    assert len(one_file_each.commits) >= sum(size > 0 for size in sizes.values())
    assert sorted(p for c in one_file_each.commits for p in c.paths) == sorted(sizes)


def test_deletions_go_in_the_last_commit(hub, builds):
    push(builds["v1"], REPO)
    result = push(builds["v2"], REPO, max_commit_bytes=1)
    assert [c.deletions for c in result.commits[:-1]] == [()] * (len(result.commits) - 1)
    assert result.commits[-1].deletions == ("data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet")
    assert result.commits[-1].paths == ("README.md",)


def test_push_to_a_branch(hub, out, builds):
    result = push(out, REPO, revision="release-2")

    assert not result.branch_exists and "created branch release-2" in result.render()
    assert sorted(hub.repo(REPO).branches) == ["main", "release-2"]
    assert list(hub.files(REPO, "main")) == [".gitattributes"]
    on_branch = hub.files(REPO, "release-2")
    on_branch.pop(".gitattributes")
    assert on_branch == _local_files(out)

    again = push(builds["v1"], REPO, revision="release-2")
    assert again.branch_exists and len(again.deletions) == 1
    assert list(hub.files(REPO, "main")) == [".gitattributes"]
    with pytest.raises(PushError, match="bad branch name"):
        push(out, REPO, revision="refs/heads/x")


def test_private_repo(hub, out):
    push(out, REPO, private=True)
    assert hub.repo(REPO).private
    create = next(r for r in hub.requests if r.path == "/api/repos/create")
    assert json.loads(create.body)["visibility"] == "private"

    push(out, f"{USER}/open")
    assert not hub.repo(f"{USER}/open").private
    with pytest.raises(PushError, match="exists and is public"):
        push(out, f"{USER}/open", private=True)


def test_concurrent_commit_is_not_overwritten(hub, out, builds):
    push(builds["v1"], REPO)

    def someone_else_commits(method, path):
        if path.endswith("/preupload/main"):
            hub.hooks.clear()
            hub.commit_files(REPO, {"NOTES.md": b"hello"}, "a concurrent commit")

    hub.hooks.append(someone_else_commits)
    with pytest.raises(PushError, match="the branch moved during the push"):
        push(out, REPO)
    assert hub.head(REPO).title == "a concurrent commit"
    result = push(out, REPO)  # re-running picks up the new head
    assert "NOTES.md" in result.deletions and hub.head(REPO).oid == result.head


def test_token_never_leaks(hub, out, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, the HTTP stack included
    assert run_push(_parse(["push", str(out), REPO, "--dry-run"])) == 0
    assert run_push(_parse(["push", str(out), REPO])) == 0
    (out / "extra.txt").write_text("one more file\n", encoding="utf-8")
    assert run_push(_parse(["push", str(out), REPO, "--revision", "b2", "--commit-message", "second", "--force"])) == 0
    assert run_push(_parse(["push", str(out), "someone/else", "--private", "--force"])) == 0
    assert run_push(_parse(["push", str(out), REPO, "--private", "--force"])) == 1  # refused: the repo is public
    _load(REPO, tmp_path / "cache-hub")
    from huggingface_hub import snapshot_download

    snapshot_download(REPO, repo_type="dataset", revision="b2")

    captured = capsys.readouterr()
    assert "commit/" in captured.out and "exists and is public" in captured.err
    for text in (captured.out, captured.err, caplog.text):
        assert TOKEN not in text
    secret = TOKEN.encode()
    for root in (out, tmp_path / "hf", tmp_path / "cache-hub"):
        for path in root.rglob("*"):
            if path.is_file():
                assert secret not in path.read_bytes(), path
    auth_sent = 0
    for request in hub.requests:
        assert TOKEN not in request.path, request.path  # never in a URL or query string
        assert secret not in request.body, request.path  # never in a body
        header = request.headers.get("authorization")
        if request.path.startswith("/_lfs_upload/"):
            assert header is None  # the presigned upload URL gets no credentials
        elif header is not None:
            assert header == f"Bearer {TOKEN}"
            auth_sent += 1
    assert auth_sent > 0


def test_client_errors_are_wrapped_and_scrubbed(hub, out, capsys):
    with pytest.raises(PushError, match=r"the Hub rejected the token \(HTTP 401\)"):
        push(out, REPO, token="hf_WRONGtoken4567")

    def echo_credentials(method, path):  # a server (or proxy) that puts the credentials in its error
        if path.endswith("/commit/main"):
            raise HubError(500, f"internal error while handling Authorization: Bearer {TOKEN} (token={TOKEN})")

    hub.hooks.append(echo_credentials)
    assert run_push(_parse(["push", str(out), REPO])) == 1
    err = capsys.readouterr().err.splitlines()[-1]  # after the client's progress bars
    assert err.startswith("corpus push: commit 1/1 to datasets/tester/news@main failed: HTTP 500") and "***" in err
    with pytest.raises(PushError) as info:
        push(out, REPO)
    assert "***" in str(info.value) and info.value.__cause__ is None and info.value.__suppress_context__
    for text in (err, str(info.value), repr(info.value)):
        assert TOKEN not in text

    hub.hooks[:] = [lambda method, path: _raise_if(path.endswith("/commit/main"), HubError(403, f"no write access for {TOKEN}"))]
    with pytest.raises(PushError) as info:
        push(out, REPO)
    message = str(info.value)
    assert "needs write access (HTTP 403)" in message and TOKEN not in message and "\n" not in message
    hub.stop()
    with pytest.raises(PushError, match="reading datasets/tester/news failed: ConnectError"):
        push(out, REPO)


def _raise_if(condition: bool, error: Exception) -> None:
    if condition:
        raise error


def test_scrub():
    assert scrub(f"x {TOKEN} y", TOKEN) == "x *** y"
    assert scrub("Authorization: Bearer abc.def\nnext line") == "Authorization: Bearer *** next line"
    assert scrub("got hf_" + "AbCdEf1234" * 4 + " back") == "got hf_*** back"
    assert scrub("cache in ~/.cache/hf_datasets_cache") == "cache in ~/.cache/hf_datasets_cache"
    assert scrub("http://user:pw@host/x") == "http://host/x"


def test_file_holding_the_token_is_refused(hub, out):
    (out / "notes.txt").write_text(f"my token is {TOKEN}\n", encoding="utf-8")
    with pytest.raises(PushError, match="notes.txt: contains the Hugging Face token") as info:
        push(out, REPO)
    assert TOKEN not in str(info.value) and hub.requests == []


def test_hidden_and_partial_files_are_not_uploaded(hub, out):
    expected = {".gitattributes", *_local_files(out)}
    (out / ".cache").mkdir()
    (out / ".cache" / "x.txt").write_text("cache", encoding="utf-8")
    (out / "data" / "train.parquet.partial").write_bytes(b"half")
    (out / ".DS_Store").write_bytes(b"junk")
    result = push(out, REPO)
    assert not any(".partial" in p or "/." in "/" + p for c in result.commits for p in c.paths)
    assert set(hub.files(REPO)) == expected


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda out: shutil.rmtree(out), "not a folder"),
        (lambda out: (out / "README.md").unlink(), "no README.md dataset card"),
        (lambda out: (out / "README.md").write_text("# just a title\n", encoding="utf-8"), "no YAML front matter"),
        (lambda out: (out / "README.md").write_text("---\nkey: [unclosed\n---\n", encoding="utf-8"), "does not parse"),
        (lambda out: shutil.rmtree(out / "data"), "no Parquet files under data/"),
        (lambda out: (out / "data" / "test-00000-of-00001.parquet").write_bytes(b"not parquet"), "is not a valid dataset"),
    ],
)
def test_invalid_folder_is_refused(hub, out, damage, reason):
    damage(out)
    with pytest.raises(PushError, match=reason) as info:
        push(out, REPO)
    assert "\n" not in str(info.value)
    assert hub.requests == [] and hub.repos == {}


def test_force_skips_validation_only(hub, out):
    info = json.loads((out / "corpus_build.json").read_text(encoding="utf-8"))
    info["files_sha256"] = {name: "0" * 64 for name in info["files_sha256"]}  # the checksums no longer match
    (out / "corpus_build.json").write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(PushError, match=r"not a valid dataset .*pass --force"):
        push(out, REPO)
    assert push(out, REPO, force=True).commit_urls
    (out / "README.md").unlink()
    with pytest.raises(PushError, match="no README.md"):
        push(out, REPO, force=True)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="corpus")
    commands = parser.add_subparsers(dest="command", required=True)
    add_push_parser(commands)
    return parser.parse_args(argv)


def test_run_push_exit_codes(hub, out, tmp_path, capsys, monkeypatch):
    assert run_push(_parse(["push", str(out), REPO, "--dry-run"])) == 0
    printed = capsys.readouterr()
    assert f"would upload {len(_local_files(out))} file(s)" in printed.out and printed.err == ""

    assert run_push(_parse(["push", str(out), REPO])) == 0
    printed = capsys.readouterr().out
    assert f"commit 1/1: {hub.url}/datasets/{REPO}/commit/{hub.head(REPO).oid}" in printed

    assert run_push(_parse(["push", str(tmp_path / "missing"), REPO])) == 1
    err = capsys.readouterr().err
    assert err.startswith("corpus push: ") and err.count("\n") == 1 and "not a folder" in err

    assert run_push(_parse(["push", str(out), "no-namespace"])) == 1
    assert "expected namespace/name" in capsys.readouterr().err

    monkeypatch.delenv("HF_TOKEN")
    assert run_push(_parse(["push", str(out), REPO])) == 1
    assert "no Hugging Face token" in capsys.readouterr().err
    assert run_push(_parse(["push", str(out), REPO, "--dry-run"])) == 0  # a dry run of a public repo needs none


def test_corpus_cli_runs_push_once_wired(hub, out, capsys):
    from corpus_lib import cli

    parser = cli._parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "push" not in subcommands.choices:
        pytest.skip("`corpus push` is not wired into corpus_lib/cli.py yet")
    assert cli.main(["push", str(out), REPO, "--dry-run"]) == 0
    assert cli.main(["push", str(out), REPO]) == 0
    assert hub.head(REPO).oid in capsys.readouterr().out
    assert cli.main(["push", str(out), "bad id"]) == 1


def test_push_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parse(["push", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--private", "--revision BRANCH", "--dry-run", "--force", "--commit-message MSG", "HF_TOKEN", "HF_ENDPOINT"):
        assert flag in text
    args = _parse(["push", "out", "me/data", "--private", "--revision", "b", "--dry-run", "--commit-message", "m"])
    assert (args.command, args.repo_id, args.private, args.revision, args.dry_run, args.commit_message) == ("push", "me/data", True, "b", True, "m")
