"""End to end on tiny local models: determinism, reruns, kills and resumption.

The policy, the proxy backbone and the gold reward are tiny random checkpoints
built here, so every stage of the study runs in seconds with the smoke profile's
structure.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from tiny import save_tiny_bert, save_tiny_classifier, save_tiny_policy

from bayesrm_utils import artifacts, sampling, stages
from bayesrm_utils.artifacts import ArtifactError
from bayesrm_utils.config import load_config


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {
        "policy_source": str(save_tiny_policy(root / "policy")),
        "proxy_backbone": str(save_tiny_bert(root / "bert")),
        "gold_source": str(save_tiny_classifier(root / "gold")),
    }


def tiny_config(models, **overrides):
    values = dict(
        gold_kind="sequence_classifier",
        dtype="float32",
        sft_examples=4,
        sft_batch_size=2,
        n_preference_prompts=10,
        max_new_tokens=6,
        proxy_seeds=[0, 1],
        rm_batch_size=2,
        rm_max_length=64,
        rm_eval_fraction=0.3,
        laplace_batch_size=4,
        n_val_prompts=3,
        n_samples=5,
        sampling_batch_size=4,
        score_batch_size=4,
        penalty_ks=[1.0, 3.0],
    )
    values.update(models)
    values.update(overrides)
    return load_config("smoke", **values)


def run_all(cfg, root):
    run = stages.Run(cfg, root)
    stages.run_sft(run)
    stages.run_preference(run)
    stages.run_reward_models(run)
    stages.run_laplace(run)
    scores = stages.run_bon_samples(run)
    table = stages.run_bon_estimates(run)
    return run, scores, table


@pytest.fixture(scope="module")
def first_run(models, tmp_path_factory):
    cfg = tiny_config(models)
    return run_all(cfg, tmp_path_factory.mktemp("run_a"))


def test_pipeline_scores_have_study_shapes(first_run):
    run, scores, table = first_run
    assert scores["gold"].shape == (3, 5)
    assert scores["member_means"].shape == (2, 3, 5)
    assert scores["member_vars"].shape == (2, 3, 5)
    assert (scores["member_vars"] >= 0).all()
    assert set(table["family"]) == {"MAP", "LA", "Ens", "LA Ens"}
    assert sorted(table["n"].unique()) == [1, 2, 4, 5]


def test_stage_costs_cover_every_stage(first_run):
    run, _, _ = first_run
    costs = stages.stage_costs(run)
    manifests = sorted(run.root.rglob("manifest.json"))
    assert len(costs) == len(manifests)
    assert costs["stage"].iloc[0] == "01_sft"
    assert costs["stage"].is_monotonic_increasing
    assert (costs["seconds"] >= 0).all()
    assert (costs["process_peak_rss_mib"] > 10).all()


def test_pipeline_estimate_matches_scores(first_run):
    """The table's MAP gold estimate at n=N is the gold of each prompt's top proxy."""
    run, scores, table = first_run
    top = scores["member_means"][0].argmax(axis=1)
    expected = scores["gold"][np.arange(3), top].mean()
    row = table[
        (table["method"] == "MAP") & (table["eval"] == "gold") & (table["n"] == 5)
    ]
    assert row["mean"].item() == pytest.approx(expected)


def test_pipeline_preference_labels_follow_gold(first_run):
    run, _, _ = first_run
    pairs = artifacts.load_jsonl(run.preference().path("pairs.jsonl"))
    assert pairs
    for pair in pairs:
        chosen_gold = pair["gold_a"] if pair["label"] == 0 else pair["gold_b"]
        assert chosen_gold == max(pair["gold_a"], pair["gold_b"])
        assert pair["chosen"] == (
            pair["response_a"] if pair["label"] == 0 else pair["response_b"]
        )


def test_pipeline_deterministic_across_runs(models, first_run, tmp_path):
    _, scores_a, table_a = first_run
    _, scores_b, table_b = run_all(tiny_config(models), tmp_path / "run_b")
    for name in scores_a:
        np.testing.assert_array_equal(scores_a[name], scores_b[name])
    pd.testing.assert_frame_equal(table_a, table_b)


def test_rerun_same_config_recomputes_nothing(first_run, caplog):
    run, _, _ = first_run
    manifests = sorted(run.root.rglob("manifest.json"))
    before = {p: p.stat().st_mtime_ns for p in manifests}
    with caplog.at_level("INFO"):
        run_all(run.cfg, run.root)
    assert {p: p.stat().st_mtime_ns for p in manifests} == before
    assert "recomputing" not in caplog.text


def test_changed_penalties_recompute_estimates_only(models, first_run, caplog):
    run, _, _ = first_run
    gold_manifest = run.bon_gold().manifest_path
    before = gold_manifest.stat().st_mtime_ns
    cfg = tiny_config(models, penalty_ks=[2.0])
    with caplog.at_level("WARNING"):
        table = stages.run_bon_estimates(stages.Run(cfg, run.root))
    assert "configuration changed (penalty_ks)" in caplog.text
    assert set(table["k"]) == {0.0, 2.0}
    assert gold_manifest.stat().st_mtime_ns == before
    # Put the original estimates back for the other tests of this module.
    stages.run_bon_estimates(run)


def test_mismatched_upstream_config_named(models, first_run):
    run, _, _ = first_run
    cfg = tiny_config(models, n_samples=7)
    with pytest.raises(ArtifactError, match="n_samples=5 there, 7 now"):
        stages.load_bon_scores(stages.Run(cfg, run.root))


def test_nan_reward_rejected_before_writing(first_run, tmp_path):
    run, _, _ = first_run
    stage = artifacts.Stage(tmp_path / "scores", {})
    stage.prepare()

    def nan_scores(index):
        return {"gold": np.array([0.5, np.nan, 1.0])}

    with pytest.raises(ValueError, match="gold gold of prompt 0 is nan for response 1"):
        stages.score_prompts(stage, "gold", nan_scores, 2, 3)
    assert not (stage.root / "chunks").exists() or not any(
        (stage.root / "chunks").iterdir()
    )


KILL_AFTER_TWO_PROMPTS = textwrap.dedent(
    """
    import os, signal, sys, json
    from bayesrm_utils import artifacts, stages
    from bayesrm_utils.config import load_config

    values = json.loads(sys.argv[2])
    cfg = load_config("smoke", **values)
    run = stages.Run(cfg, sys.argv[1])
    original = artifacts.save_jsonl
    written = []

    def save_then_die(path, rows):
        original(path, rows)
        if "05_bon_samples" in str(path):
            written.append(path)
            if len(written) == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    artifacts.save_jsonl = save_then_die
    stages.run_bon_samples(run)
    """
)


def test_killed_sampling_resumes_with_same_samples(models, first_run, tmp_path):
    run_a, scores_a, _ = first_run
    root = tmp_path / "killed"
    # Reuse the finished stages 1-4, then kill stage 5 after two prompts.
    for name in ("01_sft", "02_preference", "03_reward_models", "04_laplace"):
        shutil.copytree(run_a.root / name, root / name)
    values = {k: v for k, v in tiny_config(models).to_dict().items() if k != "profile"}

    proc = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_TWO_PROMPTS, str(root), json.dumps(values)],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    responses = root / "05_bon_samples" / "responses"
    assert not (responses / "manifest.json").exists()
    assert len(list((responses / "prompts").glob("prompt_*.jsonl"))) == 2

    scores = stages.run_bon_samples(stages.Run(tiny_config(models), root))
    for name in scores_a:
        np.testing.assert_array_equal(scores[name], scores_a[name])
    texts_a = stages.load_prompt_responses(run_a.bon_responses(), 2)
    texts = stages.load_prompt_responses(
        stages.Run(tiny_config(models), root).bon_responses(), 2
    )
    assert texts == texts_a


def test_partly_written_group_sampled_whole(models, first_run, tmp_path):
    """Stage 2 decodes prompts in fixed groups; a resume redoes a group whole."""
    run_a, _, _ = first_run
    root = tmp_path / "partial"
    shutil.copytree(run_a.root / "01_sft", root / "01_sft")
    stage = stages.Run(tiny_config(models), root).preference()
    assert not stage.prepare()
    shutil.copytree(run_a.preference().root / "prompts", stage.root / "prompts")
    stages.prompt_file(stage, 3).unlink()
    kept = stages.prompt_file(stage, 2).read_bytes()

    calls = []
    original = sampling.sample_prompt_batch

    def record(model, tokenizer, prompts, n, **kwargs):
        calls.append(len(prompts))
        return original(model, tokenizer, prompts, n, **kwargs)

    with mock.patch.object(sampling, "sample_prompt_batch", record):
        stages.run_preference(stages.Run(tiny_config(models), root))

    # sampling_batch_size=4 and 2 samples per prompt: groups of 2 prompts.
    assert calls == [2]
    assert stages.prompt_file(stage, 2).read_bytes() == kept
    assert stages.load_prompt_responses(stage, 3) == stages.load_prompt_responses(
        run_a.preference(), 3
    )
    assert artifacts.load_jsonl(stage.path("pairs.jsonl")) == artifacts.load_jsonl(
        run_a.preference().path("pairs.jsonl")
    )


def interrupted_bon_run(models, run_a, root):
    """Copy a finished run, then make stage 5 look killed before its manifests."""
    for name in ("01_sft", "02_preference", "03_reward_models", "04_laplace"):
        shutil.copytree(run_a.root / name, root / name)
    run = stages.Run(tiny_config(models), root)
    responses = run.bon_responses()
    assert not responses.prepare()
    shutil.copytree(run_a.bon_responses().root / "prompts", responses.root / "prompts")
    return run, responses


def test_cut_prompt_file_resampled(models, first_run, tmp_path, caplog):
    run_a, scores_a, _ = first_run
    run, responses = interrupted_bon_run(models, run_a, tmp_path / "cut")
    path = stages.prompt_file(responses, 1)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))

    scores = stages.run_bon_samples(run)

    assert f"{path} is not a complete checkpoint of 5 samples" in caplog.text
    assert len(artifacts.load_jsonl(path)) == 5
    for name in scores_a:
        np.testing.assert_array_equal(scores[name], scores_a[name])


def test_damaged_score_chunks_recomputed(models, first_run, tmp_path, caplog):
    run_a, scores_a, _ = first_run
    run, responses = interrupted_bon_run(models, run_a, tmp_path / "chunks")
    responses.finish(stages.stage_files(responses))
    gold = run.bon_gold()
    assert not gold.prepare()
    chunks = gold.root / "chunks"
    chunks.mkdir()
    artifacts.save_npz(chunks / "gold_000000.npz", gold=np.zeros(3))
    (chunks / "gold_000001.npz").write_bytes(b"PK\x03\x04 not a zip archive")

    scores = stages.run_bon_samples(run)

    assert "contains arrays of shape {'gold': (3,)}, not 5 scores each" in caplog.text
    assert "unreadable checkpoint, recomputing it" in caplog.text
    for name in scores_a:
        np.testing.assert_array_equal(scores[name], scores_a[name])


def test_resume_ignores_other_config_samples(models, first_run, tmp_path):
    """Samples of an interrupted run with another N are not mixed into this run."""
    run_a, scores_a, _ = first_run
    root = tmp_path / "stale"
    for name in ("01_sft", "02_preference", "03_reward_models", "04_laplace"):
        shutil.copytree(run_a.root / name, root / name)
    stale = stages.Run(tiny_config(models, n_samples=7), root).bon_responses()
    assert not stale.prepare()
    artifacts.save_jsonl(stages.prompt_file(stale, 0), [{"response": "x"}] * 7)

    scores = stages.run_bon_samples(stages.Run(tiny_config(models), root))
    for name in scores_a:
        np.testing.assert_array_equal(scores[name], scores_a[name])


def copy_data(tmp_path, split, edit):
    """Copy the shipped instruction splits and apply ``edit`` to one split's rows."""
    target = tmp_path / "data"
    shutil.copytree(stages.REPO_ROOT / "data" / "instructions", target)
    path = target / f"{split}.jsonl"
    rows = edit(artifacts.load_jsonl(path))
    artifacts.save_jsonl(path, rows)
    return str(target)


