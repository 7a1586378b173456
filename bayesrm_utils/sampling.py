"""Best-of-n sampling: many responses to one formatted prompt from the policy.

:func:`sample_responses` runs the prompt through the model once, copies its KV
cache to a batch of samples, and decodes the batch token by token. A sample leaves
the batch as soon as it emits a stop token, so the remaining steps cost only the
unfinished samples. All samples of one prompt have the same length at every step,
so the batch needs neither padding nor an attention mask.
:func:`sample_prompt_batch` decodes a few samples each of several prompts in one
batch instead, with left padding and an attention mask.

Randomness is per sample. Sample ``j`` of a call with ``seed=s`` draws from its own
``torch.Generator`` seeded from ``(s, j)``, one uniform number per token, and picks
the token by inverse transform sampling over the vocabulary in id order. In exact
arithmetic sample ``j`` is therefore the same for any ``batch_size`` and any
``start_index`` that covers it. NOTE: in floating point the batch shape changes the
rounding of the logits, and one rounding difference can flip a draw. The tiny test
models give identical tokens, but on SmolLM2-135M in float32, 5 of 32 samples of 64
tokens diverged between ``batch_size=1`` and ``2``. Keep the batch layout fixed to
reproduce a run token for token.

:func:`reference_sample` draws the same number of samples with plain
``model.generate`` (same temperature and nucleus settings, the global torch RNG).
It is the baseline of ``benchmarks/bench_sampling.py``.

Usage::

    responses = sample_responses(model, tokenizer, format_prompt(row), n=32, seed=7)
"""

from __future__ import annotations

import copy
import inspect
import logging
from dataclasses import dataclass

import numpy as np
import torch
from transformers import GenerationConfig
from transformers.cache_utils import DynamicLayer

from bayesrm_utils.sft import encode_prompt

logger = logging.getLogger(__name__)

END_MARKER = "<|endoftext|>"
DTYPES = (None, torch.float32, torch.bfloat16)


@dataclass(frozen=True)
class SampledResponse:
    """One sampled response and how its generation ended.

    Attributes
    ----------
    text : str
        Decoded response without the stop token.
    token_ids : list of int
        Generated token ids without the stop token.
    finished : bool
        True if generation ended with a stop token, False if it reached
        ``max_new_tokens`` first.
    """

    text: str
    token_ids: list[int]
    finished: bool

    @property
    def n_tokens(self) -> int:
        """Number of response tokens, not counting the stop token."""
        return len(self.token_ids)


def sample_generator(seed: int, index: int) -> torch.Generator:
    """Create the random number generator of sample ``index`` of a ``seed``.

    The two integers are mixed by ``numpy.random.SeedSequence``, so neighbouring
    seeds and indices give unrelated streams.
    """
    state = np.random.SeedSequence([seed, index]).generate_state(1, dtype=np.uint64)
    return torch.Generator().manual_seed(int(state[0]) >> 1)


def token_probabilities(
    logits: torch.Tensor, temperature: float = 1.0, top_p: float = 1.0
) -> torch.Tensor:
    """Turn next-token logits into the sampling distribution.

    Parameters
    ----------
    logits : torch.Tensor, shape ``(batch, vocab)``
    temperature : float
        Divides the logits. ``0`` puts all mass on the arg-max token (ties go to
        the lowest id).
    top_p : float
        Nucleus sampling: keep the smallest set of most probable tokens whose
        total probability is at least ``top_p`` and renormalise. ``1.0`` keeps all.

    Returns
    -------
    torch.Tensor, shape ``(batch, vocab)``, float32, rows summing to 1.
    """
    logits = logits.float()
    if temperature == 0:
        greedy = torch.zeros_like(logits)
        greedy.scatter_(1, logits.argmax(dim=-1, keepdim=True), 1.0)
        return greedy

    probs = torch.softmax(logits / temperature, dim=-1)
    if top_p >= 1.0:
        return probs

    # The nucleus is usually a few hundred tokens, so sort only the top candidates
    # and widen the candidate set until it contains top_p of every row's mass. A
    # larger candidate set leaves a row's nucleus unchanged, so rows stay
    # independent of the other rows in the batch.
    n_candidates = min(256, probs.shape[-1])
    while True:
        sorted_probs, sorted_ids = probs.topk(n_candidates, dim=-1, sorted=True)
        cumulative = sorted_probs.cumsum(dim=-1)
        if n_candidates == probs.shape[-1] or bool((cumulative[:, -1] >= top_p).all()):
            break
        n_candidates = min(4 * n_candidates, probs.shape[-1])

    mass_before = cumulative - sorted_probs
    sorted_probs = sorted_probs.masked_fill(mass_before >= top_p, 0.0)
    nucleus = torch.zeros_like(probs).scatter_(1, sorted_ids, sorted_probs)
    return nucleus / nucleus.sum(dim=-1, keepdim=True)


