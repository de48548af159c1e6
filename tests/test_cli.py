import shutil
import subprocess
import sys

import pytest

from corpus_lib.cli import main


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