def test_edited_data_changes_data_digest(models, tmp_path):
    """Editing a split in place changes the digest that its stages record."""
    source = copy_data(tmp_path, "val", lambda rows: rows)
    cfg = tiny_config(models, data_source=source)
    before = stages.Run(cfg, tmp_path / "run")
    assert before.sft().config["data_digest"] == before.data_digest("sft")
    path = tmp_path / "data" / "val.jsonl"
    rows = artifacts.load_jsonl(path)
    rows[0]["instruction"] = "Convert 48 months to days."
    artifacts.save_jsonl(path, rows)

    after = stages.Run(cfg, tmp_path / "run")

    assert after.data_digest("val") != before.data_digest("val")
    assert after.data_digest("sft") == before.data_digest("sft")
    assert after.data_digest("preference") == before.data_digest("preference")


def test_shared_val_prompt_fails_before_sft(models, tmp_path):
    val = artifacts.load_jsonl(stages.REPO_ROOT / "data" / "instructions" / "val.jsonl")
    source = copy_data(tmp_path, "preference", lambda rows: [val[0], *rows[1:]])
    run = stages.Run(tiny_config(models, data_source=source), tmp_path / "run")
    with pytest.raises(ValueError, match="in both split 'preference' and split 'val'"):
        stages.run_sft(run)
    assert not list(run.root.rglob("policy"))


def test_bad_val_row_fails_before_sft(models, tmp_path):
    source = copy_data(
        tmp_path, "val", lambda rows: [{**rows[0], "instruction": 42}, *rows[1:]]
    )
    run = stages.Run(tiny_config(models, data_source=source), tmp_path / "run")
    with pytest.raises(ValueError, match=r"val.jsonl:1: field 'instruction' is a int"):
        stages.run_sft(run)
    assert not list(run.root.rglob("policy"))


def test_missing_gold_model_fails_before_sft(models, tmp_path):
    missing = str(tmp_path / "no_gold")
    run = stages.Run(tiny_config(models, gold_source=missing), tmp_path / "run")
    with pytest.raises(FileNotFoundError, match="no_gold"):
        stages.run_sft(run)
    assert not list(run.root.rglob("policy"))
