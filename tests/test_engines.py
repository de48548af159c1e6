"""The Dask engine writes exactly the bytes the local engine writes."""

import hashlib

import pytest

from corpus_lib import BuildError, build

pytest.importorskip("distributed", reason="the dask extra is not installed: pip install 'corpus_lib[dask]'")


def tree_digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_dask_local_cluster_gives_identical_output(sample_build, sample_corpus, tmp_path):
    out, _ = sample_build
    dask_out = tmp_path / "dask"
    report = build(sample_corpus, dask_out, workers=2, engine="dask", cache=False)
    assert report.records > 0
    assert tree_digest(dask_out) == tree_digest(out)
    # Scratch space stays inside the build's own folder and is removed afterwards.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask"]


def test_unknown_engine(sample_corpus, tmp_path):
    with pytest.raises(BuildError, match="unknown engine"):
        build(sample_corpus, tmp_path / "out", engine="spark")
