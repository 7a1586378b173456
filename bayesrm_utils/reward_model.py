"""LoRA reward models trained with the Bradley-Terry loss.

A :class:`RewardModel` is a frozen transformer backbone with LoRA adapters and a
scalar linear head on a pooled representation. Only the adapters and the head are
trainable, which is also the parameter set that the Laplace approximation in
:mod:`bayesrm_utils.laplace_rm` puts a posterior on.

Pooling depends on the backbone:

- encoders (BERT-like, such as all-MiniLM-L6-v2) use the mean of the last hidden
  states over non-padding tokens, the pooling that MiniLM sentence embeddings were
  trained with;
- causal backbones (GPT-NeoX/Pythia, Llama, Gemma) use the last non-padding token,
  which attends to the whole prompt and response.

Default LoRA target modules are the attention query and value projections
(``query``/``value`` for BERT, the fused ``query_key_value`` for GPT-NeoX, and
peft's own defaults for other architectures).

Example
-------
>>> model, tokenizer = build_reward_model("embedded:all-minilm-l6-v2", seed=0)
>>> history = train_reward_model(model, tokenizer, pairs, eval_pairs=held_out)
>>> rewards = score_rewards(model, tokenizer, prompts, responses)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm.auto import tqdm
from transformers import AutoTokenizer
from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

from bayesrm_utils.loading import load_backbone

logger = logging.getLogger(__name__)

POOLINGS = ("mean", "last")
SCHEDULERS = ("linear", "cosine", "constant")
TRAIN_DTYPES = (torch.float32, torch.bfloat16)
WEIGHTS_FILE = "reward_model.safetensors"
CONFIG_FILE = "reward_model.json"
TOKENIZER_DIR = "tokenizer"

DEFAULT_TARGET_MODULES = {
    "bert": ("query", "value"),
    "gpt_neox": ("query_key_value",),
}


@dataclasses.dataclass
class RewardModelConfig:
    """Settings that rebuild a :class:`RewardModel` around its backbone."""

    backbone_source: str | None
    lora_r: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.0
    target_modules: tuple[str, ...] = ()
    pooling: str = "mean"
    seed: int = 0


def default_target_modules(model_type: str) -> tuple[str, ...]:
    """Return the LoRA target module names for a transformers ``model_type``."""
    if model_type in DEFAULT_TARGET_MODULES:
        return DEFAULT_TARGET_MODULES[model_type]

    if model_type in TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING:
        return tuple(TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING[model_type])

    raise ValueError(
        f"No default LoRA target modules for model_type {model_type!r}; "
        "pass target_modules explicitly."
    )


def default_pooling(model_type: str) -> str:
    """Return ``"mean"`` for encoder backbones and ``"last"`` for causal ones."""
    return "mean" if model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES else "last"


class RewardModel(nn.Module):
    """Frozen backbone with LoRA adapters and a scalar reward head.

    Parameters
    ----------
    backbone : transformers.PreTrainedModel
        A base model (``AutoModel``) that returns ``last_hidden_state``. Its own
        weights are frozen and its dropout layers are switched off, so the reward
        is a deterministic function of the trainable weights.
    lora_r, lora_alpha, lora_dropout : int, float, float
        LoRA rank, scaling numerator (the update is scaled by ``alpha / r``) and
        dropout on the adapter input.
    target_modules : sequence of str, optional
        Names of the linear layers that get adapters; defaults per architecture
        (see :func:`default_target_modules`).
    pooling : {"mean", "last"}, optional
        Mean over non-padding tokens or last non-padding token; defaults per
        architecture (see :func:`default_pooling`).
    seed : int
        Seeds the LoRA ``A`` initialisation and the head initialisation (LoRA
        ``B`` starts at zero).
    backbone_source : str, optional
        Where the backbone came from, stored by :func:`save_reward_model`.

    Notes
    -----
    The head has no bias because the Bradley-Terry likelihood depends only on
    reward differences. A bias would get no curvature, so its prior variance
    would be added to every reward's Laplace variance.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        lora_r: int = 8,
        lora_alpha: float = 16.0,
        lora_dropout: float = 0.0,
        target_modules: Sequence[str] | None = None,
        pooling: str | None = None,
        seed: int = 0,
        backbone_source: str | None = None,
    ) -> None:
        super().__init__()
        model_type = backbone.config.model_type

        if target_modules is None:
            target_modules = default_target_modules(model_type)

        if pooling is None:
            pooling = default_pooling(model_type)

        if pooling not in POOLINGS:
            raise ValueError(f"Invalid pooling {pooling!r}; valid values: {POOLINGS}.")

        if lora_r < 1:
            raise ValueError(f"lora_r must be a positive integer, got {lora_r}.")

        self.config = RewardModelConfig(
            backbone_source=backbone_source,
            lora_r=int(lora_r),
            lora_alpha=float(lora_alpha),
            lora_dropout=float(lora_dropout),
            target_modules=tuple(target_modules),
            pooling=pooling,
            seed=int(seed),
        )

        for parameter in backbone.parameters():
            parameter.requires_grad_(False)

        for module in backbone.modules():
            if isinstance(module, nn.Dropout):
                module.p = 0.0

        lora_config = LoraConfig(
            r=self.config.lora_r,
            lora_alpha=self.config.lora_alpha,
            lora_dropout=self.config.lora_dropout,
            target_modules=list(self.config.target_modules),
            bias="none",
        )
        hidden_size = backbone.config.hidden_size
        dtype = next(backbone.parameters()).dtype
        head_dtype = torch.float64 if dtype == torch.float64 else torch.float32

        # peft draws the LoRA A init from the global generator: fork it so that
        # building a model neither depends on nor disturbs the caller's RNG state.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.backbone = get_peft_model(backbone, lora_config)
            self.head = nn.Linear(hidden_size, 1, bias=False, dtype=head_dtype)
            nn.init.normal_(self.head.weight, std=1.0 / math.sqrt(hidden_size))

    def forward(
        self,
        input_ids: torch.Tensor | Mapping[str, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Compute rewards.

        Parameters
        ----------
        input_ids : torch.Tensor or Mapping
            Token ids ``(batch, seq_len)``, or pairs ``(batch, 2, seq_len)`` with
            the chosen response first. A mapping with keys ``input_ids`` and
            ``attention_mask`` is accepted as well.
        attention_mask : torch.Tensor, optional
            Same shape as ``input_ids``, 1 for real tokens and 0 for padding.

        Returns
        -------
        torch.Tensor
            Rewards ``(batch,)``, or ``(batch, 2)`` for paired input.
        """
        if isinstance(input_ids, Mapping):
            attention_mask = input_ids.get("attention_mask")
            input_ids = input_ids["input_ids"]

        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)

        if input_ids.ndim == 3:
            batch, n_responses, seq_len = input_ids.shape
            rewards = self.forward(
                input_ids.reshape(batch * n_responses, seq_len),
                attention_mask.reshape(batch * n_responses, seq_len),
            )
            return rewards.reshape(batch, n_responses)

        if input_ids.ndim != 2:
            raise ValueError(
                "input_ids must be (batch, seq_len) or (batch, 2, seq_len), got "
                f"shape {tuple(input_ids.shape)}."
            )

        hidden = self.backbone(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state
        pooled = self.pool(hidden, attention_mask).to(self.head.weight.dtype)
        return self.head(pooled).squeeze(-1)

    def pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Pool hidden states ``(batch, seq_len, hidden)`` to ``(batch, hidden)``."""
        mask = attention_mask.to(hidden.dtype)

        if self.config.pooling == "mean":
            summed = (hidden * mask.unsqueeze(-1)).sum(dim=1)
            return summed / mask.sum(dim=1, keepdim=True).clamp(min=1.0)

        # The last real token is found from the mask, so left and right padding
        # both work.
        positions = torch.arange(attention_mask.shape[1], device=hidden.device)
        last = (attention_mask.long() * positions).argmax(dim=1)
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """Return the LoRA and head weights by parameter name."""
        return {
            name: parameter.detach()
            for name, parameter in self.named_parameters()
            if parameter.requires_grad
        }


def build_reward_model(
    backbone_source: str,
    *,
    lora_r: int = 8,
    lora_alpha: float = 16.0,
    lora_dropout: float = 0.0,
    target_modules: Sequence[str] | None = None,
    pooling: str | None = None,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    cache_dir: str | os.PathLike | None = None,
    allow_pickle: bool = False,
):
    """Load a backbone and wrap it as a LoRA :class:`RewardModel`.

    Parameters
    ----------
    backbone_source : str
        Anything :func:`bayesrm_utils.loading.load_backbone` resolves: an embedded
        name such as ``"embedded:all-minilm-l6-v2"``, a local directory or a Hub id.
    dtype : torch.dtype
        Backbone weight dtype. LoRA and head weights are float32, or float64 when
        the backbone is float64.
    cache_dir, allow_pickle
        Passed to :func:`bayesrm_utils.loading.load_backbone`.

    Returns
    -------
    model : RewardModel
    tokenizer : transformers.PreTrainedTokenizerBase
        With a padding token (the EOS token when the checkpoint defines none).
    """
    backbone, tokenizer = load_backbone(
        backbone_source, dtype=dtype, cache_dir=cache_dir, allow_pickle=allow_pickle
    )

    model = RewardModel(
        backbone,
        lora_r=lora_r,
        lora_alpha=lora_alpha,
        lora_dropout=lora_dropout,
        target_modules=target_modules,
        pooling=pooling,
        seed=seed,
        backbone_source=backbone_source,
    )
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info(
        "Built reward model on %s: %d trainable weights", backbone_source, n_trainable
    )
    return model, tokenizer


def tokenize(
    tokenizer,
    prompts: Sequence[str],
    responses: Sequence[str],
    *,
    max_length: int,
) -> dict[str, torch.Tensor]:
    """Tokenise ``prompt + response`` texts into a right-padded batch.

    Sequences longer than ``max_length`` lose tokens from the left, so the prompt
    is cut first and the end of the response is always kept.

    Returns
    -------
    dict
        ``input_ids`` and ``attention_mask``, each ``(batch, seq_len)``.
    """
    if len(prompts) != len(responses):
        raise ValueError(
            f"Got {len(prompts)} prompts but {len(responses)} responses; "
            "pass one prompt per response."
        )

    texts = [prompt + response for prompt, response in zip(prompts, responses)]
    truncation_side = tokenizer.truncation_side
    padding_side = tokenizer.padding_side

    try:
        tokenizer.truncation_side = "left"
        tokenizer.padding_side = "right"
        encoded = tokenizer(
            texts,
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )
    finally:
        tokenizer.truncation_side = truncation_side
        tokenizer.padding_side = padding_side

    return {
        "input_ids": encoded["input_ids"],
        "attention_mask": encoded["attention_mask"],
    }


def tokenize_pairs(
    tokenizer, pairs: Sequence[Mapping[str, str]], *, max_length: int
) -> dict[str, torch.Tensor]:
    """Tokenise preference pairs into ``(batch, 2, seq_len)`` tensors.

    Index 0 along the second axis is the chosen response and index 1 the rejected
    one. Both share one padded length.
    """
    prompts = [pair["prompt"] for pair in pairs]
    encoded = tokenize(
        tokenizer,
        prompts + prompts,
        [pair["chosen"] for pair in pairs] + [pair["rejected"] for pair in pairs],
        max_length=max_length,
    )
    n_pairs = len(pairs)
    return {
        key: torch.stack([value[:n_pairs], value[n_pairs:]], dim=1)
        for key, value in encoded.items()
    }


def _model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def score_rewards(
    model: RewardModel,
    tokenizer,
    prompts: Sequence[str],
    responses: Sequence[str],
    *,
    batch_size: int = 16,
    max_length: int = 256,
) -> np.ndarray:
    """Compute the reward of each ``(prompt, response)`` pair.

    Responses are batched in order of text length to keep padding small, and the
    output follows the input order.

    Returns
    -------
    np.ndarray
        Rewards ``(n,)`` as float64.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}.")

    if len(prompts) != len(responses):
        raise ValueError(
            f"Got {len(prompts)} prompts but {len(responses)} responses; "
            "pass one prompt per response."
        )

    order = sorted(
        range(len(prompts)), key=lambda i: len(prompts[i]) + len(responses[i])
    )
    rewards = np.empty(len(prompts), dtype=np.float64)
    was_training = model.training
    model.eval()
    device = _model_device(model)

    try:
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            batch = tokenize(
                tokenizer,
                [prompts[i] for i in index],
                [responses[i] for i in index],
                max_length=max_length,
            )
            output = model(
                batch["input_ids"].to(device), batch["attention_mask"].to(device)
            )
            rewards[index] = output.double().cpu().numpy()
    finally:
        model.train(was_training)

    return rewards


def preference_metrics(
    chosen_rewards: np.ndarray, rejected_rewards: np.ndarray
) -> dict[str, float]:
    """Compute Bradley-Terry evaluation metrics of a reward model.

    Returns
    -------
    dict
        ``loss`` (mean of -log sigmoid(margin)), ``accuracy`` (share of pairs with
        the chosen reward strictly higher), ``margin`` (mean chosen minus rejected
        reward), ``mean_reward`` and ``std_reward`` over all rewards, and
        ``mean_chosen_reward`` / ``mean_rejected_reward``.
    """
    chosen = np.asarray(chosen_rewards, dtype=np.float64)
    rejected = np.asarray(rejected_rewards, dtype=np.float64)
    margins = chosen - rejected
    rewards = np.concatenate([chosen, rejected])
    return {
        "loss": float(np.mean(np.logaddexp(0.0, -margins))),
        "accuracy": float(np.mean(margins > 0)),
        "margin": float(np.mean(margins)),
        "mean_reward": float(np.mean(rewards)),
        "std_reward": float(np.std(rewards)),
        "mean_chosen_reward": float(np.mean(chosen)),
        "mean_rejected_reward": float(np.mean(rejected)),
    }


def evaluate_reward_model(
    model: RewardModel,
    tokenizer,
    pairs: Sequence[Mapping[str, str]],
    *,
    batch_size: int = 16,
    max_length: int = 256,
) -> dict[str, float]:
    """Score the chosen and rejected responses of ``pairs`` and compute metrics."""
    prompts = [pair["prompt"] for pair in pairs]
    chosen = score_rewards(
        model,
        tokenizer,
        prompts,
        [pair["chosen"] for pair in pairs],
        batch_size=batch_size,
        max_length=max_length,
    )
    rejected = score_rewards(
        model,
        tokenizer,
        prompts,
        [pair["rejected"] for pair in pairs],
        batch_size=batch_size,
        max_length=max_length,
    )
    return preference_metrics(chosen, rejected)


def _check_pairs(pairs: Sequence[Mapping[str, str]], name: str) -> None:
    if len(pairs) == 0:
        raise ValueError(f"{name} is empty; pass at least one preference pair.")

    missing = {"prompt", "chosen", "rejected"} - set(pairs[0])
    if missing:
        raise ValueError(
            f"{name} entries need keys prompt, chosen and rejected; "
            f"missing {sorted(missing)}."
        )


def _lr_factor(scheduler: str, step: int, total_steps: int) -> float:
    progress = step / max(total_steps, 1)

    if scheduler == "linear":
        return 1.0 - progress

    if scheduler == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    return 1.0


def _check_finite_weights(parameters, step: int, loss: float, lr: float) -> None:
    """Raise once an optimiser step has made a trainable weight NaN or infinite.

    Diverged weights would otherwise be saved as a finished reward model, and the
    Laplace fit on them fails far from the cause.
    """
    if all(torch.isfinite(p).all() for p in parameters):
        return
    raise FloatingPointError(
        f"Reward model training diverged at step {step}: the LoRA or head weights "
        f"are no longer finite (batch loss {loss}). Lower the learning rate "
        f"(lr={lr}) or train in float32."
    )


def train_reward_model(
    model: RewardModel,
    tokenizer,
    train_pairs: Sequence[Mapping[str, str]],
    *,
    eval_pairs: Sequence[Mapping[str, str]] | None = None,
    epochs: int = 1,
    lr: float = 5e-5,
    batch_size: int = 8,
    max_length: int = 256,
    seed: int = 0,
    scheduler: str = "linear",
    weight_decay: float = 0.0,
    eval_every: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> list[dict[str, float]]:
    """Fit the LoRA and head weights with the Bradley-Terry loss.

    The loss of a pair is ``-log sigmoid(r_chosen - r_rejected)``, averaged over
    the batch, minimised with AdamW. The learning rate decays from ``lr`` to 0
    (``"linear"`` or ``"cosine"``) or stays put (``"constant"``), with no warmup.

    Parameters
    ----------
    train_pairs, eval_pairs : sequence of dict
        Each with keys ``prompt`` (already formatted), ``chosen`` and ``rejected``.
    seed : int
        Seeds the order in which pairs are visited in every epoch.
    eval_every : int, optional
        Optimizer steps between log records; default: one record per epoch. The
        last step always gets a record.
    dtype : torch.dtype
        ``torch.float32``, or ``torch.bfloat16`` for CPU autocast of the forward
        pass (the trainable weights and optimizer state stay float32).

    Returns
    -------
    list of dict
        One record per evaluation with ``step``, ``epoch``, ``learning_rate``,
        ``train_loss`` (mean since the previous record) and, when ``eval_pairs``
        is given, ``eval_loss``, ``accuracy``, ``margin``, ``mean_reward``,
        ``std_reward``, ``mean_chosen_reward`` and ``mean_rejected_reward``.
    """
    _check_pairs(train_pairs, "train_pairs")

    if eval_pairs is not None:
        _check_pairs(eval_pairs, "eval_pairs")

    if scheduler not in SCHEDULERS:
        raise ValueError(
            f"Invalid scheduler {scheduler!r}; valid values: {SCHEDULERS}."
        )

    if dtype not in TRAIN_DTYPES:
        raise ValueError(f"Invalid dtype {dtype}; valid values: {TRAIN_DTYPES}.")

    if epochs < 1 or batch_size < 1:
        raise ValueError(
            f"epochs and batch_size must be positive, got {epochs} and {batch_size}."
        )

    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(train_pairs) / batch_size)
    total_steps = epochs * steps_per_epoch
    eval_every = eval_every or steps_per_epoch
    generator = torch.Generator().manual_seed(seed)
    device = _model_device(model)
    history: list[dict[str, float]] = []
    losses: list[float] = []
    step = 0

    model.train()
    progress = tqdm(total=total_steps, desc="reward model", leave=False)

    for epoch in range(epochs):
        order = torch.randperm(len(train_pairs), generator=generator).tolist()

        for start in range(0, len(order), batch_size):
            batch_pairs = [train_pairs[i] for i in order[start : start + batch_size]]
            batch = tokenize_pairs(tokenizer, batch_pairs, max_length=max_length)

            for group in optimizer.param_groups:
                group["lr"] = lr * _lr_factor(scheduler, step, total_steps)

            with torch.autocast("cpu", dtype=dtype, enabled=dtype != torch.float32):
                rewards = model(
                    batch["input_ids"].to(device), batch["attention_mask"].to(device)
                )

            loss = -F.logsigmoid(rewards[:, 0] - rewards[:, 1]).float().mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            step += 1
            progress.update(1)
            _check_finite_weights(parameters, step, loss.item(), lr)

            if step % eval_every == 0 or step == total_steps:
                record = {
                    "step": step,
                    "epoch": epoch + (start + len(batch_pairs)) / len(order),
                    "learning_rate": optimizer.param_groups[0]["lr"],
                    "train_loss": float(np.mean(losses)),
                }
                losses = []

                if eval_pairs is not None:
                    metrics = evaluate_reward_model(
                        model, tokenizer, eval_pairs, max_length=max_length
                    )
                    metrics["eval_loss"] = metrics.pop("loss")
                    record.update(metrics)
                    model.train()

                logger.info("reward model %s", record)
                history.append(record)

    progress.close()
    model.eval()
    return history


def _atomic_save(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)

    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_reward_model(model: RewardModel, tokenizer, path: str | os.PathLike) -> None:
    """Write the LoRA and head weights (safetensors), the config (JSON) and the
    tokenizer files to the directory ``path``.

    Each weight and config file is written to a temporary name and renamed into
    place. The config is written last, so a directory with a config has matching
    weights. ``tokenizer`` may be None, and then loading takes the backbone's.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)

    if tokenizer is not None:
        tokenizer.save_pretrained(path / TOKENIZER_DIR)

    tensors = {
        name: tensor.contiguous().cpu()
        for name, tensor in model.trainable_state_dict().items()
    }
    config = dataclasses.asdict(model.config)
    config["target_modules"] = list(config["target_modules"])
    _atomic_save(path / WEIGHTS_FILE, lambda tmp: save_file(tensors, tmp))
    _atomic_save(
        path / CONFIG_FILE,
        lambda tmp: Path(tmp).write_text(json.dumps(config, indent=2) + "\n"),
    )


def load_reward_model(
    path: str | os.PathLike,
    *,
    backbone_source: str | None = None,
    dtype: torch.dtype = torch.float32,
    cache_dir: str | os.PathLike | None = None,
    allow_pickle: bool = False,
):
    """Rebuild a reward model saved by :func:`save_reward_model`.

    Parameters
    ----------
    backbone_source : str, optional
        Overrides the backbone source stored in the config, e.g. when the
        backbone directory has moved.
    dtype, cache_dir, allow_pickle
        As in :func:`build_reward_model`.

    Returns
    -------
    model : RewardModel
    tokenizer : transformers.PreTrainedTokenizerBase
    """
    path = Path(path)
    config_path = path / CONFIG_FILE

    if not config_path.is_file():
        raise FileNotFoundError(f"No reward model config at {config_path}.")

    config = json.loads(config_path.read_text())
    source = backbone_source or config["backbone_source"]

    if source is None:
        raise ValueError(
            f"{config_path} stores no backbone source; pass backbone_source."
        )

    model, tokenizer = build_reward_model(
        source,
        lora_r=config["lora_r"],
        lora_alpha=config["lora_alpha"],
        lora_dropout=config["lora_dropout"],
        target_modules=config["target_modules"],
        pooling=config["pooling"],
        seed=config["seed"],
        dtype=dtype,
        cache_dir=cache_dir,
        allow_pickle=allow_pickle,
    )

    if (path / TOKENIZER_DIR).is_dir():
        tokenizer = AutoTokenizer.from_pretrained(
            path / TOKENIZER_DIR, trust_remote_code=False
        )

    tensors = load_file(path / WEIGHTS_FILE)
    expected = model.trainable_state_dict()

    if set(tensors) != set(expected):
        raise ValueError(
            f"Weights in {path / WEIGHTS_FILE} do not match the rebuilt model: "
            f"missing {sorted(set(expected) - set(tensors))[:3]}, "
            f"unexpected {sorted(set(tensors) - set(expected))[:3]}."
        )

    parameters = dict(model.named_parameters())

    with torch.no_grad():
        for name, tensor in tensors.items():
            parameters[name].copy_(tensor)

    model.eval()
    return model, tokenizer