def draw_tokens(probs: torch.Tensor, generators: list[torch.Generator]) -> torch.Tensor:
    """Draw one token per row by inverse transform sampling.

    Row ``i`` consumes exactly one uniform number from ``generators[i]``, so the
    draw of a row depends only on its probabilities and its own generator.

    Parameters
    ----------
    probs : torch.Tensor, shape ``(batch, vocab)``
    generators : list of torch.Generator, length ``batch``

    Returns
    -------
    torch.Tensor, shape ``(batch,)``, int64 token ids, each with positive
    probability.
    """
    uniforms = torch.cat(
        [torch.rand(1, generator=g, dtype=torch.float64) for g in generators]
    )
    cdf = probs.double().cumsum(dim=-1)
    targets = (uniforms * cdf[:, -1]).unsqueeze(1)
    tokens = torch.searchsorted(cdf, targets, right=True).squeeze(1)

    # Rounding can put a target at the total mass, so fall back to the last token
    # with positive probability.
    vocab_size = probs.shape[-1]
    overflow = tokens >= vocab_size
    if overflow.any():
        last_positive = vocab_size - 1 - (probs.flip(-1) > 0).int().argmax(dim=-1)
        tokens = torch.where(overflow, last_positive, tokens)
    return tokens


def resolve_stop_token_ids(tokenizer, stop_token_ids=None) -> list[int]:
    """Return the stop token ids: the end marker ``<|endoftext|>`` and EOS.

    Raises
    ------
    ValueError
        If ``stop_token_ids`` is None and ``<|endoftext|>`` is not a single token
        of the tokenizer, or if the resulting list is empty.
    """
    if stop_token_ids is not None:
        ids = sorted({int(i) for i in stop_token_ids})
        if not ids:
            raise ValueError("stop_token_ids is empty: pass at least one token id")
        return ids

    marker_ids = tokenizer(END_MARKER, add_special_tokens=False)["input_ids"]
    if len(marker_ids) != 1:
        raise ValueError(
            f"end marker {END_MARKER!r} encodes to {len(marker_ids)} tokens "
            f"{marker_ids}: add it as a special token "
            "(tokenizer.add_special_tokens) or pass stop_token_ids"
        )
    ids = set(marker_ids)
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return sorted(ids)


