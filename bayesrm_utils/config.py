"""Study configuration: one dataclass, three profiles, per-knob overrides.

Every notebook starts from a profile and overrides single knobs from its papermill
``parameters`` cell::

    cfg = load_config("cpu", n_samples=256, proxy_seeds=[0, 1, 2, 3])

``smoke`` runs every stage in a few minutes for CI. ``cpu`` is the embedded study,
sized for two CPU cores and about an hour. ``paper`` is the published setting:
Pythia 1.4B policy, Pythia 70M proxy, AlpacaFarm data and gold reward model.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import string
import typing
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

DTYPES = ("float32", "bfloat16")

logger = logging.getLogger(__name__)
LABEL_MODES = ("argmax", "bradley_terry")
GOLD_KINDS = ("embedded", "sequence_classifier", "causal_lm_judge")
HESSIAN_STRUCTURES = ("kron", "diag", "full")


@dataclass(frozen=True)
class StudyConfig:
    """All knobs of the study. Units are given in the comments."""

    profile: str
    seed: int = 0  # global seed: data subsets, sampling, SFT order
    # Compute dtype of forwards: "bfloat16", "float32", or "auto" for bfloat16
    # where the CPU multiplies it natively and float32 elsewhere.
    dtype: str = "auto"
    data_source: str = str(REPO_ROOT / "data" / "instructions")  # dir, file or hub id
    allow_pickle: bool = False  # allow loading pickled (.bin) checkpoints

    # Stage 1: supervised fine-tuning of the policy.
    policy_source: str = "embedded:smollm2-135m-instruct"
    sft_examples: int = 300  # sft rows with a reference output used for training
    sft_epochs: int = 1
    sft_lr: float = 3e-5
    sft_batch_size: int = 4  # sequences per optimiser step
    sft_max_length: int = 256  # tokens, prompt + response

    # Stage 2: preference pairs sampled from the SFT policy, labelled by the gold.
    n_preference_prompts: int = 700  # prompts of the preference split
    label_mode: str = "argmax"  # "argmax" of gold, or "bradley_terry" sampled
    gold_kind: str = "embedded"
    gold_source: str | None = None  # hub id or local path for non-embedded golds
    # Input format of a sequence-classifier or judge gold, with {prompt} and
    # {response} fields; None keeps the backend's default.
    gold_template: str | None = None
    gold_batch_size: int = 16  # responses per gold forward
    max_new_tokens: int = 64  # tokens per sampled response
    temperature: float = 1.0
    top_p: float = 1.0

    # Stage 3: proxy reward models (LoRA + scalar head, Bradley-Terry loss).
    proxy_backbone: str = "embedded:all-minilm-l6-v2"
    proxy_seeds: tuple[int, ...] = (0, 1, 2)  # one reward model per seed
    # 5e-5 for one epoch (the setting of "Bayesian Reward Models for LLM
    # Alignment" for Pythia 70M) left MiniLM at chance on ~600 pairs, while 1e-3
    # for two epochs reached held-out accuracies of 0.53 to 0.58 on the cpu
    # profile's gold labels.
    rm_epochs: int = 2
    rm_lr: float = 1e-3
    rm_batch_size: int = 8  # preference pairs per optimiser step
    rm_max_length: int = 256  # tokens, prompt + response
    rm_eval_fraction: float = 0.1  # held-out share of the preference pairs
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0

    # Stage 4: Laplace approximation over the LoRA and head weights.
    hessian_structure: str = "kron"
    laplace_batch_size: int = 8  # pairs per GGN batch

    # Stage 5: best-of-n samples from the SFT policy on the val split.
    n_val_prompts: int = 32  # prompts of the val split
    n_samples: int = 128  # N, responses per prompt
    sampling_batch_size: int = 32  # sequences per generate batch
    score_batch_size: int = 32  # responses per proxy forward (reward + variance)

    # Stage 6: best-of-n estimates.
    penalty_ks: tuple[float, ...] = (1.0, 3.0, 5.0, 10.0, 20.0, 30.0)

    def __post_init__(self) -> None:
        # The resolved dtype is stored, so stage digests record what ran.
        object.__setattr__(self, "dtype", _resolve_dtype(self.dtype))
        _validate(self)

    @property
    def bon_ns(self) -> list[int]:
        """n = 1, 2, 4, ... up to N, with N itself always included."""
        ns = []
        n = 1
        while n < self.n_samples:
            ns.append(n)
            n *= 2
        ns.append(self.n_samples)
        return ns

    def to_dict(self) -> dict:
        """Return the configuration as JSON-ready values."""
        values = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


# The Alpaca prompt format that AlpacaFarm's reward model was trained on. The
# instruction and its input arrive joined as {prompt}, so the no-input variant of
# the format is used for every row.
ALPACA_TEMPLATE = (
    "Below is an instruction that describes a task. Write a response that "
    "appropriately completes the request.\n\n### Instruction:\n{prompt}\n\n"
    "### Response:{response}"
)

SMOKE = dict(
    dtype="float32",
    sft_examples=16,
    sft_epochs=1,
    n_preference_prompts=24,
    max_new_tokens=24,
    proxy_seeds=(0, 1),
    rm_batch_size=4,
    rm_max_length=128,
    rm_eval_fraction=0.25,
    n_val_prompts=3,
    n_samples=8,
    sampling_batch_size=8,
    penalty_ks=(1.0, 10.0),
)

CPU = dict()

PAPER = dict(
    data_source="tatsu-lab/alpaca_farm:alpaca_instructions",
    policy_source="EleutherAI/pythia-1.4b",
    sft_examples=10_000,
    sft_epochs=3,
    sft_lr=8e-6,
    sft_max_length=512,
    n_preference_prompts=20_000,
    gold_kind="sequence_classifier",
    # AlpacaFarm's human-preference reward model, recovered from its weight diff
    # against LLaMA-7B and saved as a sequence classifier (see docs/paper_profile.md).
    gold_source=str(REPO_ROOT / "models" / "alpaca_farm_reward_model_human"),
    gold_template=ALPACA_TEMPLATE,
    max_new_tokens=300,
    proxy_backbone="EleutherAI/pythia-70m",
    rm_epochs=1,
    rm_lr=5e-5,
    proxy_seeds=(0, 1, 2, 3, 4),
    rm_max_length=500,
    rm_eval_fraction=0.05,
    n_val_prompts=1000,
    n_samples=12_500,
)

PROFILES: dict[str, dict] = {"smoke": SMOKE, "cpu": CPU, "paper": PAPER}


def load_config(profile: str, **overrides) -> StudyConfig:
    """Build the configuration of ``profile`` with single knobs overridden.

    ``None`` values in ``overrides`` mean "keep the profile's value", which is what
    an untouched papermill parameter holds.
    """
    if profile not in PROFILES:
        raise ValueError(
            f"Unknown profile {profile!r}. Valid profiles: {', '.join(PROFILES)}."
        )
    known = {f.name for f in dataclasses.fields(StudyConfig)} - {"profile"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {', '.join(unknown)}. "
            f"Valid parameters: {', '.join(sorted(known))}."
        )
    values = dict(PROFILES[profile])
    values.update({k: v for k, v in overrides.items() if v is not None})
    values = {k: _coerce(k, v) for k, v in values.items()}
    return StudyConfig(profile=profile, **values)


def native_bfloat16() -> bool:
    """Return True when this CPU multiplies bfloat16 matrices in hardware.

    Uses the check torch's own oneDNN tests use (AVX-512 BF16 or AMX on x86).
    Without it, torch 2.13 emulates bfloat16 matrix multiplies: on a 2-core AMD
    EPYC with AVX2 only, a 2048 x 2048 product ran about 200 times slower in
    bfloat16 than in float32.
    """
    import torch

    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def _resolve_dtype(dtype: str) -> str:
    if dtype == "auto":
        resolved = "bfloat16" if native_bfloat16() else "float32"
        logger.info("dtype='auto' resolved to %s on this CPU", resolved)
        return resolved
    if dtype == "bfloat16" and not native_bfloat16():
        warnings.warn(
            "dtype='bfloat16' on a CPU without native bfloat16 matrix multiplies "
            "(AVX-512 BF16 or AMX): forwards run tens to hundreds of times slower "
            "than in float32. Use dtype='auto' or 'float32'.",
            stacklevel=4,
        )
    return dtype


def _coerce(name: str, value):
    """Check ``value`` against the field's annotation, converting lists to tuples."""
    hints = typing.get_type_hints(StudyConfig)
    expected = hints[name]
    origin = typing.get_origin(expected)

    if origin is tuple:
        item_type = typing.get_args(expected)[0]
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                f"Parameter {name}={value!r} must be a list of {item_type.__name__}."
            )
        return tuple(_check_scalar(name, v, item_type) for v in value)

    if expected == (str | None):
        if value is None:
            return None
        return _check_scalar(name, value, str)
    return _check_scalar(name, value, expected)


