"""Laplace-LoRA: a Gaussian posterior over the LoRA and head weights of a reward model.

:func:`fit_laplace` fits laplace-torch's ``Laplace(likelihood="reward_modeling")``
on preference pairs at the trained (MAP) weights. The log-likelihood of a pair is
the Bradley-Terry ``log sigmoid(r_chosen - r_rejected)``, which laplace-torch
treats as two-class classification with the chosen response as the label. Its
generalised Gauss-Newton (GGN) matrix, with a Kronecker-factored (KFAC), diagonal
or full structure, plus an isotropic Gaussian prior gives the posterior precision
``P``. The prior precision is tuned by maximising the Laplace marginal likelihood.

The linearised model then gives each reward a Gaussian
``N(r_MAP(x, y), Λ(x, y))`` with ``Λ = J P^{-1} Jᵀ``, where ``J`` is the gradient
of the scalar reward with respect to the trainable weights.
:meth:`LaplaceRewardModel.predict` computes it in one of two ways:

- ``method="laplace_torch"`` calls laplace-torch's GLM predictive, which builds
  ``J`` with ``torch.func.jacrev`` over the whole batch. Its cost grows with the
  square of the batch size.
- ``method="fast"`` (default) gets every response's gradient from one batched
  forward and backward pass. For a linear layer ``y = W a`` applied at every
  token, the per-sample weight gradient is ``Σ_t g_t a_tᵀ``. A forward hook
  captures ``a_t``, and ``g_t = ∂r/∂y_t`` comes from the backward pass of the
  summed reward, because samples do not interact. Padded tokens get ``g_t = 0``.
  For a KFAC posterior, ``Λ`` is evaluated in the Kronecker eigenbasis without
  forming ``P^{-1}``: with factors ``G = Q_G diag(λ_G) Q_Gᵀ`` (output side) and
  ``A = Q_A diag(λ_A) Q_Aᵀ`` (input side), a layer contributes
  ``Σ_ij (Q_Gᵀ ∇W Q_A)_ij² / (λ_G,i λ_A,j + δ)``.

Example
-------
>>> posterior = fit_laplace(model, tokenizer, train_pairs, batch_size=8)
>>> mean, variance = posterior.predict(prompts, responses)
>>> save_laplace(posterior, "runs/laplace_seed0")
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from laplace import Laplace
from laplace.utils import Kron
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn.utils import parameters_to_vector
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from bayesrm_utils.reward_model import (
    RewardModel,
    _atomic_save,
    _check_pairs,
    tokenize,
    tokenize_pairs,
)

logger = logging.getLogger(__name__)

HESSIAN_STRUCTURES = ("kron", "diag", "full")
PRIOR_OPTIMIZATIONS = ("marglik", "none")
PRIOR_STRUCTURES = ("scalar", "layerwise")
PREDICT_METHODS = ("fast", "laplace_torch")
POSTERIOR_FILE = "laplace_posterior.safetensors"
POSTERIOR_CONFIG_FILE = "laplace_posterior.json"


def _check_option(name: str, value: str, valid: Sequence[str]) -> None:
    if value not in valid:
        raise ValueError(f"Invalid {name} {value!r}; valid values: {tuple(valid)}.")


class LaplaceAdapter(nn.Module):
    """Present a :class:`RewardModel` in the form laplace-torch's reward modeling
    expects.

    The input is a mapping with ``input_ids`` and ``attention_mask``. Pairs
    ``(batch, 2, seq_len)`` give ``(batch, 2)`` logits during fitting, and single
    responses ``(batch, seq_len)`` give ``(batch, 1)`` rewards at prediction.
    """

    def __init__(self, reward_model: RewardModel) -> None:
        super().__init__()
        self.reward_model = reward_model

    def forward(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        rewards = self.reward_model(batch["input_ids"], batch["attention_mask"])
        return rewards if rewards.ndim == 2 else rewards.unsqueeze(-1)


class _EagerAttention:
    """Switch the backbone to eager attention while the context is active.

    Curvlinops builds the full GGN with forward-mode autodiff, which PyTorch's
    CPU scaled-dot-product attention kernel does not implement (torch 2.13).
    """

    def __init__(self, reward_model: RewardModel) -> None:
        self.backbone = reward_model.backbone.get_base_model()
        self.previous = self.backbone.config._attn_implementation

    def __enter__(self) -> None:
        self.backbone.set_attn_implementation("eager")

    def __exit__(self, *exc_info) -> None:
        self.backbone.set_attn_implementation(self.previous)


def _pair_loader(tokenizer, pairs, batch_size: int, max_length: int) -> DataLoader:
    def collate(batch_pairs):
        batch = tokenize_pairs(tokenizer, batch_pairs, max_length=max_length)
        # Label 0: the chosen response is the first of the two logits.
        batch["labels"] = torch.zeros(len(batch_pairs), dtype=torch.long)
        return batch

    return DataLoader(list(pairs), batch_size=batch_size, collate_fn=collate)


def _build_laplace(adapter: LaplaceAdapter, hessian_structure: str):
    return Laplace(
        adapter,
        "reward_modeling",
        subset_of_weights="all",
        hessian_structure=hessian_structure,
    )


def fit_laplace(
    model: RewardModel,
    tokenizer,
    pairs: Sequence[Mapping[str, str]],
    *,
    hessian_structure: str = "kron",
    prior_optimization: str = "marglik",
    prior_precision: float = 1.0,
    prior_structure: str = "scalar",
    marglik_steps: int = 100,
    batch_size: int = 8,
    max_length: int = 256,
) -> LaplaceRewardModel:
    """Fit a Laplace posterior over the trainable weights of a reward model.

    Parameters
    ----------
    model : RewardModel
        Trained reward model; its current weights are the MAP estimate. Only
        parameters with ``requires_grad`` (LoRA and head) get a posterior.
    pairs : sequence of dict
        Preference pairs with keys ``prompt``, ``chosen`` and ``rejected``,
        normally the reward model's training pairs.
    hessian_structure : {"kron", "diag", "full"}
        GGN structure. ``"full"`` costs one GGN-vector product per weight and
        is meant for small models.

        NOTE: laplace-torch 0.3's KFAC (curvlinops, ``kfac_approx="expand"``)
        builds the head's input factor from the chosen and rejected features
        separately, not from their difference. That adds curvature along the
        mean feature, where the Bradley-Terry GGN has almost none, so KFAC
        variances can be much smaller than the full-GGN ones (about 50 times on
        the tiny test model, where diag stays within 10%).
    prior_optimization : {"marglik", "none"}
        ``"marglik"`` tunes the prior precision by gradient ascent on the Laplace
        log marginal likelihood (``marglik_steps`` Adam steps, starting from
        ``prior_precision``); ``"none"`` keeps ``prior_precision``.
    prior_structure : {"scalar", "layerwise"}
        One prior precision for all weights, or one per parameter tensor.

    Returns
    -------
    LaplaceRewardModel
    """
    _check_option("hessian_structure", hessian_structure, HESSIAN_STRUCTURES)
    _check_option("prior_optimization", prior_optimization, PRIOR_OPTIMIZATIONS)
    _check_option("prior_structure", prior_structure, PRIOR_STRUCTURES)
    _check_pairs(pairs, "pairs")

    if prior_precision <= 0:
        raise ValueError(f"prior_precision must be positive, got {prior_precision}.")

    # laplace-torch takes the dtype of the posterior from the first parameter,
    # which is a backbone weight, so every weight must share one float dtype.
    dtypes = {p.dtype for p in model.parameters()}

    if dtypes not in ({torch.float32}, {torch.float64}):
        raise ValueError(
            f"fit_laplace needs all weights in float32 or all in float64, got "
            f"{sorted(map(str, dtypes))}; build the reward model with "
            "dtype=torch.float32."
        )

    model.eval()
    adapter = LaplaceAdapter(model)
    la = _build_laplace(adapter, hessian_structure)
    loader = _pair_loader(tokenizer, pairs, batch_size, max_length)
    logger.info(
        "Fitting %s Laplace on %d pairs over %d weights",
        hessian_structure,
        len(pairs),
        la.n_params,
    )

    try:
        if hessian_structure == "full":
            with _EagerAttention(model):
                la.fit(loader)
        else:
            la.fit(loader)
    except SystemExit as err:
        # laplace-torch 0.3 calls exit() when the eigendecomposition of a
        # Kronecker factor fails twice (laplace/utils/utils.py, symeig), which
        # would end a script with status 0 and no message.
        raise RuntimeError(
            "The Laplace fit failed: the eigendecomposition of a Kronecker factor "
            "of the GGN did not converge, usually because the reward model's "
            "weights or rewards are not finite. Check its training metrics and "
            "retrain with a lower learning rate."
        ) from err

    if prior_optimization == "marglik":
        # laplace-torch warns about the classification link approximation, which
        # the reward (regression-style) predictive does not use.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            la.optimize_prior_precision(
                pred_type="glm",
                method="marglik",
                n_steps=marglik_steps,
                init_prior_prec=prior_precision,
                prior_structure=prior_structure,
            )
    else:
        la.prior_precision = prior_precision

    logger.info(
        "Prior precision %s, log marginal likelihood %.4g",
        la.prior_precision.tolist(),
        la.log_marginal_likelihood().item(),
    )
    return LaplaceRewardModel(
        model,
        tokenizer,
        la,
        hessian_structure=hessian_structure,
        max_length=max_length,
    )


class LaplaceRewardModel:
    """A reward model with a Laplace posterior over its trainable weights.

    Attributes
    ----------
    model : RewardModel
        The MAP reward model.
    tokenizer : transformers.PreTrainedTokenizerBase
    la : laplace.ParametricLaplace
        The fitted laplace-torch posterior.
    hessian_structure : str
    max_length : int
        Default truncation length for :meth:`predict`.
    """

    def __init__(
        self,
        model: RewardModel,
        tokenizer,
        la,
        *,
        hessian_structure: str,
        max_length: int = 256,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.la = la
        self.hessian_structure = hessian_structure
        self.max_length = max_length
        self._targets = _gradient_targets(model, la.params)
        self._kron_cache: tuple[tuple, list] | None = None

    @property
    def prior_precision(self) -> np.ndarray:
        """Tuned prior precision, one value or one per parameter tensor."""
        return self.la.prior_precision.detach().cpu().numpy()

    def predict(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        *,
        batch_size: int = 16,
        max_length: int | None = None,
        method: str = "fast",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Compute the linearised Laplace predictive of each response's reward.

        Parameters
        ----------
        prompts, responses : sequence of str
            Formatted prompts and responses, one prompt per response.
        method : {"fast", "laplace_torch"}
            Per-sample gradients from one backward pass, or laplace-torch's own
            ``la(x, pred_type="glm")`` (slower; cost quadratic in the batch).

        Returns
        -------
        mean : np.ndarray
            MAP rewards ``(n,)``.
        variance : np.ndarray
            ``J Σ Jᵀ`` for each response ``(n,)``, non-negative.
        """
        _check_option("method", method, PREDICT_METHODS)

        if len(prompts) != len(responses):
            raise ValueError(
                f"Got {len(prompts)} prompts but {len(responses)} responses; "
                "pass one prompt per response."
            )

        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}.")

        max_length = max_length or self.max_length
        order = sorted(
            range(len(prompts)), key=lambda i: len(prompts[i]) + len(responses[i])
        )
        mean = np.empty(len(prompts), dtype=np.float64)
        variance = np.empty(len(prompts), dtype=np.float64)
        device = next(self.model.parameters()).device
        self.model.eval()

        for start in tqdm(
            range(0, len(order), batch_size), desc="Laplace predictive", leave=False
        ):
            index = order[start : start + batch_size]
            batch = tokenize(
                self.tokenizer,
                [prompts[i] for i in index],
                [responses[i] for i in index],
                max_length=max_length,
            )
            batch_mean, batch_variance = self.predict_batch(
                batch["input_ids"].to(device),
                batch["attention_mask"].to(device),
                method=method,
            )
            mean[index] = batch_mean.double().cpu().numpy()
            variance[index] = batch_variance.double().cpu().numpy()

        return mean, variance

    def predict_batch(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        *,
        method: str = "fast",
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Compute the MAP reward and its variance for a tokenised batch.

        Parameters
        ----------
        input_ids, attention_mask : torch.Tensor
            ``(batch, seq_len)``; any padding side.

        Returns
        -------
        mean, variance : torch.Tensor
            Each ``(batch,)``.
        """
        _check_option("method", method, PREDICT_METHODS)

        if method == "laplace_torch":
            batch = {"input_ids": input_ids, "attention_mask": attention_mask}
            mean, variance = self.la(batch, pred_type="glm")
            return mean[:, 0].detach(), variance[:, 0, 0].detach().clamp(min=0.0)

        rewards, gradients = _per_sample_gradients(
            self.model, self._targets, input_ids, attention_mask
        )

        if self.hessian_structure == "kron":
            variance = self._kron_variance(gradients)
        else:
            jacobians = torch.cat(
                [g.reshape(g.shape[0], -1) for g in gradients], dim=1
            ).unsqueeze(1)
            variance = self.la.functional_variance(jacobians)[:, 0, 0]

        return rewards.detach(), variance.detach().clamp(min=0.0)

    def _kron_groups(self) -> list:
        # The stacked eigenbases are cached per prior precision, so changing the
        # prior after fitting still takes effect.
        key = (id(self.la.H), tuple(self.la.prior_precision.tolist()))

        if self._kron_cache is None or self._kron_cache[0] != key:
            self._kron_cache = (key, _group_kron_blocks(_kron_eigenbasis(self.la)))

        return self._kron_cache[1]

    def _kron_variance(self, gradients: list[torch.Tensor]) -> torch.Tensor:
        variance = torch.zeros(
            gradients[0].shape[0], dtype=gradients[0].dtype, device=gradients[0].device
        )

        for indices, eigenvectors, inverse_eigenvalues in self._kron_groups():
            stacked = torch.stack([gradients[i] for i in indices])

            if len(eigenvectors) == 1:
                # (k, batch, out) @ (k, out, out): rotates every sample's bias
                # gradient into its block's eigenbasis.
                rotated = stacked @ eigenvectors[0]
            else:
                q_out, q_in = eigenvectors
                rotated = q_out.transpose(-1, -2).unsqueeze(1) @ stacked
                rotated = rotated @ q_in.unsqueeze(1)

            weighted = rotated.square() * inverse_eigenvalues.unsqueeze(1)
            variance += weighted.flatten(2).sum(dim=2).sum(dim=0)

        return variance


def save_laplace(posterior: LaplaceRewardModel, path: str | os.PathLike) -> None:
    """Write the fitted posterior to the directory ``path``, without pickles.

    The safetensors file contains the GGN (Kronecker factors, or the diagonal or
    full matrix), the prior precision and the MAP weight vector. A JSON file
    contains the structure and counts. The reward model itself is saved
    separately with :func:`bayesrm_utils.reward_model.save_reward_model`.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    state = posterior.la.state_dict()
    structure = posterior.hessian_structure
    tensors = {
        "mean": state["mean"],
        "prior_precision": state["prior_precision"],
        "prior_mean": state["prior_mean"].reshape(-1),
        "sigma_noise": state["sigma_noise"].reshape(-1),
        "loss": torch.as_tensor(state["loss"]).reshape(-1),
    }

    if structure == "kron":
        for i, factors in enumerate(state["H"]):
            for j, factor in enumerate(factors):
                tensors[f"H.{i}.{j}"] = factor
    else:
        tensors["H"] = state["H"]

    tensors = {
        name: tensor.detach().contiguous().cpu() for name, tensor in tensors.items()
    }
    config = {
        "hessian_structure": structure,
        "max_length": posterior.max_length,
        "n_data": state["n_data"],
        "n_outputs": state["n_outputs"],
        "temperature": state["temperature"],
        "n_kron_blocks": len(state["H"]) if structure == "kron" else 0,
    }
    _atomic_save(path / POSTERIOR_FILE, lambda tmp: save_file(tensors, tmp))
    _atomic_save(
        path / POSTERIOR_CONFIG_FILE,
        lambda tmp: Path(tmp).write_text(json.dumps(config, indent=2) + "\n"),
    )


def load_laplace(
    path: str | os.PathLike, model: RewardModel, tokenizer
) -> LaplaceRewardModel:
    """Rebuild a posterior written by :func:`save_laplace` around ``model``.

    Raises
    ------
    ValueError
        When the stored MAP weights differ from the trainable weights of
        ``model``, i.e. the posterior belongs to another reward model.
    """
    path = Path(path)
    config_path = path / POSTERIOR_CONFIG_FILE

    if not config_path.is_file():
        raise FileNotFoundError(f"No Laplace posterior config at {config_path}.")

    config = json.loads(config_path.read_text())
    tensors = load_file(path / POSTERIOR_FILE)
    model.eval()
    la = _build_laplace(LaplaceAdapter(model), config["hessian_structure"])
    mean = tensors["mean"]
    current = parameters_to_vector(la.params).detach().cpu()

    if mean.shape != current.shape or not torch.allclose(mean, current):
        raise ValueError(
            f"The posterior mean in {path / POSTERIOR_FILE} does not match the "
            "trainable weights of the given reward model; load the reward model "
            "the posterior was fitted on."
        )

    if config["hessian_structure"] == "kron":
        hessian = [
            [tensors[f"H.{i}.{j}"] for j in range(2) if f"H.{i}.{j}" in tensors]
            for i in range(config["n_kron_blocks"])
        ]
    else:
        hessian = tensors["H"]

    device = next(model.parameters()).device
    state = {
        "mean": mean.to(device),
        "H": hessian,
        "loss": tensors["loss"][0],
        "prior_mean": tensors["prior_mean"],
        "prior_precision": tensors["prior_precision"],
        "sigma_noise": tensors["sigma_noise"],
        "n_data": config["n_data"],
        "n_outputs": config["n_outputs"],
        "likelihood": "reward_modeling",
        "temperature": config["temperature"],
        "enable_backprop": False,
        "cls_name": type(la).__name__,
    }
    la.load_state_dict(state)

    if config["hessian_structure"] == "kron":
        # laplace-torch 0.3 restores the raw factors only, and the posterior
        # precision needs their eigendecomposition.
        la.H_facs = Kron(hessian)
        la.H = la.H_facs.decompose(damping=la.damping)

    return LaplaceRewardModel(
        model,
        tokenizer,
        la,
        hessian_structure=config["hessian_structure"],
        max_length=config["max_length"],
    )


def _gradient_targets(
    model: nn.Module, params: Sequence[torch.Tensor]
) -> list[tuple[nn.Linear, str]]:
    """Map each posterior parameter to its ``nn.Linear`` and ``weight``/``bias``."""
    owners = {}

    for module in model.modules():
        if isinstance(module, nn.Linear):
            owners[id(module.weight)] = (module, "weight")
            if module.bias is not None:
                owners[id(module.bias)] = (module, "bias")

    targets = []

    for param in params:
        if id(param) not in owners:
            raise ValueError(
                "The fast Laplace variance supports trainable nn.Linear weights "
                f"only, but found a trainable parameter of shape {tuple(param.shape)}"
                " elsewhere; use method='laplace_torch'."
            )
        targets.append(owners[id(param)])

    return targets


def _per_sample_gradients(
    model: RewardModel,
    targets: list[tuple[nn.Linear, str]],
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Compute rewards and per-response reward gradients in one backward pass.

    Returns
    -------
    rewards : torch.Tensor
        ``(batch,)``
    gradients : list of torch.Tensor
        One per target, ``(batch, out, in)`` for weights and ``(batch, out)``
        for biases.
    """
    modules = list(dict.fromkeys(module for module, _ in targets))
    captured: dict[nn.Module, tuple[torch.Tensor, torch.Tensor]] = {}

    def capture(module, inputs, output):
        if module in captured:
            raise RuntimeError(
                "A layer with trainable weights ran twice in one forward pass; "
                "the fast Laplace variance needs each layer to run once."
            )
        captured[module] = (inputs[0].detach(), output)

    handles = [module.register_forward_hook(capture) for module in modules]

    try:
        with torch.enable_grad():
            rewards = model(input_ids, attention_mask)
            outputs = [captured[module][1] for module in modules]
            # Samples do not interact, so the gradient of the summed reward with
            # respect to a layer output is each sample's own output gradient.
            output_grads = torch.autograd.grad(rewards.sum(), outputs)
    finally:
        for handle in handles:
            handle.remove()

    batch = input_ids.shape[0]
    grad_by_module = dict(zip(modules, output_grads))
    gradients: list[torch.Tensor | None] = [None] * len(targets)
    groups: dict[tuple, list] = {}

    for index, (module, kind) in enumerate(targets):
        output_grad = grad_by_module[module]
        output_grad = output_grad.reshape(batch, -1, output_grad.shape[-1])

        if kind == "bias":
            gradients[index] = output_grad.sum(dim=1)
            continue

        inputs = captured[module][0]
        inputs = inputs.reshape(batch, -1, inputs.shape[-1]).to(output_grad.dtype)
        key = (tuple(output_grad.shape), tuple(inputs.shape))
        groups.setdefault(key, []).append((index, output_grad, inputs))

    # One batched contraction per group of equally shaped layers (e.g. every
    # LoRA A of the model) keeps the number of small kernel launches low.
    for members in groups.values():
        indices, layer_output_grads, layer_inputs = zip(*members)
        stacked = torch.einsum(
            "kbto,kbti->kboi",
            torch.stack(layer_output_grads),
            torch.stack(layer_inputs),
        )
        for index, gradient in zip(indices, stacked):
            gradients[index] = gradient

    return rewards, gradients


def _group_kron_blocks(blocks) -> list[tuple[list[int], list, torch.Tensor]]:
    """Stack the eigenbases of equally shaped Kronecker blocks.

    Returns
    -------
    list of tuple
        ``(block indices, stacked eigenvectors, stacked inverse eigenvalues)``,
        with a leading axis over the blocks of a group.
    """
    groups: dict[tuple, list[int]] = {}

    for index, (eigenvectors, inverse) in enumerate(blocks):
        key = tuple(tuple(q.shape) for q in eigenvectors) + (tuple(inverse.shape),)
        groups.setdefault(key, []).append(index)

    stacked = []

    for indices in groups.values():
        n_factors = len(blocks[indices[0]][0])
        eigenvectors = [
            torch.stack([blocks[i][0][factor] for i in indices])
            for factor in range(n_factors)
        ]
        inverse = torch.stack([blocks[i][1] for i in indices])
        stacked.append((indices, eigenvectors, inverse))

    return stacked


def _kron_eigenbasis(la) -> list[tuple[list[torch.Tensor], torch.Tensor]]:
    """Return per-block eigenvectors and inverse eigenvalues of the posterior
    precision.

    For a two-factor block, the inverse eigenvalues form a grid ``(out, in)``
    matching the weight. laplace-torch scales the GGN factors by its
    likelihood factor and adds the prior precision ``δ`` of the block to
    ``λ_G,i λ_A,j`` (or, with damping, adds ``√δ`` to each factor's eigenvalues).
    """
    precision = la.posterior_precision
    blocks = []

    for param, eigenvectors, eigenvalues, delta in zip(
        la.params, precision.eigenvectors, precision.eigenvalues, precision.deltas
    ):
        block_shape = tuple(len(values) for values in eigenvalues)

        if block_shape != tuple(param.shape):
            raise ValueError(
                f"Kronecker block of shape {block_shape} does not match the "
                f"parameter of shape {tuple(param.shape)}; use method='laplace_torch'."
            )

        if len(eigenvalues) == 1:
            inverse = 1.0 / (eigenvalues[0] + delta)
        elif precision.damping:
            root = torch.sqrt(delta)
            inverse = 1.0 / torch.outer(eigenvalues[0] + root, eigenvalues[1] + root)
        else:
            inverse = 1.0 / (torch.outer(eigenvalues[0], eigenvalues[1]) + delta)

        blocks.append((list(eigenvectors), inverse.detach()))

    return blocks
