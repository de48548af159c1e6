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


def _worker_pid(batch):
    import os

    return [os.getpid() for _ in batch]


def test_one_session_serves_every_pass_of_a_build(tmp_path):
    # Both passes of a build run on the same Dask workers: the cluster starts (and its workers import the
    # parser) once, and is closed when the session ends.
    from corpus_lib.engine import EngineSpec, engine_session, run_batches

    spec = EngineSpec("dask", None, str(tmp_path / "scratch"))
    with engine_session(spec, 2) as live:
        first = set(run_batches(_worker_pid, list(range(400)), 2, engine=live))
        second = set(run_batches(_worker_pid, list(range(400)), 2, engine=live))
        assert live.client.status == "running"
    assert first == second and len(first) == 2
    assert live.client.status == "closed"


def test_the_context_is_installed_once_per_worker_and_pass(monkeypatch):
    # Each Dask task gets a new tuple around the same scattered objects: init runs again only when the
    # objects change (the next pass), not on every batch.
    from corpus_lib import engine

    monkeypatch.setattr(engine, "_INSTALLED", None)
    calls = []
    install = calls.append  # one function object, as a module's init function is
    first, second = object(), object()
    for args in [(first,), (first,), (first,), (second,), (second,)]:
        assert engine._with_context(len, install, tuple(args), [1, 2]) == 2
    assert calls == [first, second]
