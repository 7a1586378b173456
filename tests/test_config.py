from pathlib import Path

import pytest

from bayesrm_utils import config
from bayesrm_utils.config import PROFILES, StudyConfig, load_config
from bayesrm_utils.loading import check_source
from bayesrm_utils.notebook import notebook_parameters, start_run


def test_profiles_load():
    for name in PROFILES:
        cfg = load_config(name)
        assert cfg.profile == name


def test_cpu_profile_meets_study_size():
    cfg = load_config("cpu")
    assert cfg.n_val_prompts >= 32
    assert cfg.n_samples >= 128
    assert cfg.n_preference_prompts >= 600
    assert len(cfg.proxy_seeds) >= 3


def test_paper_profile_values():
    cfg = load_config("paper")
    assert cfg.n_val_prompts == 1000
    assert cfg.n_samples == 12_500
    assert cfg.policy_source == "EleutherAI/pythia-1.4b"
    assert cfg.proxy_backbone == "EleutherAI/pythia-70m"
    assert (cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout) == (8, 16, 0.0)
    assert cfg.rm_lr == 5e-5
    assert cfg.sft_lr == 8e-6


def test_paper_gold_missing_fails_at_check():
    """The paper gold is a path, so a missing conversion fails before any work."""
    cfg = load_config("paper")
    assert cfg.gold_source.endswith("models/alpaca_farm_reward_model_human")
    if not Path(cfg.gold_source).exists():
        with pytest.raises(FileNotFoundError, match="alpaca_farm_reward_model_human"):
            check_source(cfg.gold_source)


def test_override_and_none_keeps_profile():
    cfg = load_config("smoke", n_samples=16, temperature=None)
    assert cfg.n_samples == 16
    assert cfg.temperature == load_config("smoke").temperature


def test_list_override_becomes_tuple():
    cfg = load_config("smoke", proxy_seeds=[3, 4], penalty_ks=[0, 2])
    assert cfg.proxy_seeds == (3, 4)
    assert cfg.penalty_ks == (0.0, 2.0)


def test_bon_ns_powers_of_two_and_n():
    assert load_config("smoke", n_samples=8).bon_ns == [1, 2, 4, 8]
    assert load_config("smoke", n_samples=12).bon_ns == [1, 2, 4, 8, 12]
    assert load_config("smoke", n_samples=1).bon_ns == [1]


def test_unknown_profile_rejected():
    with pytest.raises(ValueError, match="Unknown profile 'gpu'.*smoke, cpu, paper"):
        load_config("gpu")


def test_unknown_parameter_rejected():
    with pytest.raises(ValueError, match="Unknown parameter.*n_sample\\b"):
        load_config("smoke", n_sample=4)


@pytest.mark.parametrize(
    "name, value",
    [
        ("n_samples", "8"),
        ("n_samples", 8.5),
        ("n_samples", True),
        ("proxy_seeds", 0),
        ("proxy_seeds", ["a"]),
        ("dtype", 16),
    ],
)
def test_wrong_type_rejected(name, value):
    with pytest.raises(TypeError, match=name):
        load_config("smoke", **{name: value})


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"penalty_ks": [1, -3]}, "negative"),
        ({"penalty_ks": [float("inf")]}, r"non-finite values \[inf\]"),
        ({"penalty_ks": [float("nan")]}, r"non-finite values \[nan\]"),
        ({"penalty_ks": [1, 1.0000001]}, "repeats a value"),
        ({"seed": -1}, r"Seeds must be in \[0, 2\*\*63\), got \[-1\]"),
        ({"proxy_seeds": [0, -2]}, r"got \[-2\]"),
        ({"proxy_seeds": [0, 2**64]}, r"got \[18446744073709551616\]"),
        ({"sft_lr": float("inf")}, "sft_lr=inf must be a positive finite"),
        ({"temperature": float("inf")}, "temperature=inf"),
        ({"n_samples": 0}, "n_samples=0 must be at least 1"),
        ({"dtype": "float16"}, "Valid values: float32, bfloat16"),
        ({"label_mode": "soft"}, "argmax, bradley_terry"),
        ({"hessian_structure": "lowrank"}, "kron, diag, full"),
        ({"proxy_seeds": []}, "empty"),
        ({"proxy_seeds": [1, 1]}, "repeats"),
        ({"top_p": 0.0}, "top_p"),
        ({"rm_eval_fraction": 1.0}, "rm_eval_fraction"),
        ({"gold_kind": "sequence_classifier"}, "needs gold_source"),
        ({"gold_template": "{prompt} only"}, "must contain the fields"),
        ({"gold_template": "{prompt} {response} {foo}"}, "and no others"),
        ({"gold_template": "{prompt}{response}{"}, "literal brace"),
        ({"gold_source": "some/model"}, "gold_kind='embedded' always uses"),
    ],
)
def test_invalid_value_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        load_config("smoke", **overrides)


def test_to_dict_is_json_ready():
    values = load_config("smoke").to_dict()
    assert isinstance(values["proxy_seeds"], list)
    assert StudyConfig(
        **{
            **values,
            "proxy_seeds": tuple(values["proxy_seeds"]),
            "penalty_ks": tuple(values["penalty_ks"]),
        }
    ) == load_config("smoke")


def test_notebook_parameters_skip_modules_and_private():
    import math

    namespace = {
        "profile": "smoke",
        "n_samples": 4,
        "math": math,
        "_hidden": 1,
        "In": [],
        "get_ipython": print,
    }
    assert notebook_parameters(namespace) == {"profile": "smoke", "n_samples": 4}


def test_start_run_rejects_misspelt_parameter(tmp_path):
    namespace = {"profile": "smoke", "run_dir": str(tmp_path), "n_sample": 4}
    with pytest.raises(ValueError, match="n_sample"):
        start_run(namespace)


def test_start_run_builds_run_dir(tmp_path):
    cfg, run = start_run(
        {
            "profile": "smoke",
            "run_dir": str(tmp_path / "r"),
            "n_samples": 4,
            "figures_dir": None,
        }
    )
    assert cfg.n_samples == 4
    assert run.root == tmp_path / "r"
    assert run.root.is_dir()


def test_start_run_rejects_empty_run_dir():
    with pytest.raises(ValueError, match="run_dir is an empty string"):
        start_run({"profile": "smoke", "run_dir": ""})


def test_start_run_accepts_lowercase_log_level(tmp_path):
    cfg, _ = start_run(
        {"profile": "smoke", "run_dir": str(tmp_path / "run"), "log_level": "debug"}
    )
    assert cfg.profile == "smoke"


@pytest.mark.parametrize("native, expected", [(True, "bfloat16"), (False, "float32")])
def test_auto_dtype_follows_cpu(monkeypatch, native, expected):
    monkeypatch.setattr(config, "native_bfloat16", lambda: native)
    assert load_config("cpu").dtype == expected
    assert load_config("cpu", dtype="auto").dtype == expected
    assert load_config("smoke").dtype == "float32"


def test_emulated_bfloat16_warns(monkeypatch):
    monkeypatch.setattr(config, "native_bfloat16", lambda: False)
    with pytest.warns(UserWarning, match="without native bfloat16"):
        cfg = load_config("cpu", dtype="bfloat16")
    assert cfg.dtype == "bfloat16"
