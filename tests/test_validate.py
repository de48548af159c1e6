"""`corpus_lib.validate` and `corpus validate`: the report object, output formats, exit codes, a Hub
download (through the Hub test double), symlinked folders, and the shipped CI workflow and
pre-commit hook. The corruptions themselves are in test_validate_corruptions.py."""

from __future__ import annotations

import json
import os
import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from corpus_lib import validate
from corpus_lib.build import BUILD_INFO_FILE
from corpus_lib.cli import main
from corpus_lib.schema import arrow_schema
from corpus_lib.validate import CHECKS, Problem, ValidationReport, arrow_size, bitmap_allowance, read_card_yaml

try:
    from tests.test_publish import REPO, hub  # noqa: F401  (hub is a fixture: the Hub double, HF_ENDPOINT at it)
    from tests.test_validate_corruptions import TEST, edit_card, edit_rows, reseal
except ImportError:  # tests/ is not a package
    from test_publish import REPO, hub  # noqa: F401
    from test_validate_corruptions import TEST, edit_card, edit_rows, reseal

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def out(sample_build, tmp_path) -> Path:
    """A private copy of the sample build, free to change."""
    return Path(shutil.copytree(sample_build[0], tmp_path / "dataset"))


# --- the report object ------------------------------------------------------------------------


def test_report_object(sample_build):
    out, build_report = sample_build
    report = validate(out)

    assert isinstance(report, ValidationReport) and report.path == out
    assert report.ok and report.problems == report.errors == report.warnings == []
    assert report.rows_checked == build_report.records
    assert {"row-schema", "leakage", "checksum", "total"} <= set(report.timings)
    assert all(seconds >= 0 for seconds in report.timings.values())
    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict["ok"] is True and as_dict["problems"] == [] and as_dict["rows_checked"] == build_report.records
    assert set(as_dict) == {"path", "ok", "rows_checked", "seconds", "cpu_seconds", "skipped", "counts", "problems"}
    assert set(report.cpu_seconds) == set(report.timings)
    assert all(code.islower() and " " not in code for code in CHECKS)


def test_problem_location_and_text():
    problem = Problem("row-schema", "is not one of ['a']", "data/x.parquet", 3, "media")
    assert problem.location() == "data/x.parquet:row 3:field media"
    assert str(problem) == "data/x.parquet:row 3:field media: [row-schema] is not one of ['a']"
    assert Problem("card-yaml", "missing dataset card").location() == "<dataset>"


def test_errors_of_one_code_are_capped_and_counted(out):
    def all_russian(rows):
        for row in rows:
            row["language"] = "russian"

    edit_rows(out, TEST, all_russian)
    reseal(out)
    report = validate(out)
    shown = [p for p in report.errors if p.code == "row-schema"]
    assert len(shown) == 21 and shown[-1].message == "15 more problems of this kind not shown (35 in all)"
    assert report.counts == {"row-schema": 35}
    assert all("\n" not in p.message for p in report.problems)


def test_skip_leaves_a_check_out(out):
    edit_card(out, lambda card: card["dataset_info"]["splits"][0].update(num_examples=1))
    assert {p.code for p in validate(out).errors} == {"card-count"}
    report = validate(out, skip=("card-count",))
    assert report.ok and report.skipped == ("card-count",)
    with pytest.raises(ValueError, match="unknown check"):
        validate(out, skip=("no-such-check",))


def test_missing_and_broken_build_info(out):
    (out / BUILD_INFO_FILE).write_text("{not json", encoding="utf-8")
    assert {p.code for p in validate(out).errors} == {"build-info"}
    (out / BUILD_INFO_FILE).unlink()
    report = validate(out)  # a folder that was not built here: the checks that need the build record are left out
    assert report.ok and [(p.code, p.severity) for p in report.problems] == [("build-info", "warning")]


def test_a_build_that_kept_no_record_is_valid_with_a_warning(tmp_path):
    from corpus_lib import build

    src = tmp_path / "src"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    build(src, tmp_path / "out", cache=False)
    report = validate(tmp_path / "out")
    assert report.ok and [(p.code, p.severity) for p in report.problems] == [("card-data-files", "warning")]
    edit_card(tmp_path / "out", lambda card: card.update(configs=[]))
    (tmp_path / "out" / "data").mkdir()
    (tmp_path / "out" / "data" / "train-00000-of-00001.parquet").write_bytes(b"")  # data, but the card lists none
    assert {(p.code, p.severity) for p in validate(tmp_path / "out").problems} == {("card-data-files", "error")}