def _check_arguments(
    n, seed, start_index, max_new_tokens, temperature, top_p, batch_size
):
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if start_index < 0:
        raise ValueError(f"start_index must be non-negative, got {start_index}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
    if temperature < 0:
        raise ValueError(f"temperature must be non-negative, got {temperature}")
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")


def _model_in_dtype(model, dtype):
    """Return ``model`` itself, or a copy of it cast to ``dtype``."""
    if dtype not in DTYPES:
        raise ValueError(f"invalid dtype {dtype}: expected one of {DTYPES}")
    model_dtype = next(model.parameters()).dtype
    if dtype is None or dtype == model_dtype:
        return model
    if dtype == torch.bfloat16:
        # CPU autocast measured slower than a bfloat16 copy of the weights because
        # it casts the float32 weights inside the forward passes.
        logger.debug("casting a copy of the model to bfloat16 for sampling")
        return copy.deepcopy(model).to(torch.bfloat16)
    raise ValueError(
        f"dtype=torch.float32 requested for a model in {model_dtype}: load the "
        "model in float32 or pass dtype=None"
    )


class _PreallocatedLayer(DynamicLayer):
    """KV cache layer that writes into buffers sized for the whole response.

    ``DynamicLayer`` concatenates the new key and value states at every step, which
    copies the whole cache each time. This layer keeps ``keys`` and ``values`` as
    views of the filled part of preallocated buffers instead.
    """

    def __init__(self, keys: torch.Tensor, values: torch.Tensor, capacity: int):
        super().__init__()
        batch_size, heads, length, _ = keys.shape
        self.key_buffer = keys.new_empty((batch_size, heads, capacity, keys.shape[-1]))
        self.value_buffer = values.new_empty(
            (batch_size, heads, capacity, values.shape[-1])
        )
        self.key_buffer[:, :, :length] = keys
        self.value_buffer[:, :, :length] = values
        self.length = length
        self.device = keys.device
        self.is_initialized = True
        self._update_views()

    def _update_views(self) -> None:
        self.keys = self.key_buffer[:, :, : self.length]
        self.values = self.value_buffer[:, :, : self.length]

    def update(self, key_states, value_states, *args, **kwargs):
        end = self.length + key_states.shape[-2]
        self.key_buffer[:, :, self.length : end] = key_states
        self.value_buffer[:, :, self.length : end] = value_states
        self.length = end
        self._update_views()
        return self.keys, self.values

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self.key_buffer = self.key_buffer[indices]
        self.value_buffer = self.value_buffer[indices]
        self._update_views()


def _expand_prompt_cache(prompt_cache, repeats: int, capacity: int):
    """Repeat every row of a prompt cache ``repeats`` times, with room to grow.

    Row ``p`` of the prompt cache becomes rows ``p * repeats`` to
    ``(p + 1) * repeats - 1``. Plain ``DynamicLayer`` layers become preallocated
    buffers of ``capacity`` positions. Other layer types (for example
    sliding-window layers) are repeated and keep their own update rule.
    """
    cache = copy.deepcopy(prompt_cache)
    for index, layer in enumerate(cache.layers):
        if type(layer) is DynamicLayer and layer.is_initialized:
            cache.layers[index] = _PreallocatedLayer(
                layer.keys.repeat_interleave(repeats, dim=0),
                layer.values.repeat_interleave(repeats, dim=0),
                capacity,
            )
        else:
            layer.batch_repeat_interleave(repeats)
    return cache


def _cache_argument_name(model) -> str:
    # transformers 5.25 names the cache argument and output ``cache`` and keeps
    # ``past_key_values`` as a deprecated alias; earlier releases may lack ``cache``.
    if "cache" in inspect.signature(model.forward).parameters:
        return "cache"
    return "past_key_values"


def _make_response(tokenizer, token_ids, finished) -> SampledResponse:
    text = tokenizer.decode(token_ids, skip_special_tokens=False)
    return SampledResponse(text=text, token_ids=token_ids, finished=finished)


@torch.inference_mode()
def _decode_batch(
    model,
    prompt_cache,
    prompt_probs: torch.Tensor,
    generators: list[torch.Generator],
    *,
    prompt_mask: torch.Tensor | None = None,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    stop_token_ids: torch.Tensor,
    cache_name: str,
) -> list[tuple[list[int], bool]]:
    """Decode one batch of samples that continue the prompts of a prompt cache.

    The cache and ``prompt_probs`` have one row per prompt. Each prompt gets
    ``len(generators) // prompts`` consecutive samples, in generator order.
    ``prompt_mask`` of shape ``(prompts, prompt_length)`` marks the real tokens
    of left-padded prompts; None means no padding.

    Returns one ``(token_ids, finished)`` per generator, stop token excluded.
    """
    batch_size = len(generators)
    repeats = batch_size // prompt_probs.shape[0]
    prompt_length = prompt_cache.get_seq_length()
    capacity = prompt_length + max_new_tokens
    cache = _expand_prompt_cache(prompt_cache, repeats, capacity)
    probs = prompt_probs.repeat_interleave(repeats, dim=0)

    mask = positions = None
    if prompt_mask is not None:
        mask = prompt_mask.new_ones((batch_size, capacity))
        mask[:, :prompt_length] = prompt_mask.repeat_interleave(repeats, dim=0)
        positions = mask[:, :prompt_length].sum(dim=1)

    tokens = [[] for _ in range(batch_size)]
    finished = [False] * batch_size
    active = list(range(batch_size))

    for step in range(max_new_tokens):
        next_tokens = draw_tokens(probs, [generators[i] for i in active])
        stopped = torch.isin(next_tokens, stop_token_ids)

        for row, sample in enumerate(active):
            if stopped[row]:
                finished[sample] = True
            else:
                tokens[sample].append(int(next_tokens[row]))

        if step == max_new_tokens - 1 or bool(stopped.all()):
            break

        if stopped.any():
            keep = (~stopped).nonzero().squeeze(1)
            cache.batch_select_indices(keep)
            next_tokens = next_tokens[keep]
            active = [active[row] for row in keep.tolist()]
            if mask is not None:
                mask = mask[keep]
                positions = positions[keep]

        inputs = {"input_ids": next_tokens.unsqueeze(1), cache_name: cache}
        if mask is not None:
            # Token ``step`` of a row sits at its count of real prompt tokens plus
            # ``step``, whatever padding precedes the prompt.
            inputs["attention_mask"] = mask[:, : prompt_length + step + 1]
            inputs["position_ids"] = (positions + step).unsqueeze(1)
        logits = model(use_cache=True, **inputs).logits
        probs = token_probabilities(logits[:, -1], temperature, top_p)

    return list(zip(tokens, finished))


def sample_responses(
    model,
    tokenizer,
    prompt: str,
    n: int,
    *,
    max_new_tokens: int = 64,
    temperature: float = 1.0,
    top_p: float = 1.0,
    seed: int,
    batch_size: int = 32,
    stop_token_ids: list[int] | None = None,
    start_index: int = 0,
    dtype: torch.dtype | None = None,
    return_metadata: bool = False,
) -> list[str] | list[SampledResponse]:
    """Sample ``n`` responses to one formatted prompt with a shared prompt cache.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        Causal LM with a ``DynamicCache`` (Llama, GPT-NeoX and most decoders).
    tokenizer : transformers.PreTrainedTokenizerBase
    prompt : str
        Formatted prompt, e.g. ``"<|prompter|>...<|endoftext|><|assistant|>"``,
        encoded as in SFT training (:func:`bayesrm_utils.sft.encode_prompt`).
    n : int
        Number of samples, at least 1.
    max_new_tokens : int
        Maximum tokens per response, stop token included.
    temperature, top_p : float
        Sampling temperature (``0`` is greedy) and nucleus mass.
    seed : int
        Non-negative seed. Sample ``j`` uses generator :func:`sample_generator`
        ``(seed, start_index + j)``; use one seed per prompt.
    batch_size : int
        Samples decoded together. The samples do not depend on it.
    stop_token_ids : list of int, optional
        Tokens that end a response. Default: ``<|endoftext|>`` and the tokenizer's
        EOS token.
    start_index : int
        Index of the first sample, for resuming a partial run.
    dtype : {None, torch.float32, torch.bfloat16}
        Compute dtype. None uses the model as it is. ``torch.bfloat16`` on a
        float32 model samples from a bfloat16 copy made for this call; load the
        model in bfloat16 to skip the copy.
    return_metadata : bool
        Return :class:`SampledResponse` objects instead of strings.

    Returns
    -------
    list of str, or list of SampledResponse if ``return_metadata``, length ``n``.
    Texts exclude the stop token.
    """
    _check_arguments(
        n, seed, start_index, max_new_tokens, temperature, top_p, batch_size
    )
    stop_ids = torch.tensor(resolve_stop_token_ids(tokenizer, stop_token_ids))
    prompt_ids = torch.tensor([encode_prompt(tokenizer, prompt)])
    sampling_model = _model_in_dtype(model, dtype)
    cache_name = _cache_argument_name(sampling_model)

    responses = []
    was_training = sampling_model.training
    sampling_model.eval()
    try:
        with torch.inference_mode():
            output = sampling_model(
                input_ids=prompt_ids, use_cache=True, logits_to_keep=1
            )
            prompt_cache = getattr(output, cache_name)
            prompt_probs = token_probabilities(output.logits[:, -1], temperature, top_p)

        for batch_start in range(0, n, batch_size):
            indices = range(batch_start, min(batch_start + batch_size, n))
            generators = [sample_generator(seed, start_index + j) for j in indices]
            decoded = _decode_batch(
                sampling_model,
                prompt_cache,
                prompt_probs,
                generators,
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                stop_token_ids=stop_ids,
                cache_name=cache_name,
            )
            responses.extend(
                _make_response(tokenizer, ids, done) for ids, done in decoded
            )
    finally:
        sampling_model.train(was_training)

    logger.debug(
        "sampled %d responses, %d finished", n, sum(r.finished for r in responses)
    )
    if return_metadata:
        return responses
    return [response.text for response in responses]


def sample_prompt_batch(
    model,
    tokenizer,
    prompts: list[str],
    n: int,
    *,
    seeds: list[int],
    max_new_tokens: int = 64,
    temperature: float = 1.0,
    top_p: float = 1.0,
    stop_token_ids: list[int] | None = None,
    dtype: torch.dtype | None = None,
    return_metadata: bool = False,
) -> list[list[str]] | list[list[SampledResponse]]:
    """Sample ``n`` responses to each of several prompts in one decoding batch.

    Meant for small ``n``, where one prompt would leave most of a batch empty:
    the ``len(prompts) * n`` samples decode together. The prompts are left-padded
    to a common length and run through the model once. Sample ``j`` of prompt
    ``p`` uses generator :func:`sample_generator` ``(seeds[p], j)``, as
    :func:`sample_responses` does with ``seed=seeds[p]``, so both draw from the
    same distribution. The tokens match that call's on the tiny test models, but
    padding and the batch shape change the rounding of the logits (by up to 6e-5
    on SmolLM2-135M in float32), and a rounding difference can flip a draw. Keep
    the grouping of prompts fixed to reproduce a run token for token.

    Takes the arguments of :func:`sample_responses` except ``batch_size`` and
    ``start_index``, with one seed per prompt.

    Returns
    -------
    list, one entry per prompt, of ``n`` str (or :class:`SampledResponse` if
    ``return_metadata``).
    """
    if len(seeds) != len(prompts):
        raise ValueError(
            f"got {len(seeds)} seeds for {len(prompts)} prompts: pass one seed per "
            "prompt"
        )
    if not prompts:
        return []
    for seed in seeds:
        _check_arguments(n, seed, 0, max_new_tokens, temperature, top_p, 1)
    stop_ids = torch.tensor(resolve_stop_token_ids(tokenizer, stop_token_ids))
    sampling_model = _model_in_dtype(model, dtype)
    cache_name = _cache_argument_name(sampling_model)

    encoded = [encode_prompt(tokenizer, prompt) for prompt in prompts]
    width = max(len(ids) for ids in encoded)
    pad_id = int(stop_ids[0])
    prompt_ids = torch.tensor([[pad_id] * (width - len(ids)) + ids for ids in encoded])
    prompt_mask = torch.tensor(
        [[0] * (width - len(ids)) + [1] * len(ids) for ids in encoded]
    )
    padded = bool((prompt_mask == 0).any())

    generators = [sample_generator(seed, j) for seed in seeds for j in range(n)]
    was_training = sampling_model.training
    sampling_model.eval()
    try:
        with torch.inference_mode():
            inputs = {"input_ids": prompt_ids}
            if padded:
                inputs["attention_mask"] = prompt_mask
                inputs["position_ids"] = (prompt_mask.cumsum(dim=1) - 1).clamp(min=0)
            output = sampling_model(use_cache=True, logits_to_keep=1, **inputs)
            prompt_probs = token_probabilities(output.logits[:, -1], temperature, top_p)
            decoded = _decode_batch(
                sampling_model,
                getattr(output, cache_name),
                prompt_probs,
                generators,
                prompt_mask=prompt_mask if padded else None,
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                stop_token_ids=stop_ids,
                cache_name=cache_name,
            )
    finally:
        sampling_model.train(was_training)

    responses = [_make_response(tokenizer, ids, done) for ids, done in decoded]
    if not return_metadata:
        responses = [response.text for response in responses]
    return [responses[p * n : (p + 1) * n] for p in range(len(prompts))]


def reference_sample(
    model,
    tokenizer,
    prompt: str,
    n: int,
    *,
    max_new_tokens: int = 64,
    temperature: float = 1.0,
    top_p: float = 1.0,
    seed: int,
    batch_size: int = 32,
    stop_token_ids: list[int] | None = None,
    dtype: torch.dtype | None = None,
    return_metadata: bool = False,
) -> list[str] | list[SampledResponse]:
    """Sample ``n`` responses with plain ``model.generate`` on repeated prompts.

    Takes the arguments of :func:`sample_responses` except ``start_index``. The
    global torch RNG is seeded once with ``seed``, so the samples follow the same
    distribution as :func:`sample_responses` but are not the same tokens, and they
    change with ``batch_size``. Each batch encodes the prompt once per sample and keeps
    finished samples in the batch as padding until all have finished.
    """
    _check_arguments(n, seed, 0, max_new_tokens, temperature, top_p, batch_size)
    sampling_model = _model_in_dtype(model, dtype)
    stop_ids = resolve_stop_token_ids(tokenizer, stop_token_ids)
    prompt_ids = torch.tensor([encode_prompt(tokenizer, prompt)])

    # A fresh config so that defaults stored with the model (top_k=50, repetition
    # penalty, ...) do not change the distribution.
    generation_config = GenerationConfig(
        do_sample=temperature > 0,
        temperature=temperature if temperature > 0 else None,
        top_p=top_p,
        top_k=0,
        max_new_tokens=max_new_tokens,
        eos_token_id=stop_ids,
        pad_token_id=stop_ids[0],
    )

    torch.manual_seed(seed)
    responses = []
    with torch.inference_mode():
        for batch_start in range(0, n, batch_size):
            rows = min(batch_size, n - batch_start)
            input_ids = prompt_ids.expand(rows, -1)
            generated = sampling_model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                generation_config=generation_config,
            )[:, prompt_ids.shape[1] :]

            for row in generated.tolist():
                stops = [k for k, token in enumerate(row) if token in stop_ids]
                end = stops[0] if stops else len(row)
                responses.append(_make_response(tokenizer, row[:end], bool(stops)))

    if return_metadata:
        return responses
    return [response.text for response in responses]