def _check_scalar(name: str, value, expected: type):
    # bool is an int in Python; reject it for int and float knobs.
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) and expected is not bool:
        raise TypeError(f"Parameter {name}={value!r} must be {expected.__name__}.")
    if not isinstance(value, expected):
        raise TypeError(
            f"Parameter {name}={value!r} has type {type(value).__name__}, "
            f"expected {expected.__name__}."
        )
    return value


def _validate(cfg: StudyConfig) -> None:
    choices = {
        "dtype": DTYPES,
        "label_mode": LABEL_MODES,
        "gold_kind": GOLD_KINDS,
        "hessian_structure": HESSIAN_STRUCTURES,
    }
    for name, valid in choices.items():
        value = getattr(cfg, name)
        if value not in valid:
            raise ValueError(
                f"Invalid {name}={value!r}. Valid values: {', '.join(valid)}."
            )

    positive = [
        "sft_examples", "sft_epochs", "sft_batch_size", "sft_max_length",
        "n_preference_prompts", "gold_batch_size", "max_new_tokens", "rm_epochs",
        "rm_batch_size", "rm_max_length", "lora_r", "lora_alpha",
        "laplace_batch_size", "n_val_prompts", "n_samples", "sampling_batch_size",
        "score_batch_size",
    ]  # fmt: skip
    for name in positive:
        if getattr(cfg, name) < 1:
            raise ValueError(f"{name}={getattr(cfg, name)} must be at least 1.")
    for name in ("sft_lr", "rm_lr", "temperature"):
        value = getattr(cfg, name)
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name}={value} must be a positive finite number.")
    if not 0 < cfg.top_p <= 1:
        raise ValueError(f"top_p={cfg.top_p} must be in (0, 1].")
    if not 0 <= cfg.lora_dropout < 1:
        raise ValueError(f"lora_dropout={cfg.lora_dropout} must be in [0, 1).")
    if not 0 < cfg.rm_eval_fraction < 1:
        raise ValueError(
            f"rm_eval_fraction={cfg.rm_eval_fraction} must be in (0, 1) so that "
            "both training and held-out pairs exist."
        )
    if not cfg.proxy_seeds:
        raise ValueError("proxy_seeds is empty: give at least one seed.")
    if len(set(cfg.proxy_seeds)) != len(cfg.proxy_seeds):
        raise ValueError(f"proxy_seeds={list(cfg.proxy_seeds)} repeats a seed.")
    bad_ks = [k for k in cfg.penalty_ks if not (math.isfinite(k) and k >= 0)]
    if bad_ks:
        raise ValueError(
            f"penalty_ks contains negative or non-finite values {bad_ks}: a "
            "penalty weight k must be a finite number >= 0."
        )
    # Method names show k with 6 significant digits (format "g"), so closer
    # values would share a name and overwrite each other's estimates.
    names = [f"{k:g}" for k in cfg.penalty_ks]
    if len(set(names)) != len(names):
        raise ValueError(
            f"penalty_ks={list(cfg.penalty_ks)} repeats a value (to 6 significant "
            "digits); give each k once."
        )
    # Seeds feed numpy's SeedSequence (non-negative) and torch.manual_seed (at
    # most 2**63 - 1).
    bad_seeds = [s for s in (cfg.seed, *cfg.proxy_seeds) if not 0 <= s < 2**63]
    if bad_seeds:
        raise ValueError(
            f"Seeds must be in [0, 2**63), got {bad_seeds} (seed={cfg.seed}, "
            f"proxy_seeds={list(cfg.proxy_seeds)})."
        )
    if cfg.gold_template is not None:
        _check_gold_template(cfg.gold_template)
    if cfg.gold_kind == "embedded" and cfg.gold_source is not None:
        raise ValueError(
            f"gold_kind='embedded' always uses its own model, but gold_source="
            f"{cfg.gold_source!r}. Pass gold_source=None, or gold_kind="
            "'sequence_classifier' or 'causal_lm_judge' for that model."
        )
    if cfg.gold_kind != "embedded" and not cfg.gold_source:
        raise ValueError(
            f"gold_kind={cfg.gold_kind!r} needs gold_source (a hub id or a local "
            "path to the model)."
        )


def _check_gold_template(template: str) -> None:
    """Check that ``template.format(prompt=..., response=...)`` works and uses both."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        parsed = None
    fields = None if parsed is None else {name for _, name, _, _ in parsed if name}
    if fields != {"prompt", "response"}:
        raise ValueError(
            f"gold_template={template!r} must contain the fields {{prompt}} and "
            "{response} and no others (write a literal brace as {{ or }})."
        )