def test_not_a_folder(tmp_path):
    report = validate(tmp_path / "missing")
    assert not report.ok and [p.code for p in report.errors] == ["build-info"]


def test_arrow_size_is_the_size_of_freshly_built_rows(sample_build, tmp_path):
    out, _ = sample_build
    info = json.loads((out / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    for shard in info["shards"]:
        table = pq.read_table(out / shard["path"])
        size = arrow_size(table)
        assert size == pa.Table.from_pylist(table.to_pylist(), schema=arrow_schema()).nbytes
        # What the build records may count validity bitmaps its tables carried, never more.
        assert size <= shard["num_bytes"] <= size + bitmap_allowance(table)
        assert table.nbytes <= size + bitmap_allowance(table)
        # However a reader chunks the rows, the answer is the same.
        pq.write_table(table, tmp_path / "small.parquet", row_group_size=7)
        chunked = pq.read_table(tmp_path / "small.parquet")
        assert chunked.column("body").num_chunks > 1 and arrow_size(chunked) == size


def test_card_variants_that_are_still_valid(out):
    # data_files as globs, as people write them by hand
    edit_card(out, lambda card: card["configs"][0].update(
        data_files=[{"split": "train", "path": "data/train-*"}, {"split": "test", "path": "data/test-*"}]))
    assert validate(out).problems == []
    # Windows line endings and a byte-order mark
    text = (out / "README.md").read_text(encoding="utf-8")
    (out / "README.md").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert read_card_yaml(out / "README.md")["license"] == "cc-by-4.0"
    assert validate(out).problems == []
    # A glob that matches nothing is a missing shard (and the test shard is now stray); croissant.json
    # still lists the test shard, so it no longer agrees with the card.
    edit_card(out, lambda card: card["configs"][0]["data_files"][1].update(path="data/tset-*"))
    errors = validate(out).errors
    assert {p.code for p in errors} == {"card-data-files", "croissant"}
    assert {p.file for p in errors if p.code == "card-data-files"} == {"README.md", TEST}


def test_hidden_files_are_ignored(out):
    (out / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n", encoding="utf-8")
    (out / ".cache" / "huggingface").mkdir(parents=True)
    (out / ".cache" / "huggingface" / "x.parquet").write_bytes(b"not parquet")
    (out / "data" / ".hidden.parquet").write_bytes(b"not parquet")
    assert validate(out).problems == []


def test_a_folder_of_symlinks_into_a_blob_store(sample_build, tmp_path):
    """The layout of huggingface_hub's cache: snapshots/<rev>/<path> -> ../../blobs/<sha256>."""
    src, _ = sample_build
    blobs, snapshot = tmp_path / "blobs", tmp_path / "snapshots" / "abc123"
    blobs.mkdir()
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        relative = path.relative_to(src)
        blob = blobs / f"blob{len(list(blobs.iterdir()))}"
        shutil.copy(path, blob)
        link = snapshot / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    assert (snapshot / TEST).is_symlink()
    assert validate(snapshot).problems == []

    os.unlink(blobs / os.readlink(snapshot / TEST).split("/")[-1])  # the blob behind the test shard is gone
    errors = validate(snapshot).errors
    assert {(p.code, p.file) for p in errors} == {("card-data-files", TEST), ("checksum", TEST)}
    assert all("broken symlink" in p.message for p in errors)


# --- the command ------------------------------------------------------------------------------


def test_cli_text_format(sample_build, capsys):
    out, _ = sample_build
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{out}: valid ({validate(out).rows_checked} rows checked, 0 errors, 0 warnings)"


def test_cli_json_format(sample_build, out, capsys):
    clean, _ = sample_build
    assert main(["validate", str(clean), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["ok"] is True and printed["failed"] is False and printed["problems"] == []

    edit_card(out, lambda card: card.update(license="cc-by-4"))
    assert main(["validate", str(out), "--format", "json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["failed"] is True
    assert printed["problems"] == [{"code": "card-values", "message": "'cc-by-4' is not a Hub license id (e.g. cc-by-4.0, "
                                    "apache-2.0, other)", "file": "README.md", "row": None, "field": "license", "severity": "error"}]


def test_cli_github_format_on_a_clean_build(sample_build, capsys):
    out, _ = sample_build
    assert main(["validate", str(out), "--format", "github"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{out}: valid ({validate(out).rows_checked} rows checked)"]


def test_cli_fail_on_warning(out, capsys):
    (out / BUILD_INFO_FILE).unlink()
    assert main(["validate", str(out)]) == 0
    assert main(["validate", str(out), "--fail-on", "warning"]) == 1
    assert main(["validate", str(out), "--fail-on", "warning", "--format", "github"]) == 1
    annotation = capsys.readouterr().out.splitlines()[-2]
    assert annotation.startswith(f"::warning file={out / BUILD_INFO_FILE},title=corpus validate [build-info]::")


def test_cli_skip(out, capsys):
    edit_card(out, lambda card: card["dataset_info"]["splits"][0].update(num_examples=1))
    assert main(["validate", str(out)]) == 1
    assert main(["validate", str(out), "--skip", "card-count"]) == 0
    capsys.readouterr()
    assert main(["validate", str(out), "--skip", "card-count", "--skip", "leakage", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["skipped"] == ["card-count", "leakage"] and printed["problems"] == [] and "leakage" not in printed["seconds"]


def test_cli_exit_codes(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(tmp_path), "--skip", "no-such-check"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(tmp_path), "--format", "xml"])
    assert exc.value.code == 2


# --- a Hub download ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")
def test_validate_a_hub_download(hub, sample_build):
    from huggingface_hub import snapshot_download

    from corpus_lib.publish import push

    out, _ = sample_build
    push(out, REPO)
    snapshot = Path(snapshot_download(REPO, repo_type="dataset"))

    assert (snapshot / ".gitattributes").is_file()  # the Hub adds it; it is not a stray file
    assert (snapshot / TEST).is_symlink()  # files are links into the cache's blobs/
    report = validate(snapshot)
    assert report.ok and report.problems == [], [str(p) for p in report.problems]
    assert report.rows_checked == validate(out).rows_checked

    # A damaged blob is found through the link, and reported under the dataset's own file name.
    blob = (snapshot / TEST).resolve()
    data = blob.read_bytes()
    blob.chmod(0o644)
    blob.write_bytes(data[: len(data) // 2])
    assert {(p.code, p.file) for p in validate(snapshot).errors} == {("parquet-read", TEST), ("checksum", TEST), ("card-digest", "README.md")}


# --- the shipped CI workflow and pre-commit hook ----------------------------------------------


def test_example_workflow_parses():
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "validate-dataset.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert {"push", "pull_request"} <= set(triggers)
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    checkout = next(step for step in steps if str(step.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["lfs"] is True
    setup = next(step for step in steps if str(step.get("uses", "")).startswith("actions/setup-python@"))
    assert str(setup["with"]["python-version"]) == "3.11"
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "pip install" in runs and "corpus validate . --format github" in runs


def test_pre_commit_hook_parses_and_runs_a_real_command():
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "corpus-validate"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["args"] == ["."]
    assert hook["entry"] == "corpus validate"
    import re

    for name in ("data/train-00000-of-00001.parquet", "README.md", "croissant.json", "corpus_build.json", "splits.parquet"):
        assert re.search(hook["files"], name), name
    assert not re.search(hook["files"], "notes/todo.txt")
    command = hook["entry"].split()[0]
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == command]
    assert script.load() is main


def test_benchmark_script_writes_a_clean_dataset(tmp_path, capsys):
    from tests.conftest import load_script

    bench = load_script("bench_validate")
    assert bench.main(["--n", "300", "--repeat", "1", "--cores", "0", "--no-sample", "--keep", str(tmp_path / "synthetic"),
                       "--json", str(tmp_path / "bench.json")]) == 0
    numbers = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))["synthetic"]
    assert numbers["rows"] == 297 and numbers["dataset"]["duplicates"] == 3  # 1% planted exact copies, dropped
    assert {"total", "row-schema", "leakage"} <= set(numbers["seconds"])
    assert validate(tmp_path / "synthetic").problems == []

