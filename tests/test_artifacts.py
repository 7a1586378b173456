import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from bayesrm_utils import artifacts
from bayesrm_utils.artifacts import ArtifactError, Stage


def finished_stage(root, config, upstream=None):
    stage = Stage(root, config, upstream)
    assert not stage.prepare()
    artifacts.save_npz(stage.path("scores.npz"), gold=np.arange(6.0).reshape(2, 3))
    stage.finish(["scores.npz"])
    return stage


def test_rerun_same_config_is_noop(tmp_path):
    finished_stage(tmp_path / "a", {"n": 1})
    assert Stage(tmp_path / "a", {"n": 1}).prepare()


def test_changed_config_recomputes_and_says_so(tmp_path, caplog):
    finished_stage(tmp_path / "a", {"n": 1})
    stage = Stage(tmp_path / "a", {"n": 2})
    with caplog.at_level("WARNING"):
        assert not stage.prepare()
    assert "configuration changed (n)" in caplog.text
    assert not stage.path("scores.npz").exists()


def test_upstream_change_invalidates_downstream(tmp_path):
    up = finished_stage(tmp_path / "up", {"n": 1})
    finished_stage(tmp_path / "down", {"k": 1}, {"up": up})
    up_again = Stage(tmp_path / "up", {"n": 1})
    assert Stage(tmp_path / "down", {"k": 1}, {"up": up_again}).is_done()

    assert not Stage(tmp_path / "up", {"n": 5}).prepare()
    finished_stage(tmp_path / "up", {"n": 5})
    down = Stage(tmp_path / "down", {"k": 1}, {"up": Stage(tmp_path / "up", {"n": 5})})
    assert not down.is_done()


def test_missing_upstream_named(tmp_path):
    with pytest.raises(ArtifactError, match="has no manifest"):
        Stage(tmp_path / "down", {}, {"up": Stage(tmp_path / "up", {})})


def test_upstream_other_config_named(tmp_path):
    finished_stage(tmp_path / "up", {"n_samples": 8})
    with pytest.raises(ArtifactError, match="n_samples=8 there, 16 now"):
        Stage(tmp_path / "down", {}, {"up": Stage(tmp_path / "up", {"n_samples": 16})})


def test_truncated_artifact_detected(tmp_path):
    stage = finished_stage(tmp_path / "a", {"n": 1})
    path = stage.path("scores.npz")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ArtifactError, match="corrupt or truncated"):
        Stage(tmp_path / "a", {"n": 1}).prepare()


def test_corrupt_npz_reported(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ArtifactError, match="not a readable .npz"):
        artifacts.load_npz(path)


def test_corrupt_jsonl_reports_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(ArtifactError, match="x.jsonl:2"):
        artifacts.load_jsonl(path)


def test_atomic_write_failure_leaves_nothing(tmp_path):
    def fail(path):
        path.write_text("partial")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        artifacts.atomic_write(tmp_path / "out.json", fail)
    assert list(tmp_path.iterdir()) == []


def test_npz_refuses_pickled_objects(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ArtifactError):
        artifacts.load_npz(path)


WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from bayesrm_utils import artifacts
    big = np.random.default_rng(0).random(4_000_000)
    while True:
        artifacts.save_npz(sys.argv[1], x=big)
        print("written", flush=True)
        time.sleep(0.01)
    """
)


def test_sigkill_never_leaves_partial_file(tmp_path):
    target = tmp_path / "big.npz"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "written"
    for _ in range(5):
        proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    loaded = artifacts.load_npz(target)
    assert loaded["x"].shape == (4_000_000,)
    # A temporary file may remain from the killed write, never under the real name.
    assert all(
        p.name.startswith(".big.npz.") for p in tmp_path.iterdir() if p != target
    )


def test_manifest_lists_hashes(tmp_path):
    stage = finished_stage(tmp_path / "a", {"n": 1})
    manifest = json.loads(stage.manifest_path.read_text())
    entry = manifest["files"]["scores.npz"]
    assert entry["sha256"] == artifacts.file_sha256(stage.path("scores.npz"))
    assert manifest["config"] == {"n": 1}


def test_manifest_records_cost(tmp_path):
    stage = finished_stage(tmp_path / "a", {"n": 1})
    cost = json.loads(stage.manifest_path.read_text())["cost"]
    assert 0 <= cost["seconds"] < 60
    # A Python process with numpy loaded uses more than 10 MiB.
    assert 10 < cost["process_peak_rss_mib"] < 64 * 1024


def test_prepare_removes_stray_temporary_files(tmp_path):
    stage = Stage(tmp_path / "a", {"n": 1})
    assert not stage.prepare()
    (tmp_path / "a" / "chunks").mkdir(parents=True)
    stray = tmp_path / "a" / "chunks" / ".prompt_000001.jsonl.abc.tmp"
    stray.write_text("partial")
    checkpoint = tmp_path / "a" / "chunks" / "prompt_000000.jsonl"
    checkpoint.write_text("{}\n")
    assert not stage.prepare()
    assert not stray.exists()
    assert checkpoint.exists()


def test_prepare_removes_stray_temporary_folders(tmp_path):
    """A kill inside save_policy leaves .policy.XXXX folders; they go, not the policy."""
    stage = Stage(tmp_path / "a", {"n": 1})
    assert not stage.prepare()
    kept = tmp_path / "a" / "policy" / "model.safetensors"
    kept.parent.mkdir()
    kept.write_text("weights")
    for name in (".policy.ab12cd34", ".policy.old.zz99"):
        (tmp_path / "a" / name / ".nested").mkdir(parents=True)
        (tmp_path / "a" / name / "model.safetensors").write_text("copy")

    assert not stage.prepare()

    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "policy",
        "started.json",
    ]
    assert kept.read_text() == "weights"


def interrupted_stage(root, config):
    """A stage that was started with ``config`` and killed after one checkpoint."""
    stage = Stage(root, config)
    assert not stage.prepare()
    artifacts.save_npz(stage.path("chunks/gold_000000.npz"), gold=np.ones(3))
    return stage.path("chunks/gold_000000.npz")


def test_resume_keeps_same_config_checkpoints(tmp_path):
    checkpoint = interrupted_stage(tmp_path / "a", {"n": 1})
    assert not Stage(tmp_path / "a", {"n": 1}).prepare()
    assert checkpoint.exists()


def test_resume_discards_other_config_checkpoints(tmp_path, caplog):
    checkpoint = interrupted_stage(tmp_path / "a", {"n": 1})
    stage = Stage(tmp_path / "a", {"n": 2})
    with caplog.at_level("WARNING"):
        assert not stage.prepare()
    assert not checkpoint.exists()
    assert "other values of n" in caplog.text
    assert json.loads(stage.started_path.read_text())["config"] == {"n": 2}


def test_resume_discards_unrecorded_checkpoints(tmp_path):
    checkpoint = interrupted_stage(tmp_path / "a", {"n": 1})
    (tmp_path / "a" / artifacts.STARTED).unlink()
    assert not Stage(tmp_path / "a", {"n": 1}).prepare()
    assert not checkpoint.exists()


def test_finish_removes_started_record(tmp_path):
    stage = finished_stage(tmp_path / "a", {"n": 1})
    assert not stage.started_path.exists()
    assert list(json.loads(stage.manifest_path.read_text())["files"]) == ["scores.npz"]


def test_deleted_listed_file_named(tmp_path):
    stage = finished_stage(tmp_path / "a", {"n": 1})
    stage.path("scores.npz").unlink()
    with pytest.raises(ArtifactError, match=r"scores.npz is listed in .* but missing"):
        Stage(tmp_path / "a", {"n": 1}).prepare()


def test_written_files_follow_umask(tmp_path):
    artifacts.save_json(tmp_path / "a.json", {"n": 1})
    artifacts.atomic_write_dir(tmp_path / "d", lambda d: (d / "x").write_text("1"))
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == artifacts.FILE_MODE
    assert (tmp_path / "d").stat().st_mode & 0o777 == artifacts.DIR_MODE


def test_truncated_manifest_reported(tmp_path):
    stage = finished_stage(tmp_path / "a", {"n": 1})
    text = stage.manifest_path.read_text()
    stage.manifest_path.write_text(text[: len(text) // 2])
    with pytest.raises(ArtifactError, match=r"manifest.json is not valid JSON"):
        Stage(tmp_path / "a", {"n": 1}).prepare()
