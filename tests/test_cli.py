import errno
import shutil
import subprocess
import sys

import pytest

import corpus_lib.cli
from corpus_lib.cli import main
from corpus_lib.validate import read_card_yaml


def test_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "corpus_lib.cli", "--help"], capture_output=True, text=True, check=True)
    assert "build" in result.stdout and "validate" in result.stdout


def test_build_then_validate(sample_corpus, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(sample_corpus), str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "records" in printed and "rejects:" in printed
    assert main(["validate", str(out)]) == 0
    assert "valid" in capsys.readouterr().out


def test_failures_exit_non_zero_with_one_line(tmp_path, capsys):
    assert main(["build", str(tmp_path / "missing"), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a folder" in err
    src = tmp_path / "src"
    src.mkdir()
    (src / "corpus.toml").write_text("[splits]\ntest = 2\n")
    assert main(["build", str(src), str(tmp_path / "out")]) == 1
    assert "splits.test" in capsys.readouterr().err


def test_validate_fails_loudly_on_a_broken_dataset(sample_build, tmp_path, capsys):
    out, _ = sample_build
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "data" / "test-00000-of-00001.parquet").write_bytes(b"PAR1 truncated")
    assert main(["validate", str(broken)]) == 1
    printed = capsys.readouterr().out
    assert "[parquet-read]" in printed and "INVALID" in printed
    assert main(["validate", str(broken), "--format", "json"]) == 1


def test_bad_arguments_exit_2():
    with pytest.raises(SystemExit) as exc:
        main(["build"])
    assert exc.value.code == 2


def test_show_prints_the_split_sizes_of_the_card_and_a_record(sample_build, capsys):
    from datasets import load_dataset

    out, _ = sample_build
    assert main(["show", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    card = {s["name"]: s["num_examples"] for s in read_card_yaml(out / "README.md")["dataset_info"]["splits"]}
    dataset = load_dataset(str(out))
    assert lines[0] == "splits: " + ", ".join(f"{name} {len(split)}" for name, split in dataset.items())
    assert {name: len(split) for name, split in dataset.items()} == card
    first = next(iter(dataset))
    row = dataset[first][0]
    assert lines[1] == f"{first}[0] as load_dataset returns it:"
    assert [line.split(":", 1)[0].strip() for line in lines[2:]] == list(row)  # every field, in the declared order
    assert f"  id: {row['id']!r}" in lines and row["title"] and f"  title: {row['title']!r}"[:100] in "\n".join(lines)


def test_os_errors_exit_1_with_one_line_naming_the_path(sample_corpus, tmp_path, capsys):
    # A file where OUT's parent folder should be: the build cannot create anything beside OUT.
    (tmp_path / "a-file").write_text("not a folder\n")
    assert main(["build", str(sample_corpus), str(tmp_path / "a-file" / "out"), "--workers", "1", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("corpus build: ") and err.count("\n") == 0 and str(tmp_path / "a-file") in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["build", "validate"])
def test_disk_full_and_permission_errors_are_one_line_naming_the_path(command, sample_build, tmp_path, monkeypatch, capsys):
    out, _ = sample_build
    shard = out / "data" / "train-00000-of-00001.parquet"
    if command == "build":
        error, argv, named = OSError(errno.ENOSPC, "No space left on device"), ["build", str(tmp_path), str(tmp_path / "out")], tmp_path / "out"
    else:
        error, argv, named = PermissionError(errno.EACCES, "Permission denied", str(shard)), ["validate", str(out)], shard

    def fail(*args, **kwargs):
        raise error  # a write() that finds the disk full names no file; open() names the one it refused

    monkeypatch.setattr(corpus_lib.cli, command, fail)
    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == f"corpus {command}: {named}: {error.strerror}"
